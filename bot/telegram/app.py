"""Building and running the Telegram application.

`build_application` builds on call (never at import) so tests and the demo can point the real
python-telegram-bot at a local emulator through `base_url`.  `serve` runs polling plus the outbox sender and
the schedule sweep in one event loop until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.constants import ChatType
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
from bot.delivery.outbox import OutboxSender
from bot.delivery.pacing import Pacer
from bot.delivery.scheduler import sweep
from bot.delivery.sheets_sync import SheetsSync, queue_response
from bot.domain import community as community_post  # noqa: F401 - registers the monthly community post with the sweep
from bot.domain.callbacks import Cb, pattern
from bot.domain.runtime import Runtime
from bot.telegram.handlers import membership, schedule, start, status, subscribe
from bot.telegram.handlers.aspirations import build_aspiration_handlers
from bot.telegram.handlers.aspirations import start_route as aspiration_route
from bot.telegram.handlers.common import error_handler, lang_of
from bot.telegram.handlers.privacy import build_privacy_handlers
from bot.telegram.handlers.reports import build_report_handlers
from bot.telegram.handlers.session_admin import build_session_handlers
from bot.telegram.rate_limit import SendRateLimiter
from sheets.errors import SheetsError

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15.0
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
    import warnings

    pacer = Pacer(overall_per_second=rt.settings.broadcast_per_second)

    warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
    app = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        # Sends (replies and outbox alike) share one pacer under Telegram's limits and are retried on 429;
        # edits and callback answers are not throttled (see bot/telegram/rate_limit.py).
        .rate_limiter(SendRateLimiter(pacer))
        .concurrent_updates(CountingUpdateProcessor(64))
        .build()
    )
    app.bot_data["rt"] = rt
    app.bot_data["pacer"] = pacer
    app.bot_data.setdefault("deep_links", [])
    for handler in build_session_handlers():
        app.add_handler(handler)
    from bot.telegram.handlers.survey import build_survey_handlers, start_route

    app.bot_data["deep_links"].extend([start_route, aspiration_route])
    for handler, group in build_aspiration_handlers():
        app.add_handler(handler, group=group)
    for handler in build_privacy_handlers():
        app.add_handler(handler)
    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler(["bantuan", "help"], start.help_command))
    app.add_handler(CommandHandler(["langganan", "subscribe"], subscribe.subscribe))
    app.add_handler(CommandHandler(["berhenti", "unsubscribe"], subscribe.unsubscribe))
    app.add_handler(CommandHandler(["jadwal", "schedule"], schedule.schedule))
    app.add_handler(CommandHandler("status", status.status))
    app.add_handler(CallbackQueryHandler(subscribe.subscribe_button, pattern=pattern(Cb.SUBSCRIBE)))
    app.add_handler(CallbackQueryHandler(schedule.schedule_page, pattern=pattern(Cb.SCHEDULE)))
    app.add_handler(ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migration))
    for handler in build_survey_handlers():
        app.add_handler(handler)
    for handler in build_report_handlers():
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


def open_sheets_sync(rt: Runtime) -> SheetsSync:
    """The office workbook: Google Sheets when both Google settings are set, else the local .xlsx."""
    from sheets import open_workbook

    s = rt.settings
    workbook = open_workbook(
        service_account_file=s.google_service_account_file,
        spreadsheet_id=s.google_spreadsheet_id,
        local_path=s.workbook_path,
    )
    sync = SheetsSync(rt, workbook)
    install_response_hooks(rt)
    return sync


def install_response_hooks(rt: Runtime) -> None:
    """What happens with every stored response, in its transaction: its Jawaban row, its suggestions as tickets."""
    from bot.domain.aspirations import tickets_from_survey

    for hook in (queue_response, tickets_from_survey):
        if hook not in rt.response_hooks:
            rt.response_hooks.append(hook)


class Running:
    """Background parts of a running bot (sender, sweep, Sheets sync), started and stopped together."""

    def __init__(self, rt: Runtime, app: Application) -> None:
        self.rt = rt
        self.app = app
        self.sender = OutboxSender(rt, app.bot, pacer=app.bot_data["pacer"])
        self.sheets: SheetsSync | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, *, sweep_seconds: float = SWEEP_SECONDS, sheets_loop: bool = True) -> None:
        me = await self.app.bot.get_me()
        self.rt.bot_username = me.username
        await register_commands(self.app)
        self.sheets = open_sheets_sync(self.rt)
        self.app.bot_data["sheets"] = self.sheets
        self._tasks.append(asyncio.create_task(self.sender.run(), name="outbox-sender"))
        self._tasks.append(asyncio.create_task(self._sweep_loop(sweep_seconds), name="schedule-sweep"))
        if sheets_loop:
            self._tasks.append(asyncio.create_task(self._sheets_loop(), name="sheets-sync"))

    async def _sheets_loop(self) -> None:
        """Flush queued rows every few seconds; read staff edits in Jadwal every few minutes."""
        assert self.sheets is not None
        settings = self.rt.settings
        loop = asyncio.get_running_loop()
        next_read = loop.time()
        while True:
            try:
                await self.sheets.flush()
                if loop.time() >= next_read:
                    next_read = loop.time() + settings.sheets_read_minutes * 60
                    await self.sheets.read_jadwal()
                    await self.sheets.read_aspirasi()
                    await self.sheets.flush()
            except SheetsError as exc:
                log.warning("Google Sheets: %s", exc)
            except Exception:
                log.exception("Sheets sync failed; will retry")
            await asyncio.sleep(settings.sheets_flush_seconds)

    async def _sweep_loop(self, every: float) -> None:
        while True:
            try:
                await sweep(self.rt)
            except Exception:
                log.exception("schedule sweep failed; will retry")
            await asyncio.sleep(every)

    async def stop(self) -> None:
        await self.sender.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


async def serve(
    rt: Runtime,
    app: Application,
    *,
    stop: asyncio.Event | None = None,
    poll_interval: float = 0.0,
    on_started: Callable[[Running], Awaitable[None]] | None = None,
    sweep_seconds: float = SWEEP_SECONDS,
    sheets_loop: bool = True,
    webhook_url: str | None = None,
) -> None:
    """Updates (long polling, or a webhook) + outbox + schedule sweep + Sheets sync until stopped.

    Stops when `stop` is set or SIGINT/SIGTERM arrives.  In webhook mode PTB's own server answers 403 to a
    request without the right X-Telegram-Bot-Api-Secret-Token, so only Telegram can inject updates.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    async with app:
        running = Running(rt, app)
        await running.start(sweep_seconds=sweep_seconds, sheets_loop=sheets_loop)
        await app.start()
        if webhook_url:
            settings = rt.settings
            await app.updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url,
                secret_token=settings.webhook_secret_token(),
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            log.info(
                "bot @%s is running (webhook on %s:%s)",
                rt.bot_username,
                settings.webhook_listen,
                settings.webhook_port,
            )
        else:
            await app.updater.start_polling(
                poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
            )
            log.info("bot @%s is running", rt.bot_username)
        try:
            if on_started is not None:
                await on_started(running)
            await stop.wait()
        finally:
            await app.updater.stop()
            await running.stop()
            await app.stop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(sig)


__all__ = ["ChatType", "Running", "build_application", "serve"]
