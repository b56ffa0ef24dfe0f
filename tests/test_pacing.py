"""The sender's pacing never exceeds Telegram's windows, at the full rate they allow (fake monotonic clock)."""

import asyncio
import random

import pytest

from bot.delivery.pacing import (
    BASE_MARGIN,
    MARGIN_DECAY_SECONDS,
    PRIVATE_SUSTAINED_SECONDS,
    SWEEP_SECONDS,
    Pacer,
    RoundTrips,
    SlidingWindow,
    request_left,
)


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


def _most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    j = most = 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        most = max(most, i - j + 1)
    return most


async def _broadcast(monkeypatch, n: int, legs, *, rate: float = 30) -> tuple[list[float], Pacer]:
    """Send to `n` chats through a pacer; `legs(i)` gives request i's (way in, way back) seconds.  Returns
    when each request reached "Telegram" (what its limits count)."""
    clock = Tick()
    answers: list[tuple[float, int]] = []  # (answer time, ticket index) of requests in flight
    tickets = []

    def answer_due(until: float) -> None:
        """Answers come back at their own moment (the event loop hands each over as it arrives)."""
        answers.sort()
        while answers and answers[0][0] <= until:
            at, index = answers.pop(0)
            clock.now = max(clock.now, at)
            pacer.done(tickets[index])
        clock.now = max(clock.now, until)

    async def fake_sleep(seconds):
        answer_due(clock.now + seconds)

    monkeypatch.setattr("bot.delivery.pacing.asyncio.sleep", fake_sleep)
    pacer = Pacer(overall_per_second=rate, clock=clock)
    arrivals = []
    for i in range(n):
        answer_due(clock.now)
        tickets.append(await pacer.acquire(10_000 + i))
        way_in, way_back = legs(i)
        arrivals.append(clock.now + way_in)
        answers.append((clock.now + way_in + way_back, i))
    return arrivals, pacer


async def test_round_trip_does_not_cost_rate_and_arrivals_never_crowd_a_second(monkeypatch):
    """Telegram answers after 100-300 ms with jitter: the window counts from each send's departure, so the
    rate stays >= 95 % of 30/s (counting from the answer gave 30/(1 + rtt): 0.75 at 300 ms), and no second
    of arrivals holds more than 30."""
    for rtt in (0.1, 0.3):
        rng = random.Random(7)

        def legs(i, rtt=rtt, rng=rng):
            return tuple(rtt / 2 * (1 + rng.uniform(-0.05, 0.05)) for _ in range(2))

        arrivals, _ = await _broadcast(monkeypatch, 600, legs)
        assert _most_in_one_second(arrivals) <= 30
        rate = (len(arrivals) - 1) / (max(arrivals) - min(arrivals))
        assert rate >= 0.95 * 30, f"{rate:.2f} msg/s at {rtt * 1000:.0f} ms"


async def test_a_request_slow_on_the_way_keeps_its_slot_longer(monkeypatch):
    """A request that takes 300 ms longer than the others to arrive (a stall, a slow path) is answered late
    too: it keeps its slot that much longer, so the one sent 30 slots later cannot land in its second."""

    def legs(i):
        return (0.35, 0.05) if i % 7 == 0 else (0.05, 0.05)

    arrivals, _ = await _broadcast(monkeypatch, 400, legs)
    assert _most_in_one_second(arrivals) <= 30


async def test_paid_broadcast_rate_with_round_trip(monkeypatch):
    """With paid broadcast (1,000/s) the same accounting holds the higher rate over a 200 ms round trip."""
    rng = random.Random(3)
    arrivals, pacer = await _broadcast(
        monkeypatch, 5000, lambda i: (0.1 * (1 + rng.uniform(-0.05, 0.05)), 0.1), rate=1000
    )
    assert _most_in_one_second(arrivals) <= 1000
    rate = (len(arrivals) - 1) / (max(arrivals) - min(arrivals))
    assert rate >= 0.95 * 1000
    # what the outbox may keep in flight follows rate x round trip: enough for 1000/s at 200 ms
    assert pacer.in_flight_limit() >= 1000 * 0.2


