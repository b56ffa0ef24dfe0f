"""Pacing that keeps the bot inside Telegram's limits *before* a 429, at the full rate those limits allow.

Telegram allows about 30 messages per second overall (up to 1,000 with paid broadcast), 1 per second to one
private chat and 20 per minute to one group.  These are windows ("at most N in any period"), so we count
in windows, with sliding windows per chat and one overall.  A private chat may take a short burst (a reply
and the next question go together), so a person's replies are not held to 1 per second; but they are
counted, and the outbox's own message to that chat waits until the chat has had at most one message in the
last second *and* fewer than ten in the last ten (1 per second sustained, as Telegram counts it).

The overall window counts a send from its *departure* (the moment its slot is granted) for one period plus
a margin.  A request reaches Telegram some time after it leaves, and a request that is slow on the way
(a stall in this process, a slow path) could land in the same second as one sent a period later; so once
its answer is back, a send that took longer than the quickest recent round trip keeps its slot for that
much longer (its excess bounds how late it can have arrived), and a send still unanswered keeps its slot
until it is answered.  The base margin starts at clock granularity and doubles after each 429 (Telegram
saying our margin was too thin), decaying back while none come: the 429 rate sets the margin.

A send "departs" when its first bytes are written to the socket, not when its slot is granted: the HTTP layer
calls `request_left()` at that moment (bot/telegram/http.py).  Between the two, a burst of hundreds of
requests waits for connections to open and for the event loop (0.3-0.5 s at the start of a paid broadcast):
timed from the grant, those waits made the quickest round trip look 0.2-0.5 s slower than the network is,
the discount it buys let a slot go back early, and Telegram counted more than 1,000 in a second.

The overall budget is spread as a token bucket refilling at the rate with a small burst, so the outbox can
take a few slots at once and claim their rows in one transaction (bot/delivery/outbox.py).
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

MARGIN = 1.02  # per-chat windows (1 s, 60 s) are stretched by this much: they have room to spare
BASE_MARGIN = 0.005  # seconds added to the overall window: clock granularity between two processes
MAX_MARGIN = 1.0
MARGIN_DECAY_SECONDS = 60.0  # without a 429 for this long, the base margin halves back towards BASE_MARGIN
RTT_SAMPLES = 64  # recent round trips remembered for their median and the in-flight estimate (slowest)
FLOOR_HORIZON_SECONDS = 600.0  # the floor is the quickest round trip of the last ten minutes
FLOOR_BUCKET_SECONDS = 60.0
TRUSTED_SAMPLES = 32  # round trips seen before their floor is trusted
BURST_SECONDS = 0.1  # the token bucket holds this much of a second's budget (at least one slot)
SWEEP_SECONDS = 30.0  # this often, the windows of chats sent nothing in their last period are dropped
PRIVATE_SUSTAINED_SECONDS = 10.0  # a private chat's 1/s is also kept over this long, replies included


@dataclass
class Ticket:
    """One granted send: when it left and whether it counts in the overall window."""

    departed: float
    overall: bool = True
    answered: bool = False
    written: bool = False  # its request's first bytes have left (`departed` is then that moment)


# The ticket whose request the current task is about to make, and the pacer's clock to stamp it with.
_departing: ContextVar[tuple[Ticket, Callable[[], float]] | None] = ContextVar("departing", default=None)


def request_left() -> None:
    """The HTTP layer wrote the current request's first bytes: its ticket departs now (once)."""
    current = _departing.get()
    if current is None:
        return
    ticket, clock = current
    if not ticket.answered and not ticket.written:
        ticket.departed = clock()
        ticket.written = True


