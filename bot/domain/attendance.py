"""Who came: anonymous check-ins ("✋ Saya hadir", the venue's QR code) and staff headcounts.

A check-in stores a per-session pseudonym (an HMAC of session and Telegram id with the office's salt, as the
survey's respondents get), how the person followed (di lokasi, Zoom, YouTube) and the time; never a Telegram
id.  It is accepted only inside the session's window (from `attendance_grace_minutes` before the start to as
many after the end), once per person.  Check-ins plus the staff's headcounts are the session's population:
the Krejcie–Morgan target and the response rate of every report and of /status, and the Jadwal "Kehadiran"
column.  Whoever checked in gets the survey invitation privately when the session ends (through a route kept
apart from the check-in and deleted once the invitation is queued).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.base.i18n import t
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.domain.survey.invitations import invitation, invitation_key
from bot.domain.survey.pseudonym import pseudonym
from bot.domain.worksheets import JADWAL
from bot.store import Connection, attendance, outbox, sheet_rows, surveys
from bot.store import sessions as store_sessions
from bot.store.attendance import MODES, Attendance
from bot.store.outbox import NewMessage
from bot.store.sessions import Session
from reports.numbers import number
from reports.sample import krejcie_morgan

MAX_HEADCOUNT = 100_000


class Outcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CheckIn:
    outcome: Outcome
    session: Session | None
    mode: str | None = None  # the mode recorded (the first one, when already checked in)


class AttendanceError(ValueError):
    """Staff typed something unusable; the message is the one sentence to show them."""


def attendee_of(rt: Runtime, session_id: int, user_id: int) -> str:
    """This person's pseudonym among the session's attendees: unrelated to their survey pseudonym and to
    their pseudonym at any other session."""
    return pseudonym(rt.settings.require_salt(), f"{session_id}:{user_id}", purpose="attend")


def window(rt: Runtime, session: Session) -> tuple[datetime, datetime]:
    grace = timedelta(minutes=rt.settings.attendance_grace_minutes)
    return session.starts_at - grace, session.ends_at + grace


def parse_mode(raw: str | None) -> str | None:
    """ "lokasi", "di lokasi", "Zoom", "yt" ... → the stored mode, or None."""
    value = " ".join((raw or "").strip().lower().split())
    aliases = {"di lokasi": "lokasi", "onsite": "lokasi", "luring": "lokasi", "yt": "youtube"}
    value = aliases.get(value, value)
    return value if value in MODES else None


def mode_label(mode: str, lang: str) -> str:
    return t(f"attend.mode_{mode}", lang)


async def open_for_check_in(rt: Runtime, session_id: int) -> CheckIn:
    """Whether a check-in to this session would be accepted now (asked before showing the mode buttons)."""
    async with rt.store.connect() as conn:
        session = await store_sessions.get_session(conn, session_id)
    return CheckIn(_refusal(rt, session) or Outcome.RECORDED, session)


def _refusal(rt: Runtime, session: Session | None) -> Outcome | None:
    if session is None:
        return Outcome.NOT_FOUND
    if session.cancelled:
        return Outcome.CANCELLED
    opens, closes = window(rt, session)
    now = rt.clock.now()
    if now < opens:
        return Outcome.NOT_YET
    if now > closes:
        return Outcome.CLOSED
    return None


async def check_in(rt: Runtime, session_id: int, user_id: int, chat_id: int, mode: str, lang: str) -> CheckIn:
    """Record that this person attends, in one transaction with the session's new population, its Jadwal
    row and the way the survey invitation reaches them (a route until the session ends, the invitation
    itself after that)."""
    if mode not in MODES:
        raise ValueError(mode)
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        session = await store_sessions.get_session(conn, session_id)
        refusal = _refusal(rt, session)
        if refusal is not None:
            return CheckIn(refusal, session)
        assert session is not None
        who = attendee_of(rt, session_id, user_id)
        if not await attendance.check_in(conn, session_id, who, mode, now):
            return CheckIn(Outcome.ALREADY, session, await attendance.checked_in_mode(conn, session_id, who))
        await refresh(conn, rt, session)
        if now < session.ends_at:
            await attendance.add_route(conn, session_id, chat_id, lang)
        elif now < session.survey_closes_at:
            # The invitation went out at the end already: this late arrival gets theirs now.
            message = NewMessage(
                key=f"{invitation_key(session_id)}:{chat_id}",
                kind=MessageKind.SURVEY_INVITE,
                chat_id=chat_id,
                payload=invitation(rt, session, lang),
                due_at=now,
                session_id=session_id,
            )
            await outbox.enqueue(conn, [message], now)
    rt.wake_sender()
    return CheckIn(Outcome.RECORDED, session, mode)


async def record_count(rt: Runtime, session_id: int, count: int, mode: str = "lokasi") -> Attendance:
    """Staff's headcount of people without phones (replaces the one typed before for that mode)."""
    if mode not in MODES:
        raise AttendanceError(t("attend.bad_mode", "id", value=mode))
    if not 0 <= count <= MAX_HEADCOUNT:
        raise AttendanceError(t("attend.bad_count", "id", max=MAX_HEADCOUNT))
    async with rt.store.begin() as conn:
        session = await store_sessions.get_session(conn, session_id)
        if session is None:
            raise LookupError(session_id)
        await attendance.set_count(conn, session_id, mode, count, rt.clock.now())
        return await refresh(conn, rt, session)