async def test_pacer_group_limit(monkeypatch):
    clock = Tick()

    async def fake_sleep(seconds):
        clock.now += seconds

    monkeypatch.setattr("bot.delivery.pacing.asyncio.sleep", fake_sleep)
    pacer = Pacer(clock=clock)
    times = []
    for _ in range(41):
        ticket = await pacer.acquire(-100)
        times.append(clock.now)
        pacer.done(ticket)
    assert times[19] < 1
    assert times[20] >= 60  # the 21st message to one group waits for the minute window
    assert times[40] >= 120


def test_429_widens_the_margin_and_quiet_narrows_it():
    clock = Tick()
    pacer = Pacer(clock=clock)
    assert pacer.margin == BASE_MARGIN
    pacer.pause(1)
    pacer.pause(1)
    widened = pacer.margin
    assert widened > 4 * BASE_MARGIN
    assert pacer.overall_wait() >= 0.99  # and every send waits retry_after
    clock.now += MARGIN_DECAY_SECONDS + 1
    pacer.overall_wait()
    assert pacer.margin < widened
    for _ in range(20):
        clock.now += MARGIN_DECAY_SECONDS + 1
        pacer.overall_wait()
    assert pacer.margin == BASE_MARGIN


def test_a_reply_to_a_person_holds_back_the_outboxs_next_message_to_them():
    """A reply goes at once (a person is waiting), but it counts: the outbox's message to the same person
    waits its second, so the two together never exceed Telegram's 1 per second to one chat."""
    clock = Tick()
    pacer = Pacer(overall_per_second=30, clock=clock)
    reply = pacer.try_acquire(5, private=False)
    assert reply is not None
    pacer.done(reply)
    clock.now = 0.5
    assert pacer.try_acquire(5) is None  # the outbox (private=True) waits for this chat
    assert pacer.try_acquire(6) is not None  # another chat does not
    clock.now = 1.03
    assert pacer.try_acquire(5) is not None


def test_a_private_chat_gets_at_most_ten_messages_in_any_ten_seconds_replies_included():
    """A burst of replies (a conversation) is allowed, but the outbox then keeps the chat at 1 per second
    sustained: never more than ten in any ten seconds, which is where Telegram starts refusing."""
    clock = Tick()
    pacer = Pacer(overall_per_second=30, clock=clock)
    sent = []
    for i in range(8):  # eight replies in under a second
        clock.now = i * 0.1
        assert pacer.try_acquire(7, private=False) is not None
        sent.append(clock.now)
    clock.now = 0.8
    while clock.now < 30:
        if pacer.try_acquire(7) is not None:  # the outbox sends as soon as the pacer lets it
            sent.append(clock.now)
        clock.now = round(clock.now + 0.01, 2)
    assert max(sum(1 for t in sent if start <= t < start + 10) for start in sent) <= 10
    assert len(sent) >= 8 + 18  # and the outbox still gets its 1 per second once the burst has passed


def test_replies_to_a_person_burst_but_never_past_ten_in_ten_seconds():
    """A staff member typing quickly through a conversation gets every reply at once, up to ten; the
    eleventh waits for the chat's ten seconds instead of meeting Telegram's 429 (which would pause every
    send of the bot)."""
    clock = Tick()
    pacer = Pacer(overall_per_second=30, clock=clock)
    for i in range(10):
        clock.now = i * 0.04
        assert pacer.try_acquire(9, private=False) is not None
    clock.now = 0.5
    assert pacer.try_acquire(9, private=False) is None
    assert 9.5 < pacer.chat_wait(9, reply=True) <= 10.2
    clock.now = 10.21
    assert pacer.try_acquire(9, private=False) is not None


