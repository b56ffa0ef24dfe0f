"""/status for staff: is the bot keeping up (outbox backlog, Sheets sync lag, subscribers)?"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from bot.base.i18n import format_when, t
from bot.domain import attendance, deadlines, followup
from bot.store import chats, outbox, sheet_rows
from bot.telegram.handlers.common import lang_of, refuse_non_staff, rt_of


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Counts staff can act on, without personal data."""
    if await refuse_non_staff(update, context):
        return
    rt = rt_of(context)
    lang = lang_of(update, context)
    now = rt.clock.now()
    async with rt.store.connect() as conn:
        stats = await outbox.stats(conn)
        waiting, oldest = await sheet_rows.lag(conn)
        parked = await sheet_rows.parked(conn, limit=1)
        held = await sheet_rows.count_parked(conn) if parked else 0
        subscribers = await chats.count_subscribers(conn)
    pending = stats.by_state.get("pending", 0)
    lag = (
        t("status.sheets_ok", lang)
        if not waiting
        else t(
            "status.sheets_lag",
            lang,
            rows=waiting,
            minutes=max(0, int((now - oldest).total_seconds() // 60)) if oldest else 0,
        )
    )
    if parked:
        lag += "\n" + t(
            "status.sheets_parked",
            lang,
            rows=held,
            worksheet=parked[0].worksheet,
            key=html.escape(parked[0].row_key),
            reason=html.escape(parked[0].error or ""),
        )
    text = t(
        "status.text",
        lang,
        subscribers=subscribers,
        pending=pending,
        sent=stats.by_state.get("sent", 0),
        dropped=stats.by_state.get("dropped", 0),
        uncertain=stats.by_state.get("uncertain", 0),
        oldest=format_when(stats.oldest_pending_due, lang, rt.tz) if stats.oldest_pending_due else "-",
        sheets=lag,
        chat_id=update.effective_chat.id,
    )
    text += "\n\n" + await deadlines.status_text(rt, lang)
    text += "\n\n" + await followup.status_text(rt, lang)
    sample = await attendance.status_text(rt, lang)
    if sample:
        text += "\n\n" + sample
    await update.effective_message.reply_html(text)
