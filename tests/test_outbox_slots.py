"""The outbox sends each row the moment its slot frees (claimed ahead, not on a fixed tick), and a killed
sender's rows that never left go out again (fake monotonic clock, a real SQLite store, no network)."""

import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bot.base.clock import FakeClock
from bot.delivery import departures
from bot.delivery.departures import DepartureJournal, journal_path
from bot.delivery.outbox import LEASE, OutboxSender, Sent
from bot.delivery.pacing import BASE_MARGIN, Pacer
from bot.dev.sandbox import sandbox_settings
from bot.domain.runtime import Runtime
from bot.store import Store, chats, outbox

CHATS = [5001, 5002, 5003, 5004, 5005, 5006]


class Tick:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Instant:
    """Telegram answering at once; remembers when (by the pacer's clock) each chat's request left."""

    def __init__(self, tick: Tick) -> None:
        self.tick = tick
        self.sent: dict[int, float] = {}

    async def send(self, chat_id, payload):
        self.sent[chat_id] = self.tick.now
        return Sent(len(self.sent))


@pytest.fixture
async def rt(tmp_path, migrated_database_url):
    settings = sandbox_settings(tmp_path, database_url=migrated_database_url)
    store = await Store.open(settings.database_url)
    clock = FakeClock(datetime(2026, 3, 20, 1, 0, tzinfo=UTC))
    runtime = Runtime(settings, store, clock)
    now = clock.now()
    async with store.begin() as conn:
        for chat in CHATS:
            await chats.upsert_chat(conn, chat_id=chat, type="private", title=None, now=now)
        await outbox.enqueue(
            conn,
            [outbox.NewMessage(f"k{chat}", "announcement", chat, {"text": "Halo"}, now) for chat in CHATS],
            now,
        )
    yield runtime
    await store.close()


async def _states(rt) -> dict[int, str]:
    async with rt.store.connect() as conn:
        rows = await outbox.due_items(conn, rt.clock.now(), limit=100, skip_chats=[])
        sent = await outbox.sent_items(conn)
    return {**{i.chat_id: i.state for i in rows}, **{i.chat_id: "sent" for i in sent}}


async def test_a_freed_slot_is_used_at_once_not_at_the_next_tick(rt):
    tick = Tick()
    transport = Instant(tick)
    # 3 a second: the window holds 3 sends
    sender = OutboxSender(rt, transport, pacer=Pacer(overall_per_second=3, clock=tick))
    for _ in range(3):
        await sender.drain_once()
        await sender.wait_idle()
        tick.now += 1 / 3
    assert len(transport.sent) == 3
    first = min(transport.sent.values())
    frees_at = first + 1.0 + BASE_MARGIN  # answered at once: its slot is free a period (and margin) later
    # The step before the slot frees claims the next row ahead of it, so no slot waits for a transaction...
    tick.now = frees_at - 0.04
    assert await sender.drain_once() == 0
    assert len(transport.sent) == 3
    states = await _states(rt)
    assert CHATS[3] not in states  # neither pending nor sent: claimed
    async with rt.store.connect() as conn:
        by_state = (await outbox.stats(conn)).by_state
    assert by_state["sent"] == 3 and by_state["sending"] >= 1
    # ...and the sender sleeps until that very moment, not a tenth of a second or to a tick
    assert sender._step_wait(0) == pytest.approx(0.04)
    freeing = sum(1 for at in transport.sent.values() if at == first)  # the bucket let two go at once
    tick.now = frees_at
    assert await sender.drain_once() == freeing
    await sender.wait_idle()
    assert [transport.sent[c] for c in CHATS[3 : 3 + freeing]] == [frees_at] * freeing
    await sender.stop()
    assert (await _states(rt))[CHATS[3]] == "sent"


def _dead_worker() -> str:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return f"{socket.gethostname()}:{proc.stdout.strip()}"