async def test_a_reply_waiting_for_its_chat_holds_up_no_one_else():
    clock = Tick()
    pacer = Pacer(overall_per_second=30, clock=clock)
    for i in range(10):
        clock.now = i * 0.04
        assert pacer.try_acquire(9, private=False) is not None
    clock.now = 0.5
    waiting = asyncio.create_task(pacer.acquire(9, private=False))  # its chat is full for ten seconds
    await asyncio.sleep(0)
    assert pacer.waiting == 0  # the outbox does not yield its slots to a reply that cannot go yet
    other = await pacer.acquire(10, private=False)  # another person's reply goes now
    assert other is not None and not waiting.done()
    waiting.cancel()


async def test_a_busy_stretch_on_telegrams_side_does_not_shorten_the_slots_after_it(monkeypatch):
    """For a while every request waits 0.1 s at Telegram's side before it is counted (a burst keeps the
    path busy: the bench's paid broadcast saw it at the start), then the path is quick again.  The quickest
    round trip of that stretch is not the network's: counted as the floor, it let each slow send's slot go
    back 0.1 s early, and the quick sends after the stretch landed in the slow ones' second (more than 30)."""

    def legs(i):
        return (0.15, 0.05) if 100 <= i < 400 else (0.05, 0.05)

    arrivals, _ = await _broadcast(monkeypatch, 700, legs)
    assert _most_in_one_second(arrivals) <= 30


def test_the_round_trip_floor_is_the_quickest_of_the_last_minutes_not_of_the_last_samples():
    clock = Tick()
    trips = RoundTrips(clock=clock)
    for _ in range(10):
        trips.add(0.1)
    for _ in range(500):  # a busy stretch: far more samples than the recent ones kept for the median
        clock.now += 0.01
        trips.add(0.25)
    assert trips.floor == 0.1
    assert trips.median == 0.25
    clock.now += 11 * 60  # ten minutes later the path may really have become slower
    trips.add(0.3)
    assert trips.floor == 0.3


def test_a_ticket_departs_when_its_request_leaves_not_when_its_slot_was_granted():
    """The HTTP layer calls `request_left()` as the request's bytes are written; before that the request may
    wait for a connection.  The round trip is counted from there, once, and only for the request made
    inside `departing` (a later request of the same task is not this ticket's)."""
    clock = Tick()
    pacer = Pacer(overall_per_second=30, clock=clock)
    ticket = pacer.try_acquire(5)
    assert ticket is not None
    request_left()  # outside `departing`: nothing to stamp
    assert ticket.departed == 0.0
    clock.now = 0.4  # waited for a connection
    with pacer.departing(ticket):
        request_left()
        clock.now = 0.45
        request_left()  # a retry inside the same request: it departed the first time
    assert ticket.departed == 0.4
    clock.now = 0.5
    pacer.done(ticket)
    assert pacer.round_trips.floor == pytest.approx(0.1)
    clock.now = 0.6
    with pacer.departing(ticket):
        request_left()  # already answered: its departure stays
    assert ticket.departed == 0.4


def test_a_broadcasts_chat_windows_are_let_go_once_their_periods_are_over():
    """A broadcast to thousands of people leaves a window per chat; once their periods are over nothing
    needs them, and the bot (answering the survey that follows) should not carry them."""
    clock = Tick()
    pacer = Pacer(overall_per_second=1000, clock=clock)
    for i in range(3000):
        clock.now = i / 1000
        ticket = pacer.try_acquire(10_000 + i)
        assert ticket is not None or pacer.overall_wait() > 0
        if ticket is not None:
            pacer.done(ticket)
    assert pacer.tracked_chats > 1000
    clock.now += SWEEP_SECONDS + PRIVATE_SUSTAINED_SECONDS * 1.1
    assert pacer.try_acquire(7) is not None  # one person answers the survey a little later
    assert pacer.tracked_chats == 1
    assert pacer.chat_wait(7) > 0  # ... and their own window still holds
