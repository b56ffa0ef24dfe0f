"""Draining the outbox: each row sent once, paced, with the channel's answers handled by kind.

The sender is channel-neutral: a `Transport` (Telegram's is `bot.telegram.sender.TelegramTransport`) makes
one request and says what happened, as one of the outcomes below; the sender decides what that means for
the row and the chat:
- `RetryLater` (Telegram's 429): the row waits `seconds` and every send pauses that long (flood control is
  per bot).
- `Unreachable` (blocked, kicked, deactivated): the chat is marked inactive and its pending rows dropped.
- `Migrated` (group -> supergroup): subscriptions move to the new id and the row is re-sent there.
- `Rejected` (a bad request): dropped with the reason; `chat_gone` also deactivates the chat.
- `Failed` (timeouts, network errors): retried with exponential backoff, then dropped after `MAX_ATTEMPTS`.
A row is claimed (committed as 'sending') before the request and marked sent with the message id after; a
process killed in between leaves it 'sending' and it becomes 'uncertain' when the lease ends (never resent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.delivery.pacing import Pacer
from bot.domain.runtime import Runtime
from bot.store import chats, outbox
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claim covers one HTTP request (PTB's default timeouts are seconds); past the lease a dead worker's claim
# becomes 'uncertain'.
LEASE = timedelta(seconds=60)
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Sent:
    message_id: int | None


@dataclass(frozen=True)
class RetryLater:
    seconds: float


@dataclass(frozen=True)
class Migrated:
    new_chat_id: int


@dataclass(frozen=True)
class Unreachable:
    reason: str


@dataclass(frozen=True)
class Rejected:
    reason: str
    chat_gone: bool = False


@dataclass(frozen=True)
class Failed:
    reason: str


Outcome = Sent | RetryLater | Migrated | Unreachable | Rejected | Failed


class Transport(Protocol):
    """One channel's way to deliver an outbox payload (`{"text", "parse_mode", "buttons", "photo"?}`).

    The sender has already taken the pacing slot for this send: a transport must not pace again.
    """

    async def send(self, chat_id: int, payload: dict[str, Any]) -> Outcome: ...


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_here(worker: str) -> bool:
    """True when `worker` ("host:pid") ran on this host and that process no longer exists."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class OutboxSender:
    """One per process; several processes may drain one outbox (claims are conditional updates)."""

    CONCURRENCY = 8  # requests in flight at once: enough to hide a 100-300 ms round trip at 30 msg/s

    def __init__(
        self, rt: Runtime, transport: Transport, *, pacer: Pacer | None = None, concurrency: int = CONCURRENCY
    ) -> None:
        self.rt = rt
        self.transport = transport
        self.pacer = pacer or Pacer(overall_per_second=rt.settings.broadcast_per_second)
        self.worker = worker_name()
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.sent = 0

    async def recover(self) -> int:
        """Rows a dead process left 'sending' become 'uncertain': at once when that process ran on this host
        and is gone, otherwise when its lease is over (another host may still be sending them)."""
        async with self.rt.store.begin() as conn:
            dead = [w for w in await outbox.claiming_workers(conn) if _dead_here(w) and w != self.worker]
            count = 0
            for worker in dead:
                count += await outbox.release_worker_claims(conn, worker)
            return count + await outbox.expire_claims(conn, self.rt.clock.now())

    async def run(self) -> None:
        """Drain until cancelled."""
        await self.recover()
        last_expiry = asyncio.get_running_loop().time()
        while not self._stopping:
            try:
                started = await self.drain_once()
            except Exception:  # a database hiccup must not kill the sender; log and try again
                log.exception("outbox drain failed; retrying")
                started = 0
            loop_now = asyncio.get_running_loop().time()
            if loop_now - last_expiry > LEASE.total_seconds() / 3:
                await self.recover()
                last_expiry = loop_now
            if started == 0:
                await self._idle()

    async def _idle(self) -> None:
        event = self.rt.outbox_event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), POLL_SECONDS)
        event.clear()

    async def drain_once(self, limit: int = 200) -> int:
        """Start sending what is due now; returns how many sends were started."""
        now = self.rt.clock.now()
        async with self.rt.store.connect() as conn:
            items = await outbox.due_items(conn, now, limit=limit, skip_chats=list(self._inflight))
        started = 0
        position = 0
        while position < len(items):
            item = items[position]
            position += 1
            if self._stopping:
                break
            if item.chat_id in self._inflight:
                continue  # keep each chat's messages in order: one at a time per chat
            if self.pacer.chat_wait(item.chat_id) > 0 and len(items) > 1:
                continue  # this chat is resting; others can go first
            if not await self._still_pending(item.id):
                continue  # another worker took it since we listed it: don't spend a send slot on it
            await self._slots.acquire()
            paced = False
            try:
                await self.pacer.acquire(item.chat_id)
                paced = True
                claimed = await self._claim(item)
                # Another worker won the race for it: the paced slot goes to the next free message instead of
                # being wasted (otherwise two workers walking the same list stay in lockstep, one losing).
                while not claimed and position < len(items):
                    item = items[position]
                    position += 1
                    if item.chat_id in self._inflight or self.pacer.chat_wait(item.chat_id) > 0:
                        continue
                    claimed = await self._claim(item)
                    if claimed:
                        self.pacer.record_chat(item.chat_id)
            except BaseException:
                self._slots.release()
                if paced:
                    self.pacer.done()
                raise
            if not claimed:
                self._slots.release()
                self.pacer.done()
                continue
            self._inflight.add(item.chat_id)
            task = asyncio.create_task(self._send(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        if started == 0 and items:
            # Everything due is waiting on per-chat pacing: sleep until the first chat frees up.
            wait = min(self.pacer.chat_wait(i.chat_id) for i in items)
            await asyncio.sleep(min(max(wait, 0.01), POLL_SECONDS))
        return started

    async def _claim(self, item: OutboxItem) -> bool:
        async with self.rt.store.begin() as conn:
            return await outbox.claim(conn, item.id, self.worker, self.rt.clock.now(), LEASE)

    async def _still_pending(self, item_id: int) -> bool:
        """A cheap read before pacing: with several workers on one outbox, their lists overlap."""
        async with self.rt.store.connect() as conn:
            return await outbox.is_pending(conn, item_id)

    async def wait_idle(self) -> None:
        """Wait for the sends already started."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        self._stopping = True
        await self.wait_idle()

    async def _send(self, item: OutboxItem) -> None:
        try:
            await self._deliver(item)
        except Exception:
            log.exception("outbox item %s failed unexpectedly", item.id)
            async with self.rt.store.begin() as conn:
                await outbox.retry_later(
                    conn, item.id, self.rt.clock.now() + timedelta(minutes=1), "unexpected error"
                )
        finally:
            self.pacer.done()
            self._inflight.discard(item.chat_id)
            self._slots.release()
            self.rt.wake_sender()

    async def _deliver(self, item: OutboxItem) -> None:
        outcome = await self.transport.send(item.chat_id, item.payload)
        now = self.rt.clock.now
        match outcome:
            case Sent(message_id):
                async with self.rt.store.begin() as conn:
                    await outbox.mark_sent(conn, item.id, message_id, now())
                self.sent += 1
            case RetryLater(seconds):
                log.warning("flood control: waiting %.0f s", seconds)
                self.pacer.pause(seconds)
                async with self.rt.store.begin() as conn:
                    await outbox.retry_later(
                        conn, item.id, now() + timedelta(seconds=seconds), "429 retry_after"
                    )
            case Migrated(new_chat_id):
                log.info("chat %s migrated to %s", item.chat_id, new_chat_id)
                async with self.rt.store.begin() as conn:
                    await chats.migrate_chat(conn, item.chat_id, new_chat_id, now())
                    await outbox.retry_later(conn, item.id, now(), "migrated", chat_id=new_chat_id)
            case Unreachable(reason):
                log.info("chat %s unreachable: %s", item.chat_id, reason)
                async with self.rt.store.begin() as conn:
                    await chats.deactivate(conn, item.chat_id, reason, now())
                    await outbox.drop(conn, item.id, reason)
                    await outbox.drop_pending_for_chat(conn, item.chat_id, reason)
            case Rejected(reason, chat_gone):
                log.warning("outbox item %s rejected: %s", item.id, reason)
                async with self.rt.store.begin() as conn:
                    if chat_gone:
                        await chats.deactivate(conn, item.chat_id, reason, now())
                    await outbox.drop(conn, item.id, reason)
            case Failed(reason):
                # No channel gives an idempotency key, so a request whose answer never came is retried; it
                # can only duplicate if the message did arrive and the answer was lost.
                attempts = item.attempts + 1
                async with self.rt.store.begin() as conn:
                    if attempts >= MAX_ATTEMPTS:
                        await outbox.drop(conn, item.id, f"gagal {attempts}x: {reason}")
                    else:
                        delay = min(2**attempts, 300) * (0.5 + random.random() / 2)
                        await outbox.retry_later(conn, item.id, now() + timedelta(seconds=delay), reason)
