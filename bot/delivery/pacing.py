"""Sliding-window pacing that keeps the bot inside Telegram's published limits *before* a 429.

Telegram allows about 30 messages per second overall, 1 per second to one private chat and 20 per minute to
one group.  A leaky bucket (aiolimiter, used by PTB's AIORateLimiter) lets a full burst through and then
refills, which in any 60-second window can pass 40 messages to a group; the rule is about windows, so we
count in windows: at most `limit` sends in any `period`, with a small safety margin for network jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

MARGIN = 1.02  # stretch every window a little: requests can arrive closer together than they left


class SlidingWindow:
    """At most `limit` events in any window of `period` seconds."""

    def __init__(self, limit: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period * MARGIN
        self.clock = clock
        self._stamps: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.period:
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


class Pacer:
    """Global + per-chat windows, and a global pause after Telegram says "retry after N seconds"."""

    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        private_per_second: int = 1,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        # Spread the global budget evenly (one slot every 1/rate s) instead of allowing 30-message bursts:
        # a burst plus the next second's burst is what trips a strict per-second counter.
        self._interval = MARGIN / overall_per_second
        self._next_slot = 0.0
        self._private_per_second = private_per_second
        self._group_per_minute = group_per_minute
        self._chats: dict[int, SlidingWindow] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        # Even spacing alone is not enough: a request that leaves on time but arrives late (event-loop stall,
        # a slow connection) lands in the same second as one sent 30 slots later.  So a send also counts
        # against the overall window from the moment it starts until one period after its answer came back:
        # then send i+30 starts only after send i has surely arrived, whatever the jitter.  Because the period
        # is counted from the answer (which comes after the arrival), it needs no jitter margin of its own:
        # 5 ms covers clock granularity.
        self._window_limit = max(1, int(overall_per_second))
        self._window_period = 1.005
        self._in_flight = 0
        self._completed: deque[float] = deque()

    def _chat_window(self, chat_id: int) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            if chat_id < 0:
                window = SlidingWindow(self._group_per_minute, 60.0, self.clock)
            else:
                window = SlidingWindow(self._private_per_second, 1.0, self.clock)
            self._chats[chat_id] = window
        return window

    def chat_wait(self, chat_id: int) -> float:
        return self._chat_window(chat_id).wait_time()

    def record_chat(self, chat_id: int) -> None:
        """Count a send to `chat_id` whose global slot was taken under another chat's name."""
        self._chat_window(chat_id).record()

    def _window_wait(self, now: float) -> float:
        while self._completed and self._completed[0] <= now - self._window_period:
            self._completed.popleft()
        if self._in_flight + len(self._completed) < self._window_limit:
            return 0.0
        if self._completed:
            return self._completed[0] + self._window_period - now
        return 0.005  # all slots are requests still in flight: look again shortly

    def done(self) -> None:
        """The request paced by the matching `acquire` got its answer (or failed): it leaves the window
        one period from now."""
        self._in_flight = max(0, self._in_flight - 1)
        self._completed.append(self.clock())

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat_id: int, *, private: bool = True) -> None:
        """Wait for the global slot and this chat's slot, then count the send.  Call `done()` after it.

        `private=False` skips the 1/s private-chat window (interactive replies); group windows always apply.
        """
        async with self._lock:
            while True:
                now = self.clock()
                chat_wait = self.chat_wait(chat_id) if (private or chat_id < 0) else 0.0
                wait = max(self._paused_until - now, self._next_slot - now, chat_wait, self._window_wait(now))
                if wait <= 1e-9:
                    break
                await asyncio.sleep(wait)
            # Next slot from the planned one, not from when we woke up: sleep overshoots by about a millisecond
            # each time, which would otherwise cost ~3 % of the rate.  After idling, start from now.
            now = self.clock()
            base = self._next_slot if self._next_slot >= now - self._interval else now
            self._next_slot = base + self._interval
            if private or chat_id < 0:
                self._chat_window(chat_id).record()
            self._in_flight += 1
        if len(self._chats) > 10_000:
            self._chats = {k: w for k, w in self._chats.items() if not w.idle}
