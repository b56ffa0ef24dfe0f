"""The one registry of scheduled work: what a due schedule row does, and the jobs every sweep runs.

The sweep (`bot.delivery.scheduler`) asks here.  Nothing registers itself when its module is imported, so
every process that sweeps (the bot, a second worker, `ngopas` on the command line, a test) runs the same
jobs: a survey invitation is never mistaken for a plain session message because some module was not loaded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.domain import aspirations, community, deadlines, followup, reporting, retention, series, sessions
from bot.domain.kinds import ScheduleKind
from bot.domain.runtime import Runtime
from bot.domain.survey import invitations
from bot.store import Connection
from bot.store.sessions import ScheduleRow, Session

ScheduledJob = Callable[[Connection, Runtime, Session, ScheduleRow], Awaitable[int]]
PeriodicJob = Callable[[Runtime], Awaitable[int]]

# A due schedule row of each kind queues these messages (returns how many).
SCHEDULED: dict[ScheduleKind, ScheduledJob] = {
    ScheduleKind.REMINDER: sessions.notify_subscribers,
    ScheduleKind.START: sessions.notify_subscribers,
    ScheduleKind.SURVEY_INVITE: invitations.invite,
    ScheduleKind.SURVEY_RESULT: reporting.post_result,
}

# Every sweep runs these; each decides cheaply whether it has anything to do.
PERIODIC: tuple[PeriodicJob, ...] = (
    series.make_due,
    invitations.remind_unfinished,
    reporting.watch_ikm,
    followup.watch_sessions,
    followup.after_period,
    followup.remind_targets,
    aspirations.daily_digest,
    deadlines.watch,
    community.monthly_post,
    retention.purge,
)


def known(row: ScheduleRow) -> bool:
    """False for a row written by a newer release (skipped, so it never blocks the rows after it)."""
    try:
        ScheduleKind.of(row.kind)
    except ValueError:
        return False
    return True


def job_for(row: ScheduleRow) -> ScheduledJob:
    """The job of a stored schedule row; ValueError for a kind this release does not know."""
    return SCHEDULED[ScheduleKind.of(row.kind)]


def still_useful(row: ScheduleRow, session: Session, now: datetime) -> bool:
    """Whether a due row should still fire: a reminder after the start, or an invitation after the survey
    closed, would only confuse people (a restart after a long outage finds such rows)."""
    if session.cancelled or row.rev != session.rev:
        return False
    kind = ScheduleKind.of(row.kind)
    if kind == ScheduleKind.REMINDER:
        return now < session.starts_at
    if kind == ScheduleKind.START:
        return now < session.ends_at
    if kind == ScheduleKind.SURVEY_RESULT:
        return now >= session.survey_closes_at
    return now < session.survey_closes_at  # the invitation
