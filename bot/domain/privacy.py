"""/hapus_data (/delete_me): what the bot removes when a person asks, in one transaction.

Gone: the subscriptions of their private chat, the chat itself and every message queued or sent to it, their
unfinished surveys and aspirations, the routes back to their tickets, their name on tickets: in the store,
in every copy of those rows queued for (or already written to) the office spreadsheet, and in the sheet
itself (an update is queued), and their Telegram id wherever it recorded who did something (who brought the
bot into a group or subscribed it, who created a session).
Also gone: the routes that would bring them a survey invitation after a session they checked in to, and
their "Ingatkan saya" requests.
Kept: finished survey answers and check-ins (under per-session pseudonyms, they identify no one) and the
text of tickets.
Out of the bot's reach, and said so in the reply: what the spreadsheet kept elsewhere (its version history,
copies staff downloaded) and backups made before; docs/panduan-operator.md tells staff how to remove those.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.base.i18n import t
from bot.domain import aspirations, lapor
from bot.domain.runtime import Runtime
from bot.domain.worksheets import ASPIRASI
from bot.store import aspirations as store_aspirations
from bot.store import attendance, chats, outbox, sheet_rows, surveys
from bot.store import sessions as store_sessions


@dataclass(frozen=True)
class Forgotten:
    """What the person is told about: their tickets, which stay (text only) and may be quoted to staff."""

    tickets: list[str]


async def forget_person(rt: Runtime, user_id: int, chat_id: int) -> Forgotten:
    """Remove what the bot keeps about this person (see the module); `chat_id` is their private chat."""
    now = rt.clock.now()
    removed = {"Pengirim": t("privacy.sheet_sender_removed", "id")}
    async with rt.store.begin() as conn:
        await surveys.forget_drafts(conn, chat_id)
        mine = await store_aspirations.forget_person(conn, aspirations.person_of(rt, user_id))
        await sheet_rows.overwrite(conn, ASPIRASI.name, mine.named, removed)
        for ticket in mine.named:
            await sheet_rows.queue(conn, ASPIRASI.name, ticket, removed, now, op="update")
        # A SP4N-LAPOR! text with the name the person agreed to, not yet delivered to staff, is withdrawn.
        await outbox.anonymize(conn, [lapor.named_key(i) for i in mine.ids])
        await chats.forget_user(conn, user_id)
        await store_sessions.forget_creator(conn, user_id)
        await attendance.forget_chat(conn, chat_id)
        await chats.forget(conn, chat_id)
    return Forgotten(mine.tickets)
