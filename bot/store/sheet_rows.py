"""Rows waiting to be mirrored to the office spreadsheet (the Sheets side of the outbox)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Text, cast, func, select, update
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
    error: str | None = None  # why the spreadsheet refused it (parked rows)


def _queued(r: Any) -> QueuedRow:
    return QueuedRow(r.id, r.worksheet, r.row_key, r.op, r.values, r.created_at, r.error)


async def queue(
    conn: AsyncConnection,
    worksheet: str,
    row_key: str,
    values: dict[str, Any],
    now: datetime,
    *,
    op: str = "append",
) -> None:
    """Queue a row (or a cell update); queuing the same key twice keeps the first (or latest update).

    An update of a row whose append has not been written yet (waiting, or parked) is folded into that
    append too, so the row is written as it is now whenever it is written."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    if op == "update":
        unwritten = s.sheet_outbox.c.flushed_at.is_(None)
        append = (
            await conn.execute(
                select(s.sheet_outbox.c.id, s.sheet_outbox.c["values"]).where(
                    s.sheet_outbox.c.worksheet == worksheet,
                    s.sheet_outbox.c.row_key == row_key,
                    s.sheet_outbox.c.op == "append",
                    unwritten,
                )
            )
        ).first()
        if append is not None:
            await conn.execute(
                update(s.sheet_outbox)
                .where(s.sheet_outbox.c.id == append.id)
                .values({"values": {**append.values, **values}})
            )
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
    row = {"worksheet": worksheet, "row_key": row_key, "op": op, "values": values, "created_at": now}
    if op == "update":
        stmt = insert(s.sheet_outbox).values(**row, attempts=0)
        stmt = stmt.on_conflict_do_update(
            index_elements=["worksheet", "row_key", "op"],
            set_={"values": values, "flushed_at": None, "parked_at": None, "created_at": now},
        )
        await conn.execute(stmt)
    else:
        await conn.execute(_appending(conn.dialect.name), {**row, "attempts": 0})


@functools.cache
def _appending(dialect: str) -> Insert:
    """A new row's append, built once per dialect (every stored survey answer queues its Jawaban row)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(s.sheet_outbox).on_conflict_do_nothing(index_elements=["worksheet", "row_key", "op"])


async def requeue(
    conn: AsyncConnection, worksheet: str, row_key: str, values: dict[str, Any], now: datetime
) -> None:
    """Write this row (again) with these values: a row missing from the workbook, or a rebuild."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(s.sheet_outbox).values(
        worksheet=worksheet, row_key=row_key, op="append", values=values, created_at=now, attempts=0
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["worksheet", "row_key", "op"],
            set_={
                "values": values,
                "flushed_at": None,
                "parked_at": None,
                "error": None,
                "attempts": 0,
                "created_at": now,
            },
        )
    )


_WAITING = (s.sheet_outbox.c.flushed_at.is_(None)) & (s.sheet_outbox.c.parked_at.is_(None))


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
    """Rows waiting to be written, oldest first (parked rows wait aside and are not among them)."""
    q = select(s.sheet_outbox).where(_WAITING).order_by(s.sheet_outbox.c.id).limit(limit)
    return [_queued(r) for r in await conn.execute(q)]


async def unwritten_keys(conn: AsyncConnection, worksheet: str) -> set[str]:
    """Keys of rows of `worksheet` not written yet, waiting or parked."""
    q = select(s.sheet_outbox.c.row_key).where(
        s.sheet_outbox.c.worksheet == worksheet,
        s.sheet_outbox.c.op == "append",
        s.sheet_outbox.c.flushed_at.is_(None),
    )
    return {r.row_key for r in await conn.execute(q)}


async def settle_before(conn: AsyncConnection, worksheet: str, last_id: int, now: datetime) -> None:
    """Mark every row of `worksheet` queued up to `last_id` as written (a rebuild wrote their content)."""
    await conn.execute(
        update(s.sheet_outbox)
        .where(
            s.sheet_outbox.c.worksheet == worksheet,
            s.sheet_outbox.c.id <= last_id,
            s.sheet_outbox.c.flushed_at.is_(None),
        )
        .values(flushed_at=now, parked_at=None, error=None)
    )


async def last_id(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.coalesce(func.max(s.sheet_outbox.c.id), 0)))).scalar_one())


async def park(conn: AsyncConnection, row_id: int, reason: str, now: datetime) -> None:
    """The spreadsheet refused this row on its own: keep it aside with the reason; the rest flow on."""
    await conn.execute(
        update(s.sheet_outbox)
        .where(s.sheet_outbox.c.id == row_id)
        .values(parked_at=now, error=reason[:500], attempts=s.sheet_outbox.c.attempts + 1)
    )


async def parked(conn: AsyncConnection, limit: int = 100) -> list[QueuedRow]:
    """Parked rows, oldest first, with the reason (for /status, `ngopas sync` and `ngopas doctor`)."""
    q = (
        select(s.sheet_outbox)
        .where(s.sheet_outbox.c.flushed_at.is_(None), s.sheet_outbox.c.parked_at.isnot(None))
        .order_by(s.sheet_outbox.c.id)
        .limit(limit)
    )
    return [_queued(r) for r in await conn.execute(q)]


async def count_parked(conn: AsyncConnection) -> int:
    q = select(func.count()).where(
        s.sheet_outbox.c.flushed_at.is_(None), s.sheet_outbox.c.parked_at.isnot(None)
    )
    return int((await conn.execute(q)).scalar_one())


async def unpark(conn: AsyncConnection) -> int:
    """Put every parked row back in the queue (`ngopas sync` tries them again)."""
    result = await conn.execute(
        update(s.sheet_outbox)
        .where(s.sheet_outbox.c.flushed_at.is_(None), s.sheet_outbox.c.parked_at.isnot(None))
        .values(parked_at=None)
    )
    return max(result.rowcount, 0)


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
    """How many rows wait and since when (the oldest), for /status and `ngopas doctor` (parked rows apart)."""
    q = select(func.count(), func.min(s.sheet_outbox.c.created_at)).where(_WAITING)
    count, oldest = (await conn.execute(q)).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), oldest
