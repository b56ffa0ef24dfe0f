"""The monthly "Kami mendengar, kami bertindak" post: what citizens told the office and what it did.

On the 1st of each month (an hour after the staff digest) every subscribed group gets last month's figures:
tickets received and resolved per section, the resolved ones staff marked public, the follow-up plan rows
completed and marked Publik (what was done), and the sessions held with their IKM and its trend.  Keys are per month and chat, so a restart never posts twice.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date

from bot.base.i18n import t
from bot.domain import deadlines, followup, report_counts, tally, texts
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.store import aspirations as store
from bot.store import chats, meta, outbox
from bot.store import sessions as store_sessions
from bot.store.outbox import NewMessage
from reports.numbers import number

MAX_ITEMS = 8


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def number(self) -> int:
        """The month as the report's counts key it (202603)."""
        return self.year * 100 + self.month

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def following(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds(self, rt: Runtime) -> tuple[datetime, datetime]:
        start = datetime(self.year, self.month, 1, tzinfo=rt.tz)
        nxt = self.following()
        return start, datetime(nxt.year, nxt.month, 1, tzinfo=rt.tz)

    def label(self, lang: str) -> str:
        return format_date(date(self.year, self.month, 1), "MMMM y", locale=lang)

    @classmethod
    def parse(cls, text: str) -> Month:
        year, _, month = text.partition("-")
        value = cls(int(year), int(month))
        if not 1 <= value.month <= 12:
            raise ValueError(text)
        return value


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def render(rt: Runtime, month: Month, lang: str) -> str | None:
    """The post for `month` in `lang`, or None when nothing happened that month."""

    start, end = month.bounds(rt)
    async with rt.store.connect() as conn:
        tickets = await store.in_period(conn, start, end)
        sessions = await store_sessions.list_sessions(conn, starts_from=start, starts_before=end)
    received = Counter(a.section for a in tickets if start <= a.created_at < end)
    resolved_tickets = [
        a
        for a in tickets
        if a.status == "Selesai" and a.resolved_at is not None and start <= a.resolved_at < end
    ]
    resolved = Counter(a.section for a in resolved_tickets)
    on_time = await deadlines.shares(rt, start, end)
    plan = await followup.public_items(rt, start, end, lang)
    if not received and not resolved and not sessions and not on_time and not plan:
        return None
    parts = [t("monthly.title", lang, month=month.label(lang), office=html.escape(rt.settings.office_name))]
    if received or resolved:
        lines = [
            t(
                "monthly.section_line",
                lang,
                section=html.escape(name),
                received=received[name],
                resolved=resolved[name],
            )
            for name in sorted(set(received) | set(resolved))
        ]
        parts.append(
            t(
                "monthly.tickets",
                lang,
                lines="\n".join(lines),
                received=sum(received.values()),
                resolved=sum(resolved.values()),
            )
        )
    if on_time:
        parts.append(t("deadline.monthly", lang, lines="\n".join(deadlines.share_lines(on_time, lang))))
    public_at: int | None = None
    public = [a for a in resolved_tickets if a.public and a.response.strip()]
    if public:
        items = [
            t(
                "monthly.public_item",
                lang,
                section=html.escape(a.section),
                text=html.escape(_short(a.text, 140)),
                reply=html.escape(_short(a.response, 200)),
            )
            for a in public[:MAX_ITEMS]
        ]
        public_at = len(parts)
        parts.append(t("monthly.public", lang, items="\n".join(items)))
    if plan:
        # What the office did about its follow-up plan, as staff described it (rows marked Publik).
        parts.append(
            texts.fit_list(
                lambda joined: t("monthly.rtl", lang, items=joined), plan, limit=texts.TEXT_LIMIT // 3
            )
        )
    if sessions:
        lines = []
        # From the running tallies and the report's kept counts: the post never reads a year of answers.
        results = await tally.session_results(rt, [row.id for row in sessions[:MAX_ITEMS]])
        for row in sessions[:MAX_ITEMS]:
            result = results.get(row.id)
            score = (
                t("monthly.session_ikm", lang, ikm=number(result.ikm_rounded, lang), mutu=result.grade.mutu)
                if result
                else t("monthly.session_no_ikm", lang)
            )
            day = row.starts_at.astimezone(rt.tz)
            lines.append(
                t(
                    "monthly.session_line",
                    lang,
                    day=f"{day:%d/%m}",
                    title=html.escape(_short(row.title, 60)),
                    score=score,
                )
            )
        parts.append(t("monthly.sessions", lang, count=len(sessions), lines="\n".join(lines)))
        months = await report_counts.month_results(rt, [month.number, month.previous().number])
        this = months.get(month.number)
        if this is not None:
            before = months.get(month.previous().number)
            ikm = number(this.ikm_rounded, lang)
            if before is None:
                parts.append(t("monthly.trend_first", lang, ikm=ikm, mutu=this.grade.mutu))
            else:
                delta = this.ikm_rounded - before.ikm_rounded
                key = (
                    "monthly.trend_up"
                    if delta > 0
                    else "monthly.trend_down"
                    if delta < 0
                    else "monthly.trend_same"
                )
                parts.append(
                    t(
                        key,
                        lang,
                        ikm=ikm,
                        mutu=this.grade.mutu,
                        delta=number(abs(delta), lang),
                        before=number(before.ikm_rounded, lang),
                    )
                )
    parts.append(t("monthly.footer", lang))
    if public_at is None:
        return "\n\n".join(parts)
    # What staff wrote back can be long: as many whole items as one message holds.
    return texts.fit_list(
        lambda joined: "\n\n".join(
            [*parts[:public_at], t("monthly.public", lang, items=joined), *parts[public_at + 1 :]]
        ),
        items,
    )


async def queue_month(rt: Runtime, month: Month) -> int:
    """Queue the post for `month` to every subscribed group (once per group and month)."""
    rendered: dict[str, str | None] = {}
    async with rt.store.connect() as conn:
        groups = await chats.subscribed_groups(conn)
    for chat in groups:
        if chat.language not in rendered:
            rendered[chat.language] = await render(rt, month, chat.language)
    now = rt.clock.now()
    batch = [
        NewMessage(
            key=f"monthly:{month.key}:{chat.id}",
            kind=MessageKind.MONTHLY_POST,
            chat_id=chat.id,
            payload={"text": rendered[chat.language], "parse_mode": "HTML", "buttons": []},
            due_at=now,
            priority=7,
        )
        for chat in groups
        if rendered.get(chat.language)
    ]
    async with rt.store.begin() as conn:
        await meta.put(conn, "monthly_post", month.key)
        return await outbox.enqueue(conn, batch, now)


async def monthly_post(rt: Runtime) -> int:
    """Periodic: on the 1st (or the first run after it), post last month's figures once."""
    if not rt.settings.monthly_post:
        return 0
    local = rt.clock.now().astimezone(rt.tz)
    if local.day == 1 and local.hour < rt.settings.digest_hour + 1:
        return 0
    last = Month(local.year, local.month).previous()
    async with rt.store.connect() as conn:  # every sweep asks; only the first run of a month writes
        done = await meta.get(conn, "monthly_post")
    if done is not None and done >= last.key:
        return 0
    async with rt.store.begin() as conn:
        done = await meta.get(conn, "monthly_post")
        if done is None:
            # First run on this database: the first post is next month's, never a late one or a backlog.
            await meta.put(conn, "monthly_post", last.key)
            return 0
    if done >= last.key:
        return 0
    return await queue_month(rt, last)
