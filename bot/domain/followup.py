"""The follow-up plan loop (rencana tindak lanjut, RTL): from what people said to what the office did.

The bot proposes rows in the "Tindak Lanjut" sheet: after each period (a quarter by default) the weakest unsur
of every section, and when a session's survey closes with its IKM below B the weakest unsur of that session
(judged on the final figure, not on its first answers).  Each row links the open tickets on its topic (survey
follow-ups on that unsur), and two or more related tickets (same section and unsur, or same section and
classification) make a row of their own.  A topic whose row is still open
gathers new tickets instead of a second row.

Staff fill Program/Kegiatan, Penanggung jawab, Target, Status (Rencana / Berjalan / Selesai), Bukti and Publik;
the bot reads the sheet back on the sync cadence.  A bad cell gets one sentence in `Status Bot` and leaves the
row unapplied; other rows go on.  When a row becomes Selesai, every citizen behind its tickets who can be
reached (named or anonymous, through the ticket's private route) is told once, ever: the row's `told_at` is
claimed in the transaction that queues the messages.  Rows marked Publik go into the monthly post; the staff
group is reminded a week before a target (once per target date); /status and `ngopas doctor` show rows past
their target; the SKM report prints the plan in Bab V.
"""

from __future__ import annotations

import hashlib
import html
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.base.i18n import t
from bot.domain import deadlines, tally, texts
from bot.domain.aspirations import parse_public
from bot.domain.kinds import MessageKind
from bot.domain.parsing import ParseError, parse_day, parse_optional_url
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.worksheets import TINDAK_LANJUT, duplicated_keys
from bot.store import Connection, meta, outbox, sheet_rows
from bot.store import aspirations as store_aspirations
from bot.store import rtl as store
from bot.store import sessions as store_sessions
from bot.store.aspirations import Aspiration
from bot.store.outbox import NewMessage
from bot.store.rtl import Candidate, Rtl
from reports.ikm_sums import NoAnswers, from_sums
from reports.instrument import UNSUR
from reports.numbers import number
from reports.rtl import RtlRow
from sheets.workbook import CellUpdate, SheetRow

RELATED_MIN = 2  # tickets on one topic that make a row of their own
REMIND_DAYS = 7  # the staff group hears of a target this many days before it
SESSION_WINDOW = timedelta(days=90)  # a session's proposal gathers open tickets of its section this recent
STATUS_ALIASES = {name.lower(): name for name in store.STATUSES} | {
    "rencana": "Rencana",
    "direncanakan": "Rencana",
    "belum": "Rencana",
    "planned": "Rencana",
    "plan": "Rencana",
    "berjalan": "Berjalan",
    "sedang berjalan": "Berjalan",
    "proses": "Berjalan",
    "diproses": "Berjalan",
    "dalam proses": "Berjalan",
    "in progress": "Berjalan",
    "ongoing": "Berjalan",
    "selesai": "Selesai",
    "sudah": "Selesai",
    "tuntas": "Selesai",
    "done": "Selesai",
    "completed": "Selesai",
}


# --- what staff type --------------------------------------------------------------------------------------


def parse_status(raw: str) -> str | None:
    """Rencana / Berjalan / Selesai as staff may type them (an empty cell is Rencana); None if unknown."""
    value = " ".join(raw.strip().lower().split())
    if not value:
        return "Rencana"
    return STATUS_ALIASES.get(value)


@dataclass(frozen=True)
class StaffCells:
    """A Tindak Lanjut row as the bot reads it, or the one sentence why it cannot."""

    program: str = ""
    responsible: str = ""
    target: date | None = None
    status: str = "Rencana"
    evidence: str = ""
    public: bool = False
    problem: str | None = None


