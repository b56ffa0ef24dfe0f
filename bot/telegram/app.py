"""Running the bot on Telegram: updates by long polling (or a webhook) beside the background delivery.

`serve` runs until stopped; `Running` is what a started bot consists of (the PTB Application and the
channel-neutral `Delivery` with Telegram's transport), handed to `on_started` for the demo and the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from bot.base import heap
from bot.delivery.outbox import OutboxSender
from bot.delivery.service import SWEEP_SECONDS, Delivery
from bot.delivery.sheets_sync import SheetsSync
from bot.domain.runtime import Runtime
from bot.telegram.identity import telegram_problems
from bot.telegram.routes import build_application, register_commands
from bot.telegram.sender import TelegramTransport

log = logging.getLogger(__name__)

__all__ = ["SWEEP_SECONDS", "Running", "build_application", "serve"]


class Running:
    """A started bot: its Application and its background delivery, started and stopped together."""

    def __init__(self, rt: Runtime, app: Application) -> None:
        self.rt = rt
        self.app = app
        transport = TelegramTransport(app.bot, paid_broadcast=rt.settings.paid_broadcast)
        self.delivery = Delivery(rt, transport, app.bot_data["pacer"])

    @property
    def sender(self) -> OutboxSender:
        return self.delivery.sender

    @property
    def sheets(self) -> SheetsSync | None:
        return self.delivery.sheets

    async def start(self, *, sweep_seconds: float = SWEEP_SECONDS, sheets_loop: bool = True) -> None:
        me = await self.app.bot.get_me()
        self.rt.bot_username = me.username
        await register_commands(self.app)
        await self.delivery.start(sweep_seconds=sweep_seconds, sheets_loop=sheets_loop)
        self.app.bot_data["sheets"] = self.delivery.sheets

    async def stop(self) -> None:
        await self.delivery.stop()


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


async def run_bot(rt: Runtime, *, webhook_url: str | None = None) -> None:
    """The real bot with the settings' token until stopped (`ngopas run`).

    Raises `TokenRejected` or `TelegramProblem` when Telegram refuses or cannot be reached at start-up."""
    settings = rt.settings
    assert settings.bot_token is not None
    with telegram_problems():
        app = build_application(
            rt,
            token=settings.bot_token.get_secret_value(),
            base_url=settings.bot_api_base_url,
            base_file_url=settings.bot_api_file_url,
        )
        await serve(rt, app, webhook_url=webhook_url, on_started=_settle_heap)


async def _settle_heap(_running: Running) -> None:
    """Once the bot runs, its start-up objects stop costing every full garbage collection (bot.base.heap)."""
    log.debug("start-up heap set aside from garbage collection: %d objects", heap.settle())
