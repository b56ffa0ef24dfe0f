"""Reports for staff, one service for every door: `ngopas report`, `/laporan`, `/ekspor` and the result post.

Answers come from the store (or a CSV export) as plain records; `reports/` turns them into the IKM per
PermenPAN-RB 14/2017 and into files.  Only counted responses (not the ones a person replaced) and only what
the respondent chose to give leave the store: no Telegram id, name or pseudonym.  The heavy libraries
(pandas, matplotlib, fpdf2: about 45 MB) are loaded on the first report, not when the bot starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from bot.base.files import atomic_output
from bot.base.i18n import format_when, t
from bot.base.settings import Settings
from bot.domain import deadlines, followup, tally
from bot.domain import report_counts as report_counts_store
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.domain.sessions import fan_out_payload
from bot.domain.survey.definition import definition_for
from bot.store import Connection, meta, outbox, surveys
from bot.store import aspirations as store_aspirations
from bot.store import attendance as store_attendance
from bot.store import sessions as store_sessions
from bot.store.outbox import NewMessage
from bot.store.sessions import ScheduleRow, Session
from reports.instrument import PROFILE_KEYS
from reports.numbers import number
from reports.office import Office
from reports.records import ClosingRecord
from reports.rtl import RtlRow

TITLE = "Survei Kepuasan Masyarakat NGOPAS"
ALL_PERIODS = "Semua periode"
TEXT_FORMATS = ("text", "json")
FILE_FORMATS = ("png", "pdf", "docx", "xlsx")
FORMATS = TEXT_FORMATS + FILE_FORMATS
PERIODS = ("month", "quarter", "year", "all")  # the choices staff get in /laporan


class NoReport(Exception):
    """No counted answers for the chosen session, section and period."""


class ReportInputError(ValueError):
    """A scope that cannot be reported (an unknown period, a file without dates); `str()` says why."""


@dataclass(frozen=True)
class Scope:
    """Which answers a report covers; None means all."""

    session_id: int | None = None
    section: str | None = None
    period: str | None = None  # 2026-07 | 2026-Q3 | 2026-S1 | 2026

    @property
    def title(self) -> str:
        return (
            TITLE
            + (f" – sesi #{self.session_id}" if self.session_id else "")
            + (f" – {self.section}" if self.section else "")
        )


@dataclass(frozen=True)
class Built:
    """A report and the answers it was computed from (the XLSX adds per-quarter and per-section tables)."""

    report: Any  # reports.Report
    frame: Any  # the answers' counts (reports.counts.Counts)


def current_period(now: datetime, which: str) -> str | None:
    """This month, quarter or year as a period code ("2026-Q1"), in the office's local `now`; None for all."""
    return {
        "month": f"{now:%Y-%m}",
        "quarter": f"{now.year}-Q{(now.month - 1) // 3 + 1}",
        "year": str(now.year),
    }.get(which)


async def responses_frame(rt: Runtime, *, session_id: int | None = None, section: str | None = None) -> Any:
    """The counted answers (of one session or section) as the DataFrame `reports/` computes from.

    One SQL query takes the answers out of their JSON, read in chunks; each distinct stored value is
    translated once by the survey definition (a 1–4 score, an option's label): a million answers in a few
    seconds and a few hundred MB, where a dict per answer cost 90 s and 4 GB."""
    from reports.frame import ColumnFrame

    defn = definition_for(rt)
    scored = [q.key for q in defn.questions if q.kind in ("ikm", "scale")]
    translate: dict[str, Callable[[Any], Any]] = {key: partial(defn.numeric_value, key) for key in scored}
    for key in PROFILE_KEYS:
        translate[key] = partial(_label, defn.question(key))
    followups = [f"perbaikan_{key}" for key in scored]
    async with rt.store.connect() as conn:
        sessions = await surveys.session_titles(conn)
        builder = ColumnFrame(
            translate=translate,
            scored=scored,
            labels={
                "session_title": ("session_id", {i: title for i, (title, _) in sessions.items()}),
                "section": ("session_id", {i: section for i, (_, section) in sessions.items()}),
            },
            order=[
                *("response_id", "session_id", "session_title", "section", "finished_at", "channel"),
                *scored,
                *PROFILE_KEYS,
                "saran",
                *followups,
            ],
            optional=followups,
            shared=["channel"],
            tz=rt.tz,
            drop=defn.disabled_unsur,
        )
        answer_keys = [*scored, *PROFILE_KEYS, "saran"]
        async for chunk in surveys.counted_columns(
            conn, answer_keys=answer_keys, followup_keys=scored, session_id=session_id, section=section
        ):
            builder.add(chunk, wide=(answer_keys, chunk.pop("answers")))
    return builder.frame()