def read_cells(values: Mapping[str, str]) -> StaffCells:
    """Check what staff set in one row; the first bad cell is named in one polite sentence."""
    program = values.get("Program/Kegiatan", "").strip()
    responsible = values.get("Penanggung jawab", "").strip()
    raw_status = values.get("Status", "")
    status = parse_status(raw_status)
    if status is None:
        return StaffCells(
            problem=t(
                "rtl.sheet_bad_status",
                "id",
                value=texts.echo(raw_status.strip()),
                choices=", ".join(store.STATUSES),
            )
        )
    raw_target = values.get("Target", "").strip()
    target = None
    if raw_target and raw_target != "-":
        try:
            target = parse_day(raw_target.split(" ")[0] if _looks_like_stamp(raw_target) else raw_target)
        except ParseError:
            return StaffCells(problem=t("rtl.sheet_bad_target", "id", value=texts.echo(raw_target)))
    raw_evidence = values.get("Bukti", "").strip()
    try:
        evidence = parse_optional_url(raw_evidence) or ""
    except ParseError:
        return StaffCells(problem=t("rtl.sheet_bad_evidence", "id", value=texts.echo(raw_evidence)))
    public = parse_public(values.get("Publik", ""))
    if public is None:
        return StaffCells(
            problem=t("aspiration.sheet_bad_public", "id", value=texts.echo(values.get("Publik", "").strip()))
        )
    if status == store.DONE and not program:
        return StaffCells(problem=t("rtl.sheet_need_program", "id"))
    return StaffCells(program, responsible, target, status, evidence, public)


def _looks_like_stamp(raw: str) -> bool:
    """ "30/06/2026 00.00" (a date cell read back with its time): the date is what counts."""
    first, _, rest = raw.partition(" ")
    return bool(rest) and any(c.isdigit() for c in first) and rest.replace(".", "").replace(":", "").isdigit()


# --- proposing ----------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """A row the bot would add (or the open row on its topic it would add tickets to)."""

    source_key: str
    topic: str
    section: str
    issue: str
    basis: str
    period: str = ""
    unsur: str | None = None
    session_id: int | None = None
    tickets: list[Aspiration] = field(default_factory=list)


def unsur_of(candidate: Candidate) -> str | None:
    """The unsur a survey follow-up ticket is about (its source is `survey:<response>:<unsur>`)."""
    key = (candidate.source_key or "").rsplit(":", 1)[-1]
    return key if (candidate.source_key or "").startswith("survey:") and key in UNSUR else None


def topic_of(candidate: Candidate) -> str:
    """Related tickets share a topic: the same section and unsur, or the same section and classification."""
    a = candidate.ticket
    unsur = unsur_of(candidate)
    if unsur is not None:
        return unsur_topic(a.section, unsur)
    return f"kelompok:{a.section}:{deadlines.classification_of(a)}"


def unsur_topic(section: str, unsur: str) -> str:
    return f"unsur:{section}:{unsur}"


def _quote(a: Aspiration, limit: int = 90) -> str:
    return "«" + texts.shorten(" ".join(a.text.split()), limit) + "»"


def weakest_proposals(
    results: Mapping[str, Any],
    *,
    key_prefix: str,
    scope_label: str,
    period: str = "",
    session_id: int | None = None,
) -> list[Proposal]:
    """The weakest unsur of each section's result (`reports.ikm.IkmResult`), one proposal each."""
    found = []
    for section, result in sorted(results.items()):
        weakest = result.weakest
        if weakest is None:
            continue
        found.append(
            Proposal(
                source_key=f"{key_prefix}:{section}:{weakest.key}",
                topic=unsur_topic(section, weakest.key),
                section=section,
                unsur=weakest.key,
                issue=t("rtl.issue_unsur", "id", unsur=weakest.name),
                basis=t(
                    "rtl.basis_unsur",
                    "id",
                    nrr=number(float(round(weakest.nrr, 2)), "id"),
                    mutu=weakest.grade.mutu,
                    respondents=result.respondents,
                    scope=scope_label,
                ),
                period=period,
                session_id=session_id,
            )
        )
    return found


def group_proposals(
    candidates: Iterable[Candidate], *, key_prefix: str, taken: Iterable[str] = (), period: str = ""
) -> tuple[list[Proposal], dict[str, list[Aspiration]]]:
    """Related tickets by topic: a proposal for each topic with `RELATED_MIN` or more tickets that no other
    proposal covers (`taken`), and every topic's tickets (to join a proposal or an open row on it)."""
    by_topic: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_topic[topic_of(candidate)].append(candidate)
    covered = set(taken)
    proposals = []
    for topic, group in sorted(by_topic.items()):
        if topic in covered or len(group) < RELATED_MIN:
            continue
        first = group[0]
        unsur = unsur_of(first)
        what = (
            UNSUR[unsur] if unsur is not None else deadlines.label(deadlines.classification_of(first.ticket))
        )
        # The other tickets' words, each distinct text once (four people may type the same suggestion).
        said = _quote(first.ticket, 60)
        others = [words for words in dict.fromkeys(_quote(c.ticket, 60) for c in group[1:]) if words != said]
        proposals.append(
            Proposal(
                source_key=f"{key_prefix}:{topic}",
                topic=topic,
                section=first.ticket.section,
                unsur=unsur,
                issue=t("rtl.issue_group", "id", what=what, quote=_quote(first.ticket, 80)),
                basis=t(
                    "rtl.basis_group",
                    "id",
                    count=len(group),
                    quotes="; ".join(others[:3]) or "–",
                ),
                period=period,
            )
        )
    return proposals, {topic: [c.ticket for c in group] for topic, group in by_topic.items()}


