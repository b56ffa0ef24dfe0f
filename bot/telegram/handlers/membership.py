"""The bot joining, leaving or being blocked, and groups migrating to supergroups."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.store import chats
from bot.telegram.handlers.common import chat_title, escape, rt_of

log = logging.getLogger(__name__)

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet a group that added us; mark a chat inactive when we are removed or blocked."""
    change = update.my_chat_member
    rt = rt_of(context)
    chat = change.chat
    old, new = change.old_chat_member.status, change.new_chat_member.status
    now = rt.clock.now()
    if new in GONE:
        async with rt.store.begin() as conn:
            await chats.upsert_chat(
                conn, chat_id=chat.id, type=chat.type, title=chat_title(chat), now=now, active=None
            )
            await chats.deactivate(
                conn, chat.id, "blocked" if chat.type == ChatType.PRIVATE else "removed", now
            )
        log.info("bot removed from / blocked in chat %s", chat.id)
        return
    if old in GONE and new not in GONE:
        by = change.from_user.id if change.from_user else None
        async with rt.store.begin() as conn:
            await chats.upsert_chat(
                conn,
                chat_id=chat.id,
                type=chat.type,
                title=chat_title(chat),
                now=now,
                active=True,
                added_by=by,
                language=rt.settings.language if chat.type != ChatType.PRIVATE else None,
            )
        if chat.type != ChatType.PRIVATE:
            lang = rt.settings.language
            await context.bot.send_message(
                chat.id,
                t(
                    "start.group",
                    lang,
                    title=escape(chat.title or ""),
                    office=escape(rt.settings.office_name),
                ),
                parse_mode="HTML",
            )


async def migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its subscriptions follow it to the new chat id."""
    message = update.effective_message
    rt = rt_of(context)
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with rt.store.begin() as conn:
        await chats.migrate_chat(conn, old, new, rt.clock.now())
    log.info("chat %s migrated to %s", old, new)
