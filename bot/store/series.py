"""Recurring sessions: the series (a template and its rule) and the occurrences made from it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s
from bot.store.sessions import Session, session_from_row


@dataclass(frozen=True)
class Series:
    id: int
    title: str
    section: str
    venue: str
    latitude: float | None
    longitude: float | None
    zoom_url: str | None
    youtube_url: str | None
    speaker: str | None
    rule: str
    repeat: str | None
    first_starts_at: datetime
    duration_minutes: int
    status: str
    made_until: datetime | None
    source: str
    external_key: str | None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


_FIELDS = [f.name for f in fields(Series)]


def _series(row: Any) -> Series:
    return Series(**{name: getattr(row, name) for name in _FIELDS})


async def insert_series(conn: AsyncConnection, values: dict[str, Any], now: datetime) -> Series:
    result = await conn.execute(
        s.series.insert().values(**values, status="planned", created_at=now, updated_at=now)
    )
    got = await get_series(conn, int(result.inserted_primary_key[0]))
    assert got is not None
    return got


async def get_series(conn: AsyncConnection, series_id: int) -> Series | None:
    row = (await conn.execute(select(s.series).where(s.series.c.id == series_id))).first()
    return _series(row) if row else None


async def get_by_external_key(conn: AsyncConnection, key: str) -> Series | None:
    row = (await conn.execute(select(s.series).where(s.series.c.external_key == key))).first()
    return _series(row) if row else None


async def update_series(conn: AsyncConnection, series_id: int, values: dict[str, Any], now: datetime) -> None:
    await conn.execute(update(s.series).where(s.series.c.id == series_id).values(**values, updated_at=now))


async def running(conn: AsyncConnection, *, made_before: datetime) -> list[Series]:
    """Planned series with occurrences to make by `made_before` (`made_until`: when the next one comes
    within the horizon)."""
    q = (
        select(s.series)
        .where(s.series.c.status == "planned")
        .where(s.series.c.made_until.is_not(None), s.series.c.made_until <= made_before)
        .order_by(s.series.c.id)
    )
    return [_series(r) for r in await conn.execute(q)]


async def occurrence_starts(conn: AsyncConnection, series_id: int) -> set[datetime]:
    """The rule's starts already made into sessions (moved or cancelled ones included)."""
    q = select(s.session.c.occurrence_at).where(s.session.c.series_id == series_id)
    return {row[0] for row in await conn.execute(q) if row[0] is not None}


async def occurrences(
    conn: AsyncConnection, series_id: int, *, ends_after: datetime | None = None
) -> list[Session]:
    """The series' sessions in order (only those not yet over, with `ends_after`)."""
    q = select(s.session).where(s.session.c.series_id == series_id).order_by(s.session.c.starts_at)
    if ends_after is not None:
        q = q.where(s.session.c.ends_at > ends_after)
    return [session_from_row(r) for r in await conn.execute(q)]
