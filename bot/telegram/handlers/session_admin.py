"""Staff commands: /sesi_baru (guided), /ubah N, /batal N.

Each answer is validated by the same `sessions.validate_field` the CLI and imports use, and a bad answer is
re-asked with the reason.  Flow diagram: bot/telegram/handlers/session_admin.mmd.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.base.i18n import format_when, t
from bot.domain import recurrence
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.domain.parsing import ParseError
from bot.domain.recurrence import rule_for
from bot.domain.series import create_series
from bot.domain.sessions import (
    SessionNotFound,
    cancel_session,
    create_session,
    edit_session,
    get_session,
    validate_field,
)
from bot.store import chats
from bot.telegram.handlers.aspirations import cancel_aspiration
from bot.telegram.handlers.common import drop_buttons, edit_or_send, escape, lang_of, refuse_non_staff, rt_of
from bot.telegram.handlers.survey import cancel_survey

TITLE, SECTION, WHEN, VENUE, ZOOM, YOUTUBE, SPEAKER, CONFIRM, EDIT_FIELD, EDIT_VALUE, CANCEL_CONFIRM = range(
    11
)
COORDS, REPEAT = 11, 12

STEPS = [
    (TITLE, "title"),
    (SECTION, "section"),
    (WHEN, "when"),
    (VENUE, "venue"),
    (COORDS, "coords"),  # the venue's map pin: a shared location or typed coordinates (skipped when online)
    (ZOOM, "zoom"),
    (YOUTUBE, "youtube"),
    (SPEAKER, "speaker"),
    (REPEAT, "repeat"),  # "setiap Jumat pertama", or - for a single session
]
FIELD_OF = dict(STEPS)
ORDER = [state for state, _ in STEPS]
EDITABLE = ["title", "section", "when", "venue", "coords", "zoom", "youtube", "speaker"]
ASK_KEY = {"coords": "venue.ask_pin", "repeat": "repeat.ask"}


def _section_keyboard(sections: list[str], prefix: Cb, *extra: object) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(name, callback_data=pack(prefix, *extra, "sec", i))]
            for i, name in enumerate(sections)
        ]
    )


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, state: int) -> int:
    lang = lang_of(update, context)
    rt = rt_of(context)
    field = FIELD_OF[state]
    message = update.effective_message
    if field == "section":
        await message.reply_html(
            t("session.ask_section", lang),
            reply_markup=_section_keyboard(rt.settings.sections, Cb.NEW_SESSION),
        )
    elif field == "when":
        await message.reply_html(t("session.ask_when", lang, tz=rt.settings.timezone))
    else:
        await message.reply_html(t(ASK_KEY.get(field, f"session.ask_{field}"), lang))
    return state


def _next_state(state: int, draft: dict[str, Any]) -> int | None:
    """The step after `state` (None: confirm); the pin is not asked for a session held only online."""
    following = ORDER[ORDER.index(state) + 1 :]
    if following and following[0] == COORDS and not draft.get("venue"):
        following = following[1:]
    return following[0] if following else None


def _summary(values: dict[str, Any], context: ContextTypes.DEFAULT_TYPE, lang: str) -> str:
    rt = rt_of(context)
    none = t("session.none", lang)
    text = t(
        "session.summary",
        lang,
        title=escape(values["title"]),
        section=escape(values["section"]),
        when=format_when(values["starts_at"], lang, rt.tz)
        + f" – {values['ends_at'].astimezone(rt.tz):%H.%M}",
        venue=escape(values.get("venue") or none),
        zoom=escape(values.get("zoom_url") or none),
        youtube=escape(values.get("youtube_url") or none),
        speaker=escape(values.get("speaker") or none),
    )
    if values.get("latitude") is not None:
        text += "\n" + t("venue.summary", lang, latitude=values["latitude"], longitude=values["longitude"])
    if values.get("repeat_rule"):
        text += "\n" + t(
            "repeat.summary", lang, repeat=escape(values.get("repeat_text") or values["repeat_rule"])
        )
    return text


async def new_session(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Entry: staff only."""
    if await refuse_non_staff(update, context):
        return ConversationHandler.END
    context.user_data["draft"] = {}
    return await _ask(update, context, TITLE)