async def test_a_killed_senders_unsent_claims_are_sent_again_and_sent_ones_never(rt):
    dead = _dead_worker()
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        ids = {i.chat_id: i.id for i in await outbox.due_items(conn, now, limit=100, skip_chats=[])}
        await outbox.claim_many(conn, [ids[c] for c in CHATS[:3]], dead, now, LEASE)
    # It had sent the first of its three claimed rows when it was killed (written down before it left).
    journal = DepartureJournal(journal_path(rt.settings.data_dir, dead))
    journal.departing(ids[CHATS[0]])
    journal.close(remove=False)

    tick = Tick()
    transport = Instant(tick)
    sender = OutboxSender(rt, transport, pacer=Pacer(overall_per_second=30, clock=tick))
    assert await sender.recover() == 1
    states = await _states(rt)
    assert CHATS[0] not in states  # 'uncertain': it may have arrived, so it is never sent again
    assert all(states[c] == "pending" for c in CHATS[1:])
    assert not journal_path(rt.settings.data_dir, dead).exists()
    while len(transport.sent) < len(CHATS) - 1:
        await sender.drain_once()
        await sender.wait_idle()
        tick.now += 0.1
    await sender.stop()
    assert sorted(transport.sent) == CHATS[1:]
    async with rt.store.connect() as conn:
        assert (await outbox.stats(conn)).by_state.get("uncertain") == 1


async def test_without_its_file_a_killed_senders_claims_all_stay_uncertain(rt):
    dead = _dead_worker()
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        ids = [i.id for i in await outbox.due_items(conn, now, limit=100, skip_chats=[])][:2]
        await outbox.claim_many(conn, ids, dead, now, LEASE)
    sender = OutboxSender(rt, Instant(Tick()), pacer=Pacer(overall_per_second=30, clock=Tick()))
    assert await sender.recover() == 2  # nothing says they did not leave: never resent


def test_free_slots_counts_the_window_slots_that_free_within_the_horizon():
    tick = Tick()
    pacer = Pacer(overall_per_second=3, clock=tick)
    tickets = []
    for _ in range(3):
        tickets.append(pacer.try_acquire(1000 + len(tickets)))
        pacer.done(tickets[-1])  # answered at once (rtt 0): it frees a period and the margin after it left
        tick.now += 1 / 3
    assert pacer.free_slots() == 0
    first_free = tickets[0].departed + 1.0 + BASE_MARGIN
    assert pacer.free_slots(ahead=first_free - tick.now - 0.001) == 0
    assert pacer.free_slots(ahead=first_free - tick.now + 0.001) == 1
    pacer.pause(5)
    assert pacer.free_slots(ahead=1.0) == 0


async def test_after_a_power_cut_a_killed_senders_file_is_not_trusted(rt, monkeypatch, tmp_path):
    """The journal's writes are not synced to disk: after the machine restarts its tail may be gone, and a
    row missing there would be sent twice.  A file from an earlier boot counts as no file."""
    dead = _dead_worker()
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        ids = {i.chat_id: i.id for i in await outbox.due_items(conn, now, limit=100, skip_chats=[])}
        await outbox.claim_many(conn, [ids[c] for c in CHATS[:3]], dead, now, LEASE)
    journal = DepartureJournal(journal_path(rt.settings.data_dir, dead))
    journal.departing(ids[CHATS[0]])  # the second one also left, but its line never reached the disk
    journal.close(remove=False)
    boot = tmp_path / "boot_id"
    boot.write_text("another-boot\n")
    monkeypatch.setattr(departures, "BOOT_ID", boot)
    sender = OutboxSender(rt, Instant(Tick()), pacer=Pacer(overall_per_second=30, clock=Tick()))
    assert await sender.recover() == 3  # all three 'uncertain': none is sent a second time
    states = await _states(rt)
    assert all(c not in states for c in CHATS[:3])  # none of the three is pending again
    async with rt.store.connect() as conn:
        assert (await outbox.stats(conn)).by_state.get("uncertain") == 3


def test_a_compacted_journal_keeps_the_rows_still_on_their_way(tmp_path):
    """Compaction writes a new file and renames it: the ids still in flight are in it, with the boot id."""
    path = tmp_path / "outbox" / "host-1.sent"
    journal = DepartureJournal(path)
    for item_id in range(1, 20_000):
        journal.departing(item_id)
    journal.keep_only({19_998, 19_999})
    journal.departing(20_000)
    assert departures.read_departed(path) == {19_998, 19_999, 20_000}
    assert not path.with_name(path.name + ".new").exists()
    journal.close()
    assert not path.exists()
