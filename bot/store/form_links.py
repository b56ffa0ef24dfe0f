"""Google Form response spreadsheets linked to a session (`ngopas forms link`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


@dataclass(frozen=True)
class FormLink:
    id: int
    session_id: int
    spreadsheet_id: str
    worksheet: str  # "" = the first worksheet
    title: str | None
    created_at: datetime
    pulled_at: datetime | None
    imported: int
    problem: str | None
    rejected: list[dict[str, Any]]
    told: list[str]


def _link(r: Any) -> FormLink:
    return FormLink(
        r.id,
        r.session_id,
        r.spreadsheet_id,
        r.worksheet,
        r.title,
        r.created_at,
        r.pulled_at,
        r.imported,
        r.problem,
        list(r.rejected or []),
        list(r.told or []),
    )


async def find(conn: AsyncConnection, spreadsheet_id: str, worksheet: str) -> FormLink | None:
    row = (
        await conn.execute(
            select(s.form_link).where(
                s.form_link.c.spreadsheet_id == spreadsheet_id, s.form_link.c.worksheet == worksheet
            )
        )
    ).first()
    return None if row is None else _link(row)


async def get(conn: AsyncConnection, link_id: int) -> FormLink | None:
    row = (await conn.execute(select(s.form_link).where(s.form_link.c.id == link_id))).first()
    return None if row is None else _link(row)


async def insert(
    conn: AsyncConnection,
    session_id: int,
    spreadsheet_id: str,
    worksheet: str,
    title: str | None,
    now: datetime,
) -> FormLink:
    result = await conn.execute(
        s.form_link.insert().values(
            session_id=session_id,
            spreadsheet_id=spreadsheet_id,
            worksheet=worksheet,
            title=title,
            created_at=now,
            imported=0,
            rejected=[],
            told=[],
        )
    )
    link = await get(conn, int(result.inserted_primary_key[0]))  # type: ignore[index]
    assert link is not None
    return link


async def move(conn: AsyncConnection, link_id: int, session_id: int) -> None:
    """Point a link at another session (linked again with a different --session)."""
    await conn.execute(update(s.form_link).where(s.form_link.c.id == link_id).values(session_id=session_id))


async def every(conn: AsyncConnection) -> list[FormLink]:
    return [_link(r) for r in await conn.execute(select(s.form_link).order_by(s.form_link.c.id))]


async def remove(conn: AsyncConnection, link_id: int) -> bool:
    result = await conn.execute(delete(s.form_link).where(s.form_link.c.id == link_id))
    return bool(result.rowcount)


async def record_pull(
    conn: AsyncConnection,
    link_id: int,
    *,
    now: datetime,
    title: str | None,
    added: int,
    problem: str | None,
    rejected: list[dict[str, Any]],
    told: list[str],
) -> None:
    """What a pull found: rows added, the problem that stopped it (or None), the rows left out, what was told."""
    await conn.execute(
        update(s.form_link)
        .where(s.form_link.c.id == link_id)
        .values(
            pulled_at=now,
            title=title,
            imported=s.form_link.c.imported + added,
            problem=problem,
            rejected=rejected,
            told=told,
        )
    )


async def record_failure(conn: AsyncConnection, link_id: int, problem: str, told: list[str]) -> None:
    """The sheet could not be read (access, a deleted sheet): kept for `ngopas forms list`."""
    await conn.execute(
        update(s.form_link).where(s.form_link.c.id == link_id).values(problem=problem, told=told)
    )