async def refresh(conn: Connection, rt: Runtime, session: Session) -> Attendance:
    """The session's population follows its attendance, and its Jadwal row shows it (same transaction)."""
    counts = await attendance.of_session(conn, session.id)
    await attendance.set_population(conn, session.id, counts.total or None)
    await sheet_rows.queue(
        conn,
        JADWAL.name,
        str(session.id),
        {"Kehadiran": attendance_cell(counts)},
        rt.clock.now(),
        op="update",
    )
    return counts


async def of_session(rt: Runtime, session_id: int) -> Attendance:
    async with rt.store.connect() as conn:
        return await attendance.of_session(conn, session_id)


def _parts(values: dict[str, int], lang: str) -> str:
    return ", ".join(f"{mode_label(m, lang)} {n}" for m, n in values.items() if n)


def attendance_cell(counts: Attendance) -> str:
    """Jadwal's "Kehadiran": the total, then check-ins and staff headcounts apart, per mode."""
    if not counts.total:
        return ""
    parts = []
    checked = sum(counts.checked_in.values())
    counted = sum(counts.counted.values())
    if checked:
        parts.append(t("attend.cell_checked", "id", n=checked, modes=_parts(counts.checked_in, "id")))
    if counted:
        parts.append(t("attend.cell_counted", "id", n=counted, modes=_parts(counts.counted, "id")))
    return f"{counts.total} ({'; '.join(parts)})"


def summary(counts: Attendance, lang: str) -> str:
    """What staff read after /hadir and in /status: check-ins and headcounts apart."""
    return t(
        "attend.summary",
        lang,
        total=counts.total,
        checked=sum(counts.checked_in.values()),
        checked_modes=_parts(counts.checked_in, lang) or "-",
        counted=sum(counts.counted.values()),
        counted_modes=_parts(counts.counted, lang) or "-",
    )


async def status_text(rt: Runtime, lang: str, *, limit: int = 5) -> str:
    """/status: attendance, sample target and response rate of the sessions whose survey is open."""
    now = rt.clock.now()
    async with rt.store.connect() as conn:
        recent = await store_sessions.list_sessions(
            conn, ends_after=now - timedelta(days=rt.settings.survey_window_days), starts_before=now
        )
        lines = []
        for session in recent[-limit:]:
            counts = await attendance.of_session(conn, session.id)
            answered = await surveys.count_responses(conn, session.id)
            if not counts.total:
                lines.append(t("attend.status_none", lang, id=session.id, answered=answered))
                continue
            target = krejcie_morgan(counts.total)
            lines.append(
                t(
                    "attend.status_line",
                    lang,
                    id=session.id,
                    summary=summary(counts, lang),
                    answered=answered,
                    target=target,
                    rate=_percent(answered / counts.total, lang),
                )
            )
    return t("attend.status_header", lang) + "\n" + "\n".join(lines) if lines else ""


def _percent(share: float, lang: str) -> str:
    return f"{number(share * 100, lang, 1)}%"