async def _apply_proposals(
    conn: Connection, rt: Runtime, proposals: list[Proposal], by_topic: Mapping[str, list[Aspiration]]
) -> int:
    """Create the proposed rows (each once; a topic with an open row adds to it instead), link the tickets of
    each topic to its open row, and queue the sheet rows and Tiket cells that changed.  Returns rows created."""
    now = rt.clock.now()
    year = now.astimezone(rt.tz).year
    created: list[Rtl] = []
    changed: dict[int, Rtl] = {}
    for proposal in proposals:
        if await store.open_on(conn, proposal.topic) is not None:
            continue
        row = await store.create(
            conn,
            source_key=proposal.source_key,
            topic=proposal.topic,
            period=proposal.period,
            section=proposal.section,
            issue=proposal.issue,
            basis=proposal.basis,
            now=now,
            year=year,
            unsur=proposal.unsur,
            session_id=proposal.session_id,
        )
        if row is not None:  # None: proposed before and done since; its topic waits for the next round
            created.append(row)
    for topic, tickets in by_topic.items():
        row = await store.open_on(conn, topic)
        if row is not None and await store.link(conn, row.id, [a.id for a in tickets]):
            changed[row.id] = row
    new_ids = {row.id for row in created}
    for row in created:
        await sheet_rows.queue(conn, TINDAK_LANJUT.name, row.code, await sheet_row(conn, rt, row), now)
    numbers = await store.ticket_numbers(conn) if changed else {}
    for row in changed.values():
        if row.id not in new_ids:
            await sheet_rows.queue(
                conn,
                TINDAK_LANJUT.name,
                row.code,
                {"Tiket": ", ".join(numbers.get(row.id, []))},
                now,
                op="update",
            )
    return len(created)


async def _section_results(
    rt: Runtime, *, quarters: set[int] | None = None, session_id: int | None = None
) -> dict[str, Any]:
    """IKM per section from the running tallies (of some quarters, or of one session)."""
    disabled = set(definition_for(rt).disabled_unsur)
    names = {key: name for key, name in UNSUR.items() if key not in disabled}
    grouped: dict[str, list[Any]] = {}
    for row in await tally.rows(rt):
        part = row.tally
        if quarters is not None and part.period not in quarters:
            continue
        if session_id is not None and part.session_id != session_id:
            continue
        entry = grouped.setdefault(row.section, [0, defaultdict(int), defaultdict(int)])
        entry[0] += part.respondents
        for key in names:
            entry[1][key] += part.sums.get(key, 0)
            entry[2][key] += part.counts.get(key, 0)
    results = {}
    for section, (respondents, sums, counts) in grouped.items():
        try:
            results[section] = from_sums(sums, counts, respondents, names)
        except NoAnswers:
            continue
    return results


# --- when proposals are made ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period of the plan: a quarter, a semester or a year, as quarter numbers (2026 * 10 + 3)."""

    code: str  # "2026-Q3", "2026-S2", "2026"
    quarters: frozenset[int]
    start: date
    end: date  # the day after its last day


def period_of(day: date, kind: str) -> Period:
    """The period of `kind` (quarter, semester, year) that holds `day`."""
    year = day.year
    if kind == "year":
        first, count, code = 1, 4, str(year)
    elif kind == "semester":
        half = 1 if day.month <= 6 else 2
        first, count, code = 2 * half - 1, 2, f"{year}-S{half}"
    else:
        quarter = (day.month - 1) // 3 + 1
        first, count, code = quarter, 1, f"{year}-Q{quarter}"
    start = date(year, (first - 1) * 3 + 1, 1)
    last_month = (first + count - 1) * 3
    end = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return Period(code, frozenset(year * 10 + q for q in range(first, first + count)), start, end)


