"""Rows waiting to be mirrored to the office spreadsheet (the Sheets side of the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


@dataclass(frozen=True)
class QueuedRow:
    """A row (or a cell update) waiting in the store to be written to the office spreadsheet."""

    id: int
    worksheet: str
    row_key: str
    op: str
    values: dict[str, Any]
    created_at: datetime


async def queue(
    conn: AsyncConnection,
    worksheet: str,
    row_key: str,
    values: dict[str, Any],
    now: datetime,
    *,
    op: str = "append",
) -> None:
    """Queue a row (or a cell update); queuing the same key twice keeps the first (or latest update)."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    if op == "update":
        # Two updates of one row before a flush (e.g. status, then sender removed) must both land.
        waiting = (
            await conn.execute(
                select(s.sheet_outbox.c["values"]).where(
                    s.sheet_outbox.c.worksheet == worksheet,
                    s.sheet_outbox.c.row_key == row_key,
                    s.sheet_outbox.c.op == "update",
                    s.sheet_outbox.c.flushed_at.is_(None),
                )
            )
        ).first()
        if waiting is not None:
            values = {**waiting.values, **values}
    stmt = insert(s.sheet_outbox).values(
        worksheet=worksheet, row_key=row_key, op=op, values=values, created_at=now, attempts=0
    )
    if op == "update":
        stmt = stmt.on_conflict_do_update(
            index_elements=["worksheet", "row_key", "op"],
            set_={"values": values, "flushed_at": None, "created_at": now},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["worksheet", "row_key", "op"])
    await conn.execute(stmt)


async def overwrite(
    conn: AsyncConnection, worksheet: str, row_keys: list[str], values: dict[str, Any]
) -> int:
    """Put `values` into every copy of these rows this store holds, queued or already written (only where the
    copy has that column); returns how many copies changed.  The sheet itself needs an "update" queued."""
    if not row_keys:
        return 0
    q = select(s.sheet_outbox.c.id, s.sheet_outbox.c["values"]).where(
        s.sheet_outbox.c.worksheet == worksheet, s.sheet_outbox.c.row_key.in_(row_keys)
    )
    changed = 0
    for row in (await conn.execute(q)).all():
        kept = {**row.values, **{k: v for k, v in values.items() if k in row.values}}
        if kept != row.values:
            await conn.execute(
                update(s.sheet_outbox).where(s.sheet_outbox.c.id == row.id).values({"values": kept})
            )
            changed += 1
    return changed


async def pending(conn: AsyncConnection, limit: int = 5000) -> list[QueuedRow]:
    q = (
        select(s.sheet_outbox)
        .where(s.sheet_outbox.c.flushed_at.is_(None))
        .order_by(s.sheet_outbox.c.id)
        .limit(limit)
    )
    return [
        QueuedRow(r.id, r.worksheet, r.row_key, r.op, r.values, r.created_at) for r in await conn.execute(q)
    ]


async def mark_flushed(conn: AsyncConnection, ids: list[int], now: datetime) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        await conn.execute(
            update(s.sheet_outbox).where(s.sheet_outbox.c.id.in_(chunk)).values(flushed_at=now, error=None)
        )


async def mark_failed(conn: AsyncConnection, ids: list[int], error: str) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        await conn.execute(
            update(s.sheet_outbox)
            .where(s.sheet_outbox.c.id.in_(chunk))
            .values(attempts=s.sheet_outbox.c.attempts + 1, error=error[:500])
        )


async def purge_flushed(conn: AsyncConnection, before: datetime) -> int:
    """Rows written to the spreadsheet before `before` lose their values: the spreadsheet has them, and a
    copy here (names of ticket writers, answers) would outlive a deletion there."""
    result = await conn.execute(
        update(s.sheet_outbox)
        .where(
            s.sheet_outbox.c.flushed_at.isnot(None),
            s.sheet_outbox.c.flushed_at < before,
            cast(s.sheet_outbox.c["values"], Text) != "{}",
        )
        .values({"values": {}})
    )
    return max(result.rowcount, 0)


async def lag(conn: AsyncConnection) -> tuple[int, datetime | None]:
    """How many rows wait and since when (the oldest), for /status and `ngopas doctor`."""
    q = select(func.count(), func.min(s.sheet_outbox.c.created_at)).where(
        s.sheet_outbox.c.flushed_at.is_(None)
    )
    count, oldest = (await conn.execute(q)).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), oldest
