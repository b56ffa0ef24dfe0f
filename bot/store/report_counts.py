"""The report's counts (`report_group`, `report_answer`, `report_text`): what every report figure is computed
from, kept in the transaction that stores or replaces an answer (`bot/domain/report_counts.py`).

Increments are atomic upserts (`x = x + :dx`), so two writers on PostgreSQL never lose one another's
answer.  A group's first and last answer time cannot be taken back by subtraction: when an answer leaves,
they are read again from the group's remaining answers (one session's rows, by its index)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s

GroupKey = tuple[int, int, str]  # session, local month (202607), channel
WRITE_CHUNK = 500


@dataclass(frozen=True)
class Stored:
    """The counts as read back: groups (key, rows, respondents, ipak_respondents, first, last), answers (key,
    question key, value as stored text, count) and texts (response id, column, key, finished_at, text), texts
    in answer order."""

    groups: list[tuple[GroupKey, int, int, int, datetime, datetime]]
    answers: list[tuple[GroupKey, str, str, int]]
    texts: list[tuple[str, str, GroupKey, datetime, str]]


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), WRITE_CHUNK):
        yield rows[start : start + WRITE_CHUNK]


def _key(key: GroupKey) -> dict[str, Any]:
    return {"session_id": key[0], "month": key[1], "channel": key[2]}


async def add(
    conn: AsyncConnection,
    groups: Sequence[tuple[GroupKey, int, int, int, datetime, datetime]],
    answers: Sequence[tuple[GroupKey, str, str, int]],
    texts: Sequence[tuple[str, str, GroupKey, datetime, str]],
) -> None:
    """Add counted answers to the tables: per group its rows, respondents and time span, per value its
    count, and the free texts."""
    group_rows = [
        {
            **_key(key),
            "rows": rows,
            "respondents": respondents,
            "ipak_respondents": ipak,
            "first_at": first,
            "last_at": last,
        }
        for key, rows, respondents, ipak, first, last in groups
    ]
    adding_groups, adding_answers = _adding(conn.dialect.name)
    for chunk in _chunks(group_rows):
        await conn.execute(adding_groups, chunk)
    answer_rows = [{**_key(key), "key": name, "value": value, "n": n} for key, name, value, n in answers]
    for chunk in _chunks(answer_rows):
        await conn.execute(adding_answers, chunk)
    text_rows = [
        {"response_id": rid, "column": column, **_key(key), "finished_at": at, "text": text}
        for rid, column, key, at, text in texts
    ]
    for chunk in _chunks(text_rows):
        await conn.execute(s.report_text.insert(), chunk)


@functools.cache
def _adding(dialect: str) -> tuple[Insert, Insert]:
    """The two upserts that add counts, built once per dialect: building them (their `excluded` columns)
    and their cache keys cost more CPU than running them, in every survey answer's transaction."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    least, greatest = (func.least, func.greatest) if dialect == "postgresql" else (func.min, func.max)
    g, a = s.report_group, s.report_answer
    groups = insert(g)
    groups = groups.on_conflict_do_update(
        index_elements=["session_id", "month", "channel"],
        set_={
            "rows": g.c.rows + groups.excluded.rows,
            "respondents": g.c.respondents + groups.excluded.respondents,
            "ipak_respondents": g.c.ipak_respondents + groups.excluded.ipak_respondents,
            "first_at": least(g.c.first_at, groups.excluded.first_at),
            "last_at": greatest(g.c.last_at, groups.excluded.last_at),
        },
    )
    answers = insert(a)
    answers = answers.on_conflict_do_update(
        index_elements=["session_id", "month", "channel", "key", "value"],
        set_={"n": a.c.n + answers.excluded.n},
    )
    return groups, answers


