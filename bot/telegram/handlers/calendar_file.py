"""The "Tambah ke kalender" link without a web site: `/start ics<N>` in a private chat sends the session's
.ics file, made from the session as it is now (a changed time, a higher SEQUENCE, or its cancellation)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.domain import calendar
from bot.domain.links import calendar_session
from bot.telegram.handlers.common import escape, lang_of, rt_of


async def start_route(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """`/start ics<N>`: reply with session N's calendar file; False when the payload is not ours."""
    session_id = calendar_session(payload)
    if session_id is None or update.effective_chat.type != ChatType.PRIVATE:
        return False
    lang = lang_of(update, context)
    made = await calendar.session_file(rt_of(context), session_id, lang)
    message = update.effective_message
    if made is None:
        await message.reply_text(t("calendar.not_found", lang))
        return True
    name, data, title = made
    await message.reply_document(
        data,
        filename=name,
        caption=t("calendar.caption", lang, title=escape(title)),
        parse_mode="HTML",
    )
    return True
