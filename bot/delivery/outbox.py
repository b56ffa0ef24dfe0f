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
A row is claimed (committed as 'sending') before the request and marked sent with the message id after (both
in batches, see `OutboxSender`); a process killed in between leaves it 'sending' and it becomes 'uncertain'
when the lease ends or its dead process is noticed (never resent, always reported).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import socket
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.delivery.departures import DepartureJournal, journal_path, read_departed
from bot.delivery.pacing import BURST_SECONDS, Pacer, Ticket
from bot.domain.runtime import Runtime
from bot.store import Connection, chats, outbox
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claim covers one HTTP request (PTB's default timeouts are seconds); past the lease a dead worker's claim
# becomes 'uncertain'.
LEASE = timedelta(seconds=60)
POLL_SECONDS = 1.0
MIN_STEP_SECONDS = 0.001  # a step never follows the last one sooner (timer granularity)
# Rows are claimed this far ahead of their slots (answers recorded with the claim): at 30 msg/s about four
# write transactions a second, each for about seven rows.
CLAIM_AHEAD_SECONDS = 0.25


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
    """One channel's way to deliver an outbox payload (`{"text", "parse_mode", "buttons", "photo"?}`, or a map
    pin `{"venue": {"latitude", "longitude", "title", "address"}}`).

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


async def _wait_event(event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set or `seconds` pass.  A broadcast naps about thirty times a second: a timeout scope
    costs one timer, where `wait_for` also starts and cancels a task each time."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class OutboxSender:
    """One per process; several processes may drain one outbox (claims are conditional updates).

    Each step claims, in one transaction, the rows for the pacing slots that free within the next tenth of a
    second (the same transaction records the rows answered since the last step as sent); each claimed row
    then takes its slot and leaves the moment the slot frees, so no slot waits for a commit or a tick.  A
    busy broadcast costs about ten write transactions a second, whatever the rate, and no read per message.
    Each row is written to the departure journal (bot/delivery/departures.py) before its request starts: after
    a crash, claimed rows that never left go back to 'pending', and rows that left but were not yet recorded
    become 'uncertain' (they most likely arrived), never resent.
    """

    # At most this many seconds of sends are claimed and not yet recorded at any moment: what a SIGKILL can
    # leave 'uncertain'.  The limit itself adapts: rate x the slowest recent round trip (Pacer.in_flight_limit).
    MAX_CLAIMED_SECONDS = 1.0
    CANDIDATES = 500  # due rows read at once (one query per this many sends)

    def __init__(self, rt: Runtime, transport: Transport, *, pacer: Pacer | None = None) -> None:
        self.rt = rt
        self.transport = transport
        self.pacer = pacer or Pacer(overall_per_second=rt.settings.broadcast_per_second)
        self.worker = worker_name()
        self._candidates: deque[OutboxItem] = deque()
        self._ready: deque[OutboxItem] = deque()  # claimed, waiting for a free slot (usually none for long)
        self._resting: set[int] = set()  # chats whose window is full, skipped until the next read
        self._busy: set[int] = set()  # chats with a request in flight: one at a time keeps their order
        self._claimed: set[int] = set()  # rows claimed by this process and not yet recorded
        self._marks: list[tuple[int, int | None]] = []  # answered rows waiting for the next transaction
        self._marks_since = 0.0  # when the oldest of them was answered (pacer clock)
        self._write = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._shuffle_next = False
        self._journal: DepartureJournal | None = None  # opened at the first send
        self.sent = 0

    @classmethod
    def max_claimed(cls, rate: float) -> int:
        """The most rows one sender holds claimed at `rate` msg/s (what a SIGKILL can leave 'uncertain')."""
        return math.ceil(rate * cls.MAX_CLAIMED_SECONDS) + Pacer(overall_per_second=rate).burst

    def _room(self) -> int:
        limit = min(
            self.pacer.in_flight_limit(hold=2 * CLAIM_AHEAD_SECONDS), self.max_claimed(self.pacer.rate)
        )
        return limit - len(self._claimed)

    async def recover(self) -> int:
        """Rows a dead process left 'sending' become 'uncertain': at once when that process ran on this host
        and is gone, otherwise when its lease is over (another host may still be sending them)."""
        async with self.rt.store.begin() as conn:
            dead = [w for w in await outbox.claiming_workers(conn) if _dead_here(w) and w != self.worker]
            count = 0
            for worker in dead:
                departed = read_departed(journal_path(self.rt.settings.data_dir, worker))
                count += await outbox.release_worker_claims(conn, worker, departed)
            count += await outbox.expire_claims(conn, self.rt.clock.now())
        for worker in dead:
            journal_path(self.rt.settings.data_dir, worker).unlink(missing_ok=True)
        return count

    async def run(self) -> None:
        """Drain until cancelled.  Nothing the database does stops it: a transaction that fails (another
        program holding SQLite's write lock past its busy timeout, a PostgreSQL restart) is logged and tried
        again, the recovery of dead workers' claims included (it runs first, then every third of a lease)."""
        loop = asyncio.get_running_loop()
        recovered_at: float | None = None
        while not self._stopping:
            try:
                if recovered_at is None or loop.time() - recovered_at > LEASE.total_seconds() / 3:
                    await self.recover()
                    recovered_at = loop.time()
                started = await self.drain_once()
            except Exception:  # a database hiccup must not kill the sender; log and try again
                log.exception("outbox drain failed; retrying")
                started = 0
                await asyncio.sleep(POLL_SECONDS)
            await self._nap(started)

    async def _nap(self, started: int) -> None:
        """Until the next step.  With a backlog: a tenth of a second (the next batch of slots; answers that
        came meanwhile are recorded with it), longer while every listed chat is resting.  Sends in flight
        and nothing else to do: until the first answer, to record it soon.  Otherwise until woken."""
        event = self.rt.outbox_event
        if event.is_set():
            return
        if (self._ready or self._candidates) and not self._stopping:
            await _wait_event(event, self._step_wait(started))
            return
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=BURST_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            return
        if self._marks:
            return
        await _wait_event(event, POLL_SECONDS)

    def _step_wait(self, started: int) -> float:
        """Seconds until the next step while there is something to send: until the next slot frees (a slot
        left free until a fixed tick is rate lost for good), or half a claim-ahead before it when no row is
        claimed yet (so the claim's transaction is done by then); longer while every listed chat is resting,
        or while only a claimed row whose chat is resting is left."""
        wait = self.pacer.overall_wait()
        if self._ready:
            if wait <= 0:  # a claimed row waits for its own chat's window
                wait = min(self.pacer.chat_wait(item.chat_id) for item in self._ready)
        elif not started and all(item.chat_id in self._resting for item in self._candidates):
            wait = max(wait, min(self.pacer.chat_wait(chat) for chat in self._resting))
        else:
            wait -= CLAIM_AHEAD_SECONDS / 2
        return min(max(wait, MIN_STEP_SECONDS), POLL_SECONDS)

    async def _refill(self) -> None:
        now = self.rt.clock.now()
        async with self.rt.store.connect() as conn:
            items = await outbox.due_items(
                conn, now, limit=self.CANDIDATES, skip_chats=sorted(self._busy | self._resting)
            )
        if self._shuffle_next and items:
            self._shuffle_next = False
            turn = random.randrange(len(items))
            items = items[turn:] + items[:turn]
        self._candidates = deque(items)
        self._resting.clear()

    async def drain_once(self) -> int:
        """Start sending what the pacing allows now; returns how many sends were started.

        The rows are claimed first and their slots taken after the commit, each right before its request
        leaves: a slot taken before the transaction would sit unused for as long as the commit takes
        (tens of milliseconds on a busy machine, every step), and at 30 msg/s that is rate lost for good."""
        self._resting = {chat for chat in self._resting if self.pacer.chat_wait(chat) > 0}
        event = self.rt.outbox_event
        if event.is_set() or not self._candidates:
            event.clear()  # something new was queued (maybe a reply, ahead of a broadcast): read again
            if not self._stopping:
                await self._refill()
        started = self._dispatch()
        if len(self._ready) > self.pacer.burst // 2:  # claimed enough for the next slots: claim later
            return started
        # Rows for the slots that free within the next CLAIM_AHEAD seconds, in one transaction; each is sent
        # the moment its slot frees (a row that never left goes back to 'pending' after a crash).
        wanted = min(self.pacer.free_slots(ahead=CLAIM_AHEAD_SECONDS) - len(self._ready), self._room())
        picked: list[OutboxItem] = []
        skipped: list[OutboxItem] = []
        while self._candidates and len(picked) < wanted and not self._stopping and not self.pacer.waiting:
            item = self._candidates.popleft()
            if item.chat_id in self._busy or item.chat_id in self._resting:
                skipped.append(item)
                continue
            if self.pacer.chat_wait(item.chat_id) > 0:  # this chat's window is full; others can go first
                self._resting.add(item.chat_id)
                skipped.append(item)
                continue
            self._busy.add(item.chat_id)
            picked.append(item)
        self._candidates.extendleft(reversed(skipped))
        if not picked and not self._marks_due():
            return started
        try:
            got = await self._record_and_claim([item.id for item in picked])
        except BaseException:
            self._busy.difference_update(item.chat_id for item in picked)
            raise
        for item in picked:
            if item.id not in got:  # another worker took it since we listed it
                self._busy.discard(item.chat_id)
                continue
            self._claimed.add(item.id)
            self._ready.append(item)
        if len(got) < len(picked):
            # Several workers read the same rows: take the next read from a random place in it, so that
            # two workers stop walking the list in step (each losing every other claim).
            self._candidates.clear()
            self._shuffle_next = True
        return started + self._dispatch()

    def _marks_due(self) -> bool:
        """Answers are recorded with the next claim; alone only once the oldest has waited a claim-ahead, or
        when nothing else is going on (a transaction per answer would double the broadcast's CPU)."""
        if not self._marks:
            return False
        if not (self._ready or self._tasks or self._candidates):
            return True
        return self.pacer.clock() - self._marks_since >= CLAIM_AHEAD_SECONDS

    def _dispatch(self) -> int:
        """Send the claimed rows whose slots are free now (each takes its slot as it leaves)."""
        started = 0
        blocked: list[OutboxItem] = []
        while self._ready and not self.pacer.waiting:
            item = self._ready.popleft()
            ticket = self.pacer.try_acquire(item.chat_id)
            if ticket is None:
                if self.pacer.overall_wait() > 0:  # the overall budget is spent: the rest wait their turn
                    self._ready.appendleft(item)
                    break
                blocked.append(item)  # only this chat's window is full (a reply went first): it waits
                continue
            task = asyncio.create_task(self._send(item, ticket))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        self._ready.extend(blocked)
        return started

    async def _record_and_claim(self, ids: list[int]) -> set[int]:
        """One write transaction: the rows answered since the last one become 'sent', `ids` are claimed.
        It runs in one hop to SQLite's writer thread (`Store.transaction`): through aiosqlite each of its
        statements cost a round trip to the driver's thread, the larger part of a broadcast's CPU."""
        async with self._write:
            marks, self._marks = self._marks, []
            now = self.rt.clock.now()

            async def record_and_claim(conn: Connection) -> set[int]:
                await outbox.mark_sent_many(conn, marks, now)
                return await outbox.claim_many(conn, ids, self.worker, now, LEASE) if ids else set()

            try:
                got = await self.rt.store.transaction(record_and_claim)
            except BaseException:
                self._marks[:0] = marks  # not recorded: keep them for the next transaction
                raise
        self._claimed.difference_update(item_id for item_id, _ in marks)
        if self._journal is not None:
            self._journal.keep_only(self._claimed - {item.id for item in self._ready})
        return got

    @property
    def busy(self) -> bool:
        """Claiming, sending, or holding answers not yet recorded."""
        return bool(self._tasks or self._ready or self._claimed or self._marks or self._write.locked())

    async def wait_idle(self) -> None:
        """Wait for the rows already claimed to be sent, and for their answers to be recorded."""
        while self._ready or self._tasks:
            self._dispatch()
            pending = list(self._tasks)
            wait = self._step_wait(0) if self._ready else None
            if pending:
                await asyncio.wait(pending, timeout=wait)
            elif wait is not None:
                await asyncio.sleep(wait)
        if self._marks:
            await self._record_and_claim([])

    async def stop(self) -> None:
        self._stopping = True
        await self.wait_idle()
        if self._journal is not None and not self._claimed:
            self._journal.close()
            self._journal = None

    async def _send(self, item: OutboxItem, ticket: Ticket) -> None:
        settled = True
        # The slot was counted from its grant; the round trip is timed from when the request's bytes leave
        # (`Pacer.departing`), or from here if the transport does not say, so neither a slow transaction nor
        # a queue for a connection makes a send look slow on the network.
        ticket.departed = self.pacer.clock()
        try:
            if self._journal is None:
                self._journal = DepartureJournal(journal_path(self.rt.settings.data_dir, self.worker))
            self._journal.departing(item.id)  # before it leaves: a crash from here on leaves it 'uncertain'
            try:
                with self.pacer.departing(ticket):
                    outcome = await self.transport.send(item.chat_id, item.payload)
            finally:
                self.pacer.done(ticket)
                self._busy.discard(item.chat_id)
            if isinstance(outcome, Sent):
                if not self._marks:
                    self._marks_since = self.pacer.clock()
                self._marks.append((item.id, outcome.message_id))
                self.sent += 1
                settled = False  # recorded (and released) by the next transaction
                return
            await self._deliver(item, outcome)
            self.rt.wake_sender()  # the row may be due again (a migrated chat, a retry): read again
        except Exception:
            log.exception("outbox item %s failed unexpectedly", item.id)
            async with self.rt.store.begin() as conn:
                await outbox.retry_later(
                    conn, item.id, self.rt.clock.now() + timedelta(minutes=1), "unexpected error"
                )
        finally:
            if settled:
                self._claimed.discard(item.id)

    async def _deliver(self, item: OutboxItem, outcome: Outcome) -> None:
        """Every answer but success: each decides what happens to the row (and maybe the chat)."""
        now = self.rt.clock.now
        match outcome:
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
