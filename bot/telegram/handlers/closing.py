"""/tutup_sesi N: staff write the closing record of a session (notes, photos, aspirations raised orally).

Each message is stored as it arrives (bot.domain.closing), so a restart mid-conversation loses nothing but
the conversation itself: /tutup_sesi N again continues the same record.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.base.i18n import t
from bot.domain import closing
from bot.domain.sessions import SessionNotFound, get_session
from bot.telegram.handlers.common import escape, lang_of, refuse_non_staff, rt_of

RECORD = 0


async def close_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await refuse_non_staff(update, context):
        return ConversationHandler.END
    lang = lang_of(update, context)
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_html(t("closing.usage", lang))
        return ConversationHandler.END
    session_id = int(args[0].lstrip("#"))
    try:
        session = await get_session(rt_of(context), session_id)
    except SessionNotFound:
        await update.effective_message.reply_text(t("session.not_found", lang, id=session_id))
        return ConversationHandler.END
    context.user_data["closing"] = {"id": session_id, "tickets": 0}
    await update.effective_message.reply_html(
        t("closing.prompt", lang, id=session_id, title=escape(session.title))
    )
    return RECORD


async def _add(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, photos: list[str]) -> int:
    lang = lang_of(update, context)
    state = context.user_data.get("closing")
    if not state:
        return ConversationHandler.END
    notes, raised = closing.split_text(text)
    added = await closing.add(rt_of(context), state["id"], notes=notes, photos=photos, aspirations=raised)
    state["tickets"] += len(added.tickets)
    reply = t(
        "closing.saved",
        lang,
        id=state["id"],
        notes=1 if notes else 0,
        photos=len(photos),
    )
    if added.tickets:
        reply += "\n" + t("closing.tickets", lang, tickets=", ".join(added.tickets))
    await update.effective_message.reply_text(reply)
    # The record took this message: the aspiration and survey catchers of later groups must not see it.
    raise ApplicationHandlerStop(RECORD)


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _add(update, context, update.effective_message.text or "", [])


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    return await _add(update, context, message.caption or "", [message.photo[-1].file_id])


async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = lang_of(update, context)
    state = context.user_data.pop("closing", None)
    if state:
        record = await closing.record_of(rt_of(context), state["id"])
        await update.effective_message.reply_text(
            t(
                "closing.done",
                lang,
                id=state["id"],
                photos=len(record.photos) if record else 0,
                tickets=state["tickets"],
            )
        )
    return ConversationHandler.END


def build_closing_handler() -> ConversationHandler:
    """Registered in a group before the aspiration catcher (-1), which would take a photo as a stray one."""
    return ConversationHandler(
        entry_points=[CommandHandler(["tutup_sesi", "close_session"], close_start)],
        states={
            RECORD: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, text),
                MessageHandler(filters.PHOTO, photo),
            ]
        },
        fallbacks=[CommandHandler(["selesai", "done"], done)],
        name="tutup_sesi",
        allow_reentry=True,
    )
