"""Telegram side of the survey: deep links, buttons, typed answers, /survei, invitations and reminders.

Flow diagram: bot/surveys/survey_flow.mmd.  Every step is committed by the engine before we edit the message,
so a crash between the two only means the next press re-draws the current question.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from dataclasses import replace
from html import escape

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.base.i18n import format_when, t
from bot.delivery.scheduler import register, register_periodic
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.domain.runtime import Runtime
from bot.domain.sessions import fan_out_payload
from bot.domain.survey import engine
from bot.domain.survey.engine import SurveyUnavailable, View
from bot.store import outbox, surveys
from bot.store import sessions as store_sessions
from bot.store.outbox import NewMessage
from bot.store.sessions import ScheduleRow, Session
from bot.store.surveys import Draft
from bot.telegram.handlers.common import lang_of, rt_of

log = logging.getLogger(__name__)
DEEP_LINK = re.compile(r"^sv(\d{1,9})$")


def deep_link(rt: Runtime, session_id: int) -> str:
    return f"https://t.me/{rt.bot_username or 'ngopas_bot'}?start=sv{session_id}"


def _markup(view: View, draft: Draft) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=pack(Cb.SURVEY, draft.session_id, draft.step, code))
                for label, code in row
            ]
            for row in view.buttons
            if row
        ]
    )


async def _show_new(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, session: Session
) -> None:
    """Send the current step as a new message and remember it as the one to edit."""
    rt = rt_of(context)
    view = engine.render(engine.definition_for(rt), draft, session, draft.language)
    sent = await context.bot.send_message(
        draft.chat_id, view.text, parse_mode="HTML", reply_markup=_markup(view, draft)
    )
    shown = None
    async with rt.store.begin() as conn:
        current = await surveys.get_draft(conn, draft.session_id, draft.respondent)
        if current is not None and current.step == draft.step:
            shown = replace(current, message_id=sent.message_id)
            if not await surveys.save_draft(conn, shown, expected_step=current.step):
                shown = None
    # Committed: the person's first press will most likely reach this process, so spare it a read.
    if shown is not None:
        _cache(rt).put(draft.session_id, draft.respondent, shown, session)


async def open_survey(update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int) -> None:
    rt = rt_of(context)
    lang = lang_of(update, context)
    user = update.effective_user
    try:
        draft, session = await engine.begin(rt, session_id, user.id, update.effective_chat.id, lang)
    except SurveyUnavailable as exc:
        await update.effective_message.reply_text(exc.message)
        return
    if draft.step == 0 and draft.current != engine.REPLACE:
        defn = engine.definition_for(rt)
        intro = defn.intro.get(lang) or defn.intro["id"]
        await update.effective_message.reply_html(
            t(
                "survey.intro",
                lang,
                title=escape(session.title),
                when=format_when(session.starts_at, lang, rt.tz),
                intro=escape(intro),
            )
        )
    await _show_new(update, context, draft, session)


async def start_route(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """`/start sv<id>` from the invitation button or QR code."""
    match = DEEP_LINK.match(payload)
    if not match or update.effective_chat.type != ChatType.PRIVATE:
        return False
    await open_survey(update, context, int(match[1]))
    return True


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every survey button: sv:<session>:<step>:<action>."""
    query = update.callback_query
    rt = rt_of(context)
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
    session_id, step, action = int(parts[0]), int(parts[1]), parts[2]
    if action == "go":
        await query.answer()
        await open_survey(update, context, session_id)
        return
    defn = engine.definition_for(rt)
    respondent = engine.respondent_of(rt, update.effective_user.id)
    # The draft this process wrote last is a hint, not the truth: it is used only when the button's step
    # matches it, and every write is a conditional UPDATE on that step, so a draft changed elsewhere (another
    # worker, a typed answer) makes the write fail harmlessly and the press is re-read from the store.  The
    # write lock is held for that one UPDATE; reads never take it.
    cache = _cache(rt)
    draft, session = cache.get(session_id, respondent)
    if draft is None or session is None or draft.step != step:
        async with rt.store.connect() as conn:
            draft, session = await surveys.get_draft_and_session(conn, session_id, respondent)
        cache.put(session_id, respondent, draft, session)
    if draft is None or session is None:
        await query.answer(t("survey.no_draft", lang), show_alert=False)
        return
    if not engine.survey_open(session, rt.clock.now()):
        async with rt.store.begin() as conn:
            await surveys.delete_draft(conn, session_id, respondent)
        await query.answer()
        await query.edit_message_text(t("survey.closed", lang))
        return
    moved = None
    if step != draft.step:
        moved = None  # a stale press: redraw the current step on this message, change nothing
    elif action.startswith("o") and action[1:].isdigit():
        moved = engine.choose(defn, draft, int(action[1:]))
    elif action == "s":
        moved = engine.skip(defn, draft)
    elif action == "b":
        moved = engine.back(draft)
    elif action == "u" and draft.current == engine.SUMMARY:
        moved = engine.restart_for_edit(defn, draft)
    elif action == "r" and draft.current == engine.REPLACE:
        fresh = engine.new_draft(rt, defn, session, respondent, draft.chat_id, draft.language, draft.replaces)
        moved = replace(fresh, step=draft.step + 1, started_at=draft.started_at)
    elif action == "n" and draft.current == engine.REPLACE:
        async with rt.store.begin() as conn:
            await surveys.delete_draft(conn, session_id, respondent)
        await query.answer()
        await query.edit_message_text(t("survey.kept", lang))
        return
    elif action == "k" and draft.current == engine.SUMMARY:
        moved = None
    else:
        moved = None
    if moved is not None:
        moved = replace(
            moved,
            message_id=query.message.message_id,
            updated_at=rt.clock.now(),
            reminded_at=draft.reminded_at,
        )
        saved = await rt.store.write_one(*surveys.save_draft_statement(moved, expected_step=draft.step)) == 1
        if saved:
            cache.put(session_id, respondent, moved, session)
        else:  # changed elsewhere meanwhile: show what the store holds now
            moved = None
            cache.forget(session_id, respondent)
            async with rt.store.connect() as conn:
                draft = await surveys.get_draft(conn, session_id, respondent)
            if draft is None:
                await query.answer(t("survey.no_draft", lang))
                return
    if action == "k" and step == draft.step and draft.current == engine.SUMMARY:
        cache.forget(session_id, respondent)
        if await engine.finish(rt, draft) is None:
            await query.answer(t("survey.already", lang))  # a double press: the first one sent it
            return
        await query.answer()
        thanks = defn.thanks.get(draft.language) or defn.thanks["id"]
        await query.edit_message_text(
            t("survey.thanks", lang, thanks=escape(thanks), title=escape(session.title)), parse_mode="HTML"
        )
        return
    current = moved or draft
    view = engine.render(defn, current, session, current.language)
    # The answer only stops the button's spinner and the edit does not depend on it: send both at once, so
    # the next question appears one round trip sooner, the edit first because it is what the person waits for.
    edited, _ = await asyncio.gather(
        query.edit_message_text(view.text, parse_mode="HTML", reply_markup=_markup(view, current)),
        query.answer(None if moved else t("survey.already", lang) if step != draft.step else None),
        return_exceptions=True,
    )
    if isinstance(edited, BaseException) and not (
        isinstance(edited, BadRequest) and "not modified" in edited.message.lower()
    ):
        raise edited


