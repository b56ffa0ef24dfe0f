"""The sender's pacing never exceeds Telegram's windows (checked on a fake monotonic clock)."""

from bot.delivery.pacing import Pacer, SlidingWindow


class Tick:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_sliding_window_counts_in_any_window():
    clock = Tick()
    w = SlidingWindow(20, 60.0, clock)
    for _ in range(20):
        assert w.wait_time() == 0
        w.record()
    assert w.wait_time() > 59
    clock.now = 63.0
    assert w.wait_time() == 0


async def test_pacer_spreads_broadcast_evenly(monkeypatch):
    clock = Tick()
    sent = []

    async def fake_sleep(seconds):
        clock.now += seconds

    monkeypatch.setattr("bot.delivery.pacing.asyncio.sleep", fake_sleep)
    pacer = Pacer(overall_per_second=30, clock=clock)
    for chat in range(1, 301):
        await pacer.acquire(chat)
        sent.append(clock.now)
        pacer.done()  # answered at once
    # In every 1-second window at most 30 sends, and the rate is still >= 95 % of 30/s.
    j = 0
    for i, t in enumerate(sent):
        while sent[j] <= t - 1.0:
            j += 1
        assert i - j + 1 <= 30
    rate = (len(sent) - 1) / (sent[-1] - sent[0])
    assert 28.5 <= rate <= 30


async def test_pacer_group_limit(monkeypatch):
    clock = Tick()

    async def fake_sleep(seconds):
        clock.now += seconds

    monkeypatch.setattr("bot.delivery.pacing.asyncio.sleep", fake_sleep)
    pacer = Pacer(clock=clock)
    times = []
    for _ in range(41):
        await pacer.acquire(-100)
        times.append(clock.now)
        pacer.done()
    assert times[19] < 1
    assert times[20] >= 60  # the 21st message to one group waits for the minute window
    assert times[40] >= 120


async def test_late_answers_hold_the_next_sends_so_arrivals_never_crowd_a_second(monkeypatch):
    """A send counts in the overall window until a period after its answer: if answers come back slowly
    (requests arriving late), send i+30 waits for answer i plus a second, so no arrival window holds 31."""
    clock = Tick()
    pending: list[float] = []  # answer times of requests in flight

    async def fake_sleep(seconds):
        clock.now += seconds
        while pending and pending[0] <= clock.now:
            pending.pop(0)
            pacer.done()

    monkeypatch.setattr("bot.delivery.pacing.asyncio.sleep", fake_sleep)
    pacer = Pacer(overall_per_second=30, clock=clock)
    arrivals = []
    for i in range(200):
        await pacer.acquire(10_000 + i)
        delay = 0.3 if i % 7 == 0 else 0.01  # some requests are slow on the way (and answered late)
        arrivals.append(clock.now + delay)
        pending.append(clock.now + delay)
        pending.sort()
    arrivals.sort()
    j = 0
    for i, t in enumerate(arrivals):
        while arrivals[j] <= t - 1.0:
            j += 1
        assert i - j + 1 <= 30, f"{i - j + 1} arrivals within one second"
