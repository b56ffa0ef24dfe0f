"""/jadwal (/schedule): upcoming sessions, paged so each message stays short on a small phone."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.base.i18n import t
from bot.domain.announcements import schedule_entry, schedule_pages
from bot.domain.callbacks import Cb, pack, unpack
from bot.domain.sessions import upcoming
from bot.telegram.handlers.common import edit_or_send, lang_of, rt_of

PAGE_SIZE = 5


async def _render(
    update: Update, context: ContextTypes.DEFAULT_TYPE, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    rt = rt_of(context)
    lang = lang_of(update, context)
    items = await upcoming(rt)
    if not items:
        return t("schedule.empty", lang), None
    entries = [schedule_entry(s, lang, rt.tz) for s in items]
    widest = t("schedule.header", lang, page=len(entries), pages=len(entries))
    chunks = schedule_pages(entries, widest, per_page=PAGE_SIZE)
    pages = len(chunks)
    page = min(max(page, 1), pages)
    text = "\n\n".join([t("schedule.header", lang, page=page, pages=pages), *chunks[page - 1]])
    nav = []
    if page > 1:
        nav.append(
            InlineKeyboardButton(t("common.prev_page", lang), callback_data=pack(Cb.SCHEDULE, page - 1))
        )
    if page < pages:
        nav.append(
            InlineKeyboardButton(t("common.next_page", lang), callback_data=pack(Cb.SCHEDULE, page + 1))
        )
    return text, InlineKeyboardMarkup([nav]) if nav else None


async def schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """First page of upcoming sessions."""
    text, markup = await _render(update, context, 1)
    await update.effective_message.reply_html(text, reply_markup=markup, disable_web_page_preview=True)


async def schedule_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Another page (the button carries the page number)."""
    query = update.callback_query
    parts = unpack(query.data, Cb.SCHEDULE)
    if not parts or len(parts) != 1 or not parts[0].isdigit():
        await query.answer(t("common.stale_button", lang_of(update, context)))
        return
    await query.answer()
    text, markup = await _render(update, context, int(parts[0]))
    # The list the button was on may be gone (deleted, too old to edit): then the page comes anew.
    await edit_or_send(query, text, parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True)