class SlidingWindow:
    """At most `limit` events in any window of `period` seconds."""

    __slots__ = ("_stamps", "clock", "limit", "period")

    def __init__(self, limit: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period * MARGIN
        self.clock = clock
        self._stamps: deque[float] = deque()

    def _trim(self, now: float) -> None:
        # the same expression as `wait_time`'s, so a float rounding cannot say "full" and "free" at once
        while self._stamps and self._stamps[0] + self.period <= now:
            self._stamps.popleft()

    def wait_time(self) -> float:
        """Seconds until one more event is allowed (0 if now)."""
        now = self.clock()
        self._trim(now)
        if len(self._stamps) < self.limit:
            return 0.0
        return self._stamps[0] + self.period - now

    def record(self) -> None:
        self._stamps.append(self.clock())

    @property
    def idle(self) -> bool:
        self._trim(self.clock())
        return not self._stamps


class ChatWindows:
    """The windows one chat must respect: a group's 20 a minute; a private chat's 1 a second (`pace`, which a
    reply to a person may burst past) and 10 in ten seconds (`sustained`, which everything respects)."""

    __slots__ = ("pace", "sustained")

    def __init__(self, sustained: SlidingWindow, pace: SlidingWindow | None = None) -> None:
        self.sustained = sustained
        self.pace = pace

    def wait_time(self, *, reply: bool = False) -> float:
        wait = self.sustained.wait_time()
        if self.pace is not None and not reply:
            wait = max(wait, self.pace.wait_time())
        return wait

    def _windows(self) -> tuple[SlidingWindow, ...]:
        return (self.sustained,) if self.pace is None else (self.sustained, self.pace)

    def record(self) -> None:
        for window in self._windows():
            window.record()

    @property
    def idle(self) -> bool:
        return all(window.idle for window in self._windows())


class RoundTrips:
    """The round trips: their floor (quickest of the last minutes) and the recent ones' median and high.

    The floor is what the network itself takes, so it is kept over minutes, not over the last samples: while
    a burst keeps Telegram's side (or the path) busy, every recent round trip is slow, and their minimum would
    credit each send with a quick network it did not have (the bench's paid broadcast: a floor of 0.2 s on
    a 0.1 s path, and a slot given back 0.1 s early).  Queueing only ever adds to a round trip."""

    def __init__(self, size: int = RTT_SAMPLES, clock: Callable[[], float] = time.monotonic) -> None:
        self._samples: deque[float] = deque(maxlen=size)
        self.clock = clock
        self._minima: deque[tuple[float, float]] = deque()  # (bucket start, quickest in it), oldest first

    def add(self, seconds: float) -> None:
        self._samples.append(seconds)
        now = self.clock()
        if self._minima and now - self._minima[-1][0] < FLOOR_BUCKET_SECONDS:
            start, quickest = self._minima[-1]
            if seconds < quickest:
                self._minima[-1] = (start, seconds)
        else:
            self._minima.append((now, seconds))
            while now - self._minima[0][0] > FLOOR_HORIZON_SECONDS:
                self._minima.popleft()

    @property
    def floor(self) -> float:
        return min((quickest for _, quickest in self._minima), default=0.0)

    @property
    def high(self) -> float:
        return max(self._samples, default=0.0)

    @property
    def median(self) -> float:
        ordered = sorted(self._samples)
        return ordered[len(ordered) // 2] if ordered else 0.0

    def __len__(self) -> int:
        return len(self._samples)


class Pacer:
    """Overall + per-chat windows, a token bucket, and a global pause after "retry after N seconds"."""

    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        private_per_second: int = 1,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.rate = overall_per_second
        self._interval = 1.0 / overall_per_second
        self.burst = max(1, math.floor(overall_per_second * BURST_SECONDS))
        self._next_slot = 0.0
        self._private_per_second = private_per_second
        self._group_per_minute = group_per_minute
        self._chats: dict[int, ChatWindows] = {}
        self._next_sweep = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._window_limit = max(1, math.floor(overall_per_second))
        self._window_period = 1.0
        self.margin = BASE_MARGIN
        self._last_429 = -math.inf
        self._in_flight = 0  # overall-window tickets not yet answered
        self._releases: list[float] = []  # heap: when answered tickets leave the overall window
        self.round_trips = RoundTrips(clock=clock)
        self._floor = self._spread = 0.0
        self._spread_due = 0  # sends until the floor and spread are computed again (a sort of 64 numbers)
        self.rate_limited = 0
        self.waiting = 0  # callers blocked in `acquire` (a person's reply): the outbox leaves them the slots

    # --- per chat -------------------------------------------------------------------------------------

    def _chat_window(self, chat_id: int) -> ChatWindows:
        window = self._chats.get(chat_id)
        if window is None:
            if chat_id < 0:
                window = ChatWindows(SlidingWindow(self._group_per_minute, 60.0, self.clock))
            else:
                sustained = round(self._private_per_second * PRIVATE_SUSTAINED_SECONDS)
                window = ChatWindows(
                    SlidingWindow(sustained, PRIVATE_SUSTAINED_SECONDS, self.clock),
                    pace=SlidingWindow(self._private_per_second, 1.0, self.clock),
                )
            self._chats[chat_id] = window
        return window

    @property
    def tracked_chats(self) -> int:
        """How many chats' windows are held: those sent something within their period, plus those since the
        last sweep (a broadcast to 50,000 chats must not keep 50,000 windows for the people who answer
        after it)."""
        return len(self._chats)

    def chat_wait(self, chat_id: int, *, reply: bool = False) -> float:
        """Seconds until this chat may have one more message (0 now); `reply`: a reply to a person."""
        if not chat_id:  # not a chat we can name (a channel's @username): only the overall budget applies
            return 0.0
        return self._chat_window(chat_id).wait_time(reply=reply)

    # --- overall --------------------------------------------------------------------------------------

    def _window_wait(self, now: float) -> float:
        while self._releases and self._releases[0] <= now:
            heapq.heappop(self._releases)
        if self._in_flight + len(self._releases) < self._window_limit:
            return 0.0
        if self._releases:
            return self._releases[0] - now
        return 0.005  # every slot is a request still in flight: look again shortly

    def _bucket_base(self, now: float) -> float:
        """Where the next slot is counted from: the bucket holds at most two bursts saved up (one batch
        plus room for a step that starts late), so a late wake-up costs no slots."""
        return max(self._next_slot, now - (2 * self.burst - 1) * self._interval)

    def overall_wait(self) -> float:
        """Seconds until the overall budget (pause, bucket, window) allows one more send."""
        now = self.clock()
        self._decay_margin(now)
        return max(self._paused_until - now, self._bucket_base(now) - now, self._window_wait(now), 0.0)

    def free_slots(self, *, ahead: float = 0.0) -> int:
        """How many sends the overall budget (pause, bucket, window) allows from now until `ahead` seconds
        from now, counting only the window slots already answered (a request in flight frees its slot a
        period after it left at the soonest).

        The outbox claims that many rows *before* it takes their slots, so each is sent the moment its slot
        frees and no slot waits for a transaction."""
        now = self.clock()
        self._decay_margin(now)
        until = now + ahead
        if self._paused_until > until:
            return 0
        base = max(self._bucket_base(now), self._paused_until)
        if base > until:
            bucket = 0
        elif self._interval <= 0:  # no spacing at all (tests that switch the bucket off)
            bucket = self._window_limit
        else:
            bucket = math.floor((until - base) / self._interval) + 1
        self._window_wait(now)  # drops the releases that are due
        later = sum(1 for at in self._releases if at > until)
        window = self._window_limit - self._in_flight - later
        return max(0, min(bucket, window))

    def try_acquire(self, chat_id: int, *, private: bool = True) -> Ticket | None:
        """A slot for `chat_id` now, or None (the overall budget or this chat's window is spent)."""
        if self.overall_wait() > 0:
            return None
        if self.chat_wait(chat_id, reply=not private) > 0:
            return None
        now = self.clock()
        self._next_slot = self._bucket_base(now) + self._interval
        if chat_id:  # a reply to a person is counted too, so the outbox's next message to them waits
            self._chat_window(chat_id).record()
        self._in_flight += 1
        if now >= self._next_sweep or len(self._chats) > 10_000:
            self._chats = {k: w for k, w in self._chats.items() if not w.idle}
            self._next_sweep = now + SWEEP_SECONDS
        return Ticket(now)

    async def acquire(self, chat_id: int, *, private: bool = True) -> Ticket:
        """Wait for this chat's windows, then for the overall budget, then count the send.  Call
        `done(ticket)` after.

        `private=False` (a reply to a person) may burst past a private chat's 1 per second, but not past its
        ten in ten seconds, and is counted in both.  A reply waiting for its chat waits alone: other replies
        and the outbox go on meanwhile (only a reply waiting for the overall budget makes the outbox yield).
        """
        reply = not private
        while True:
            chat_wait = self.chat_wait(chat_id, reply=reply)
            if chat_wait > 0:
                await asyncio.sleep(chat_wait)
                continue
            self.waiting += 1
            try:
                async with self._lock:
                    while True:
                        ticket = self.try_acquire(chat_id, private=private)
                        if ticket is not None:
                            return ticket
                        if self.chat_wait(chat_id, reply=reply) > 0:
                            break  # the outbox took this chat's slot meanwhile: wait for it outside the lock
                        await asyncio.sleep(max(self.overall_wait(), 0.001))
            finally:
                self.waiting -= 1

    @contextmanager
    def departing(self, ticket: Ticket) -> Iterator[Ticket]:
        """The request made inside this block is the ticket's: `request_left()` stamps its departure."""
        token = _departing.set((ticket, self.clock))
        try:
            yield ticket
        finally:
            _departing.reset(token)

    def done(self, ticket: Ticket) -> None:
        """The request got its answer (or failed): it leaves the overall window one period plus the margin
        after it departed, plus however much slower than the quickest recent round trip it was."""
        if ticket.answered:
            return
        ticket.answered = True
        now = self.clock()
        rtt = now - ticket.departed
        self.round_trips.add(rtt)
        # Until enough round trips are known to trust their floor (the first requests also open connections),
        # a send keeps its slot a full period after its answer, as if it had arrived at the last moment.
        # The quickest round trip is itself a little slow on one leg: half the spread between it and a typical
        # one is added back (with legs jittering alike that covers how late the floor's request arrived).
        if len(self.round_trips) >= TRUSTED_SAMPLES:
            if self._spread_due <= 0:
                self._floor = self.round_trips.floor
                self._spread = (self.round_trips.median - self._floor) / 2
                self._spread_due = 8
            self._spread_due -= 1
            excess = max(0.0, rtt - self._floor) + self._spread
        else:
            excess = rtt
        self._in_flight = max(0, self._in_flight - 1)
        heapq.heappush(self._releases, ticket.departed + self._window_period + self.margin + excess)

    # --- 429 ------------------------------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after `seconds`": every send waits, and the window's margin widens."""
        now = self.clock()
        self._paused_until = max(self._paused_until, now + seconds)
        self.rate_limited += 1
        self.margin = min(MAX_MARGIN, self.margin * 2 + 0.01)
        self._last_429 = now

    def _decay_margin(self, now: float) -> None:
        if self.margin > BASE_MARGIN and now - self._last_429 > MARGIN_DECAY_SECONDS:
            self.margin = max(BASE_MARGIN, self.margin / 2)
            self._last_429 = now

    # --- what the outbox may have in flight -------------------------------------------------------------

    def in_flight_limit(self, *, hold: float = 0.0) -> int:
        """Sends to have in flight to keep the rate: rate x (slowest recent round trip + `hold`, how long a
        row stays claimed after its answer), with a quarter to spare plus one bucket."""
        seconds = (self.round_trips.high if len(self.round_trips) else 0.1) + hold
        return max(self.burst + 1, math.ceil(self.rate * seconds * 1.25) + self.burst)
