"""What the bot stops keeping, and when: one periodic job, listed in `bot.domain.jobs`.

- A survey whose window closed (or whose session was cancelled) can no longer be finished, so its unfinished
  drafts go at once: each tied a pseudonym to the chat it was answered in.  The reminders about them forget
  that chat too.  (A finished survey's draft went when it was sent: `bot.domain.survey.flow.finish`.)
- Messages the bot sent and rows it wrote to the office spreadsheet are kept `outbox_retention_days` (30 by
  default) after they were queued, long enough to look into a complaint.  Then a message keeps what delivery
  still needs (kind, session, state, times; a group's key, so a group never gets it twice) and loses its
  text; a message to a person also loses their chat and its key.  A row already in the spreadsheet loses its
  values there (the spreadsheet has them).  An /aspirasi conversation left unfinished that long is deleted
  (it holds a chat, a text and maybe a name).  This part runs once a day.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain.runtime import Runtime
from bot.domain.survey import invitations
from bot.store import aspirations as store_aspirations
from bot.store import attendance, meta, outbox, sheet_rows, surveys

log = logging.getLogger(__name__)


async def purge(rt: Runtime) -> int:
    """Periodic: forget what is no longer needed (see the module); queues no message, so returns 0."""
    await forget_closed_surveys(rt)
    await forget_delivered(rt)
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


async def forget_delivered(rt: Runtime) -> int:
    """Once a day: messages and spreadsheet rows delivered more than the retention period ago lose their
    contents, and /aspirasi conversations left that long are deleted; returns how many rows changed."""
    now = rt.clock.now()
    today = now.astimezone(rt.tz).date().isoformat()
    async with rt.store.connect() as conn:
        if await meta.get(conn, "retention_date") == today:
            return 0
    async with rt.store.begin() as conn:
        if await meta.get(conn, "retention_date") == today:
            return 0  # another worker did it
        await meta.put(conn, "retention_date", today)
        before = now - timedelta(days=rt.settings.outbox_retention_days)
        messages = await outbox.purge_delivered(conn, before)
        rows = await sheet_rows.purge_flushed(conn, before)
        drafts = await store_aspirations.delete_drafts_untouched_since(conn, before)
        # Invitation routes of checked-in people and "Ingatkan saya" requests outlive no session.
        drafts += await attendance.drop_stale_routes(conn, now)
        drafts += await attendance.drop_past_optins(conn, now)
    if messages or rows or drafts:
        log.info(
            "retention: %d sent message(s) and %d spreadsheet row(s) emptied, %d unfinished aspiration(s) deleted",
            messages,
            rows,
            drafts,
        )
    return messages + rows + drafts