async def _accept(update: Update, context: ContextTypes.DEFAULT_TYPE, state: int, raw: str) -> int:
    """Validate one answer; re-ask the same step with the reason, or move on."""
    rt = rt_of(context)
    lang = lang_of(update, context)
    field = FIELD_OF[state]
    try:
        if field == "repeat":
            rule = rule_for(raw, None, lang)
            values = {"repeat_rule": rule, "repeat_text": raw.strip() if rule else None}
            draft = context.user_data.get("draft", {})
            if rule and "starts_at" in draft:
                recurrence.next_starts(rule, draft["starts_at"], rt.tz, count=1, lang=lang)
        else:
            values = validate_field(field, raw, rt, lang)
    except ParseError as exc:
        await update.effective_message.reply_html(
            t("session.bad_when", lang, reason=escape(str(exc))) if field == "when" else escape(str(exc))
        )
        return state
    if field == "when" and values["starts_at"] <= rt.clock.now():
        await update.effective_message.reply_text(
            t("session.in_past", lang, when=format_when(values["starts_at"], lang, rt.tz))
        )
        return state
    draft = context.user_data.setdefault("draft", {})
    draft.update(values)
    following = _next_state(state, draft)
    if following is None:
        return await _confirm(update, context)
    return await _ask(update, context, following)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    rt = rt_of(context)
    lang = lang_of(update, context)
    draft = context.user_data["draft"]
    async with rt.store.connect() as conn:
        count = len(await chats.subscribers(conn, draft["section"]))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("session.button_save", lang), callback_data=pack(Cb.NEW_SESSION, "save")
                ),
                InlineKeyboardButton(
                    t("session.button_cancel", lang), callback_data=pack(Cb.NEW_SESSION, "cancel")
                ),
            ]
        ]
    )
    await update.effective_message.reply_html(
        t("session.confirm", lang, summary=_summary(draft, context, lang), count=count), reply_markup=keyboard
    )
    return CONFIRM


def _text_step(state: int):  # noqa: ANN202 - a handler factory
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        return await _accept(update, context, state, update.effective_message.text or "")

    handler.__name__ = f"step_{FIELD_OF[state]}"
    return handler


def _shared_location(update: Update) -> str:
    """A location shared with 📎 → Location, as the coordinates the pin step reads."""
    location = update.effective_message.location
    return f"{location.latitude}, {location.longitude}"


async def coords_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _accept(update, context, COORDS, _shared_location(update))


async def edit_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _apply_edit(update, context, _shared_location(update))


