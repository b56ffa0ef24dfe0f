"""Telegram's answers handled by type: 429 waits, 403 deactivates, migration re-targets and resends."""

import asyncio
import sqlite3
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from bot.dev.sandbox import running_sandbox
from bot.domain.sessions import create_session, validate_fields
from bot.store import chats, outbox

from .conftest import BOTH_DATABASES

pytestmark = BOTH_DATABASES

GROUP = -100701
NEW_GROUP = -1000000701
BLOCKER = 702
OK_USER = 703


async def _setup(sb):
    sb.tg.add_group(GROUP, "Grup Lama")
    sb.tg.add_user(BLOCKER, "Pemblokir")
    sb.tg.add_user(OK_USER, "Warga")
    async with sb.rt.store.begin() as conn:
        for chat_id, kind in ((GROUP, "group"), (BLOCKER, "private"), (OK_USER, "private")):
            await chats.upsert_chat(conn, chat_id=chat_id, type=kind, title=None, now=sb.clock.now())
            await chats.set_subscriptions(conn, chat_id, ["PHU"], by=None, now=sb.clock.now())


async def _announce(sb, title="Manasik Haji"):
    values = validate_fields({"title": title, "section": "PHU", "when": "01/04/2026 09.00"}, sb.rt)
    await create_session(sb.rt, values, by=None, source="test")


async def test_403_deactivates_and_migration_resends(sb):
    await _setup(sb)
    sb.tg.block_bot(BLOCKER)
    sb.tg.migrate_group(GROUP, NEW_GROUP)
    await sb.settle()
    # The bot has not seen the migration service message for this test's purpose only if updates lag; either
    # way the send must end up in the new supergroup, exactly once.
    await _announce(sb)
    await sb.outbox_idle()
    assert len(sb.tg.messages(NEW_GROUP)) == 1
    assert len(sb.tg.messages(OK_USER)) == 1
    assert sb.tg.messages(BLOCKER) == []
    async with sb.rt.store.connect() as conn:
        blocker = await chats.get_chat(conn, BLOCKER)
        new_subs = await chats.subscriptions(conn, NEW_GROUP)
    assert blocker is not None and not blocker.active
    assert new_subs == {"PHU"}


async def test_migration_discovered_on_send(sb, tg):
    await _setup(sb)
    # Telegram answers 400 migrate_to_chat_id without the bot having seen a service message.
    tg.fail_next(
        "sendMessage",
        status=400,
        chat_id=GROUP,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=NEW_GROUP,
    )
    tg.add_group(NEW_GROUP, "Grup Baru", supergroup=True)
    await _announce(sb)
    await sb.outbox_idle()
    assert len(sb.tg.messages(NEW_GROUP)) == 1
    async with sb.rt.store.connect() as conn:
        assert await chats.subscriptions(conn, NEW_GROUP) == {"PHU"}


async def test_429_waits_retry_after_then_sends_once(sb, tg):
    await _setup(sb)
    tg.fail_next("sendMessage", status=429, retry_after=1, times=2)
    await _announce(sb)
    for _ in range(5):  # retry_after is honoured on the bot's clock
        await sb.outbox_idle()
        await sb.advance(timedelta(seconds=2))
    await sb.outbox_idle()
    for chat in (GROUP, OK_USER, BLOCKER):
        assert len(sb.tg.messages(chat)) == 1
    async with sb.rt.store.connect() as conn:
        stats = await outbox.stats(conn)
    assert stats.by_state == {"sent": 3}


async def test_timeouts_and_5xx_retried(sb, tg):
    await _setup(sb)
    tg.fail_next("sendMessage", status=502, times=2, description="Bad Gateway")
    await _announce(sb)
    # the backoff is measured on the bot's clock: move it instead of waiting
    for _ in range(20):
        await sb.advance(timedelta(seconds=30))
        await sb.outbox_idle()
        async with sb.rt.store.connect() as conn:
            stats = await outbox.stats(conn)
        if stats.by_state == {"sent": 3}:
            break
    assert stats.by_state == {"sent": 3}
    for chat in (GROUP, OK_USER, BLOCKER):
        assert len(sb.tg.messages(chat)) == 1


async def test_a_database_locked_past_its_timeout_never_stops_the_sender(
    tmp_path, tg, database_url, monkeypatch
):
    """Found by bench.footprint on a busy machine: another program held SQLite's write lock longer than its
    busy timeout (there, the 50,000-chat announcement being stored; in an office, `ngopas report --recount`
    or an import), the sender's recovery of dead workers' claims failed outside its retry, and the sender
    stopped for good without a word in the log until the bot was stopped: 0 of 50,000 sent."""
    real = outbox.expire_claims
    refused = []

    async def locked(conn, now):
        if len(refused) < 2:
            refused.append(now)
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
        return await real(conn, now)

    monkeypatch.setattr(outbox, "expire_claims", locked)
    async with running_sandbox(tmp_path, tg=tg, database_url=database_url) as sb:
        sender = next(task for task in asyncio.all_tasks() if task.get_name() == "outbox-sender")
        await _setup(sb)
        await _announce(sb)
        await sb.tg.wait_for(lambda: bool(sb.tg.messages(OK_USER)) or sender.done())
        assert not sender.done(), sender.exception()
        await sb.outbox_idle()
        assert len(sb.tg.messages(OK_USER)) == 1 and len(sb.tg.messages(GROUP)) == 1
    assert len(refused) == 2  # it was refused, and tried again
