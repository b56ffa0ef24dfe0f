"""Every Telegram route in one place: which handler answers which command, button and update.

As in python-telegram-bot's examples, the Application is built here on call (never at import), so tests and
the demo can point the real library at the local emulator through `base_url`.  Order matters where PTB says
so: conversations before the plain commands they share a name with, the catch-all button last.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.base.i18n import t
from bot.delivery.pacing import Pacer, request_left
from bot.domain.callbacks import Cb, pattern
from bot.domain.runtime import Runtime
from bot.telegram.handlers import (
    aspirations,
    attendance,
    calendar_file,
    channels,
    closing,
    membership,
    privacy,
    reports,
    schedule,
    session_admin,
    start,
    status,
    subscribe,
    survey,
)
from bot.telegram.handlers.common import error_handler, lang_of
from bot.telegram.http import AiohttpRequest
from bot.telegram.rate_limit import SendRateLimiter

PUBLIC_COMMANDS = [
    ("start", "start"),
    ("bantuan", "bantuan"),
    ("langganan", "langganan"),
    ("berhenti", "berhenti"),
    ("jadwal", "jadwal"),
    ("survei", "survei"),
    ("aspirasi", "aspirasi"),
    ("aspirasiku", "aspirasiku"),
    ("hapus_data", "hapus_data"),
]
EN_ALIASES = {
    "bantuan": "help",
    "langganan": "subscribe",
    "berhenti": "unsubscribe",
    "jadwal": "schedule",
    "survei": "survey",
    "aspirasi": "feedback",
    "aspirasiku": "mytickets",
    "hapus_data": "delete_me",
}


class CountingUpdateProcessor(SimpleUpdateProcessor):
    """Concurrent update processing that knows how many updates are being handled right now.

    The count is what "the bot has finished reacting" means for the demo and the tests, and a number
    `/status` could show; a handler waiting out a 429 still counts as busy.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.in_flight = 0
        self.processed = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.in_flight += 1
        try:
            await coroutine
        finally:
            self.in_flight -= 1
            self.processed += 1


def build_application(rt: Runtime, *, token: str, base_url: str, base_file_url: str) -> Application:
    """The PTB Application with every handler registered (no network until it is initialised)."""
    pacer = Pacer(overall_per_second=rt.settings.broadcast_per_second)
    # Our ConversationHandlers mix message and button steps on purpose; PTB warns about per_message.
    warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
    app = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        # aiohttp moves the bytes of every call but the long poll: a tenth of httpx's CPU per request.
        # Its `on_sent` stamps when a send's bytes leave: the pacer's round trips start there.
        .request(AiohttpRequest(on_sent=request_left))
        # Sends (replies and outbox alike) share one pacer under Telegram's limits and are retried on 429;
        # edits and callback answers are not throttled (see bot/telegram/rate_limit.py).
        .rate_limiter(SendRateLimiter(pacer))
        .concurrent_updates(CountingUpdateProcessor(64))
        .build()
    )
    app.bot_data["rt"] = rt
    app.bot_data["pacer"] = pacer
    # `/start <payload>` from a t.me link: each feature recognises its own payload (bot.domain.links).
    app.bot_data["deep_links"] = [
        survey.start_route,
        attendance.start_route,
        aspirations.start_route,
        calendar_file.start_route,
    ]

    # Staff conversations first: their /batal fallback must win over the citizen's /batal.
    # Before the aspiration catcher (group -1): a staff member's closing record takes their texts and photos.
    app.add_handler(closing.build_closing_handler(), group=-2)
    for handler in session_admin.build_session_handlers():
        app.add_handler(handler)
    # An open aspiration takes the citizen's next text or photo before the survey's text handler (group -1).
    for handler, group in aspirations.build_aspiration_handlers():
        app.add_handler(handler, group=group)
    for handler in privacy.build_privacy_handlers():
        app.add_handler(handler)
    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler(["bantuan", "help"], start.help_command))
    app.add_handler(CommandHandler(["langganan", "subscribe"], subscribe.subscribe))
    app.add_handler(CommandHandler(["berhenti", "unsubscribe"], subscribe.unsubscribe))
    app.add_handler(CommandHandler(["jadwal", "schedule"], schedule.schedule))
    app.add_handler(CommandHandler("status", status.status))
    app.add_handler(CommandHandler(["kanal", "channel"], channels.channel))
    app.add_handler(CallbackQueryHandler(subscribe.subscribe_button, pattern=pattern(Cb.SUBSCRIBE)))
    app.add_handler(CallbackQueryHandler(channels.channel_button, pattern=pattern(Cb.CHANNEL)))
    app.add_handler(CallbackQueryHandler(schedule.schedule_page, pattern=pattern(Cb.SCHEDULE)))
    app.add_handler(ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migration))
    for handler in attendance.build_attendance_handlers():
        app.add_handler(handler)
    for handler in survey.build_survey_handlers():
        app.add_handler(handler)
    for handler in reports.build_report_handlers():
        app.add_handler(handler)
    # Last in group 0, so it only sees buttons no handler above claimed.
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(error_handler)
    return app


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button nobody else claimed (old message, forged data): answer so the phone stops spinning."""
    await update.callback_query.answer(t("common.stale_button", lang_of(update, context)))


async def register_commands(app: Application) -> None:
    """Command menus per language (Indonesian default, English for English-language clients)."""
    for lang in ("id", "en"):
        public = [
            BotCommand(EN_ALIASES.get(cmd, cmd) if lang == "en" else cmd, t(f"commands.{key}", lang))
            for cmd, key in PUBLIC_COMMANDS
        ]
        kwargs = {"language_code": "en"} if lang == "en" else {}
        await app.bot.set_my_commands(public, scope=BotCommandScopeAllPrivateChats(), **kwargs)
        await app.bot.set_my_commands(public, scope=BotCommandScopeAllGroupChats(), **kwargs)
        await app.bot.set_my_commands(public, **kwargs)