class DraftCache:
    """The drafts (and their sessions) this process wrote last, bounded; entries expire after a while."""

    SECONDS = 10.0  # a cancelled or edited session is seen within this long

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._drafts: OrderedDict[tuple[int, str], tuple[Draft, Session, float]] = OrderedDict()

    def get(self, session_id: int, respondent: str) -> tuple[Draft | None, Session | None]:
        entry = self._drafts.get((session_id, respondent))
        if entry is None or time.monotonic() - entry[2] > self.SECONDS:
            return None, None
        return entry[0], entry[1]

    def put(self, session_id: int, respondent: str, draft: Draft | None, session: Session | None) -> None:
        key = (session_id, respondent)
        if draft is None or session is None:
            self._drafts.pop(key, None)
            return
        self._drafts[key] = (draft, session, time.monotonic())
        self._drafts.move_to_end(key)
        while len(self._drafts) > self.size:
            self._drafts.popitem(last=False)

    def forget(self, session_id: int, respondent: str) -> None:
        self._drafts.pop((session_id, respondent), None)


def _cache(rt: Runtime) -> DraftCache:
    return rt.cache.setdefault("survey_drafts", DraftCache())


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text in a private chat: a follow-up or free-text answer, or a gentle reminder to use the buttons."""
    rt = rt_of(context)
    lang = lang_of(update, context)
    user = update.effective_user
    text = update.effective_message.text or ""
    try:
        respondent = engine.respondent_of(rt, user.id)
    except Exception:
        return
    defn = engine.definition_for(rt)
    async with rt.store.begin() as conn:
        drafts = await surveys.drafts_of(conn, respondent)
        if not drafts:
            await update.effective_message.reply_text(t("survey.no_context", lang))
            return
        draft = drafts[0]
        session = await store_sessions.get_session(conn, draft.session_id)
        limit = engine.too_long(defn, draft, text)
        if limit is not None:
            await update.effective_message.reply_text(t("survey.too_long", lang, max=limit))
            return
        moved = engine.write(defn, draft, text)
        if moved is not None:
            moved = replace(moved, updated_at=rt.clock.now())
            if not await surveys.save_draft(conn, moved, expected_step=draft.step):
                moved = None
    if moved is None:
        await update.effective_message.reply_text(t("survey.use_buttons", lang))
        return
    await _show_new(update, context, moved, session)


async def survey_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/survei: in a group, the button to open the survey privately; in private, the open surveys."""
    rt = rt_of(context)
    lang = lang_of(update, context)
    now = rt.clock.now()
    async with rt.store.connect() as conn:
        recent = await store_sessions.list_sessions(conn, ends_after=now - _window(rt))
    open_ = [s for s in recent if engine.survey_open(s, now)]
    if not open_:
        await update.effective_message.reply_text(t("survey.none_open", lang))
        return
    private = update.effective_chat.type == ChatType.PRIVATE
    rows = [
        [
            InlineKeyboardButton(s.title[:60], callback_data=pack(Cb.SURVEY, s.id, 0, "go"))
            if private
            else InlineKeyboardButton(s.title[:60], url=deep_link(rt, s.id))
        ]
        for s in open_[-8:]
    ]
    await update.effective_message.reply_text(t("survey.pick", lang), reply_markup=InlineKeyboardMarkup(rows))


