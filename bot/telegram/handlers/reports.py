"""Staff reports in Telegram: /laporan (summary + infographic, pick period and section) and /ekspor (PDF/XLSX).

Both ask the one report service (`bot.domain.reporting`) that `ngopas report` asks.  Rendering is CPU work
(matplotlib, fpdf2), so it runs in a worker thread, off the bot's event loop.
"""

from __future__ import annotations

import asyncio
import tempfile
from html import escape
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.base.i18n import t
from bot.domain import reporting
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.domain.reporting import PERIODS, Built, NoReport, Scope
from bot.domain.runtime import Runtime
from bot.telegram.handlers.common import edit_or_send, lang_of, refuse_non_staff, rt_of
from reports.numbers import number

EXPORT_FORMATS = ("pdf", "docx", "xlsx")


def _scope(rt: Runtime, which: str, section_index: int) -> Scope:
    sections = rt.settings.sections
    return Scope(
        section=sections[section_index] if 0 <= section_index < len(sections) else None,
        period=reporting.current_period(rt.clock.now().astimezone(rt.tz), which),
    )


def _keyboard(rt: Runtime, which: str, section_index: int, lang: str) -> InlineKeyboardMarkup:
    def mark(active: bool, label: str) -> str:
        return ("• " if active else "") + label

    periods = [
        InlineKeyboardButton(
            mark(p == which, t(f"report.period_{p}", lang)), callback_data=pack(Cb.REPORT, p, section_index)
        )
        for p in PERIODS
    ]
    sections = [
        InlineKeyboardButton(mark(i == section_index, name[:20]), callback_data=pack(Cb.REPORT, which, i))
        for i, name in enumerate(rt.settings.sections)
    ]
    everything = InlineKeyboardButton(
        mark(section_index < 0, t("common.all_sections", lang)), callback_data=pack(Cb.REPORT, which, -1)
    )
    return InlineKeyboardMarkup([periods, sections[:2], sections[2:], [everything]])


def _caption(built: Built) -> str:
    ikm = built.report.ikm
    return f"IKM {number(ikm.ikm_rounded)} — {ikm.grade.mutu} ({ikm.grade.kinerja})"


async def _send_report(
    update: Update, context: ContextTypes.DEFAULT_TYPE, which: str, section_index: int
) -> None:
    rt = rt_of(context)
    lang = lang_of(update, context)
    chat_id = update.effective_chat.id
    try:
        built = await reporting.report_for(rt, _scope(rt, which, section_index))
    except NoReport:
        await context.bot.send_message(
            chat_id, t("report.empty", lang), reply_markup=_keyboard(rt, which, section_index, lang)
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = await asyncio.to_thread(reporting.write, built, "png", Path(tmp) / "ikm.png")
        with path.open("rb") as photo:
            await context.bot.send_photo(chat_id, photo, caption=_caption(built))
    await context.bot.send_message(
        chat_id,
        escape(reporting.render(built, "text")),
        parse_mode="HTML",
        reply_markup=_keyboard(rt, which, section_index, lang),
    )


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/laporan: this quarter, all sections; buttons change period and section."""
    if await refuse_non_staff(update, context):
        return
    await _send_report(update, context, "quarter", -1)


async def report_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = unpack(query.data, Cb.REPORT)
    if not parts or len(parts) != 2 or parts[0] not in PERIODS or not parts[1].lstrip("-").isdigit():
        await query.answer(t("common.stale_button", lang_of(update, context)))
        return
    if await refuse_non_staff(update, context):
        return
    await query.answer()
    await _send_report(update, context, parts[0], int(parts[1]))


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ekspor: choose the SKM report (PDF to print, Word to edit) or XLSX (tables) for this quarter."""
    if await refuse_non_staff(update, context):
        return
    lang = lang_of(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("📄 PDF", callback_data=pack(Cb.EXPORT, "pdf")),
                InlineKeyboardButton("📝 Word", callback_data=pack(Cb.EXPORT, "docx")),
                InlineKeyboardButton("📊 XLSX", callback_data=pack(Cb.EXPORT, "xlsx")),
            ]
        ]
    )
    await update.effective_message.reply_text(t("report.export_pick", lang), reply_markup=keyboard)


async def export_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.EXPORT)
    if not parts or len(parts) != 1 or parts[0] not in EXPORT_FORMATS:
        await query.answer(t("common.stale_button", lang))
        return
    if await refuse_non_staff(update, context):
        return
    await query.answer()
    rt = rt_of(context)
    scope = _scope(rt, "quarter", -1)
    try:
        built = await reporting.report_for(rt, scope)
    except NoReport:
        await edit_or_send(query, t("report.empty", lang))
        return
    fmt = parts[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"laporan-ikm-{scope.period}.{fmt}"
        await asyncio.to_thread(reporting.write, built, fmt, path)
        with path.open("rb") as document:
            await context.bot.send_document(
                update.effective_chat.id, document, filename=path.name, caption=built.report.title
            )


def build_report_handlers() -> list:
    return [
        CommandHandler(["laporan", "report"], report_command),
        CommandHandler(["ekspor", "export"], export_command),
        CallbackQueryHandler(report_button, pattern=pattern(Cb.REPORT)),
        CallbackQueryHandler(export_button, pattern=pattern(Cb.EXPORT)),
    ]
