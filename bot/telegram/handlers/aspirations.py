"""/aspirasi (/feedback) and /aspirasiku (/mytickets): a citizen writes to the office and follows up.

The conversation is three small steps (section, text with an optional photo, may staff see my name?) kept in
the store, not in memory, so a restart between two messages loses nothing.  Buttons are checked against
the step the draft is in: an old or forged button changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.base.i18n import t
from bot.domain import aspirations, deadlines, lapor, links
from bot.domain.callbacks import Cb, pack, pattern, unpack
from bot.store import aspirations as store
from bot.store.aspirations import AspirationDraft
from bot.telegram.handlers.common import drop_buttons, edit_or_send, escape, lang_of, remember_chat, rt_of


def _sections(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    return [*rt_of(context).settings.sections, aspirations.GENERAL_SECTION]


def _section_keyboard(context: ContextTypes.DEFAULT_TYPE, lang: str) -> InlineKeyboardMarkup:
    names = _sections(context)
    rows = [
        [
            InlineKeyboardButton(
                t("aspiration.general", lang) if name == aspirations.GENERAL_SECTION else name,
                callback_data=pack(Cb.ASPIRATION, "sec", i),
            )
        ]
        for i, name in enumerate(names)
    ]
    return InlineKeyboardMarkup(rows)


def _identity_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("aspiration.identity_yes", lang), callback_data=pack(Cb.ASPIRATION, "id", 1)
                )
            ],
            [
                InlineKeyboardButton(
                    t("aspiration.identity_no", lang), callback_data=pack(Cb.ASPIRATION, "id", 0)
                )
            ],
        ]
    )


async def _private_only(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> bool:
    """In a group: point to the private chat (aspirations are never written in front of the group)."""
    if update.effective_chat.type == ChatType.PRIVATE:
        return False
    rt = rt_of(context)
    lang = lang_of(update, context)
    link = links.deep_link(rt.bot_username, links.ASPIRATION) if rt.bot_username else "@bot"
    await update.effective_message.reply_html(
        t("common.private_only", lang, link=escape(link), command=command)
    )
    return True


async def aspiration_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Entry: /aspirasi, /feedback, or the deep link t.me/<bot>?start=aspirasi."""
    if await _private_only(update, context, "/aspirasi"):
        return
    await remember_chat(update, context)
    rt = rt_of(context)
    lang = lang_of(update, context)
    person = aspirations.person_of(rt, update.effective_user.id)
    async with rt.store.begin() as conn:
        limited = await aspirations.over_daily_limit(conn, rt, person)
        if not limited:
            await store.save_draft(
                conn,
                AspirationDraft(
                    person=person,
                    chat_id=update.effective_chat.id,
                    language=lang,
                    step="section",
                    section=None,
                    text=None,
                    photo_file_id=None,
                    sender_name=None,
                    updated_at=rt.clock.now(),
                ),
            )
    if limited:  # replied after the transaction: never talk to Telegram while holding the write lock
        await update.effective_message.reply_html(
            t(
                "aspiration.limit",
                lang,
                max=rt.settings.aspiration_daily_limit,
                whatsapp=escape(rt.settings.whatsapp_number),
                hours=escape(rt.settings.service_hours),
            )
        )
        return
    await update.effective_message.reply_html(
        t("aspiration.ask_section", lang), reply_markup=_section_keyboard(context, lang)
    )


async def start_route(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    if payload != links.ASPIRATION:
        return False
    await aspiration_command(update, context)
    return True


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Section and identity buttons; anything not matching the draft's step is a stale button."""
    query = update.callback_query
    rt = rt_of(context)
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.ASPIRATION)
    names = _sections(context)
    valid = (
        parts is not None
        and len(parts) == 2
        and (
            (parts[0] == "sec" and parts[1].isdigit() and int(parts[1]) < len(names))
            or (parts[0] == "id" and parts[1] in ("0", "1"))
        )
    )
    if not valid or update.effective_chat.type != ChatType.PRIVATE:
        await query.answer(t("common.stale_button", lang))
        return
    person = aspirations.person_of(rt, update.effective_user.id)
    if parts[0] == "sec":
        async with rt.store.begin() as conn:
            draft = await store.get_draft(conn, person)
            if draft is None or draft.step not in ("section", "text") or draft.text:
                draft = None
            else:
                draft = replace(draft, step="text", section=names[int(parts[1])], updated_at=rt.clock.now())
                await store.save_draft(conn, draft)
        if draft is None:
            await query.answer(t("common.stale_button", lang))
            return
        await query.answer()
        section = (
            t("aspiration.general", lang) if draft.section == aspirations.GENERAL_SECTION else draft.section
        )
        await edit_or_send(
            query,
            t("aspiration.ask_text", lang, section=escape(section), max=rt.settings.aspiration_max_chars),
            parse_mode="HTML",
        )
        return
    await _finish(update, context, allow_name=parts[1] == "1")