def _window(rt: Runtime):  # noqa: ANN202
    from datetime import timedelta

    return timedelta(days=rt.settings.survey_window_days)


async def cancel_survey(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/batal during a survey: drop the unfinished answers.  False if there was no survey to cancel."""
    if update.effective_chat.type != ChatType.PRIVATE:
        return False
    rt = rt_of(context)
    try:
        respondent = engine.respondent_of(rt, update.effective_user.id)
    except Exception:
        return False
    async with rt.store.begin() as conn:
        drafts = await surveys.drafts_of(conn, respondent)
        for draft in drafts:
            await surveys.delete_draft(conn, draft.session_id, respondent)
    if not drafts:
        return False
    await update.effective_message.reply_text(t("survey.cancelled", lang_of(update, context)))
    return True


# --- scheduled: invitation at the end of a session, one reminder for unfinished surveys -----------------


@register("survey_invite")
async def invite(conn: AsyncConnection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    """At the session's end: subscribed chats get "Isi survei" with the deep link."""

    def payload(lang: str) -> dict:
        return {
            "text": t(
                "survey.invite", lang, title=escape(session.title), days=rt.settings.survey_window_days
            ),
            "parse_mode": "HTML",
            "buttons": [[{"text": t("survey.fill", lang), "url": deep_link(rt, session.id)}]],
        }

    return await fan_out_payload(conn, rt, session, "survey_invite", f"survey_invite:{session.id}", payload)


@register_periodic
async def remind_unfinished(rt: Runtime) -> int:
    """One reminder, never more, for a survey left unfinished for `survey_reminder_hours`."""
    from datetime import timedelta

    now = rt.clock.now()
    idle_since = now - timedelta(hours=rt.settings.survey_reminder_hours)
    queued = 0
    async with rt.store.connect() as conn:  # runs every sweep: only take the write lock when there is work
        if not await surveys.drafts_to_remind(conn, idle_since, limit=1):
            return 0
    async with rt.store.begin() as conn:
        for draft in await surveys.drafts_to_remind(conn, idle_since):
            session = await store_sessions.get_session(conn, draft.session_id)
            if session is None or not engine.survey_open(session, now):
                continue
            if not await surveys.mark_reminded(conn, draft.session_id, draft.respondent, now):
                continue
            lang = draft.language
            msg = NewMessage(
                key=f"survey_reminder:{draft.session_id}:{draft.respondent}",
                kind="survey_reminder",
                chat_id=draft.chat_id,
                session_id=draft.session_id,
                due_at=now,
                payload={
                    "text": t("survey.reminder", lang, title=escape(session.title)),
                    "parse_mode": "HTML",
                    "buttons": [
                        [
                            {
                                "text": t("survey.continue", lang),
                                "callback_data": pack(Cb.SURVEY, session.id, 0, "go"),
                            }
                        ]
                    ],
                },
            )
            queued += await outbox.enqueue(conn, [msg], now)
    return queued


def build_survey_handlers() -> list:
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    return [
        CommandHandler(["survei", "survey"], survey_command),
        CallbackQueryHandler(button, pattern=pattern(Cb.SURVEY)),
        MessageHandler(private_text, typed),
    ]
