"""Telegram side of the survey: deep links, buttons, typed answers, /survei.

Each handler turns an update into one call of `bot.domain.survey.flow` and draws what it returns.  The flow
commits every step before it returns, so a crash between the two only means the next press re-draws the
current question.  Flow diagram: bot/domain/survey/survey.mmd.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.base.i18n import t
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.domain.links import survey_link, survey_session
from bot.domain.survey import flow
from bot.domain.survey.engine import Action, SurveyUnavailable, View
from bot.store.sessions import Session
from bot.store.surveys import Draft
from bot.telegram import keyboards
from bot.telegram.handlers.common import edit_failed_how, edit_or_send, lang_of, rt_of

MAX_LISTED = 8  # /survei lists at most this many open surveys (one button each)


async def _send_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, view: View, draft: Draft, session: Session
) -> None:
    """Send the current step as a new message and remember it as the one to edit; the message that showed
    the step before loses its buttons, so only the newest question can be answered."""
    sent = await context.bot.send_message(
        draft.chat_id, view.text, parse_mode="HTML", reply_markup=keyboards.survey_step(view, draft)
    )
    await flow.shown_in(rt_of(context), draft, session, sent.message_id)
    if draft.message_id is not None and draft.message_id != sent.message_id:
        # Already without buttons, or deleted by the person: nothing to take away.
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(draft.chat_id, draft.message_id, reply_markup=None)


async def open_survey(update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int) -> None:
    lang = lang_of(update, context)
    try:
        opened = await flow.begin(
            rt_of(context), session_id, update.effective_user.id, update.effective_chat.id, lang
        )
    except SurveyUnavailable as exc:
        await update.effective_message.reply_text(exc.message)
        return
    if opened.intro:
        await update.effective_message.reply_html(opened.intro)
    await _send_step(update, context, opened.view, opened.draft, opened.session)


async def start_route(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """`/start sv<id>` from the invitation button or QR code."""
    session_id = survey_session(payload)
    if session_id is None or update.effective_chat.type != ChatType.PRIVATE:
        return False
    await open_survey(update, context, session_id)
    return True


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every survey button: sv:<session>:<step>:<action>."""
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.SURVEY)
    if (
        not parts
        or len(parts) != 3
        or not parts[0].isdigit()
        or not parts[1].isdigit()
        or update.effective_chat.type != ChatType.PRIVATE
    ):
        await query.answer(t("common.stale_button", lang))
        return
    session_id, step, code = int(parts[0]), int(parts[1]), parts[2]
    if code == Action.OPEN:
        await query.answer()
        await open_survey(update, context, session_id)
        return
    result = await flow.press(
        rt_of(context), update.effective_user.id, session_id, step, code, query.message.message_id, lang
    )
    if result.text is not None:
        # The thanks (or "closed") in place of the question, with the answer to the button at the same time,
        # as for a step below: the answer only stops the spinner, and "Kirim" is the press waited on longest.
        await asyncio.gather(edit_or_send(query, result.text, parse_mode="HTML"), query.answer())
        return
    if result.view is None or result.draft is None:
        await query.answer(result.toast)
        return
    # The answer only stops the button's spinner and the edit does not depend on it: send both at once, so
    # the next question appears one round trip sooner, the edit first because it is what the person waits for.
    edited, _ = await asyncio.gather(
        query.edit_message_text(
            result.view.text, parse_mode="HTML", reply_markup=keyboards.survey_step(result.view, result.draft)
        ),
        query.answer(result.toast),
        return_exceptions=True,
    )
    if not isinstance(edited, BaseException):
        return
    how = edit_failed_how(edited) if isinstance(edited, BadRequest) else "other"
    if how == "gone" and result.session is not None:
        # The question's message was deleted (or is too old to edit): the answer is kept, and the next
        # question comes as a new message, which becomes the one the survey edits.
        await _send_step(update, context, result.view, result.draft, result.session)
    elif how != "same":
        raise edited


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text in a private chat: a follow-up or free-text answer, or a gentle reminder to use the buttons."""
    rt = rt_of(context)
    if not rt.settings.has_salt():
        return  # no survey can be running without the salt (the bot refuses to start without one)
    result = await flow.typed(
        rt, update.effective_user.id, update.effective_message.text or "", lang_of(update, context)
    )
    if result.reply is not None:
        await update.effective_message.reply_text(result.reply)
        return
    assert result.view is not None and result.draft is not None and result.session is not None
    await _send_step(update, context, result.view, result.draft, result.session)


async def survey_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/survei: in a group, the button to open the survey privately; in private, the open surveys."""
    rt = rt_of(context)
    lang = lang_of(update, context)
    open_ = await flow.open_sessions(rt)
    if not open_:
        await update.effective_message.reply_text(t("survey.none_open", lang))
        return
    private = update.effective_chat.type == ChatType.PRIVATE
    rows = [
        [
            InlineKeyboardButton(s.title[:60], callback_data=pack(Cb.SURVEY, s.id, 0, Action.OPEN))
            if private
            else InlineKeyboardButton(s.title[:60], url=survey_link(rt.bot_username, s.id))
        ]
        for s in open_[-MAX_LISTED:]
    ]
    await update.effective_message.reply_text(t("survey.pick", lang), reply_markup=InlineKeyboardMarkup(rows))


async def cancel_survey(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/batal during a survey: drop the unfinished answers.  False if there was no survey to cancel."""
    rt = rt_of(context)
    if update.effective_chat.type != ChatType.PRIVATE or not rt.settings.has_salt():
        return False
    if not await flow.cancel(rt, update.effective_user.id):
        return False
    await update.effective_message.reply_text(t("survey.cancelled", lang_of(update, context)))
    return True


def build_survey_handlers() -> list:
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    return [
        CommandHandler(["survei", "survey"], survey_command),
        CallbackQueryHandler(button, pattern=pattern(Cb.SURVEY)),
        MessageHandler(private_text, typed),
    ]
