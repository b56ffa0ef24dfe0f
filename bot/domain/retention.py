"""What the bot stops keeping, and when: one periodic job, listed in `bot.domain.jobs`.

- A survey whose window closed (or whose session was cancelled) can no longer be finished, so its unfinished
  drafts go at once: each tied a pseudonym to the chat it was answered in.  The reminders about them forget
  that chat too.  (A finished survey's draft went when it was sent: `bot.domain.survey.flow.finish`.)
"""

from __future__ import annotations

from bot.domain.runtime import Runtime
from bot.domain.survey import invitations
from bot.store import outbox, surveys


async def purge(rt: Runtime) -> int:
    """Periodic: forget what is no longer needed (see the module); queues no message, so returns 0."""
    await forget_closed_surveys(rt)
    return 0


async def forget_closed_surveys(rt: Runtime) -> int:
    """Delete the unfinished drafts of closed surveys; returns how many."""
    now = rt.clock.now()
    async with rt.store.connect() as conn:  # every sweep asks: only take the write lock when there is work
        if not await surveys.drafts_past_window(conn, now):
            return 0
    async with rt.store.begin() as conn:
        gone = await surveys.delete_drafts_past_window(conn, now)
        await outbox.anonymize(conn, [invitations.reminder_key(session, chat) for session, chat in gone])
    return len(gone)