async def report_counts(rt: Runtime, *, session_id: int | None = None, section: str | None = None) -> Any:
    """The counted answers (of one session or section) as `reports.counts.Counts`, what every figure of a
    report is computed from: read from the counts the store keeps with every answer
    (`domain/report_counts.py`), counted again from the answers first when they cannot be used as kept."""
    return await report_counts_store.counts(rt, session_id=session_id, section=section)


async def recount(rt: Runtime) -> int:
    """Count every stored answer again (`ngopas report --recount`); returns the answers counted."""
    return await report_counts_store.recount(rt)


def _label(question: Any, value: Any) -> str | None:
    """A profile answer as its option's Indonesian label (as the sheet and the report show it)."""
    return question.label(value, "id") if value else None


def resolve_section(given: str, known: Iterable[str]) -> str:
    """The section `given` names, matched without regard to case, or by the start of its name when only one
    section starts so ("bimas" → "Bimas Islam"); ReportInputError naming the known ones otherwise."""
    names = sorted(dict.fromkeys(k for k in known if k and k != "-"))
    wanted = " ".join(given.split()).casefold()
    exact = [n for n in names if n.casefold() == wanted]
    if exact:
        return exact[0]
    starts = [n for n in names if wanted and n.casefold().startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    if len(starts) > 1:
        raise ReportInputError(f"Bidang '{given}' cocok dengan {', '.join(starts)}; tulis lebih lengkap.")
    if not names:
        raise ReportInputError(f"Bidang '{given}' tidak dikenal: data ini tidak punya kolom bidang.")
    raise ReportInputError(f"Bidang '{given}' tidak dikenal; bidang yang ada: {', '.join(names)}.")


async def known_sections(rt: Runtime) -> list[str]:
    """The office's sections (settings) and every section a session was held in."""
    async with rt.store.connect() as conn:
        held = await store_sessions.sections(conn)
    return [*rt.settings.sections, *held]


def office_of(settings: Settings) -> Office:
    """The letterhead and signature of the office's reports, from its settings."""
    return Office(
        name=settings.office_name,
        address=settings.office_address,
        phone=settings.office_phone,
        website=settings.office_website,
        email=settings.office_email,
        logo=settings.office_logo,
        head_title=settings.office_head_title,
        head_name=settings.office_head_name,
        head_nip=settings.office_head_nip,
        city=settings.office_city,
    )


def _session_ids(frame: Any) -> set[int]:
    """The session numbers in `frame`, rows or their counts (a CSV may have none, or "-", in that column)."""
    from reports.counts import Counts

    if frame.empty or "session_id" not in frame.columns:
        return set()
    table = frame.groups if isinstance(frame, Counts) else frame
    ids = set()
    for value in table["session_id"].dropna().unique():
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


async def sessions_of(rt: Runtime, frame: Any) -> dict[int, Session]:
    """The sessions the answers of `frame` belong to (title, date, population for the sample target)."""
    found: dict[int, Session] = {}
    if not _session_ids(frame):
        return found
    async with rt.store.connect() as conn:
        for session_id in sorted(_session_ids(frame)):
            session = await store_sessions.get_session(conn, session_id)
            if session is not None:
                found[session_id] = session
    return found


async def records_of(rt: Runtime, frame: Any) -> list[ClosingRecord]:
    """The closing records (/tutup_sesi) of the sessions the answers of `frame` belong to."""
    found = []
    async with rt.store.connect() as conn:
        for session_id in sorted(_session_ids(frame)):
            record = await store_attendance.get_record(conn, session_id)
            raised = await store_aspirations.of_session(conn, session_id, store_aspirations.CATEGORY_SESSION)
            if record is None and not raised:
                continue
            found.append(
                ClosingRecord(
                    session=await store_sessions.label(conn, session_id),
                    notes=record.notes if record else "",
                    photos=len(record.photos) if record else 0,
                    aspirations=[f"{a.ticket} {a.text}" for a in raised],
                )
            )
    return found


def _subject_and_population(
    frame: Any, scope: Scope, sessions: Mapping[int, Session], tz: Any
) -> tuple[str, int | None]:
    """A one-session report is about that session ("Dialog … · Senin, 23 Maret 2026 pukul 09.00 WIB");
    the population is the sessions' recorded attendance, only when every session recorded one."""
    ids = _session_ids(frame)
    subject = ""
    if scope.session_id is not None and scope.session_id in sessions:
        session = sessions[scope.session_id]
        subject = f"{session.title} · {format_when(session.starts_at, 'id', tz)}"
    elif scope.section:
        subject = f"Bidang {scope.section}"
    known = [sessions[i].population for i in ids if i in sessions]
    population = sum(p for p in known if p) if ids and len(known) == len(ids) and all(known) else None
    return subject, population


def build(
    frame: Any,
    scope: Scope,
    *,
    office_name: str,
    office: Office | None = None,
    sessions: Mapping[int, Session] | None = None,
    tz: Any = None,
    population: int | None = None,
    rtl: list[RtlRow] | None = None,
    now: datetime | None = None,
    records: list[ClosingRecord] | None = None,
) -> Built:
    """The report of `scope` over `frame` (from the store or a CSV); NoReport when nothing is left.

    `office` gives the letterhead and signature; `sessions` (see `sessions_of`) the session's title and date
    and the population for the sample target, unless staff give `population` (the service users of the
    period, from their own records).  The trend compares with the earlier periods of `frame`.  `rtl` is the
    follow-up plan printed in Bab V (until there is one, the report says so).  `now` (the office's local
    time) dates the signature; a server on UTC would otherwise sign yesterday's date before 07.00 WIB."""
    from reports.counts import to_counts
    from reports.ikm import NoAnswers
    from reports.periods import describe
    from reports.report import build_report

    counts = to_counts(frame)
    if counts.empty:
        raise NoReport
    if scope.section and "section" in counts.columns:
        counts = counts.section(scope.section)
    history = counts
    label = ALL_PERIODS
    if scope.period:
        if "finished_at" not in counts.columns:
            raise ReportInputError("Periode butuh kolom tanggal (tanggal) di data.")
        try:
            counts = counts.period(scope.period)
        except ValueError as exc:
            raise ReportInputError(str(exc)) from None
        label = describe(scope.period)
    if counts.empty:
        raise NoReport
    subject, recorded = _subject_and_population(counts, scope, sessions or {}, tz)
    population = population or recorded
    if subject and not scope.period:
        label = ""  # a session's report is dated by the session and its answers, not "all periods"
    try:
        report = build_report(
            counts,
            title=scope.title,
            office_name=office_name,
            period_label=label,
            office=office,
            subject=subject,
            period=scope.period,
            history=history if "finished_at" in history.columns else None,
            population=population,
            rtl=rtl,
            records=records,
            generated_at=now or (datetime.now(tz) if tz is not None else None),
        )
    except (NoAnswers, KeyError):
        raise NoReport from None
    return Built(report, counts)


async def plan_for(rt: Runtime, scope: Scope) -> list[RtlRow]:
    """The follow-up plan rows Bab V prints for `scope`: of its section (a session's report: the session's
    section), proposed in its period or still open from before."""
    section = scope.section
    if scope.session_id is not None:
        async with rt.store.connect() as conn:
            session = await store_sessions.get_session(conn, scope.session_id)
        section = session.section if session is not None else section
    start = end = None
    if scope.period:
        from reports.periods import bounds

        try:
            start, end = bounds(scope.period)
        except ValueError as exc:
            raise ReportInputError(str(exc)) from None
    return await followup.report_rows(rt, section=section, start=start, end=end)


async def report_for(rt: Runtime, scope: Scope) -> Built:
    """The report of `scope` from the store, with the office's follow-up plan."""
    frame = await report_counts(rt, session_id=scope.session_id, section=scope.section)
    built = build(
        frame,
        scope,
        office_name=rt.settings.office_name,
        office=office_of(rt.settings),
        sessions=await sessions_of(rt, frame),
        records=await records_of(rt, frame),
        tz=rt.tz,
        rtl=await plan_for(rt, scope),
        now=rt.clock.now().astimezone(rt.tz),
    )
    return await with_deadline_shares(rt, built)


async def with_deadline_shares(rt: Runtime, built: Built) -> Built:
    """Add to the report the share of aspirations answered within deadline, per section and month of its
    period (Bab IV of the SKM report)."""
    r = built.report
    if r.period_start and r.period_end:
        r.deadline_shares = await deadlines.monthly_shares(rt, r.period_start, r.period_end)
    return built


def render(built: Built, fmt: str) -> str:
    """The report as text (what staff read in a chat or a terminal) or JSON (reports/SCHEMA.md)."""
    from reports.report import render_json, render_text

    return render_json(built.report) if fmt == "json" else render_text(built.report)


def write(built: Built, fmt: str, path: Path, *, for_print: bool = False) -> Path:
    """The report as a file: the official SKM report (PDF, or DOCX to edit before signing), the infographic
    (PNG; `for_print`: A4 at 300 dpi), or XLSX tables (also per quarter and section).

    Written whole or not at all, and never over a folder, link or device (`bot.base.files.atomic_output`;
    raises `FileProblem`).  CPU work (matplotlib, fpdf2): a bot calls it in a worker thread."""
    from reports.grouping import summarise
    from reports.render_files import render_file

    groups = {}
    if fmt == "xlsx":
        if "finished_at" in built.frame.columns:
            groups["Per Triwulan"] = summarise(built.frame, "quarter")
        if "section" in built.frame.columns:
            groups["Per Bidang"] = summarise(built.frame, "section")
    with atomic_output(path, "Laporan", f"laporan.{fmt}") as tmp:
        render_file(built.report, fmt, tmp, groups=groups, for_print=for_print)
    return path


def headline(built: Built, lang: str = "id") -> str:
    """ "IKM 91,48 (A)": the one line a command or a photo caption shows."""

    return f"IKM {number(built.report.ikm.ikm_rounded, lang)} ({built.report.ikm.grade.mutu})"


# --- the staff group hears when a session's IKM falls below B --------------------------------------


async def watch_ikm(rt: Runtime) -> int:
    """Alert the staff group when a session's IKM falls below B (once per session and grade), once it has
    `ikm_alert_min_respondents` respondents: one unhappy first answer is not yet a session's verdict.

    Judged from the running tallies (`tally.session_results`), so a live survey's alert never reads every
    answer of the session again nor loads pandas into the bot."""
    chat_id = rt.settings.staff_chat_id
    if chat_id is None:
        return 0
    async with rt.store.connect() as conn:
        since = await meta.get(conn, "ikm_watch_upto")
        answered, upto = await surveys.sessions_answered_since(
            conn, datetime.fromisoformat(since) if since else None
        )
    if upto is None:
        return 0
    queued = 0
    lang = rt.settings.language
    results = await tally.session_results(rt, answered)
    for session_id in answered:
        result = results.get(session_id)
        if result is None or result.respondents < rt.settings.ikm_alert_min_respondents:
            continue  # judged again when its next answer comes
        grade = result.grade
        if grade.mutu in ("A", "B"):
            continue
        weakest = result.weakest
        async with rt.store.begin() as conn:
            title = await store_sessions.label(conn, session_id)
            queued += await outbox.enqueue(
                conn,
                [
                    NewMessage(
                        key=f"ikm_low:{session_id}:{grade.mutu}",
                        kind=MessageKind.STAFF_ALERT,
                        chat_id=chat_id,
                        session_id=session_id,
                        payload={
                            "text": t(
                                "aspiration.staff_ikm_low",
                                lang,
                                session=escape(title),
                                ikm=number(result.ikm_rounded, lang),
                                mutu=grade.mutu,
                                kinerja=grade.kinerja,
                                respondents=result.respondents,
                                weakest=escape(weakest.name) if weakest else "–",
                            ),
                            "parse_mode": "HTML",
                            "buttons": [],
                        },
                        due_at=rt.clock.now(),
                    )
                ],
                rt.clock.now(),
            )
    async with rt.store.begin() as conn:
        await meta.put(conn, "ikm_watch_upto", upto.isoformat())
    return queued


# --- the result post when a session's survey closes -----------------------------------------------------


async def post_result(conn: Connection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    """Scheduled when a session's survey closes: "IKM 91,48 — A (Sangat baik), 29 responden" to its groups,
    if the office enabled it."""
    if not rt.settings.survey_result_to_groups:
        return 0
    r = (await tally.session_results(rt, [session.id], conn)).get(session.id)
    if r is None:
        return 0

    def payload(lang: str) -> dict[str, Any]:
        return {
            "text": t(
                "report.result_post",
                lang,
                title=escape(session.title),
                ikm=number(r.ikm_rounded, lang),
                mutu=r.grade.mutu,
                kinerja=r.grade.kinerja,
                respondents=r.respondents,
            ),
            "parse_mode": "HTML",
            "buttons": [],
        }

    return await fan_out_payload(
        conn, rt, session, MessageKind.SURVEY_RESULT, f"survey_result:{session.id}", payload
    )
