""" "Ingatkan saya": a member presses the button on a group's announcement and gets the session's reminders
(and its start notice, a change or a cancellation) in their private chat too; pressing again undoes it.

The bot can only write to someone who started a private chat with it, so a member without one is told to
press Start first, and nothing is stored for them.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.runtime import Runtime
from bot.store import attendance, chats
from bot.store import sessions as store_sessions


class Reminder(StrEnum):
    ON = "added"
    OFF = "removed"
    NEED_START = "need_start"
    ENDED = "ended"


async def toggle(rt: Runtime, session_id: int, user_id: int) -> Reminder:
    """Ask for (or undo) the private reminders of a session; a private chat's id is its user's id."""
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        session = await store_sessions.get_session(conn, session_id)
        if session is None or session.cancelled or session.ends_at <= now:
            return Reminder.ENDED
        private = await chats.get_chat(conn, user_id)
        if private is None or private.type != "private" or not private.active:
            return Reminder.NEED_START
        if await attendance.remove_optin(conn, session_id, user_id):
            return Reminder.OFF
        await attendance.add_optin(conn, session_id, user_id, private.language, now)
        return Reminder.ON