def parse_period(code: str) -> Period | None:
    """A period staff name ("2026-Q1", "2026-s2", "2026"), or None."""
    code = code.strip().upper()
    bounds = period_bounds(code)
    if bounds is None:
        return None
    first, _ = bounds
    kind = "quarter" if "-Q" in code else "semester" if "-S" in code else "year"
    return period_of(first, kind)


ROMAN = ("", "I", "II", "III", "IV")


def period_label(code: str) -> str:
    """ "Triwulan III 2026", "Semester I 2026", "Tahun 2026", as the sheet and the report say them."""
    year, _, part = code.partition("-")
    if part.startswith("Q"):
        return f"Triwulan {ROMAN[int(part[1:])]} {year}"
    if part.startswith("S"):
        return f"Semester {ROMAN[int(part[1:])]} {year}"
    return f"Tahun {year}" if year else ""


async def propose_for_period(rt: Runtime, period: Period) -> int:
    """The weakest unsur of each section in `period` and the related tickets of the period; once each."""
    results = await _section_results(rt, quarters=set(period.quarters))
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=rt.tz)
    end = datetime.combine(period.end, datetime.min.time(), tzinfo=rt.tz)
    label = period_label(period.code)
    weakest = weakest_proposals(
        results, key_prefix=f"periode:{period.code}", scope_label=label, period=period.code
    )
    async with rt.store.begin() as conn:
        candidates = await store.unlinked_open(conn, since=start, until=end)
        groups, by_topic = group_proposals(
            candidates,
            key_prefix=f"periode:{period.code}",
            taken=[p.topic for p in weakest],
            period=period.code,
        )
        return await _apply_proposals(conn, rt, weakest + groups, by_topic)


async def after_period(rt: Runtime) -> int:
    """Periodic: on the first sweep after a period ends, propose its rows (once per period).  The first run
    on a database only remembers where it starts: no backlog of old periods."""
    today = rt.clock.now().astimezone(rt.tz).date()
    current = period_of(today, rt.settings.rtl_period)
    previous = period_of(current.start - timedelta(days=1), rt.settings.rtl_period)
    async with rt.store.connect() as conn:  # every sweep asks; only the first run of a period writes
        done = await meta.get(conn, "rtl_period_done")
    if done == previous.code:
        return 0
    async with rt.store.begin() as conn:
        done = await meta.get(conn, "rtl_period_done")
        if done == previous.code:
            return 0
        await meta.put(conn, "rtl_period_done", previous.code)
    if done is None:
        return 0
    return await propose_for_period(rt, previous)


async def propose_for_session(rt: Runtime, session_id: int) -> int:
    """A session whose IKM is below B: its weakest unsur, with the open tickets of its section."""
    results = await _section_results(rt, session_id=session_id)
    if not results:
        return 0
    async with rt.store.connect() as conn:
        session = await store_sessions.get_session(conn, session_id)
    if session is None:
        return 0
    [(section, result)] = list(results.items())
    if result.grade.mutu in ("A", "B"):
        return 0
    label = t(
        "rtl.scope_session",
        "id",
        session=session_id,
        title=session.title,
        ikm=number(result.ikm_rounded, "id"),
        mutu=result.grade.mutu,
    )
    held = period_of(session.starts_at.astimezone(rt.tz).date(), "quarter").code
    weakest = weakest_proposals(
        {section: result},
        key_prefix=f"sesi:{session_id}",
        scope_label=label,
        period=held,
        session_id=session_id,
    )
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        candidates = await store.unlinked_open(conn, since=now - SESSION_WINDOW, section=section)
        groups, by_topic = group_proposals(
            candidates, key_prefix=f"sesi:{session_id}", taken=[p.topic for p in weakest], period=held
        )
        return await _apply_proposals(conn, rt, weakest + groups, by_topic)


async def watch_sessions(rt: Runtime) -> int:
    """Periodic: a session whose survey closed with its IKM below B gets its proposals.  Judged when the survey
    closes, when the IKM is final: the first answers alone (one respondent's "Sesuai" everywhere is 75,00, a C)
    would propose rows for a session that ends well.  The first run on a database only remembers where it
    starts: sessions closed before it are left to the period's proposals."""
    now = rt.clock.now()
    async with rt.store.connect() as conn:
        since = await meta.get(conn, "rtl_closed_upto")
        closed = (
            await store_sessions.surveys_closed_between(conn, datetime.fromisoformat(since), now)
            if since is not None
            else []
        )
    created = 0
    for session_id in closed:
        created += await propose_for_session(rt, session_id)
    if since is None or closed:
        async with rt.store.begin() as conn:
            await meta.put(conn, "rtl_closed_upto", now.isoformat())
    return created


