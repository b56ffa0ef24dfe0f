"""/langganan (/subscribe) and /berhenti (/unsubscribe).

Each press of a section button is written to the store at once (nothing to lose if the bot restarts
between presses); "Selesai" only confirms.  In groups only the group's admins may change anything.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.domain.callbacks import Cb, pack, unpack
from bot.store import chats
from bot.telegram.handlers.common import (
    edit_or_send,
    escape,
    is_group_admin,
    lang_of,
    remember_chat,
    rt_of,
    section_label,
)


def section_picker(
    sections: list[str], chosen: set[str], lang: str, prefix: Cb, *target: object
) -> InlineKeyboardMarkup:
    """The section buttons (✅ chosen, ▫️ not), "all sections" and "done"; each button's data is
    `prefix`, then `target` (a channel's id for /kanal, nothing for this chat), then what it does."""
    everything = chats.ALL_SECTIONS in chosen
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if everything or name in chosen else "▫️ ") + name,
                callback_data=pack(prefix, *target, "t", i),
            )
        ]
        for i, name in enumerate(sections)
    ]
    rows.append(
        [
            InlineKeyboardButton(
                ("✅ " if everything else "▫️ ") + t("common.all_sections", lang),
                callback_data=pack(prefix, *target, "all"),
            )
        ]
    )
    rows.append([InlineKeyboardButton(t("common.done", lang), callback_data=pack(prefix, *target, "done"))])
    return InlineKeyboardMarkup(rows)


def describe_sections(chosen: set[str], lang: str) -> str:
    """The chosen sections as the picker's text names them."""
    if not chosen:
        return t("subscribe.nothing", lang)
    return ", ".join(escape(section_label(s, lang)) for s in sorted(chosen))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the section picker (admins only in groups)."""
    lang = lang_of(update, context)
    if not await is_group_admin(update, context):
        await update.effective_message.reply_text(t("subscribe.not_admin", lang))
        return
    await remember_chat(update, context)
    rt = rt_of(context)
    async with rt.store.connect() as conn:
        chosen = await chats.subscriptions(conn, update.effective_chat.id)
    await update.effective_message.reply_html(
        t("subscribe.prompt", lang, current=describe_sections(chosen, lang)),
        reply_markup=section_picker(rt.settings.sections, chosen, lang, Cb.SUBSCRIBE),
    )


async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle a section, "Semua", or finish."""
    query = update.callback_query
    lang = lang_of(update, context)
    rt = rt_of(context)
    parts = unpack(query.data, Cb.SUBSCRIBE)
    sections = rt.settings.sections
    valid = parts is not None and (
        parts in (["all"], ["done"])
        or (len(parts) == 2 and parts[0] == "t" and parts[1].isdigit() and int(parts[1]) < len(sections))
    )
    if not valid:
        await query.answer(t("common.stale_button", lang))
        return
    if not await is_group_admin(update, context):
        await query.answer(t("subscribe.not_admin", lang), show_alert=True)
        return
    await query.answer()
    chat = update.effective_chat
    await remember_chat(update, context)
    async with rt.store.begin() as conn:
        chosen = await chats.subscriptions(conn, chat.id)
        if parts == ["done"]:
            pass
        elif parts == ["all"]:
            chosen = set() if chats.ALL_SECTIONS in chosen else {chats.ALL_SECTIONS}
        else:
            name = sections[int(parts[1])]
            if chats.ALL_SECTIONS in chosen:
                chosen = set(sections) - {name}
            else:
                chosen ^= {name}
            if set(sections) <= chosen:
                chosen = {chats.ALL_SECTIONS}
        user = update.effective_user
        chosen = await chats.set_subscriptions(
            conn, chat.id, chosen, by=user.id if user else None, now=rt.clock.now()
        )
    if parts == ["done"]:
        who = t("subscribe.this_chat" if chat.type == ChatType.PRIVATE else "subscribe.this_group", lang)
        text = (
            t("subscribe.saved", lang, chat=who, sections=describe_sections(chosen, lang))
            if chosen
            else t("subscribe.saved_none", lang)
        )
        await edit_or_send(query, text, parse_mode="HTML")
        return
    await edit_or_send(
        query,
        t("subscribe.prompt", lang, current=describe_sections(chosen, lang)),
        parse_mode="HTML",
        reply_markup=section_picker(sections, chosen, lang, Cb.SUBSCRIBE),
    )


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop all announcements to this chat."""
    lang = lang_of(update, context)
    if not await is_group_admin(update, context):
        await update.effective_message.reply_text(t("subscribe.not_admin", lang))
        return
    rt = rt_of(context)
    chat = update.effective_chat
    async with rt.store.begin() as conn:
        had = await chats.subscriptions(conn, chat.id)
        if had:
            await chats.set_subscriptions(conn, chat.id, [], by=None, now=rt.clock.now())
    await update.effective_message.reply_text(t("unsubscribe.done" if had else "unsubscribe.nothing", lang))
