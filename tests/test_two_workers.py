"""Two bot processes side by side on one database drain one outbox: every chat gets its message once."""

from __future__ import annotations

import signal

from sqlalchemy import func, select

from bot.base.clock import Clock
from bot.dev.sandbox import sandbox_settings
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, chats, outbox
from bot.store import schema as s

from .conftest import BOTH_DATABASES
from .test_broadcast_restart import _end, _spawn, _wait_async

CHATS = 300
pytestmark = BOTH_DATABASES


async def test_two_workers_send_each_message_exactly_once(tmp_path, tg, database_url):
    # Telegram's 30 messages/s are per bot: each of the two workers takes half.
    settings = sandbox_settings(tmp_path, database_url=database_url, broadcast_per_second=15)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    now = rt.clock.now()
    async with store.begin() as conn:
        for i in range(CHATS):
            chat_id = 20_000 + i
            tg.add_user(chat_id, f"Warga {i}")
            await chats.upsert_chat(conn, chat_id=chat_id, type="private", title=None, now=now)
            await chats.set_subscriptions(conn, chat_id, ["PHU"], by=None, now=now)
    values = validate_fields({"title": "Manasik Akbar", "section": "PHU", "when": "23/03/2030 09.00"}, rt)
    assert (await create_session(rt, values, by=None, source="test")).queued == CHATS
    env = {"NGOPAS_BROADCAST_PER_SECOND": "15"}
    workers = [_spawn(tmp_path, tg, settings, extra_env=env) for _ in range(2)]
    try:

        async def drained() -> bool:
            async with store.connect() as conn:
                stats = await outbox.stats(conn)
            return not stats.by_state.get("pending") and not stats.by_state.get("sending")

        await _wait_async(drained, *workers)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await _end(worker)
    counts = [len(tg.messages(20_000 + i)) for i in range(CHATS)]
    assert counts == [1] * CHATS  # none lost, none twice
    async with store.connect() as conn:
        by_worker = dict(
            (
                await conn.execute(
                    select(s.outbox.c.claimed_by, func.count())
                    .where(s.outbox.c.state == "sent")
                    .group_by(s.outbox.c.claimed_by)
                )
            ).all()
        )
    assert len(by_worker) == 2 and min(by_worker.values()) > CHATS // 10, by_worker  # both really worked
    await store.close()
