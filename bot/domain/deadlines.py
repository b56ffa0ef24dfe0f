"""Deadlines the office is held to for each aspiration, in working days (SP4N-LAPOR!'s rules).

Every ticket has a classification, which staff may change in the Aspirasi sheet: Informasi, Keluhan and
Saran are followed up within `aspiration_followup_days` (5), a Sengketa without a field check within
`aspiration_dispute_days` (14), a Pengaduan that needs a field check within `aspiration_field_check_days`
(60); every ticket gets a first response within `aspiration_response_days` (3).  Days are counted from the
day the ticket arrived, in working days (`bot.domain.working_days`); a deadline passes at the end of its day.

The staff group is reminded one working day before each deadline and told once when one passes: one message a
day for each kind, listing the tickets; each ticket, stage and deadline is recorded in `aspiration_notice`, so
neither a second worker nor a restart nor the outbox's retention repeats one (a new classification makes a
new deadline, and that one is announced too).  The share of tickets answered within their deadline
is counted per section and month of the deadline: /status and the monthly post show it.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from babel.dates import format_date

from bot.base.i18n import t
from bot.base.settings import Settings
from bot.domain import texts
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.domain.working_days import WorkingCalendar
from bot.store import aspirations as store
from bot.store import meta, outbox
from bot.store.aspirations import Aspiration
from bot.store.outbox import NewMessage
from reports.deadline_share import DeadlineShare

CLASSIFICATIONS = ("informasi", "keluhan", "saran", "sengketa", "lapangan")
# What staff may type in the Klasifikasi column (lower case), beside the labels themselves.
_ALIASES = {
    "info": "informasi",
    "permintaan informasi": "informasi",
    "pertanyaan": "informasi",
    "komplain": "keluhan",
    "usul": "saran",
    "usulan": "saran",
    "masukan": "saran",
    "aspirasi": "saran",
    "pengaduan": "sengketa",
    "sengketa tanpa peninjauan lapangan": "sengketa",
    "pengaduan tanpa peninjauan lapangan": "sengketa",
    "lapangan": "lapangan",
    "peninjauan lapangan": "lapangan",
    "pengaduan lapangan": "lapangan",
    "pengaduan yang perlu peninjauan lapangan": "lapangan",
    "perlu peninjauan lapangan": "lapangan",
}
RESPONSE = "tanggapan"
FOLLOWUP = "tindaklanjut"
STAGES = (RESPONSE, FOLLOWUP)


def label(classification: str, lang: str = "id") -> str:
    return t(f"deadline.class_{classification}", lang)


def classification_of(a: Aspiration) -> str:
    """The ticket's classification; one from before revision 0010 reads as its channel suggests."""
    if a.classification in CLASSIFICATIONS:
        return a.classification
    return default_for(a.category)


def default_for(category: str) -> str:
    """A survey suggestion is a Saran; anything written with /aspirasi is a Keluhan until staff say otherwise
    (the stricter reading: a complaint gets the same 5 days as information and suggestions)."""
    return "saran" if category == store.CATEGORY_SURVEY else "keluhan"


def parse_classification(raw: str) -> str | None:
    """A classification typed in the sheet; "" for an empty cell (keep what the ticket has), None if unknown."""
    value = " ".join(raw.strip().lower().split())
    if not value:
        return ""
    if value in CLASSIFICATIONS:
        return value
    by_label = {label(c).lower(): c for c in CLASSIFICATIONS}
    return by_label.get(value) or _ALIASES.get(value)


def followup_days(settings: Settings, classification: str) -> int:
    if classification == "sengketa":
        return settings.aspiration_dispute_days
    if classification == "lapangan":
        return settings.aspiration_field_check_days
    return settings.aspiration_followup_days


@lru_cache(maxsize=8)
def _calendar(joint_leave: tuple[date, ...]) -> WorkingCalendar:
    return WorkingCalendar(joint_leave)


def calendar_of(rt: Runtime) -> WorkingCalendar:
    return _calendar(tuple(sorted(set(rt.settings.cuti_bersama))))


@dataclass(frozen=True)
class Deadlines:
    response: date
    followup: date

    def of(self, stage: str) -> date:
        return self.response if stage == RESPONSE else self.followup


def deadlines_of(rt: Runtime, a: Aspiration) -> Deadlines:
    calendar = calendar_of(rt)
    received = a.created_at.astimezone(rt.tz).date()
    return Deadlines(
        response=calendar.add(received, rt.settings.aspiration_response_days),
        followup=calendar.add(received, followup_days(rt.settings, classification_of(a))),
    )