# --- the sheet ---------------------------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


async def sheet_row(conn: Connection, rt: Runtime, row: Rtl) -> dict[str, Any]:
    """The Tindak Lanjut row as staff see it: what the bot proposed and why, the tickets, and the cells they
    fill in (as the store has them)."""
    numbers = (await store.ticket_numbers(conn)).get(row.id, [])
    return {
        "ID": row.code,
        "Dibuat": row.created_at.astimezone(rt.tz).strftime("%d/%m/%Y"),
        # A session's proposal names the session; the period's, the period ("Triwulan I 2026").
        "Periode": await store_sessions.label(conn, row.session_id)
        if row.session_id
        else period_label(row.period),
        "Bidang": row.section,
        "Prioritas": row.issue,
        "Dasar": row.basis,
        "Tiket": ", ".join(numbers),
        "Program/Kegiatan": row.program,
        "Penanggung jawab": row.responsible,
        "Target": _day(row.target),
        "Status": row.status,
        "Bukti": row.evidence,
        "Publik": "Ya" if row.public else "Tidak",
        "Status Bot": _bot_status(rt, row),
    }


def _bot_status(rt: Runtime, row: Rtl) -> str:
    if row.told_at is not None:
        return t("rtl.sheet_told", "id", when=row.told_at.astimezone(rt.tz).strftime("%d/%m/%Y %H.%M"))
    return t("rtl.sheet_proposed", "id") if row.status == "Rencana" and not row.program else "OK"


def _staff_content(row: SheetRow) -> tuple[str, ...]:
    cells = read_cells(row.values)
    return (
        cells.program,
        cells.responsible,
        str(cells.target),
        cells.status,
        cells.evidence,
        str(cells.public),
    )


@dataclass
class SheetReadResult:
    updates: list[CellUpdate]
    told: int  # citizens told (messages queued) in this read
    problems: list[str]


async def apply_sheet_rows(rt: Runtime, rows: list[SheetRow]) -> SheetReadResult:
    """Staff edits in Tindak Lanjut: record each row, tell the citizens once when one becomes Selesai, and
    write one sentence in Status Bot for a row that cannot be read (the other rows go on)."""
    result = SheetReadResult([], 0, [])
    duplicates = duplicated_keys(
        rows,
        lambda row: row.values.get("ID", "").strip(),
        _staff_content,
        label="ID",
        hint=t("rtl.sheet_hint", "id"),
    )
    for row in rows:
        code = row.values.get("ID", "").strip()
        if not code:
            continue
        if row.row_number in duplicates:
            bot_status: str = duplicates[row.row_number]
            problem = True
        else:
            bot_status, problem, told = await _apply_row(rt, code, row.values)
            result.told += told
        if row.values.get("Status Bot", "") != bot_status:
            result.updates.append(CellUpdate(row.row_number, "Status Bot", bot_status))
        if problem:
            result.problems.append(f"{TINDAK_LANJUT.name} baris {row.row_number}: {bot_status}")
    if result.told:
        rt.wake_sender()
    return result


async def _apply_row(rt: Runtime, code: str, values: Mapping[str, str]) -> tuple[str, bool, int]:
    """One row: (its Status Bot text, whether it is a problem, citizens told now)."""
    cells = read_cells(values)
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        current = await store.by_code(conn, code)
        if current is None:
            return t("rtl.sheet_unknown", "id"), True, 0
        if cells.problem is not None:
            return cells.problem, True, 0
        row = await store.apply_staff_change(
            conn,
            current.id,
            program=cells.program,
            responsible=cells.responsible,
            target=cells.target,
            status=cells.status,
            evidence=cells.evidence,
            public=cells.public,
            now=now,
        )
        assert row is not None
        told = 0
        if row.status == store.DONE and await store.claim_telling(conn, row.id, now):
            told = await _tell_citizens(conn, rt, row)
            row = await store.get(conn, row.id)
            assert row is not None
        return _bot_status(rt, row), False, told


STAFF_COLUMNS = ("Program/Kegiatan", "Penanggung jawab", "Target", "Status", "Bukti", "Publik")


