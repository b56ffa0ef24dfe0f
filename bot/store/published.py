"""What the public page (Papan IKM) is built from, summed up in one short string: it changes when an answer,
a ticket or a session does, so the bot rebuilds the page only then."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


async def stamp(conn: AsyncConnection) -> str:
    """Counts and latest change times of answers, tickets and sessions (three small aggregate queries)."""
    r, a, se = s.response, s.aspiration, s.session
    answers = (
        await conn.execute(
            select(func.count(), func.count(r.c.replaced_by), func.max(r.c.finished_at), func.max(r.c.id))
        )
    ).one()
    tickets = (await conn.execute(select(func.count(), func.max(a.c.updated_at)))).one()
    sessions = (await conn.execute(select(func.count(), func.max(se.c.updated_at)))).one()
    return "|".join(str(v) for v in (*answers, *tickets, *sessions))