async def section_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A section chosen with a button during /sesi_baru."""
    query = update.callback_query
    parts = unpack(query.data, Cb.NEW_SESSION)
    sections = rt_of(context).settings.sections
    if (
        not parts
        or len(parts) != 2
        or parts[0] != "sec"
        or not parts[1].isdigit()
        or int(parts[1]) >= len(sections)
    ):
        await query.answer(t("common.stale_button", lang_of(update, context)))
        return SECTION
    await query.answer()
    await drop_buttons(query)
    return await _accept(update, context, SECTION, sections[int(parts[1])])


async def confirm_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Save and announce, or drop the draft."""
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.NEW_SESSION)
    draft = context.user_data.get("draft")
    if parts not in (["save"], ["cancel"]) or not draft or "title" not in draft:
        await query.answer(t("common.stale_button", lang))
        return ConversationHandler.END if not draft else CONFIRM
    await query.answer()
    if parts == ["cancel"]:
        context.user_data.pop("draft", None)
        await edit_or_send(query, t("common.cancelled", lang))
        return ConversationHandler.END
    rt = rt_of(context)
    values = {k: v for k, v in draft.items() if k not in ("repeat_rule", "repeat_text")}
    rule = draft.get("repeat_rule")
    if rule is None:
        change = await create_session(rt, values, by=update.effective_user.id, source="telegram")
        text = t("session.created", lang, id=change.session.id, count=change.queued)
    else:
        made = await create_series(
            rt, values, rule, repeat=draft.get("repeat_text"), by=update.effective_user.id, source="telegram"
        )
        text = t(
            "repeat.created",
            lang,
            repeat=escape(draft.get("repeat_text") or rule),
            made=len(made.made),
            ids=", #".join(str(c.session.id) for c in made.made) or "-",
            count=made.queued,
            next="; ".join(format_when(start, lang, rt.tz) for start in made.upcoming),
        )
    context.user_data.pop("draft", None)
    await edit_or_send(query, text, parse_mode="HTML")
    return ConversationHandler.END


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/batal inside a conversation: drop what was typed so far."""
    context.user_data.pop("draft", None)
    context.user_data.pop("edit", None)
    await update.effective_message.reply_text(t("common.cancelled", lang_of(update, context)))
    return ConversationHandler.END


async def _session_arg(update: Update, context: ContextTypes.DEFAULT_TYPE, usage_key: str):  # noqa: ANN202
    lang = lang_of(update, context)
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_html(t(usage_key, lang))
        return None
    session_id = int(args[0].lstrip("#"))
    try:
        return await get_session(rt_of(context), session_id)
    except SessionNotFound:
        await update.effective_message.reply_text(t("session.not_found", lang, id=session_id))
        return None


async def edit_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/ubah N: pick which field to change."""
    if await refuse_non_staff(update, context):
        return ConversationHandler.END
    session = await _session_arg(update, context, "session.usage_edit")
    if session is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(f"session.field_{f}", lang), callback_data=pack(Cb.EDIT_SESSION, session.id, f)
                )
            ]
            for f in EDITABLE
        ]
    )
    await update.effective_message.reply_html(
        t("session.edit_which", lang, id=session.id, title=escape(session.title)), reply_markup=keyboard
    )
    return EDIT_FIELD


async def edit_field(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.EDIT_SESSION)
    if not parts or len(parts) != 2 or not parts[0].isdigit() or parts[1] not in EDITABLE:
        await query.answer(t("common.stale_button", lang))
        return EDIT_FIELD
    await query.answer()
    context.user_data["edit"] = (int(parts[0]), parts[1])
    rt = rt_of(context)
    if parts[1] == "section":
        await edit_or_send(
            query,
            t("session.ask_section", lang),
            parse_mode="HTML",
            reply_markup=_section_keyboard(rt.settings.sections, Cb.EDIT_SESSION, parts[0]),
        )
    else:
        hint = t("session.ask_when", lang, tz=rt.settings.timezone) if parts[1] == "when" else ""
        await edit_or_send(
            query,
            t("session.edit_ask", lang, field=t(f"session.field_{parts[1]}", lang))
            + ("\n" + hint if hint else ""),
            parse_mode="HTML",
        )
    return EDIT_VALUE


async def _apply_edit(update: Update, context: ContextTypes.DEFAULT_TYPE, raw: str) -> int:
    rt = rt_of(context)
    lang = lang_of(update, context)
    edit = context.user_data.get("edit")
    if not edit:
        return ConversationHandler.END
    session_id, field = edit
    try:
        values = validate_field(field, raw, rt, lang)
    except ParseError as exc:
        await update.effective_message.reply_html(escape(str(exc)))
        return EDIT_VALUE
    try:
        change = await edit_session(rt, session_id, values, by=update.effective_user.id)
    except SessionNotFound:
        await update.effective_message.reply_text(t("session.not_found", lang, id=session_id))
        return ConversationHandler.END
    context.user_data.pop("edit", None)
    await update.effective_message.reply_text(t("session.edited", lang, id=session_id, count=change.queued))
    return ConversationHandler.END


