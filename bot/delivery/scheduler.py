"""The schedule sweep: due schedule rows become outbox messages, then the periodic jobs run.

Reminders are rows with aware due times (see `bot.domain.sessions`), not in-memory timers, so a restart
loses none: the sweep that runs after start-up finds whatever fell due while the bot was down.  Each row is
fanned out and marked done in one transaction, and outbox keys are unique, so nothing is queued twice.  A
row that is no longer useful (its session already started, or was cancelled) is marked skipped instead.
What each kind of row does is listed in `bot.domain.jobs`.
"""

from __future__ import annotations

import logging

from bot.domain import jobs
from bot.domain.runtime import Runtime
from bot.store import sessions

log = logging.getLogger(__name__)


async def sweep(rt: Runtime) -> int:
    """Process every due schedule row and run the periodic jobs; returns how many messages were queued."""
    queued = 0
    while True:
        async with rt.store.connect() as conn:
            due = await sessions.due_schedule(conn, rt.clock.now())
        if not due:
            break
        for row in due:
            async with rt.store.begin() as conn:
                session = await sessions.get_session(conn, row.session_id)
                if not jobs.known(row):
                    log.warning("schedule row %s has an unknown kind %r; skipped", row.id, row.kind)
                    session = None
                if session is None or not jobs.still_useful(row, session, rt.clock.now()):
                    await sessions.finish_schedule(conn, row.id, "skipped", rt.clock.now())
                    continue
                if not await sessions.finish_schedule(conn, row.id, "done", rt.clock.now()):
                    continue  # another worker took it
                queued += await jobs.job_for(row)(conn, rt, session, row)
    for job in jobs.PERIODIC:
        queued += await job(rt)
    if queued:
        log.info("schedule sweep queued %d message(s)", queued)
        rt.wake_sender()
    return queued
