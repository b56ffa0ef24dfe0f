"""The bot joining, leaving or being blocked, and groups migrating to supergroups."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.store import chats, outbox
from bot.telegram.handlers.common import chat_title, escape, lang_of, rt_of

log = logging.getLogger(__name__)

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet a group that added us; mark a chat inactive when we are removed or blocked."""
    change = update.my_chat_member
    rt = rt_of(context)
    chat = change.chat
    old, new = change.old_chat_member.status, change.new_chat_member.status
    now = rt.clock.now()
    if chat.type == ChatType.CHANNEL:
        await _channel_member(update, context)
        return
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


async def _channel_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot added to a channel, its rights changed, or removed.  Nothing is ever posted in the channel
    itself about this (its readers are the public); the admin who did it is told privately, when they have
    a chat with the bot.  A channel where the bot may not post is inactive: no message is queued for it, and
    none is retried there."""
    change = update.my_chat_member
    rt = rt_of(context)
    chat = change.chat
    new = change.new_chat_member
    can_post = new.status == ChatMemberStatus.ADMINISTRATOR and bool(getattr(new, "can_post_messages", False))
    now = rt.clock.now()
    by = change.from_user.id if change.from_user else None
    async with rt.store.begin() as conn:
        known = await chats.get_chat(conn, chat.id)
        await chats.upsert_chat(
            conn,
            chat_id=chat.id,
            type=chat.type,
            title=chat_title(chat),
            now=now,
            active=True if can_post else None,
            added_by=by if known is None else None,
            language=rt.settings.language,
        )
        if not can_post:
            reason = "removed" if new.status in GONE else "no_post_rights"
            await chats.deactivate(conn, chat.id, reason, now)
            await outbox.drop_pending_for_chat(conn, chat.id, reason)
    log.info("bot in channel %s: %s, may post: %s", chat.id, new.status, can_post)
    if by is None or not rt.settings.is_staff(by):
        return
    lang = lang_of(update, context)
    title = escape(chat.title or "")
    if new.status in GONE:
        text = t("channel.removed", lang, title=title)
    elif can_post:
        handle = f"@{chat.username}" if chat.username else str(chat.id)
        text = t("channel.added", lang, title=title, handle=escape(handle))
    else:
        text = t("channel.added_no_rights", lang, title=title)
    try:
        await context.bot.send_message(by, text, parse_mode="HTML")
    except TelegramError:  # they never opened a private chat with the bot: nothing to tell them through
        log.info("could not tell the admin of channel %s privately", chat.id)
