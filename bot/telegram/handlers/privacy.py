"""/hapus_data (/delete_me): a person removes what the bot keeps about them, after one confirmation.

Gone: subscriptions of their private chat, the chat itself and messages queued or sent to it, unfinished
surveys and aspirations, the routes back to their tickets, and their name on tickets (also in the sheet).
Kept: finished survey answers, which are stored under a salted pseudonym and identify no one.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.base.i18n import t
from bot.domain import aspirations
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.store import aspirations as store_aspirations
from bot.store import chats, sheet_rows, surveys
from bot.telegram.handlers.common import lang_of, rt_of


async def delete_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = lang_of(update, context)
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(t("privacy.private_only", lang))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("privacy.confirm_yes", lang), callback_data=pack(Cb.DELETE_ME, "yes"))],
            [InlineKeyboardButton(t("privacy.confirm_no", lang), callback_data=pack(Cb.DELETE_ME, "no"))],
        ]
    )
    await update.effective_message.reply_html(t("privacy.confirm", lang), reply_markup=keyboard)


async def delete_me_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.DELETE_ME)
    if parts not in (["yes"], ["no"]) or update.effective_chat.type != ChatType.PRIVATE:
        await query.answer(t("common.stale_button", lang))
        return
    await query.answer()
    if parts == ["no"]:
        await query.edit_message_text(t("privacy.kept", lang))
        return
    rt = rt_of(context)
    user_id = update.effective_user.id
    chat_id = update.effective_chat.id
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        await surveys.forget_drafts(conn, chat_id)
        renamed = await store_aspirations.forget_person(conn, aspirations.person_of(rt, user_id))
        for ticket in renamed:
            await sheet_rows.queue(
                conn,
                "Aspirasi",
                ticket,
                {"Pengirim": t("privacy.sheet_sender_removed", "id")},
                now,
                op="update",
            )
        await chats.forget(conn, chat_id)
    context.user_data.clear()
    await query.edit_message_text(t("privacy.done", lang))


def build_privacy_handlers() -> list:
    return [
        CommandHandler(["hapus_data", "delete_me"], delete_me),
        CallbackQueryHandler(delete_me_button, pattern=pattern(Cb.DELETE_ME)),
    ]
