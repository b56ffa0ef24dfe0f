"""Staff reports in Telegram: /laporan (summary + infographic, pick period and section) and /ekspor (PDF/XLSX).

Also the optional thank-you with the result posted to subscribed groups when a session's survey closes.
Rendering is CPU work (matplotlib, fpdf2), so it runs in a worker thread, off the bot's event loop.
"""

from __future__ import annotations

import asyncio
import tempfile
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.base.i18n import t
from bot.delivery.scheduler import register
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.domain.runtime import Runtime
from bot.domain.sessions import fan_out_payload
from bot.store.sessions import ScheduleRow, Session
from bot.telegram.handlers.common import lang_of, refuse_non_staff, rt_of

if TYPE_CHECKING:
    from reports.report import Report

PERIODS = ("month", "quarter", "year", "all")


def _period_code(rt: Runtime, which: str) -> str | None:
    now = rt.clock.now().astimezone(rt.tz)
    return {
        "month": f"{now:%Y-%m}",
        "quarter": f"{now.year}-Q{(now.month - 1) // 3 + 1}",
        "year": str(now.year),
    }.get(which)


class NoReport(Exception):
    """No answers for the chosen period/section (the report libraries are only imported when asked)."""


async def _report(rt: Runtime, which: str, section_index: int) -> Report:
    # pandas and the renderers cost ~45 MB: imported on the first report, not when the bot starts.
    from bot.domain.reporting import responses_frame
    from reports import NoAnswers, build_report, describe, filter_period

    section = rt.settings.sections[section_index] if 0 <= section_index < len(rt.settings.sections) else None
    frame = await responses_frame(rt, section=section)
    code = _period_code(rt, which)
    if code and not frame.empty:
        frame = filter_period(frame, code)
    if frame.empty:
        raise NoReport
    title = "Survei Kepuasan Masyarakat NGOPAS" + (f" – {section}" if section else "")
    try:
        return build_report(
            frame,
            title=title,
            office_name=rt.settings.office_name,
            period_label=describe(code) if code else "Semua periode",
        )
    except NoAnswers:
        raise NoReport from None


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


async def _send_report(
    update: Update, context: ContextTypes.DEFAULT_TYPE, which: str, section_index: int
) -> None:
    rt = rt_of(context)
    lang = lang_of(update, context)
    chat_id = update.effective_chat.id
    try:
        report = await _report(rt, which, section_index)
    except NoReport:
        await context.bot.send_message(
            chat_id, t("report.empty", lang), reply_markup=_keyboard(rt, which, section_index, lang)
        )
        return
    from reports import render_text
    from reports.render_files import render_png
    from reports.report import number

    with tempfile.TemporaryDirectory() as tmp:
        path = await asyncio.to_thread(render_png, report, Path(tmp) / "ikm.png")
        with path.open("rb") as photo:
            await context.bot.send_photo(
                chat_id,
                photo,
                caption=f"IKM {number(report.ikm.ikm_rounded)} — {report.ikm.grade.mutu} ({report.ikm.grade.kinerja})",
            )
    await context.bot.send_message(
        chat_id,
        escape(render_text(report)),
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
    """/ekspor: choose PDF (printable SKM report) or XLSX (tables) for this quarter."""
    if await refuse_non_staff(update, context):
        return
    lang = lang_of(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("📄 PDF", callback_data=pack(Cb.EXPORT, "pdf")),
                InlineKeyboardButton("📊 XLSX", callback_data=pack(Cb.EXPORT, "xlsx")),
            ]
        ]
    )
    await update.effective_message.reply_text(t("report.export_pick", lang), reply_markup=keyboard)


async def export_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.EXPORT)
    if parts not in (["pdf"], ["xlsx"]):
        await query.answer(t("common.stale_button", lang))
        return
    if await refuse_non_staff(update, context):
        return
    await query.answer()
    rt = rt_of(context)
    try:
        report = await _report(rt, "quarter", -1)
    except NoReport:
        await query.edit_message_text(t("report.empty", lang))
        return
    from reports.render_files import render_pdf, render_xlsx

    fmt = parts[0]
    code = _period_code(rt, "quarter")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"laporan-ikm-{code}.{fmt}"
        await asyncio.to_thread(render_pdf if fmt == "pdf" else render_xlsx, report, path)
        with path.open("rb") as document:
            await context.bot.send_document(
                update.effective_chat.id, document, filename=path.name, caption=report.title
            )


@register("survey_result")
async def post_result(conn: AsyncConnection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    """When a session's survey closes: "IKM 91,48 — A (Sangat baik), 29 responden" to its groups, if enabled."""
    if not rt.settings.survey_result_to_groups:
        return 0
    from bot.domain.reporting import responses_frame
    from reports import build_report
    from reports.report import number

    frame = await responses_frame(rt, session_id=session.id)
    if frame.empty:
        return 0
    report = build_report(frame, title=session.title, office_name=rt.settings.office_name, period_label="")
    r = report.ikm

    def payload(lang: str) -> dict:
        return {
            "text": t(
                "report.result_post",
                lang,
                title=escape(session.title),
                ikm=number(r.ikm_rounded, lang),
                mutu=r.grade.mutu,
                kinerja=r.grade.kinerja,
                respondents=r.respondents,
            ),
            "parse_mode": "HTML",
            "buttons": [],
        }

    return await fan_out_payload(conn, rt, session, "survey_result", f"survey_result:{session.id}", payload)


def build_report_handlers() -> list:
    return [
        CommandHandler(["laporan", "report"], report_command),
        CommandHandler(["ekspor", "export"], export_command),
        CallbackQueryHandler(report_button, pattern=pattern(Cb.REPORT)),
        CallbackQueryHandler(export_button, pattern=pattern(Cb.EXPORT)),
    ]