def passes_at(rt: Runtime, day: date) -> datetime:
    """The moment a deadline on `day` has passed: the start of the next day, office time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=rt.tz)


def done_at(a: Aspiration, stage: str) -> datetime | None:
    return a.first_response_at if stage == RESPONSE else a.resolved_at


def long_date(day: date, lang: str) -> str:
    """ "Kamis, 26 Maret 2026": how the sheet and the messages show a deadline."""
    return format_date(day, "EEEE, d MMMM y", locale=lang)


# --- what the citizen sees in /aspirasiku -------------------------------------------------------------------


def citizen_note(rt: Runtime, a: Aspiration, lang: str) -> str:
    """The deadline line under a ticket in /aspirasiku: the next deadline, or plainly that it passed."""
    if a.status in store.CLOSED_STATUSES:
        if a.status == "Diteruskan":
            return t("deadline.mine_forwarded", lang)
        return ""
    d = deadlines_of(rt, a)
    now = rt.clock.now()
    lines, late = [], False
    for stage in STAGES:
        if done_at(a, stage) is not None:
            continue
        day = d.of(stage)
        passed = now >= passes_at(rt, day)
        late |= passed
        lines.append(
            t(
                "deadline.mine_passed" if passed else "deadline.mine_due",
                lang,
                stage=t(f"deadline.stage_{stage}", lang),
                date=long_date(day, lang),
            )
        )
    if late:
        lines.append(t("deadline.mine_sorry", lang))
    return "\n".join(lines)


# --- the staff group: reminder one working day before, notice once passed -------------------------------------


@dataclass(frozen=True)
class Notice:
    """One stage of one ticket to tell the staff group about: due on the next working day, or passed."""

    ticket: Aspiration
    stage: str
    day: date
    passed: bool

    @property
    def key(self) -> str:
        """Once per ticket, stage and deadline: a new classification makes a new deadline, told again."""
        return f"{'late' if self.passed else 'due'}:{self.ticket.id}:{self.stage}:{self.day.isoformat()}"


def notices_due(rt: Runtime, tickets: list[Aspiration], today: date) -> list[Notice]:
    """For each ticket and stage not yet done: a reminder from the working day before its deadline until the
    deadline's day, a notice once the day has passed (recorded in `aspiration_notice`: each one once)."""
    calendar = calendar_of(rt)
    found = []
    for a in tickets:
        d = deadlines_of(rt, a)
        for stage in STAGES:
            if done_at(a, stage) is not None:
                continue
            if stage == RESPONSE and a.status in store.CLOSED_STATUSES:
                continue
            day = d.of(stage)
            if today > day:
                found.append(Notice(a, stage, day, passed=True))
            elif today >= calendar.previous(day):
                found.append(Notice(a, stage, day, passed=False))
    return found


def staff_message(rt: Runtime, notices: list[Notice], today: date, *, passed: bool) -> NewMessage:
    """One message a day for the staff group per kind (due soon / passed), however many tickets: a busy
    week after a session with many survey suggestions must not bury the group in alerts."""
    lang = rt.settings.language
    items = [
        t(
            "deadline.staff_item",
            lang,
            ticket=n.ticket.ticket,
            stage=t(f"deadline.stage_{n.stage}", lang),
            date=long_date(n.day, lang),
            section=html.escape(n.ticket.section),
            classification=label(classification_of(n.ticket), lang),
            status=t(f"aspiration.status_{n.ticket.status}", lang),
            excerpt=html.escape(texts.shorten(" ".join(n.ticket.text.split()), 120)),
        )
        for n in sorted(notices, key=lambda n: (n.day, n.ticket.id, n.stage))
    ]
    key = "deadline.staff_passed" if passed else "deadline.staff_soon"
    text = texts.fit_list(lambda joined: t(key, lang, count=len(items), items=joined), items, sep="\n\n")
    return NewMessage(
        key=f"{'asp_late' if passed else 'asp_due'}:{today.isoformat()}",
        kind=MessageKind.DEADLINE_PASSED if passed else MessageKind.DEADLINE_SOON,
        chat_id=rt.settings.staff_chat_id or 0,
        payload={"text": text, "parse_mode": "HTML", "buttons": []},
        due_at=rt.clock.now(),
        priority=5,
    )


