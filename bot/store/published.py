"""What the public page (Papan IKM) is built from, summed up in one short string: it changes when an answer,
a ticket, a session, its attendance or a follow-up row does, so the bot rebuilds the page only then.

Cheap enough to ask every sweep on a million answers: the answers are counted on their session index and
their scores summed from the running tallies (a few hundred rows), never read."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


async def stamp(conn: AsyncConnection) -> str:
    """Counts and latest change times of answers (and their tallied scores), tickets, sessions (and their
    attendance) and follow-up plan rows."""
    r, tally, a, se = s.response, s.response_tally, s.aspiration, s.session
    answers = (await conn.execute(select(func.count()).select_from(r))).scalar_one()
    sums = [c for c in tally.c if c.name == "respondents" or c.name.endswith(("_sum", "_n"))]
    tallied = (await conn.execute(select(func.count(), *[func.sum(c) for c in sums]))).one()
    tickets = (await conn.execute(select(func.count(), func.max(a.c.updated_at)))).one()
    # the population (check-ins and headcounts) changes the sample target without touching updated_at
    sessions = (
        await conn.execute(select(func.count(), func.max(se.c.updated_at), func.sum(se.c.population)))
    ).one()
    plan = (await conn.execute(select(func.count(), func.max(s.rtl.c.updated_at)))).one()  # Tindak Lanjut
    return "|".join(str(v) for v in (answers, *tallied, *tickets, *sessions, *plan))
