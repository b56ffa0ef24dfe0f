"""Channels as subscribers: `/kanal @channel` in a private chat, by a staff member who is that channel's admin.

Nobody can type a command inside a channel (posts there come from the channel, not a person), so a channel is
set up from a private chat: the bot checks with Telegram (getChat, getChatMember) that the chat is a channel,
that the person is its admin, and that the bot itself may post there; then the section picker works as in a
group, each press written at once.  Announcements and reminders reach the channel through the same outbox as
groups (20 messages a minute per chat, the group pace); the bot being removed or losing its right to post
turns the channel inactive (see `membership.my_chat_member` and the sender's answers), so nothing is retried.
"""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.domain.callbacks import Cb, unpack
from bot.store import chats
from bot.telegram.handlers.common import (
    chat_title,
    edit_or_send,
    escape,
    lang_of,
    refuse_non_staff,
    rt_of,
)
from bot.telegram.handlers.subscribe import describe_sections, section_picker

log = logging.getLogger(__name__)

ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


class _Refused(Exception):
    """A check failed; the message (in the person's language) says which and what to do."""


async def _checked_channel(
    context: ContextTypes.DEFAULT_TYPE, ref: str | int, user_id: int, lang: str
) -> Chat:
    """The channel `ref` names (@username or id), once Telegram confirms the person administers it and the
    bot may post in it."""
    shown = escape(str(ref))
    try:
        chat = await context.bot.get_chat(ref)
    except (BadRequest, Forbidden):
        raise _Refused(t("channel.not_found", lang, channel=shown)) from None
    if chat.type != ChatType.CHANNEL:
        raise _Refused(t("channel.not_channel", lang, channel=shown))
    shown = escape(chat.title or shown)
    try:
        member = await context.bot.get_chat_member(chat.id, user_id)
        me = await context.bot.get_chat_member(chat.id, context.bot.id)
    except (BadRequest, Forbidden):
        raise _Refused(t("channel.not_found", lang, channel=shown)) from None
    if member.status not in ADMINS:
        raise _Refused(t("channel.not_admin", lang, channel=shown))
    if me.status != ChatMemberStatus.ADMINISTRATOR or not getattr(me, "can_post_messages", False):
        raise _Refused(t("channel.cannot_post", lang, channel=shown))
    return chat


async def channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kanal @channel: check the channel, the person and the bot's rights, then show the section picker."""
    lang = lang_of(update, context)
    message = update.effective_message
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(t("channel.private_only", lang))
        return
    if await refuse_non_staff(update, context):
        return
    if len(context.args or []) != 1:
        await message.reply_html(t("channel.usage", lang))
        return
    raw = context.args[0].strip()
    ref: str | int = int(raw) if raw.lstrip("-").isdigit() else ("@" + raw.lstrip("@"))
    rt = rt_of(context)
    try:
        chat = await _checked_channel(context, ref, update.effective_user.id, lang)
    except _Refused as exc:
        await message.reply_html(str(exc))
        return
    except TelegramError:
        log.warning("could not check a channel for /kanal")
        await message.reply_html(t("channel.not_found", lang, channel=escape(raw)))
        return
    async with rt.store.begin() as conn:
        await chats.upsert_chat(
            conn,
            chat_id=chat.id,
            type=ChatType.CHANNEL,
            title=chat_title(chat),
            now=rt.clock.now(),
            language=rt.settings.language,
            active=True,
        )
        chosen = await chats.subscriptions(conn, chat.id)
    await message.reply_html(
        t("channel.prompt", lang, title=escape(chat.title or ""), current=describe_sections(chosen, lang)),
        reply_markup=section_picker(rt.settings.sections, chosen, lang, Cb.CHANNEL, chat.id),
    )


async def channel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle a section of a channel (the person's admin rights checked again on every press)."""
    query = update.callback_query
    lang = lang_of(update, context)
    rt = rt_of(context)
    parts = unpack(query.data, Cb.CHANNEL)
    sections = rt.settings.sections
    valid = (
        parts is not None
        and len(parts) >= 2
        and parts[0].lstrip("-").isdigit()
        and (
            parts[1:] in (["all"], ["done"])
            or (len(parts) == 3 and parts[1] == "t" and parts[2].isdigit() and int(parts[2]) < len(sections))
        )
    )
    if not valid or not rt.settings.is_staff(update.effective_user.id):
        await query.answer(t("common.stale_button", lang))
        return
    channel_id, action = int(parts[0]), parts[1:]
    try:
        chat = await _checked_channel(context, channel_id, update.effective_user.id, lang)
    except _Refused as exc:
        await query.answer()
        await edit_or_send(query, str(exc), parse_mode="HTML")
        return
    await query.answer()
    async with rt.store.begin() as conn:
        chosen = await chats.subscriptions(conn, channel_id)
        if action == ["all"]:
            chosen = set() if chats.ALL_SECTIONS in chosen else {chats.ALL_SECTIONS}
        elif action != ["done"]:
            name = sections[int(action[1])]
            chosen = set(sections) - {name} if chats.ALL_SECTIONS in chosen else chosen ^ {name}
            if set(sections) <= chosen:
                chosen = {chats.ALL_SECTIONS}
        chosen = await chats.set_subscriptions(
            conn, channel_id, chosen, by=update.effective_user.id, now=rt.clock.now()
        )
    title = escape(chat.title or "")
    if action == ["done"]:
        text = (
            t("channel.saved", lang, title=title, sections=describe_sections(chosen, lang))
            if chosen
            else t("subscribe.saved_none", lang)
        )
        await edit_or_send(query, text, parse_mode="HTML")
        return
    await edit_or_send(
        query,
        t("channel.prompt", lang, title=title, current=describe_sections(chosen, lang)),
        parse_mode="HTML",
        reply_markup=section_picker(sections, chosen, lang, Cb.CHANNEL, channel_id),
    )
