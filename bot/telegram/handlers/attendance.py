"""Who came: "✋ Saya hadir" (a deep link into the private chat, also the venue's QR code), how the person
follows, the staff headcount (/hadir N 35), and the "Ingatkan saya" button of group announcements.

Each handler makes one call into `bot.domain.attendance` or `bot.domain.private_reminders`, which commit
before anything is shown.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.base.i18n import format_when, t
from bot.domain import attendance, private_reminders
from bot.domain.attendance import AttendanceError, CheckIn, Outcome
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.domain.links import attend_session
from bot.store.attendance import MODES
from bot.telegram.handlers.common import edit_or_send, lang_of, refuse_non_staff, rt_of


def _refusal_text(result: CheckIn, session_id: int, lang: str, context: ContextTypes.DEFAULT_TYPE) -> str:
    rt = rt_of(context)
    if result.outcome == Outcome.NOT_YET and result.session is not None:
        opens, _ = attendance.window(rt, result.session)
        return t("attend.not_yet", lang, opens=format_when(opens, lang, rt.tz))
    if result.outcome == Outcome.ALREADY:
        return t("attend.already", lang, mode=attendance.mode_label(result.mode or "lokasi", lang))
    return t(f"attend.{result.outcome.value}", lang, id=session_id)


async def start_route(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """`/start hadir<id>` from "✋ Saya hadir" or the venue's QR code: ask how the person follows."""
    session_id = attend_session(payload)
    if session_id is None:
        return False
    lang = lang_of(update, context)
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(t("attend.private_only", lang))
        return True
    result = await attendance.open_for_check_in(rt_of(context), session_id)
    if result.outcome != Outcome.RECORDED or result.session is None:
        await update.effective_message.reply_html(_refusal_text(result, session_id, lang, context))
        return True
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    attendance.mode_label(mode, lang), callback_data=pack(Cb.ATTEND, session_id, mode)
                )
            ]
            for mode in MODES
        ]
    )
    await update.effective_message.reply_html(
        t("attend.ask_mode", lang, title=html.escape(result.session.title)), reply_markup=keyboard
    )
    return True


async def mode_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """hdr:<session>:<mode>: record the check-in (once per person, inside the window)."""
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.ATTEND)
    if (
        not parts
        or len(parts) != 2
        or not parts[0].isdigit()
        or parts[1] not in MODES
        or update.effective_chat.type != ChatType.PRIVATE
    ):
        await query.answer(t("common.stale_button", lang))
        return
    session_id, mode = int(parts[0]), parts[1]
    result = await attendance.check_in(
        rt_of(context), session_id, update.effective_user.id, update.effective_chat.id, mode, lang
    )
    await query.answer()
    if result.outcome == Outcome.RECORDED and result.session is not None:
        late = rt_of(context).clock.now() >= result.session.ends_at
        text = t(
            "attend.recorded_late" if late else "attend.recorded",
            lang,
            title=html.escape(result.session.title),
            mode=attendance.mode_label(mode, lang),
        )
    else:
        text = _refusal_text(result, session_id, lang, context)
    await edit_or_send(query, text, parse_mode="HTML")


async def headcount(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/hadir N JUMLAH [lokasi|zoom|youtube]: staff count people without phones, apart from check-ins."""
    if await refuse_non_staff(update, context):
        return
    lang = lang_of(update, context)
    args = context.args or []
    if len(args) not in (2, 3) or not args[0].lstrip("#").isdigit() or not args[1].isdigit():
        await update.effective_message.reply_html(t("attend.usage_count", lang))
        return
    session_id = int(args[0].lstrip("#"))
    mode = attendance.parse_mode(args[2]) if len(args) == 3 else "lokasi"
    if mode is None:
        await update.effective_message.reply_text(t("attend.bad_mode", lang, value=html.escape(args[2][:40])))
        return
    try:
        counts = await attendance.record_count(rt_of(context), session_id, int(args[1]), mode)
    except AttendanceError:
        await update.effective_message.reply_text(t("attend.bad_count", lang, max=attendance.MAX_HEADCOUNT))
        return
    except LookupError:
        await update.effective_message.reply_text(t("attend.not_found", lang, id=session_id))
        return
    await update.effective_message.reply_text(
        t("attend.counted", lang, id=session_id, summary=attendance.summary(counts, lang))
    )


async def remind_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ing:<session> on a group announcement: private reminders for the member who pressed, or undo."""
    query = update.callback_query
    lang = lang_of(update, context)
    user = update.effective_user
    parts = unpack(query.data, Cb.REMIND)
    if not parts or len(parts) != 1 or not parts[0].isdigit() or user is None:
        await query.answer(t("common.stale_button", lang))
        return
    session_id = int(parts[0])
    outcome = await private_reminders.toggle(rt_of(context), session_id, user.id)
    await query.answer(t(f"remind.{outcome.value}", lang, id=session_id), show_alert=True)


def build_attendance_handlers() -> list:
    return [
        CommandHandler("hadir", headcount),
        CallbackQueryHandler(mode_button, pattern=pattern(Cb.ATTEND)),
        CallbackQueryHandler(remind_button, pattern=pattern(Cb.REMIND)),
    ]
