"""NGOPAS sessions and their schedule rows (reminders as data, swept by the scheduler)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


@dataclass(frozen=True)
class Session:
    id: int
    title: str
    section: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    zoom_url: str | None
    youtube_url: str | None
    speaker: str | None
    status: str
    rev: int
    version: int
    survey_closes_at: datetime
    population: int | None
    source: str
    external_key: str | None
    latitude: float | None = None
    longitude: float | None = None
    series_id: int | None = None
    occurrence_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def pin(self) -> tuple[float, float] | None:
        """The venue's coordinates when staff gave them (a map pin is sent with the announcement)."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


_FIELDS = [f.name for f in fields(Session)]


def session_from_row(row: Any) -> Session:
    return Session(**{name: getattr(row, name) for name in _FIELDS})


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    session_id: int
    kind: str
    rev: int
    due_at: datetime


async def insert_session(conn: AsyncConnection, values: dict[str, Any], now: datetime) -> Session:
    result = await conn.execute(
        s.session.insert().values(
            **values, rev=1, version=1, status="planned", created_at=now, updated_at=now
        )
    )
    session_id = result.inserted_primary_key[0]
    got = await get_session(conn, int(session_id))
    assert got is not None
    return got


async def update_session(
    conn: AsyncConnection, session_id: int, values: dict[str, Any], now: datetime
) -> Session:
    await conn.execute(update(s.session).where(s.session.c.id == session_id).values(**values, updated_at=now))
    got = await get_session(conn, session_id)
    assert got is not None
    return got


# Built once: every stored survey answer reads its session, and building the statement (and its cache key)
# each time cost more than running it.
_SESSION_BY_ID = select(s.session).where(s.session.c.id == bindparam("session_id"))


async def get_session(conn: AsyncConnection, session_id: int) -> Session | None:
    row = (await conn.execute(_SESSION_BY_ID, {"session_id": session_id})).first()
    return session_from_row(row) if row else None


async def label(conn: AsyncConnection, session_id: int | None) -> str:
    """ "#12 Dialog Kerukunan" as staff see it in sheets and alerts ("" without a session)."""
    if session_id is None:
        return ""
    row = (await conn.execute(select(s.session.c.title).where(s.session.c.id == session_id))).first()
    return f"#{session_id} {row.title}" if row else f"#{session_id}"


async def all_ids(conn: AsyncConnection) -> list[int]:
    return [r.id for r in await conn.execute(select(s.session.c.id).order_by(s.session.c.id))]


async def get_by_external_key(conn: AsyncConnection, key: str) -> Session | None:
    row = (await conn.execute(select(s.session).where(s.session.c.external_key == key))).first()
    return session_from_row(row) if row else None


async def find(conn: AsyncConnection, *, title: str, section: str, starts_at: datetime) -> Session | None:
    """The session with this title, section and start (a planned one before a cancelled one), if any."""
    q = (
        select(s.session)
        .where(s.session.c.title == title, s.session.c.section == section, s.session.c.starts_at == starts_at)
        .order_by((s.session.c.status == "cancelled"), s.session.c.id)
        .limit(1)
    )
    row = (await conn.execute(q)).first()
    return session_from_row(row) if row else None


async def list_sessions(
    conn: AsyncConnection,
    *,
    ends_after: datetime | None = None,
    include_cancelled: bool = False,
    section: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Session]:
    q = select(s.session).order_by(s.session.c.starts_at, s.session.c.id)
    if ends_after is not None:
        q = q.where(s.session.c.ends_at > ends_after)
    if starts_from is not None:
        q = q.where(s.session.c.starts_at >= starts_from)
    if starts_before is not None:
        q = q.where(s.session.c.starts_at < starts_before)
    if not include_cancelled:
        q = q.where(s.session.c.status != "cancelled")
    if section:
        q = q.where(s.session.c.section == section)
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return [session_from_row(r) for r in await conn.execute(q)]


async def surveys_closed_between(conn: AsyncConnection, after: datetime, upto: datetime) -> list[int]:
    """Sessions (not cancelled) whose survey closed in (after, upto]: their IKM is final."""
    c = s.session.c
    q = select(c.id).where(c.status != "cancelled", c.survey_closes_at > after, c.survey_closes_at <= upto)
    return [row.id for row in await conn.execute(q.order_by(c.id))]


async def add_schedule(conn: AsyncConnection, session_id: int, kind: str, rev: int, due_at: datetime) -> None:
    exists = (
        await conn.execute(
            select(s.schedule.c.id).where(
                s.schedule.c.session_id == session_id, s.schedule.c.kind == kind, s.schedule.c.rev == rev
            )
        )
    ).first()
    if exists is None:
        await conn.execute(
            s.schedule.insert().values(
                session_id=session_id, kind=kind, rev=rev, due_at=due_at, state="pending"
            )
        )


async def cancel_schedule(
    conn: AsyncConnection, session_id: int, *, kinds: tuple[str, ...] | None = None
) -> None:
    q = update(s.schedule).where(s.schedule.c.session_id == session_id, s.schedule.c.state == "pending")
    if kinds is not None:
        q = q.where(s.schedule.c.kind.in_(kinds))
    await conn.execute(q.values(state="cancelled"))


async def due_schedule(conn: AsyncConnection, now: datetime, limit: int = 100) -> list[ScheduleRow]:
    q = (
        select(s.schedule)
        .where(s.schedule.c.state == "pending", s.schedule.c.due_at <= now)
        .order_by(s.schedule.c.due_at, s.schedule.c.id)
        .limit(limit)
    )
    return [ScheduleRow(r.id, r.session_id, r.kind, r.rev, r.due_at) for r in await conn.execute(q)]


async def next_schedule_due(conn: AsyncConnection) -> datetime | None:
    q = (
        select(s.schedule.c.due_at)
        .where(s.schedule.c.state == "pending")
        .order_by(s.schedule.c.due_at)
        .limit(1)
    )
    return (await conn.execute(q)).scalar()


async def finish_schedule(conn: AsyncConnection, schedule_id: int, state: str, now: datetime) -> bool:
    """Mark a schedule row done/skipped; False if another worker already did (so it fans out once)."""
    result = await conn.execute(
        update(s.schedule)
        .where(s.schedule.c.id == schedule_id, s.schedule.c.state == "pending")
        .values(state=state, done_at=now)
    )
    return result.rowcount == 1


async def forget_creator(conn: AsyncConnection, user_id: int) -> None:
    """/hapus_data by a staff member: the sessions and series they created stay, without their Telegram id."""
    await conn.execute(update(s.session).where(s.session.c.created_by == user_id).values(created_by=None))
    await conn.execute(update(s.series).where(s.series.c.created_by == user_id).values(created_by=None))


async def sections(conn: AsyncConnection) -> list[str]:
    """Every section a session was held in, alphabetically (what `report --section` can name)."""
    q = select(s.session.c.section).distinct().order_by(s.session.c.section)
    return [row[0] for row in await conn.execute(q) if row[0]]
