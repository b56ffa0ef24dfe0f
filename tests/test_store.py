"""Store: migrations recorded once, refusal of a newer database, subscriptions and outbox idempotency.

Runs on SQLite and PostgreSQL.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.store import DatabaseTooNew, Store, chats, head_revision, meta, outbox
from bot.store.outbox import NewMessage

from .conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES

NOW = datetime(2026, 3, 20, 1, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url):
    st = await Store.open(database_url)
    yield st
    await st.close()


async def test_migrations_once_and_newer_db_refused(database_url):
    url = database_url
    st = await Store.open(url)
    assert st.migration.applied  # a fresh database: every revision, once
    await st.close()
    st = await Store.open(url)
    assert st.migration.applied == () and st.migration.revision == head_revision()
    async with st.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    await st.close()
    with pytest.raises(DatabaseTooNew, match="lebih baru"):
        await Store.open(url)


async def test_wal_mode(store, backend):
    if backend != "sqlite":
        pytest.skip("WAL is SQLite's")
    async with store.connect() as conn:
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
    assert mode == "wal"


async def test_subscriptions_all_and_migration(store):
    async with store.begin() as conn:
        await chats.upsert_chat(conn, chat_id=-1, type="group", title="A", now=NOW)
        await chats.upsert_chat(conn, chat_id=5, type="private", title=None, now=NOW)
        await chats.set_subscriptions(conn, -1, ["Bimas Islam"], by=1, now=NOW)
        await chats.set_subscriptions(conn, 5, [chats.ALL_SECTIONS], by=5, now=NOW)
        assert {c.id for c in await chats.subscribers(conn, "Bimas Islam")} == {-1, 5}
        assert {c.id for c in await chats.subscribers(conn, "PHU")} == {5}
        await chats.migrate_chat(conn, -1, -1001, NOW)
        assert {c.id for c in await chats.subscribers(conn, "Bimas Islam")} == {-1001, 5}
        await chats.deactivate(conn, 5, "blocked", NOW)
        assert {c.id for c in await chats.subscribers(conn, "PHU")} == set()


async def test_outbox_enqueue_is_idempotent_and_claim_exclusive(store):
    msg = NewMessage(key="announce:1:5", kind="announce", chat_id=5, payload={"text": "x"}, due_at=NOW)
    async with store.begin() as conn:
        assert await outbox.enqueue(conn, [msg], NOW) == 1
        assert await outbox.enqueue(conn, [msg], NOW) == 0
        [item] = await outbox.due_items(conn, NOW)
        assert await outbox.claim(conn, item.id, "w1", NOW, timedelta(seconds=60))
        assert not await outbox.claim(conn, item.id, "w2", NOW, timedelta(seconds=60))
        # a dead worker's claim becomes 'uncertain' after its lease, never pending again
        assert await outbox.expire_claims(conn, NOW + timedelta(seconds=61)) == 1
        assert await outbox.due_items(conn, NOW + timedelta(hours=1)) == []
        stats = await outbox.stats(conn)
    assert stats.by_state == {"uncertain": 1}


# --- Store.transaction: a whole write transaction in one hop to SQLite's writer thread ----------------------


async def _count_up(conn) -> int:
    """A read then a write that depends on it: lost updates show if two transactions ever interleave."""
    value = int(await meta.get(conn, "counter", 0)) + 1
    await meta.put(conn, "counter", value)
    return value


async def test_a_transaction_commits_all_of_its_work_or_none(store):
    async def two_chats(conn) -> str:
        await chats.upsert_chat(conn, chat_id=-7, type="group", title="Majelis", now=NOW)
        await chats.upsert_chat(conn, chat_id=8, type="private", title=None, now=NOW)
        return "done"

    assert await store.transaction(two_chats) == "done"

    async def half_then_fail(conn) -> None:
        await chats.upsert_chat(conn, chat_id=-9, type="group", title="Taklim", now=NOW)
        raise ValueError("the second half failed")

    with pytest.raises(ValueError, match="second half"):
        await store.transaction(half_then_fail)
    async with store.connect() as conn:
        assert await chats.get_chat(conn, -7) is not None and await chats.get_chat(conn, 8) is not None
        assert await chats.get_chat(conn, -9) is None  # rolled back with its transaction
    assert await store.transaction(two_chats) == "done"  # and the store goes on


async def test_transactions_and_other_writers_never_interleave(store, backend):
    """Transactions, `begin()` blocks and single writes at once: each read-then-write sees the last one's."""
    if backend != "sqlite":
        pytest.skip("SQLite's one writer is queued by the store; PostgreSQL isolates with its own locks")

    async def in_begin() -> int:
        async with store.begin() as conn:
            return await _count_up(conn)

    results = await asyncio.gather(
        *(store.transaction(_count_up) if i % 2 else in_begin() for i in range(30)),
        *(store.write_one(text("UPDATE chat SET title = 'x' WHERE id = -1")) for _ in range(10)),
    )
    assert sorted(results[:30]) == list(range(1, 31))


async def test_a_transaction_that_awaits_anything_else_is_refused_and_rolled_back(store, backend):
    if backend != "sqlite":
        pytest.skip("on PostgreSQL a transaction is an ordinary begin(), where awaiting is allowed")

    async def waits_for_a_timer(conn) -> None:
        await chats.upsert_chat(conn, chat_id=-11, type="group", title="Masjid", now=NOW)
        await asyncio.sleep(0)  # not the database: the writer thread has no event loop to wait on

    with pytest.raises(RuntimeError, match="awaited something other than the database"):
        await store.transaction(waits_for_a_timer)
    async with store.connect() as conn:
        assert await chats.get_chat(conn, -11) is None
    assert await store.transaction(_count_up) == 1


async def test_writers_waiting_their_turn_hold_no_database_connection(store, backend):
    """200 people typing an answer at once queue for SQLite's one writer: while they wait, the pool is not
    theirs (it grew to 15 connections, each a thread and a page cache), and readers are served meanwhile."""
    if backend != "sqlite":
        pytest.skip("the store queues writers only on SQLite")
    inside, go_on = asyncio.Event(), asyncio.Event()
    store._write_lock = lock = _QueueWatchingLock(until=10)

    async def first() -> None:
        async with store.begin() as conn:
            await chats.upsert_chat(conn, chat_id=-1, type="group", title="A", now=NOW)
            inside.set()
            await go_on.wait()

    async def queued(i: int) -> None:
        async with store.begin() as conn:
            await chats.upsert_chat(conn, chat_id=-100 - i, type="group", title="B", now=NOW)

    holder = asyncio.create_task(first())
    await inside.wait()
    waiting = [asyncio.create_task(queued(i)) for i in range(10)]
    await lock.queue_full.wait()  # every queued writer waits for its turn
    assert store.engine.pool.checkedout() == 1  # the writer at work alone
    async with store.connect() as conn:  # a reader is not kept waiting for the pool
        assert await chats.get_chat(conn, -1) is None  # not committed yet
    go_on.set()
    await asyncio.gather(holder, *waiting)
    async with store.connect() as conn:
        assert all([await chats.get_chat(conn, -100 - i) for i in range(10)])
    assert store.engine.pool.checkedout() == 0


class _QueueWatchingLock(asyncio.Lock):
    """The store's write lock, telling when `until` writers wait for it."""

    def __init__(self, until: int) -> None:
        super().__init__()
        self.until, self.waiting, self.queue_full = until, 0, asyncio.Event()

    async def acquire(self) -> bool:
        if self.locked():
            self.waiting += 1
            if self.waiting == self.until:
                self.queue_full.set()
        return await super().acquire()
