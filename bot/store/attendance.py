"""Who came to a session (pseudonymous check-ins, staff headcounts), the routes of their survey invitation,
the closing record staff write afterwards, and the members who asked for private reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s

MODES = ("lokasi", "zoom", "youtube")


@dataclass(frozen=True)
class Attendance:
    """Check-ins and staff headcounts of one session, per mode (every mode present, zero when none)."""

    checked_in: dict[str, int]
    counted: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.checked_in.values()) + sum(self.counted.values())


@dataclass(frozen=True)
class Record:
    session_id: int
    notes: str
    photos: list[str] = field(default_factory=list)


def _insert(conn: AsyncConnection):  # noqa: ANN202 - the dialect's INSERT with ON CONFLICT
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


async def check_in(conn: AsyncConnection, session_id: int, attendee: str, mode: str, now: datetime) -> bool:
    """Record a check-in; False when this attendee already checked in (the first one stands)."""
    stmt = (
        _insert(conn)(s.attendance)
        .values(session_id=session_id, attendee=attendee, mode=mode, checked_in_at=now)
        .on_conflict_do_nothing()
    )
    return (await conn.execute(stmt)).rowcount == 1


async def checked_in_mode(conn: AsyncConnection, session_id: int, attendee: str) -> str | None:
    q = select(s.attendance.c.mode).where(
        s.attendance.c.session_id == session_id, s.attendance.c.attendee == attendee
    )
    return (await conn.execute(q)).scalar()


async def set_count(conn: AsyncConnection, session_id: int, mode: str, count: int, now: datetime) -> None:
    """Staff's headcount for one mode replaces the one typed before (0 removes it)."""
    await conn.execute(
        delete(s.attendance_count).where(
            s.attendance_count.c.session_id == session_id, s.attendance_count.c.mode == mode
        )
    )
    if count:
        await conn.execute(
            s.attendance_count.insert().values(session_id=session_id, mode=mode, count=count, updated_at=now)
        )


async def of_session(conn: AsyncConnection, session_id: int) -> Attendance:
    checked = dict.fromkeys(MODES, 0)
    q = (
        select(s.attendance.c.mode, func.count())
        .where(s.attendance.c.session_id == session_id)
        .group_by(s.attendance.c.mode)
    )
    for mode, n in await conn.execute(q):
        checked[mode] = checked.get(mode, 0) + int(n)
    counted = dict.fromkeys(MODES, 0)
    q2 = select(s.attendance_count.c.mode, s.attendance_count.c.count).where(
        s.attendance_count.c.session_id == session_id
    )
    for mode, n in await conn.execute(q2):
        counted[mode] = int(n)
    return Attendance(checked, counted)


async def set_population(conn: AsyncConnection, session_id: int, population: int | None) -> None:
    await conn.execute(update(s.session).where(s.session.c.id == session_id).values(population=population))


# --- invitation routes ----------------------------------------------------------------------------------


async def add_route(conn: AsyncConnection, session_id: int, chat_id: int, language: str) -> None:
    stmt = (
        _insert(conn)(s.attendance_route)
        .values(session_id=session_id, chat_id=chat_id, language=language)
        .on_conflict_do_nothing()
    )
    await conn.execute(stmt)


async def take_routes(conn: AsyncConnection, session_id: int) -> list[tuple[int, str]]:
    """The routes of a session's checked-in people, deleted as they are read (the invitation is queued in
    the same transaction)."""
    q = select(s.attendance_route.c.chat_id, s.attendance_route.c.language).where(
        s.attendance_route.c.session_id == session_id
    )
    routes = [(int(r.chat_id), r.language) for r in await conn.execute(q)]
    await conn.execute(delete(s.attendance_route).where(s.attendance_route.c.session_id == session_id))
    return routes


async def drop_stale_routes(conn: AsyncConnection, now: datetime) -> int:
    """Routes of sessions whose survey closed (or that were cancelled before they ended): never needed."""
    stale = select(s.session.c.id).where(
        (s.session.c.survey_closes_at <= now) | (s.session.c.status == "cancelled")
    )
    result = await conn.execute(delete(s.attendance_route).where(s.attendance_route.c.session_id.in_(stale)))
    return result.rowcount or 0


# --- closing record -------------------------------------------------------------------------------------


async def get_record(conn: AsyncConnection, session_id: int) -> Record | None:
    row = (
        await conn.execute(select(s.session_record).where(s.session_record.c.session_id == session_id))
    ).first()
    return Record(row.session_id, row.notes, list(row.photos or [])) if row else None


async def add_to_record(
    conn: AsyncConnection, session_id: int, *, notes: str, photos: list[str], now: datetime
) -> Record:
    """Append notes (a new paragraph) and photos to the session's record, creating it on first use."""
    before = await get_record(conn, session_id)
    if before is None:
        await conn.execute(
            s.session_record.insert().values(
                session_id=session_id, notes=notes, photos=list(photos), updated_at=now
            )
        )
    else:
        merged = "\n\n".join(p for p in (before.notes, notes) if p)
        known = before.photos + [p for p in photos if p not in before.photos]
        await conn.execute(
            update(s.session_record)
            .where(s.session_record.c.session_id == session_id)
            .values(notes=merged, photos=known, updated_at=now)
        )
    got = await get_record(conn, session_id)
    assert got is not None
    return got


# --- private reminders ("Ingatkan saya") ------------------------------------------------------------------


async def add_optin(
    conn: AsyncConnection, session_id: int, chat_id: int, language: str, now: datetime
) -> bool:
    stmt = (
        _insert(conn)(s.reminder_optin)
        .values(session_id=session_id, chat_id=chat_id, language=language, created_at=now)
        .on_conflict_do_nothing()
    )
    return (await conn.execute(stmt)).rowcount == 1


async def remove_optin(conn: AsyncConnection, session_id: int, chat_id: int) -> bool:
    result = await conn.execute(
        delete(s.reminder_optin).where(
            s.reminder_optin.c.session_id == session_id, s.reminder_optin.c.chat_id == chat_id
        )
    )
    return bool(result.rowcount)


async def optins(conn: AsyncConnection, session_id: int) -> list[tuple[int, str]]:
    """The private chats of members who asked for this session's reminders, with their language."""
    q = (
        select(s.reminder_optin.c.chat_id, s.reminder_optin.c.language)
        .where(s.reminder_optin.c.session_id == session_id)
        .order_by(s.reminder_optin.c.chat_id)
    )
    return [(int(r.chat_id), r.language) for r in await conn.execute(q)]


async def drop_past_optins(conn: AsyncConnection, now: datetime) -> int:
    """Reminder requests of sessions that ended: nothing more will be sent for them."""
    past = select(s.session.c.id).where(s.session.c.ends_at <= now)
    result = await conn.execute(delete(s.reminder_optin).where(s.reminder_optin.c.session_id.in_(past)))
    return result.rowcount or 0


async def forget_chat(conn: AsyncConnection, chat_id: int) -> None:
    """/hapus_data: this private chat's invitation routes and reminder requests."""
    await conn.execute(delete(s.attendance_route).where(s.attendance_route.c.chat_id == chat_id))
    await conn.execute(delete(s.reminder_optin).where(s.reminder_optin.c.chat_id == chat_id))
