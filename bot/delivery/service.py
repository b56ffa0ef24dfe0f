"""The bot's background work, started and stopped together: the outbox sender, the schedule sweep, the
Sheets sync, and (with NGOPAS_PUBLISH_DIR) the public page rewritten when a figure changes.  Channel-neutral: the channel gives the transport the sender sends with, and the pacer it
shares with its own replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from bot.delivery.outbox import OutboxSender, Transport
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import publish_if_changed
from bot.delivery.scheduler import sweep
from bot.delivery.sheets_sync import SheetsSync, open_sheets_sync
from bot.domain import report_counts
from bot.domain.runtime import Runtime
from sheets.errors import SheetsError

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15.0  # how often due reminders and periodic jobs are looked for in production
PUBLISH_COST_SHARE = 3.0  # after a rebuild of the public page taking t seconds, wait at least 3 t


class Delivery:
    def __init__(self, rt: Runtime, transport: Transport, pacer: Pacer) -> None:
        self.rt = rt
        self.sender = OutboxSender(rt, transport, pacer=pacer)
        self.sheets: SheetsSync | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.published = asyncio.Event()  # set after each rewrite of the public page (tests wait on it)

    async def start(self, *, sweep_seconds: float = SWEEP_SECONDS, sheets_loop: bool = True) -> None:
        try:
            await report_counts.stamp_when_empty(self.rt)
        except Exception:  # only spares a recount later: never a reason not to start
            log.warning("report counts not stamped at start", exc_info=True)
        self.sheets = open_sheets_sync(self.rt)
        self._spawn(self.sender.run(), "outbox-sender")
        self._spawn(self._sweep_loop(sweep_seconds), "schedule-sweep")
        if sheets_loop:
            self._spawn(self._sheets_loop(), "sheets-sync")
        if self.rt.settings.publish_dir is not None:
            self._spawn(self._publish_loop(sweep_seconds), "publish")

    def _spawn(self, loop: Coroutine[Any, Any, None], name: str) -> None:
        """Each loop retries its own failures; should one end anyway, the log says so at once (not when the
        bot is stopped, the first time anyone would await it)."""
        task = asyncio.create_task(loop, name=name)
        task.add_done_callback(_report_end)
        self._tasks.append(task)

    async def _sheets_loop(self) -> None:
        """Flush queued rows every few seconds; every few minutes read staff edits in Jadwal, Aspirasi and
        Tindak Lanjut,
        pull new rows of linked Google Forms, and write again the rows missing from the workbook (a stale
        copy saved over it, rows deleted)."""
        assert self.sheets is not None
        settings = self.rt.settings
        loop = asyncio.get_running_loop()
        next_read = loop.time()
        while True:
            try:
                await self.sheets.flush()
                if loop.time() >= next_read:
                    next_read = loop.time() + settings.sheets_read_minutes * 60
                    await self.sheets.read_staff_sheets()
                    await self.sheets.pull_forms()
                    await self.sheets.restore_missing()
                    await self.sheets.flush()
            except SheetsError as exc:
                log.warning("Google Sheets: %s", exc)
            except Exception:
                log.exception("Sheets sync failed; will retry")
            await asyncio.sleep(settings.sheets_flush_seconds)

    async def _publish_loop(self, every: float) -> None:
        """Rewrite the public page (atomically) whenever an answer, a ticket or a session changed: checked as
        often as the sweep, rebuilt only on a change (bot.delivery.publisher)."""
        target = self.rt.settings.publish_dir
        assert target is not None
        loop = asyncio.get_running_loop()
        while True:
            pause = every
            started = loop.time()
            try:
                if await publish_if_changed(self.rt, target):
                    self.published.set()
                    # a rebuild reads every answer: during a busy survey it may take a quarter of the time
                    pause = max(every, PUBLISH_COST_SHARE * (loop.time() - started))
            except Exception:
                log.exception("public page not written; will retry")
            await asyncio.sleep(pause)

    async def _sweep_loop(self, every: float) -> None:
        while True:
            try:
                await sweep(self.rt)
            except Exception:
                log.exception("schedule sweep failed; will retry")
            await asyncio.sleep(every)

    async def stop(self) -> None:
        try:
            await self.sender.stop()
        except Exception:  # the answers not recorded leave their rows 'uncertain': never sent twice
            log.exception("outbox: answers received before the stop not recorded")
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            # A loop that ended with an error was logged when it ended (`_report_end`): the stop goes on.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("the bot's %s loop stopped", task.get_name(), exc_info=task.exception())