@dataclass(frozen=True)
class StaffSet:
    """What `staff_set` did: the row's Status Bot text, whether the change was refused, citizens told."""

    message: str
    refused: bool
    told: int
    unknown: bool = False  # no row has that ID


async def staff_set(rt: Runtime, code: str, changes: Mapping[str, str]) -> StaffSet:
    """A staff change made outside the sheet (`ngopas rtl set`): the same checks and the same "told once" as
    an edit in Tindak Lanjut, and the sheet row updated to match, so the next read finds what was set."""
    async with rt.store.connect() as conn:
        current = await store.by_code(conn, code.strip().upper())
        if current is None:
            return StaffSet(t("rtl.sheet_unknown", "id"), True, 0, unknown=True)
        values = {k: v for k, v in (await sheet_row(conn, rt, current)).items() if k in STAFF_COLUMNS}
    values = {k: str(v) for k, v in values.items()} | dict(changes)
    message, refused, told = await _apply_row(rt, current.code, values)
    if not refused:
        async with rt.store.begin() as conn:
            row = await store.get(conn, current.id)
            assert row is not None
            cells = {
                k: v
                for k, v in (await sheet_row(conn, rt, row)).items()
                if k in (*STAFF_COLUMNS, "Status Bot")
            }
            await sheet_rows.queue(conn, TINDAK_LANJUT.name, row.code, cells, rt.clock.now(), op="update")
    if told:
        rt.wake_sender()
    return StaffSet(message, refused, told)


async def _tell_citizens(conn: Connection, rt: Runtime, row: Rtl) -> int:
    """Queue, in the caller's transaction, one message to the person behind each linked ticket who can be
    reached (a survey follow-up has no route; /hapus_data removed others)."""
    now = rt.clock.now()
    messages = []
    for a in await store.tickets_of(conn, row.id):
        route = await store_aspirations.route_of(conn, a.id)
        if route is None:
            continue
        messages.append(
            NewMessage(
                key=f"rtl_done:{row.id}:{a.id}",
                kind=MessageKind.RTL_DONE,
                chat_id=route.chat_id,
                payload={"text": done_text(rt, row, a, route.language), "parse_mode": "HTML", "buttons": []},
                due_at=now,
                priority=4,
            )
        )
    return await outbox.enqueue(conn, messages, now)


def done_text(rt: Runtime, row: Rtl, a: Aspiration, lang: str) -> str:
    """What a citizen hears when the office completed what answers their ticket."""

    def text(program: str) -> str:
        return t(
            "rtl.citizen_done",
            lang,
            ticket=a.ticket,
            excerpt=html.escape(texts.shorten(" ".join(a.text.split()), 200)),
            office=html.escape(rt.settings.office_name),
            program=html.escape(program),
            evidence=t("rtl.citizen_evidence", lang, url=html.escape(row.evidence)) if row.evidence else "",
        )

    room = texts.TEXT_LIMIT - texts.visible_length(text(""))
    return text(texts.shorten(row.program, room))


# --- the staff group: a week before a target ---------------------------------------------------------------


async def remind_targets(rt: Runtime) -> int:
    """Periodic: rows whose target is within a week and not Selesai, once per row and target date, in one
    message to the staff group (from `digest_hour`)."""
    chat_id = rt.settings.staff_chat_id
    if chat_id is None:
        return 0
    local = rt.clock.now().astimezone(rt.tz)
    if local.hour < rt.settings.digest_hour:
        return 0
    today = local.date()
    async with rt.store.connect() as conn:  # every sweep asks; only a day with something due writes
        due = await store.due_for_reminder(conn, today + timedelta(days=REMIND_DAYS))
    due = [row for row in due if row.target is not None and row.target >= today]
    if not due:
        return 0
    lang = rt.settings.language
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        claimed = [row for row in due if await store.claim_reminder(conn, row)]
        if not claimed:
            return 0
        items = [_staff_item(row, lang) for row in claimed]
        text = texts.fit_list(
            lambda joined: t("rtl.staff_reminder", lang, count=len(items), items=joined), items
        )
        # One key per set of rows and targets (claimed once each above), short whatever their number.
        digest = hashlib.sha256(",".join(f"{row.id}@{row.target}" for row in claimed).encode()).hexdigest()
        queued = await outbox.enqueue(
            conn,
            [
                NewMessage(
                    key=f"rtl_due:{digest[:32]}",
                    kind=MessageKind.RTL_REMINDER,
                    chat_id=chat_id,
                    payload={"text": text, "parse_mode": "HTML", "buttons": []},
                    due_at=now,
                    priority=5,
                )
            ],
            now,
        )
    if queued:
        rt.wake_sender()
    return queued


