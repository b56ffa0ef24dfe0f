"""A real bot wired to the local Telegram emulator: used by the offline demo, the tests and the benchmarks.

Nothing here talks to Telegram or Google: the python-telegram-bot Application is the real one, pointed at
`FakeTelegram` on 127.0.0.1 through `base_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.base.clock import Clock, FakeClock
from bot.base.settings import Settings
from bot.delivery.scheduler import sweep
from bot.dev.emulator import FakeTelegram
from bot.domain.runtime import Runtime
from bot.store import Store, outbox
from bot.store.engine import in_write_transaction
from bot.telegram.app import Running, build_application, serve

STAFF_ID = 1001
SANDBOX_TOKEN = "123456789:SANDBOX-token-for-the-local-emulator"  # noqa: S105 - not a secret: the emulator's


def empty_env_file(folder: Path) -> Path:
    """An empty settings file for a child `ngopas` process whose settings all come from its environment
    (a named settings file must exist: see `bot.cli.missing_env_file`)."""
    path = folder / "empty.env"
    path.touch()
    return path


def sandbox_settings(workdir: Path, **overrides: Any) -> Settings:
    """Settings for an offline bot in `workdir` (its own database and workbook)."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{workdir / 'ngopas.db'}",
        "workbook_path": workdir / "ngopas.xlsx",
        "data_dir": workdir,
        "admin_ids": [STAFF_ID],
        "pseudonym_salt": secrets.token_urlsafe(24),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Sandbox:
    """A running bot + emulator + store; `advance()` moves the fake clock and runs the schedule sweep."""

    def __init__(self, rt: Runtime, tg: FakeTelegram, running: Running) -> None:
        self.rt = rt
        self.tg = tg
        self.running = running

    @property
    def clock(self) -> Clock:
        return self.rt.clock

    async def advance(self, delta: timedelta | None = None, *, to: datetime | None = None) -> int:
        """Move the fake clock and run the schedule sweep now; returns messages queued."""
        clock = self.rt.clock
        assert isinstance(clock, FakeClock), "advance() needs a FakeClock"
        if to is not None:
            clock.set(to)
        elif delta is not None:
            clock.advance(delta)
        queued = await sweep(self.rt)
        self.rt.wake_sender()
        return queued

    async def settle(self, quiet: float = 0.02) -> None:
        """Wait until every injected update was fetched and fully handled (replies sent, retries done).

        Waits on events, not on a time budget (a loaded machine is slow, not wrong): the emulator's count of
        updates the bot has not yet acknowledged, and PTB's update queue, each of whose items is marked done
        only when its handlers have returned.  "Fetched" alone is not enough: after a restart, the stopped
        bot's long poll may still be open in the emulator and take the update into a closed connection.
        Then, after `quiet` seconds, nothing new may have started (a handler's follow-up); otherwise again.
        A real hang is left to the suite's global guard (pytest-timeout), which dumps the stacks.
        """
        app = self.running.app
        processor = app.update_processor
        while True:
            await self.tg.wait_for(lambda: not self.tg.unacknowledged)
            await app.update_queue.join()
            await asyncio.sleep(quiet)
            if not (self.tg.unacknowledged or app.update_queue.qsize() or processor.in_flight):  # type: ignore[attr-defined]
                return

    async def say(self, user: int, text: str, chat: int | None = None) -> None:
        """A simulated person sends `text` (in `chat`, default their private chat); wait for the reply."""
        self.tg.send_text(user, text, chat_id=chat)
        await self.settle()

    async def press(self, user: int, chat: int, label_part: str) -> None:
        """Press the button whose label contains `label_part` on the newest message that has it."""
        for msg in reversed(self.tg.messages(chat)):
            for row in self.tg.buttons(msg):
                for button in row:
                    if label_part in button["text"] and "callback_data" in button:
                        self.tg.press_button(user, chat, msg.message_id, button["callback_data"])
                        await self.settle()
                        return
        raise AssertionError(f"no button {label_part!r} in chat {chat}")

    def texts(self, chat: int) -> list[str]:
        return [m.text or "" for m in self.tg.messages(chat)]

    async def outbox_idle(self) -> None:
        """Wait until nothing due is pending or being sent (no time budget: see `settle`)."""
        sender = self.running.sender
        while True:
            if not sender.busy:
                async with self.rt.store.connect() as conn:
                    due = await outbox.due_items(conn, self.rt.clock.now(), limit=1)
                    stats = await outbox.stats(conn)
                if not due and not stats.by_state.get("sending") and not sender.busy:
                    await sender.wait_idle()
                    return
            await asyncio.sleep(0.02)


def guard_transactions(app: Application) -> list[str]:
    """Record every Bot API request made from inside `Store.begin()`, with where it was made.

    A reply awaited while the write lock is held makes every other writer wait for Telegram (a 429 can
    mean seconds); the sandbox turns that mistake into a failed test wherever it happens."""
    found: list[str] = []
    request = app.bot.request
    send = request.do_request

    async def guarded(url: str, *args: Any, **kwargs: Any) -> Any:
        if in_write_transaction():
            found.append(f"{url.rsplit('/', 1)[-1]} from\n" + "".join(traceback.format_stack(limit=14)[:-1]))
        return await send(url, *args, **kwargs)

    request.do_request = guarded  # type: ignore[method-assign]
    return found


@asynccontextmanager
async def running_sandbox(
    workdir: Path,
    *,
    clock: Clock | None = None,
    tg: FakeTelegram | None = None,
    settings: Settings | None = None,
    sheets_loop: bool = False,
    sweep_seconds: float = 0.2,
    **setting_overrides: Any,
) -> AsyncIterator[Sandbox]:
    """Start emulator (unless given), store, and the real bot; stop everything on exit.

    The background Sheets loop is off unless asked for: tests flush explicitly, so nothing races them.  The
    schedule is swept every 0.2 s (not every 15 s as in production) so that a test's clock jump takes effect
    at once; benchmarks pass the production cadence.
    """
    settings = settings or sandbox_settings(workdir, **setting_overrides)
    own_tg = tg is None
    tg = tg or FakeTelegram(token=SANDBOX_TOKEN)
    if own_tg:
        await tg.start()
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, clock or Clock())
    app = build_application(rt, token=tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
    calls_in_transactions = guard_transactions(app)
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def on_started(running: Running) -> None:
        started.set_result(running)

    task = asyncio.create_task(
        serve(rt, app, stop=stop, on_started=on_started, sweep_seconds=sweep_seconds, sheets_loop=sheets_loop)
    )
    try:
        done, _ = await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # re-raise the start-up failure
        yield Sandbox(rt, tg, started.result())
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # a stop that never ends is a bug the suite's hang guard reports, with the stacks
        await store.close()
        if own_tg:
            await tg.stop()
    if calls_in_transactions:
        raise AssertionError(
            "Bot API called inside a write transaction (it holds the write lock for everyone):\n"
            + "\n".join(calls_in_transactions)
        )
