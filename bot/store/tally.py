"""Running IKM sums and counts per session and quarter (`response_tally`), kept with every stored answer.

The Ringkasan sheet is computed from these few hundred rows instead of every answer: a flush costs the same
with ten answers or a million.  Increments are one atomic upsert (`x = x + :dx`), so two writers on
PostgreSQL never lose one another's answer."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Insert, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s

UNSUR = s.TALLY_UNSUR


@dataclass(frozen=True)
class Tally:
    """One session's answers in one quarter: respondents, and per unsur the sum and number of answers."""

    session_id: int
    period: int
    respondents: int
    sums: dict[str, int]
    counts: dict[str, int]


@dataclass(frozen=True)
class TallyRow:
    """A tally with its session's current title and section (what the summary groups by)."""

    title: str
    section: str
    tally: Tally


async def add(conn: AsyncConnection, delta: Tally) -> None:
    """Add `delta` (negative to take a replaced answer out) to its session's and quarter's row."""
    values = {"session_id": delta.session_id, "period": delta.period, "respondents": delta.respondents}
    for key in UNSUR:
        values[f"{key}_sum"] = delta.sums.get(key, 0)
        values[f"{key}_n"] = delta.counts.get(key, 0)
    await conn.execute(_adding(conn.dialect.name), values)


@functools.cache
def _adding(dialect: str) -> Insert:
    """The upsert that adds a delta, built once per dialect: building it (its `excluded` columns) and its
    cache key took a fifth of the CPU of storing a survey answer."""
    table = s.response_tally
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    added = {
        column.name: column + stmt.excluded[column.name]
        for column in table.c
        if column.name not in ("session_id", "period")
    }
    return stmt.on_conflict_do_update(index_elements=["session_id", "period"], set_=added)


async def every(
    conn: AsyncConnection, batch: int = 200, *, session_ids: Iterable[int] | None = None
) -> list[TallyRow]:
    """Every tally (of `session_ids`, when given) with its session's title and section, read in batches so
    the event loop gets its turn."""
    t = s.response_tally.c
    q = select(
        t.session_id,
        t.period,
        t.respondents,
        s.session.c.title,
        s.session.c.section,
        *[t[f"{key}_sum"] for key in UNSUR],
        *[t[f"{key}_n"] for key in UNSUR],
    ).join(s.session, s.session.c.id == t.session_id)
    if session_ids is not None:
        q = q.where(t.session_id.in_(list(session_ids)))
    out: list[TallyRow] = []
    n = len(UNSUR)
    result = await conn.stream(q)
    async for rows in result.partitions(batch):
        for row in rows:
            out.append(
                TallyRow(
                    row[3],
                    row[4],
                    Tally(
                        row[0],
                        row[1],
                        row[2],
                        dict(zip(UNSUR, row[5 : 5 + n], strict=True)),
                        dict(zip(UNSUR, row[5 + n :], strict=True)),
                    ),
                )
            )
        await asyncio.sleep(0)
    return out


async def clear(conn: AsyncConnection) -> None:
    await conn.execute(delete(s.response_tally))