def _staff_item(row: Rtl, lang: str) -> str:
    return t(
        "rtl.staff_item",
        lang,
        code=row.code,
        section=html.escape(row.section),
        issue=html.escape(texts.shorten(row.issue, 120)),
        date=deadlines.long_date(row.target, lang) if row.target else "–",
        status=t(f"rtl.status_{row.status}", lang),
        program=html.escape(texts.shorten(row.program, 120)) if row.program else "–",
        responsible=html.escape(row.responsible) if row.responsible else "–",
    )


# --- overdue rows: /status and ngopas doctor ----------------------------------------------------------------


async def overdue(rt: Runtime) -> list[Rtl]:
    today = rt.clock.now().astimezone(rt.tz).date()
    async with rt.store.connect() as conn:
        return await store.overdue(conn, today)


async def status_text(rt: Runtime, lang: str) -> str:
    """/status: the follow-up rows past their target, or that there are none."""
    late = await overdue(rt)
    if not late:
        return t("rtl.status_none", lang)
    items = [_staff_item(row, lang) for row in late[:10]]
    if len(late) > 10:
        items.append(t("rtl.status_more", lang, count=len(late) - 10))
    # Half a message at most: /status shows the outbox and the deadlines above it.
    return texts.fit_list(
        lambda joined: t("rtl.status_overdue", lang, count=len(late), items=joined),
        items,
        limit=texts.TEXT_LIMIT // 2,
    )


# --- the report (Bab V) and the monthly post -------------------------------------------------------------------


def period_bounds(code: str) -> tuple[date, date] | None:
    """The first day of a plan period and the day after its last ("2026-Q1" → 1 January, 1 April 2026)."""
    year, _, part = code.partition("-")
    if not year.isdigit():
        return None
    first, months = 1, 12
    if part[:1] == "Q" and part[1:] in ("1", "2", "3", "4"):
        first, months = (int(part[1:]) - 1) * 3 + 1, 3
    elif part[:1] == "S" and part[1:] in ("1", "2"):
        first, months = (int(part[1:]) - 1) * 6 + 1, 6
    elif part:
        return None
    last = first + months
    start = date(int(year), first, 1)
    return start, date(int(year) + 1, 1, 1) if last > 12 else date(int(year), last, 1)


async def report_rows(
    rt: Runtime, *, section: str | None = None, start: date | None = None, end: date | None = None
) -> list[RtlRow]:
    """The plan as the SKM report of [start, end] prints it: the rows proposed from that period's results
    (a quarter's rows are made just after it ends, but belong to its report), and the rows of earlier periods
    still open at its start or done during it (what was done about the previous plan); of one section or all."""
    async with rt.store.connect() as conn:
        rows = await store.every(conn)
    chosen = []
    for row in rows:
        if section is not None and row.section != section:
            continue
        bounds = period_bounds(row.period)
        if start is not None and end is not None and bounds is not None:
            first, after = bounds
            done = row.done_at.astimezone(rt.tz).date() if row.done_at and row.status == store.DONE else None
            within = first >= start and after <= end + timedelta(days=1)
            carried = first < start and (done is None or done >= start)
            if not (within or carried):
                continue
        chosen.append(row)
    return [
        RtlRow(
            issue=f"{row.issue} ({row.section})",
            program=row.program or "–",
            responsible=row.responsible or "–",
            target=row.target,
            status=row.status,
        )
        for row in chosen
    ]


async def public_items(rt: Runtime, start: datetime, end: datetime, lang: str) -> list[str]:
    """The monthly post's lines for the rows staff marked Publik that were completed in [start, end)."""
    async with rt.store.connect() as conn:
        rows = await store.public_done_between(conn, start, end)
    return [
        t(
            "monthly.rtl_item",
            lang,
            section=html.escape(row.section),
            issue=html.escape(texts.shorten(row.issue, 140)),
            program=html.escape(texts.shorten(row.program, 240)),
            evidence=t("monthly.rtl_evidence", lang, url=html.escape(row.evidence)) if row.evidence else "",
        )
        for row in rows
    ]