async def _finish(update: Update, context: ContextTypes.DEFAULT_TYPE, *, allow_name: bool) -> None:
    """The identity choice: create the ticket and its row/alert in one transaction, then acknowledge."""
    query = update.callback_query
    rt = rt_of(context)
    lang = lang_of(update, context)
    user = update.effective_user
    person = aspirations.person_of(rt, user.id)
    ticket = None
    limited = False
    async with rt.store.begin() as conn:
        draft = await store.get_draft(conn, person)
        if draft is not None and draft.step == "identity" and draft.text:
            if await aspirations.over_daily_limit(conn, rt, person):
                limited = True
            else:
                name = user.full_name + (f" (@{user.username})" if user.username else "")
                ticket = await aspirations.create_ticket(
                    conn,
                    rt,
                    section=draft.section or aspirations.GENERAL_SECTION,
                    text=draft.text,
                    person=person,
                    chat_id=draft.chat_id,
                    language=draft.language,
                    photo_file_id=draft.photo_file_id,
                    sender_name=name if allow_name else None,
                )
            await store.delete_draft(conn, person)
    if ticket is None and not limited:
        await query.answer(t("common.stale_button", lang))
        return
    await query.answer()
    s = rt.settings
    if limited:
        text = t(
            "aspiration.limit",
            lang,
            max=s.aspiration_daily_limit,
            whatsapp=escape(s.whatsapp_number),
            hours=escape(s.service_hours),
        )
    else:
        rt.wake_sender()
        text = t(
            "aspiration.thanks",
            lang,
            ticket=ticket.ticket,
            who=t("aspiration.thanks_named" if allow_name else "aspiration.thanks_anonymous", lang),
            hours=escape(s.service_hours),
            whatsapp=escape(s.whatsapp_number),
        )
    await edit_or_send(query, text, parse_mode="HTML")


def _largest_photo(update: Update) -> str | None:
    photos = update.effective_message.photo
    return photos[-1].file_id if photos else None


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private text or photo while an aspiration is open (runs before the survey's text handler).

    Without an open aspiration it lets the update through, except a stray photo, which gets a hint.
    """
    rt = rt_of(context)
    lang = lang_of(update, context)
    message = update.effective_message
    person = aspirations.person_of(rt, update.effective_user.id)
    async with rt.store.connect() as conn:
        draft = await store.get_draft(conn, person)
    if draft is None:
        if message.photo:
            await message.reply_text(t("aspiration.photo_hint", lang))
            raise ApplicationHandlerStop
        return
    if draft.step != "text":
        await message.reply_text(t("aspiration.use_buttons", lang))
        raise ApplicationHandlerStop
    text = message.text if message.text is not None else (message.caption or "")
    photo = _largest_photo(update) or draft.photo_file_id
    if message.photo and not text.strip():
        async with rt.store.begin() as conn:
            await store.save_draft(conn, replace(draft, photo_file_id=photo, updated_at=rt.clock.now()))
        await message.reply_text(t("aspiration.photo_received", lang))
        raise ApplicationHandlerStop
    problem = aspirations.check_text(rt, text, lang)
    if problem is not None:
        await message.reply_text(problem)
        raise ApplicationHandlerStop
    async with rt.store.begin() as conn:
        await store.save_draft(
            conn,
            replace(
                draft, step="identity", text=text.strip(), photo_file_id=photo, updated_at=rt.clock.now()
            ),
        )
    await message.reply_html(t("aspiration.ask_identity", lang), reply_markup=_identity_keyboard(lang))
    raise ApplicationHandlerStop


async def cancel_aspiration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/batal while writing an aspiration: drop the draft.  False if there was none."""
    if update.effective_chat.type != ChatType.PRIVATE:
        return False
    rt = rt_of(context)
    person = aspirations.person_of(rt, update.effective_user.id)
    async with rt.store.begin() as conn:
        dropped = await store.delete_draft(conn, person)
    if dropped:
        await update.effective_message.reply_text(t("aspiration.cancelled", lang_of(update, context)))
    return dropped


async def my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/aspirasiku: the person's latest tickets with status and the staff reply."""
    if await _private_only(update, context, "/aspirasiku"):
        return
    rt = rt_of(context)
    lang = lang_of(update, context)
    person = aspirations.person_of(rt, update.effective_user.id)
    async with rt.store.connect() as conn:
        tickets = await store.of_person(conn, person)
    if not tickets:
        await update.effective_message.reply_text(t("aspiration.mine_empty", lang))
        return
    notes = {a.id: deadlines.citizen_note(rt, a, lang) for a in tickets}
    await update.effective_message.reply_html(aspirations.my_tickets_text(tickets, lang, rt.tz, notes))


async def lapor_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The citizen's answer to "may your name go to SP4N-LAPOR!?" under the forwarding message."""
    query = update.callback_query
    rt = rt_of(context)
    lang = lang_of(update, context)
    parts = unpack(query.data, Cb.LAPOR)
    if (
        parts is None
        or len(parts) != 2
        or not parts[0].isdigit()
        or parts[1] not in ("0", "1")
        or update.effective_chat.type != ChatType.PRIVATE
    ):
        await query.answer(t("common.stale_button", lang))
        return
    user = update.effective_user
    reply = await lapor.consent(
        rt,
        int(parts[0]),
        aspirations.person_of(rt, user.id),
        parts[1] == "1",
        user.full_name + (f" (@{user.username})" if user.username else ""),
    )
    if reply is None:
        await query.answer(t("lapor.stale", lang))
        return
    await query.answer()
    await drop_buttons(query)
    await update.effective_message.reply_text(reply)


def build_aspiration_handlers() -> list[tuple[object, int]]:
    """(handler, group): the text/photo catcher runs in group -1 so an open aspiration gets the message first."""
    private = filters.ChatType.PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO)
    return [
        (CommandHandler(["aspirasi", "feedback"], aspiration_command), 0),
        (CommandHandler(["aspirasiku", "mytickets"], my_tickets), 0),
        (CallbackQueryHandler(button, pattern=pattern(Cb.ASPIRATION)), 0),
        (CallbackQueryHandler(lapor_consent, pattern=pattern(Cb.LAPOR)), 0),
        (MessageHandler(private, typed), -1),
    ]
