"""The schedule sweep: due schedule rows become outbox messages.

Reminders are rows with aware due times (see `sessions._plan`), not in-memory timers, so a restart loses
none: the sweep that runs after start-up finds whatever fell due while the bot was down.  Each row is fanned
out and marked done in one transaction, and outbox keys are unique, so nothing is queued twice.  A reminder
that is no longer useful (its session already started, or was cancelled) is marked skipped instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.runtime import Runtime
from bot.domain.sessions import fan_out
from bot.store import sessions
from bot.store.sessions import ScheduleRow, Session

log = logging.getLogger(__name__)

# Extra kinds (survey invitations, closing results, ...) register a handler here.
Handler = Callable[[AsyncConnection, Runtime, Session, ScheduleRow], Awaitable[int]]
HANDLERS: dict[str, Handler] = {}


def register(kind_prefix: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        HANDLERS[kind_prefix] = fn
        return fn

    return deco


# Periodic jobs that are not tied to one schedule row (e.g. reminding unfinished surveys).
Periodic = Callable[[Runtime], Awaitable[int]]
PERIODIC: list[Periodic] = []


def register_periodic(fn: Periodic) -> Periodic:
    PERIODIC.append(fn)
    return fn


def _still_useful(row: ScheduleRow, session: Session, rt: Runtime) -> bool:
    now = rt.clock.now()
    if session.cancelled or row.rev != session.rev:
        return False
    if row.kind.startswith("reminder:"):
        return now < session.starts_at
    if row.kind == "start":
        return now < session.ends_at
    if row.kind == "survey_result":
        return now >= session.survey_closes_at
    if row.kind.startswith("survey"):
        return now < session.survey_closes_at
    return True


async def _session_message(conn: AsyncConnection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    return await fan_out(conn, rt, session, row.kind, f"{row.kind}:{session.id}:r{row.rev}")


async def sweep(rt: Runtime) -> int:
    """Process every due schedule row; returns how many outbox messages were queued."""
    queued = 0
    while True:
        async with rt.store.connect() as conn:
            due = await sessions.due_schedule(conn, rt.clock.now())
        if not due:
            break
        for row in due:
            async with rt.store.begin() as conn:
                session = await sessions.get_session(conn, row.session_id)
                if session is None or not _still_useful(row, session, rt):
                    await sessions.finish_schedule(conn, row.id, "skipped", rt.clock.now())
                    continue
                if not await sessions.finish_schedule(conn, row.id, "done", rt.clock.now()):
                    continue  # another worker took it
                handler = next((h for p, h in HANDLERS.items() if row.kind.startswith(p)), _session_message)
                queued += await handler(conn, rt, session, row)
    for job in PERIODIC:
        queued += await job(rt)
    if queued:
        log.info("schedule sweep queued %d message(s)", queued)
        rt.wake_sender()
    return queued