async def edit_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _apply_edit(update, context, update.effective_message.text or "")


async def edit_section_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    parts = unpack(query.data, Cb.EDIT_SESSION)
    sections = rt_of(context).settings.sections
    if (
        not parts
        or len(parts) != 3
        or parts[1] != "sec"
        or not parts[2].isdigit()
        or int(parts[2]) >= len(sections)
    ):
        await query.answer(t("common.stale_button", lang_of(update, context)))
        return EDIT_VALUE
    await query.answer()
    await drop_buttons(query)
    return await _apply_edit(update, context, sections[int(parts[2])])


async def cancel_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/batal outside a conversation: a citizen's unfinished survey, or (staff) /batal N for a session."""
    if not context.args and (
        await cancel_aspiration(update, context) or await cancel_survey(update, context)
    ):
        return
    if await refuse_non_staff(update, context):
        return
    session = await _session_arg(update, context, "session.usage_cancel")
    if session is None:
        return
    lang = lang_of(update, context)
    if session.cancelled:
        await update.effective_message.reply_text(t("session.already_cancelled", lang, id=session.id))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("common.answer_yes", lang), callback_data=pack(Cb.CANCEL_SESSION, session.id, "yes")
                ),
                InlineKeyboardButton(
                    t("common.answer_no", lang), callback_data=pack(Cb.CANCEL_SESSION, session.id, "no")
                ),
            ]
        ]
    )
    await update.effective_message.reply_html(
        t("session.cancel_confirm", lang, id=session.id, title=escape(session.title)), reply_markup=keyboard
    )


async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.CANCEL_SESSION)
    if not parts or len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("yes", "no"):
        await query.answer(t("common.stale_button", lang))
        return
    if await refuse_non_staff(update, context):
        return
    await query.answer()
    if parts[1] == "no":
        await edit_or_send(query, t("common.cancelled", lang))
        return
    try:
        change = await cancel_session(rt_of(context), int(parts[0]), by=update.effective_user.id)
    except SessionNotFound:
        await edit_or_send(query, t("session.not_found", lang, id=parts[0]))
        return
    await edit_or_send(query, t("session.cancelled", lang, id=change.session.id, count=change.queued))


def build_session_handlers() -> list:
    """Every route of the staff session commands, in the order they must be registered."""
    text = filters.TEXT & ~filters.COMMAND
    steps = {state: [MessageHandler(text, _text_step(state))] for state, _ in STEPS}
    steps[SECTION].append(CallbackQueryHandler(section_button, pattern=pattern(Cb.NEW_SESSION)))
    steps[COORDS].append(MessageHandler(filters.LOCATION, coords_location))
    steps[CONFIRM] = [CallbackQueryHandler(confirm_button, pattern=pattern(Cb.NEW_SESSION))]
    new = ConversationHandler(
        entry_points=[CommandHandler("sesi_baru", new_session)],
        states=steps,
        fallbacks=[CommandHandler(["batal", "cancel"], stop)],
        name="sesi_baru",
        allow_reentry=True,
    )
    edit = ConversationHandler(
        entry_points=[CommandHandler(["ubah", "edit"], edit_start)],
        states={
            EDIT_FIELD: [CallbackQueryHandler(edit_field, pattern=pattern(Cb.EDIT_SESSION))],
            EDIT_VALUE: [
                MessageHandler(text, edit_value),
                MessageHandler(filters.LOCATION, edit_location),
                CallbackQueryHandler(edit_section_button, pattern=pattern(Cb.EDIT_SESSION)),
            ],
        },
        fallbacks=[CommandHandler(["batal", "cancel"], stop)],
        name="ubah",
        allow_reentry=True,
    )
    return [
        new,
        edit,
        CommandHandler(["batal", "cancel"], cancel_start),
        CallbackQueryHandler(cancel_button, pattern=pattern(Cb.CANCEL_SESSION)),
    ]
