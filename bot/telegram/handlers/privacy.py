"""/hapus_data (/delete_me): a person removes what the bot keeps about them, after one confirmation.

What is removed and what is kept is `bot.domain.privacy.forget_person`; the reply names their tickets and
what the bot cannot reach (the spreadsheet's history and copies, earlier backups) and whom to ask.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.base.i18n import t
from bot.domain import privacy
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.telegram.handlers.common import edit_or_send, lang_of, rt_of


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
        await edit_or_send(query, t("privacy.kept", lang))
        return
    rt = rt_of(context)
    forgotten = await privacy.forget_person(rt, update.effective_user.id, update.effective_chat.id)
    context.user_data.clear()
    tickets = (
        t("privacy.done_tickets", lang, tickets=", ".join(forgotten.tickets)) if forgotten.tickets else ""
    )
    settings = rt.settings
    await edit_or_send(
        query,
        t(
            "privacy.done",
            lang,
            tickets=tickets,
            whatsapp=settings.whatsapp_number,
            hours=settings.service_hours,
        ),
    )


def build_privacy_handlers() -> list:
    return [
        CommandHandler(["hapus_data", "delete_me"], delete_me),
        CallbackQueryHandler(delete_me_button, pattern=pattern(Cb.DELETE_ME)),
    ]
