"""What every handler needs: the runtime, the reader's language, staff/admin checks, the error handler."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import CallbackQuery, Chat, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.base.i18n import normalize_language, t
from bot.domain.runtime import Runtime
from bot.store import chats

log = logging.getLogger(__name__)


def rt_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.bot_data["rt"]


def lang_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Private chats follow the person's Telegram language; groups use the office default."""
    rt = rt_of(context)
    chat = update.effective_chat
    user = update.effective_user
    if chat is not None and chat.type == ChatType.PRIVATE and user is not None and user.language_code:
        return normalize_language(user.language_code)
    return rt.settings.language


async def remember_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record the chat we are talking in (type, title, language), reactivating it if it was inactive."""
    chat = update.effective_chat
    if chat is None:
        return
    rt = rt_of(context)
    async with rt.store.begin() as conn:
        await chats.upsert_chat(
            conn,
            chat_id=chat.id,
            type=chat.type,
            title=chat_title(chat),
            language=lang_of(update, context),
            now=rt.clock.now(),
        )


def chat_title(chat: Chat) -> str | None:
    if chat.type == ChatType.PRIVATE:
        return None  # a citizen's name is not needed to send them announcements
    return chat.title


def is_staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return rt_of(context).settings.is_staff(user.id if user else None)


async def refuse_non_staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Reply politely and return True when the sender is not staff."""
    if is_staff(update, context):
        return False
    user = update.effective_user
    text = t("common.staff_only", lang_of(update, context), user_id=user.id if user else "?")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)
    return True


async def is_group_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In a private chat anyone decides; in a group only its administrators (or an anonymous admin)."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous group admin posts "as the group"
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        log.warning("could not check admin status in chat %s", chat.id)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def section_label(section: str, lang: str) -> str:
    return t("common.all_sections", lang) if section == chats.ALL_SECTIONS else section


def escape(text: Any) -> str:
    return html.escape(str(text))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the traceback, tell the person politely, never show them a traceback."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update):
        lang = "id"
        try:
            lang = lang_of(update, context)
        except Exception:  # the runtime itself may be what failed
            log.debug("no language for error reply", exc_info=True)
        try:
            if update.callback_query:
                await update.callback_query.answer(t("common.generic_error", lang), show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_text(t("common.generic_error", lang))
        except TelegramError:
            log.warning("could not send the error notice")


# Telegram's answers to an edit of a message that can no longer be edited: deleted by its reader, too old
# (48 hours in groups), or a button forged onto another message id.
_GONE = ("message to edit not found", "message can't be edited", "message not found")


def edit_failed_how(exc: BadRequest) -> str:
    """ "same" (a second press: the message already shows it), "gone" (no message to edit) or "other"."""
    reason = exc.message.lower()
    if "not modified" in reason:
        return "same"
    return "gone" if any(gone in reason for gone in _GONE) else "other"


async def edit_or_send(query: CallbackQuery, text: str, **kwargs: Any) -> None:
    """Show `text` in place of the message whose button was pressed.

    The person pressed a button and must see its answer: when that message is gone (deleted, too old to
    edit) the text comes as a new message in the same chat; a second press of the same button changes
    nothing and is not an error.  Every button answer goes through here."""
    try:
        await query.edit_message_text(text, **kwargs)
    except BadRequest as exc:
        how = edit_failed_how(exc)
        if how == "same":
            return
        if how == "other":
            raise
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        await query.get_bot().send_message(chat_id, text, **kwargs)


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message whose button was pressed (so it cannot be pressed again); a message
    already without them, or gone, has nothing to take away."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        if edit_failed_how(exc) == "other":
            raise
