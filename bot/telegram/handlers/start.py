"""/start and /bantuan (/help)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.telegram.handlers.common import escape, is_staff, lang_of, remember_chat, rt_of


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet; a deep-link payload (`/start <payload>`) is routed by the feature that made it."""
    await remember_chat(update, context)
    rt = rt_of(context)
    lang = lang_of(update, context)
    chat = update.effective_chat
    settings = rt.settings
    if context.args:
        for route in context.bot_data.get("deep_links", []):
            if await route(update, context, context.args[0]):
                return
    if chat is not None and chat.type != ChatType.PRIVATE:
        text = t("start.group", lang, title=escape(chat.title or ""), office=escape(settings.office_name))
    else:
        user = update.effective_user
        text = t(
            "start.private",
            lang,
            name=escape(user.first_name if user else ""),
            office=escape(settings.office_name),
            whatsapp=escape(settings.whatsapp_number),
            hours=escape(settings.service_hours),
        )
    await update.effective_message.reply_html(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Usage for everyone, plus the staff commands for staff."""
    rt = rt_of(context)
    lang = lang_of(update, context)
    s = rt.settings
    text = t(
        "help.text",
        lang,
        office=escape(s.office_name),
        whatsapp=escape(s.whatsapp_number),
        hours=escape(s.service_hours),
    )
    if is_staff(update, context):
        text += "\n" + t("help.staff", lang)
    await update.effective_message.reply_html(text)
