"""Reports for staff, one service for every door: `ngopas report`, `/laporan`, `/ekspor` and the result post.

Answers come from the store (or a CSV export) as plain records; `reports/` turns them into the IKM per
PermenPAN-RB 14/2017 and into files.  Only counted responses (not the ones a person replaced) and only what
the respondent chose to give leave the store: no Telegram id, name or pseudonym.  The heavy libraries
(pandas, matplotlib, fpdf2: about 45 MB) are loaded on the first report, not when the bot starts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from bot.base.files import atomic_output
from bot.base.i18n import t
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.domain.sessions import fan_out_payload
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import store_response
from bot.store import Connection, meta, outbox, surveys
from bot.store import sessions as store_sessions
from bot.store.outbox import NewMessage
from bot.store.sessions import ScheduleRow, Session
from bot.store.surveys import Response
from reports.instrument import PROFILE_KEYS
from reports.numbers import number

TITLE = "Survei Kepuasan Masyarakat NGOPAS"
ALL_PERIODS = "Semua periode"
TEXT_FORMATS = ("text", "json")
FILE_FORMATS = ("png", "pdf", "xlsx")
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
    frame: Any  # the pandas DataFrame of answers


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


def _label(question: Any, value: Any) -> str | None:
    """A profile answer as its option's Indonesian label (as the sheet and the report show it)."""
    return question.label(value, "id") if value else None


def build(frame: Any, scope: Scope, *, office_name: str) -> Built:
    """The report of `scope` over `frame` (from the store or a CSV); NoReport when nothing is left."""
    from reports.ikm import NoAnswers
    from reports.periods import describe, filter_period
    from reports.report import build_report

    if frame.empty:
        raise NoReport
    label = ALL_PERIODS
    if scope.period:
        if "finished_at" not in frame.columns:
            raise ReportInputError("Periode butuh kolom tanggal (tanggal) di data.")
        try:
            frame = filter_period(frame, scope.period)
        except ValueError as exc:
            raise ReportInputError(str(exc)) from None
        label = describe(scope.period)
    if frame.empty:
        raise NoReport
    try:
        report = build_report(frame, title=scope.title, office_name=office_name, period_label=label)
    except (NoAnswers, KeyError):
        raise NoReport from None
    return Built(report, frame)


async def report_for(rt: Runtime, scope: Scope) -> Built:
    """The report of `scope` from the store."""
    frame = await responses_frame(rt, session_id=scope.session_id, section=scope.section)
    return build(frame, scope, office_name=rt.settings.office_name)


def render(built: Built, fmt: str) -> str:
    """The report as text (what staff read in a chat or a terminal) or JSON (reports/SCHEMA.md)."""
    from reports.report import render_json, render_text

    return render_json(built.report) if fmt == "json" else render_text(built.report)


def write(built: Built, fmt: str, path: Path) -> Path:
    """The report as a file: PNG infographic, printable PDF, or XLSX tables (also per quarter and section).

    Written whole or not at all, and never over a folder, link or device (`bot.base.files.atomic_output`;
    raises `FileProblem`).  CPU work (matplotlib, fpdf2): a bot calls it in a worker thread."""
    from reports.grouping import summarise
    from reports.render_files import render_pdf, render_png, render_xlsx

    with atomic_output(path, "Laporan", f"laporan.{fmt}") as tmp:
        if fmt == "png":
            render_png(built.report, tmp)
        elif fmt == "pdf":
            render_pdf(built.report, tmp)
        else:
            groups = {}
            if "finished_at" in built.frame.columns:
                groups["Per Triwulan"] = summarise(built.frame, "quarter")
            if "section" in built.frame.columns:
                groups["Per Bidang"] = summarise(built.frame, "section")
            render_xlsx(built.report, tmp, groups)
    return path


def headline(built: Built, lang: str = "id") -> str:
    """ "IKM 91,48 (A)": the one line a command or a photo caption shows."""

    return f"IKM {number(built.report.ikm.ikm_rounded, lang)} ({built.report.ikm.grade.mutu})"


# --- the staff group hears when a session's IKM falls below B --------------------------------------


async def watch_ikm(rt: Runtime) -> int:
    """Alert the staff group when a session's IKM falls below B (once per session and grade)."""
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
    from reports.ikm import NoAnswers, compute_ikm

    queued = 0
    lang = rt.settings.language
    defn = definition_for(rt)
    for session_id in answered:
        frame = await responses_frame(rt, session_id=session_id)
        try:
            result = compute_ikm(frame, disabled_unsur=tuple(defn.disabled_unsur))
        except NoAnswers:
            continue
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


# --- answers from outside the chat --------------------------------------------------------------------


async def import_responses(
    rt: Runtime, frame: Any, session_id: int, on_row: Callable[[], None] | None = None
) -> int:
    """Store CSV/paper responses for a session (channel "import"); returns how many were stored."""
    from reports.frame import records

    defn = definition_for(rt)
    keys = [q.key for q in defn.questions if q.kind == "ikm"]
    now = rt.clock.now()
    stored = 0
    async with rt.store.begin() as conn:
        for record in records(frame):
            answers = {k: str(int(record[k])) for k in keys if record.get(k) is not None}
            if record.get("saran"):
                answers["saran"] = str(record["saran"])
            response = Response(
                id="I" + secrets.token_hex(8),
                session_id=session_id,
                respondent="import:" + secrets.token_hex(12),
                definition_id=defn.id,
                definition_version=defn.version,
                channel="import",
                answers=answers,
                followups={},
                started_at=None,
                finished_at=record.get("finished_at") or now,
                replaced_by=None,
            )
            await store_response(conn, rt, response)
            stored += 1
            if on_row is not None:
                on_row()
    return stored


# --- the result post when a session's survey closes -----------------------------------------------------


async def post_result(conn: Connection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    """Scheduled when a session's survey closes: "IKM 91,48 — A (Sangat baik), 29 responden" to its groups,
    if the office enabled it."""
    if not rt.settings.survey_result_to_groups:
        return 0
    from reports.report import build_report

    frame = await responses_frame(rt, session_id=session.id)
    if frame.empty:
        return 0
    report = build_report(frame, title=session.title, office_name=rt.settings.office_name, period_label="")
    r = report.ikm

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