async def watch(rt: Runtime) -> int:
    """Periodic: once a day from `digest_hour`, remind the staff group of deadlines due on the next working
    day and tell it of deadlines that passed.  The clocks start with the first run on a database: tickets
    from before it are never announced (their history is not known well enough to hold anyone to it)."""
    if rt.settings.staff_chat_id is None:
        return 0
    now = rt.clock.now()
    local = now.astimezone(rt.tz)
    today = local.date()
    async with rt.store.connect() as conn:  # every sweep asks; only the first run of a day writes
        since = await meta.get(conn, "deadline_watch_since")
        if since is not None and (
            local.hour < rt.settings.digest_hour
            or await meta.get(conn, "deadline_watch_date") == today.isoformat()
        ):
            return 0
    if since is None:
        async with rt.store.begin() as conn:
            if await meta.get(conn, "deadline_watch_since") is None:
                await meta.put(conn, "deadline_watch_since", now.isoformat())
        return 0
    async with rt.store.begin() as conn:
        if await meta.get(conn, "deadline_watch_date") == today.isoformat():
            return 0  # another worker did it
        await meta.put(conn, "deadline_watch_date", today.isoformat())
        tickets = await store.watched(conn, datetime.fromisoformat(since))
        notices = notices_due(rt, tickets, today)
        fresh = await store.claim_notices(conn, [(n.key, n.ticket.id) for n in notices], now)
        messages = [
            staff_message(rt, chosen, today, passed=passed)
            for passed in (False, True)
            if (chosen := [n for n in notices if n.key in fresh and n.passed == passed])
        ]
        queued = await outbox.enqueue(conn, messages, now)
    if queued:
        rt.wake_sender()
    return queued


# --- the share answered within deadline -------------------------------------------------------------------


@dataclass
class Share:
    """Tickets whose follow-up deadline fell in a month and whose outcome is known, and how many of them were
    answered (Selesai, Ditolak or Diteruskan) by that deadline."""

    on_time: int = 0
    due: int = 0

    def percent(self) -> float:
        return 100.0 * self.on_time / self.due if self.due else 0.0


async def shares(rt: Runtime, start: datetime, end: datetime) -> dict[str, Share]:
    """Per section, the tickets whose follow-up deadline falls in [start, end): on time, and due so far (a
    ticket still open before its deadline counts once its outcome is known)."""
    now = rt.clock.now()
    # A ticket due in the month arrived at most this long before it (five working days take at most seven
    # calendar days, plus the holidays and cuti bersama of the year).
    cfg = rt.settings
    longest = max(cfg.aspiration_followup_days, cfg.aspiration_dispute_days, cfg.aspiration_field_check_days)
    async with rt.store.connect() as conn:
        tickets = await store.created_between(conn, start - timedelta(days=longest * 7 // 5 + 60), end)
    first, last = start.astimezone(rt.tz).date(), end.astimezone(rt.tz).date()
    result: dict[str, Share] = defaultdict(Share)
    for a in tickets:
        day = deadlines_of(rt, a).followup
        if not first <= day < last:
            continue
        limit = passes_at(rt, day)
        answered = a.resolved_at is not None and a.status in store.CLOSED_STATUSES
        if answered and a.resolved_at < limit:
            result[a.section].on_time += 1
            result[a.section].due += 1
        elif now >= limit:
            result[a.section].due += 1
    return dict(result)


async def monthly_shares(rt: Runtime, first: date, last: date, *, months: int = 12) -> list[DeadlineShare]:
    """The share per section for each month from `first` to `last` (at most the last `months` of them, and
    none after this month): what the SKM report prints for its period."""
    today = rt.clock.now().astimezone(rt.tz).date()
    last = min(last, today)
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    index = max(index, end - months + 1)
    found = []
    while index <= end:
        year, month = divmod(index, 12)
        start = datetime(year, month + 1, 1, tzinfo=rt.tz)
        year, month = divmod(index + 1, 12)
        for section, share in sorted(
            (await shares(rt, start, datetime(year, month + 1, 1, tzinfo=rt.tz))).items()
        ):
            found.append(DeadlineShare(start.date(), section, share.on_time, share.due))
        index += 1
    return found


async def status_text(rt: Runtime, lang: str) -> str:
    """/status: the share answered within deadline per section, this month and last month."""
    local = rt.clock.now().astimezone(rt.tz)
    this = datetime(local.year, local.month, 1, tzinfo=rt.tz)
    last = (
        datetime(local.year - 1, 12, 1, tzinfo=rt.tz)
        if local.month == 1
        else this.replace(month=local.month - 1)
    )
    following = (this + timedelta(days=32)).replace(day=1)
    months = []
    for start, end in ((this, following), (last, this)):
        month = format_date(start.date(), "MMMM y", locale=lang)
        found = await shares(rt, start, end)
        months.append(
            t("deadline.status_month", lang, month=month, lines="\n".join(share_lines(found, lang)))
            if found
            else t("deadline.status_none", lang, month=month)
        )
    return t("deadline.status", lang, months="\n".join(months))


def share_lines(found: dict[str, Share], lang: str) -> list[str]:
    """One line per section, then the office's total: "• Bimas Islam: 3 dari 4 (75%)"."""
    total = Share(sum(s.on_time for s in found.values()), sum(s.due for s in found.values()))
    rows = [*sorted(found.items()), (t("deadline.share_total", lang), total)]
    return [
        t(
            "deadline.share_line",
            lang,
            section=html.escape(name),
            on_time=share.on_time,
            due=share.due,
            percent=f"{share.percent():.0f}",
        )
        for name, share in rows
    ]