async def take_out(
    conn: AsyncConnection,
    response_id: str,
    groups: Sequence[tuple[GroupKey, int, int, int]],
    answers: Sequence[tuple[GroupKey, str, str, int]],
    spans: Sequence[tuple[GroupKey, datetime, datetime]],
) -> None:
    """Take one answer out (it was replaced): its counts subtracted, its texts deleted, a group or value left
    with nothing deleted, and each group's first and last time read again from the answers still counted
    (`spans`: the group and the UTC bounds of its local month)."""
    g, a = s.report_group, s.report_answer
    for key, rows, respondents, ipak in groups:
        await conn.execute(
            update(g)
            .where(_group_is(g, key))
            .values(
                rows=g.c.rows - rows,
                respondents=g.c.respondents - respondents,
                ipak_respondents=g.c.ipak_respondents - ipak,
            )
        )
    for key, name, value, n in answers:
        where = and_(_group_is(a, key), a.c.key == name, a.c.value == value)
        await conn.execute(update(a).where(where).values(n=a.c.n - n))
        await conn.execute(delete(a).where(where, a.c.n <= 0))
    await conn.execute(delete(s.report_text).where(s.report_text.c.response_id == response_id))
    r = s.response.c
    for key, start, end in spans:
        await conn.execute(delete(g).where(_group_is(g, key), g.c.rows <= 0))
        counted = and_(
            r.session_id == key[0],
            r.channel == key[2],
            r.finished_at >= start,
            r.finished_at < end,
            r.replaced_by.is_(None),
        )
        await conn.execute(
            update(g)
            .where(_group_is(g, key))
            .values(
                first_at=select(func.min(r.finished_at)).where(counted).scalar_subquery(),
                last_at=select(func.max(r.finished_at)).where(counted).scalar_subquery(),
            )
        )


def _group_is(table: Any, key: GroupKey) -> Any:
    return and_(table.c.session_id == key[0], table.c.month == key[1], table.c.channel == key[2])


def _scope(table: Any, session_id: int | None, section: str | None) -> list[Any]:
    where = []
    if session_id is not None:
        where.append(table.c.session_id == session_id)
    if section:
        where.append(table.c.session_id.in_(select(s.session.c.id).where(s.session.c.section == section)))
    return where


async def read(conn: AsyncConnection, *, session_id: int | None = None, section: str | None = None) -> Stored:
    """The counts of one session, one section or every answer."""
    g, a, t = s.report_group, s.report_answer, s.report_text
    groups = await conn.execute(
        select(
            g.c.session_id, g.c.month, g.c.channel, g.c.rows, g.c.respondents, g.c.ipak_respondents,
            g.c.first_at, g.c.last_at,
        ).where(*_scope(g, session_id, section))
    )  # fmt: skip
    answers = await conn.execute(
        select(a.c.session_id, a.c.month, a.c.channel, a.c.key, a.c.value, a.c.n).where(
            *_scope(a, session_id, section)
        )
    )
    texts = await conn.execute(
        select(t.c.response_id, t.c.column, t.c.session_id, t.c.month, t.c.channel, t.c.finished_at, t.c.text)
        .where(*_scope(t, session_id, section))
        .order_by(t.c.finished_at, t.c.response_id)
    )
    return Stored(
        [((r[0], r[1], r[2]), r[3], r[4], r[5], r[6], r[7]) for r in groups],
        [((r[0], r[1], r[2]), r[3], r[4], r[5]) for r in answers],
        [(r[0], r[1], (r[2], r[3], r[4]), r[5], r[6]) for r in texts],
    )


async def month_sums(
    conn: AsyncConnection, months: Sequence[int]
) -> tuple[dict[int, int], list[tuple[int, str, str, int]]]:
    """Per local month (202603) of `months`: respondents, and (month, question key, value, count) summed
    over every session and channel."""
    g, a = s.report_group, s.report_answer
    respondents = await conn.execute(
        select(g.c.month, func.sum(g.c.respondents)).where(g.c.month.in_(list(months))).group_by(g.c.month)
    )
    answers = await conn.execute(
        select(a.c.month, a.c.key, a.c.value, func.sum(a.c.n))
        .where(a.c.month.in_(list(months)))
        .group_by(a.c.month, a.c.key, a.c.value)
    )
    return {r[0]: int(r[1]) for r in respondents}, [(r[0], r[1], r[2], int(r[3])) for r in answers]


async def totals(conn: AsyncConnection) -> tuple[int, int]:
    """(answers the counts hold, answers the store counts): a cheap check that nothing wrote answers
    without counting them (an older program on a restored or shared database)."""
    held = (await conn.execute(select(func.coalesce(func.sum(s.report_group.c.rows), 0)))).scalar_one()
    stored = (
        await conn.execute(
            select(func.count()).select_from(s.response).where(s.response.c.replaced_by.is_(None))
        )
    ).scalar_one()
    return int(held), int(stored)


async def clear(conn: AsyncConnection) -> None:
    """Empty the counts (before they are counted again), holding off writers of answers on PostgreSQL until
    the transaction ends, so no answer stored meanwhile is missed or counted twice (SQLite has one writer)."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("LOCK TABLE response IN SHARE MODE")
    for table in (s.report_text, s.report_answer, s.report_group):
        await conn.execute(delete(table))


__all__ = ["GroupKey", "Stored", "add", "clear", "read", "take_out", "totals"]
