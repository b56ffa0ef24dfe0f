"""The persistent outbox: every message the bot initiates is a row here before it is sent.

A row's unique `key` (kind:session:chat...) makes enqueueing idempotent, so a restarted sweep or a retried
command never queues the same message twice.  A row is *claimed* (pending -> sending) by one worker with a
lease before the request; it ends sent (with Telegram's message id), dropped (with the reason), cancelled, or
uncertain: the process died while the request was in flight, and since Telegram has no idempotency key we
neither resend it (it most likely arrived) nor forget it (it is counted and shown to the operator).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, and_, bindparam, case, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    kind: str
    chat_id: int
    session_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    state: str


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.key,
        row.kind,
        row.chat_id,
        row.session_id,
        row.payload,
        row.due_at,
        row.attempts,
        row.state,
    )


@dataclass(frozen=True)
class NewMessage:
    key: str
    kind: str
    chat_id: int
    payload: dict[str, Any]
    due_at: datetime
    session_id: int | None = None
    priority: int = 5


async def enqueue(conn: AsyncConnection, messages: Iterable[NewMessage], now: datetime) -> int:
    """Queue messages; a key already queued is ignored.  Returns how many rows were new."""
    rows = [
        {
            "key": m.key,
            "kind": m.kind,
            "chat_id": m.chat_id,
            "session_id": m.session_id,
            "payload": m.payload,
            "due_at": m.due_at,
            "priority": m.priority,
            "state": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for m in messages
    ]
    if not rows:
        return 0
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    total = 0
    for start in range(0, len(rows), 500):
        stmt = (
            insert(s.outbox).values(rows[start : start + 500]).on_conflict_do_nothing(index_elements=["key"])
        )
        result = await conn.execute(stmt)
        total += max(result.rowcount, 0)
    return total


async def due_items(
    conn: AsyncConnection, now: datetime, *, limit: int = 200, skip_chats: Sequence[int] = ()
) -> list[OutboxItem]:
    q = (
        select(s.outbox)
        .where(s.outbox.c.state == "pending", s.outbox.c.due_at <= now)
        .order_by(s.outbox.c.priority, s.outbox.c.due_at, s.outbox.c.id)
        .limit(limit)
    )
    if skip_chats:
        q = q.where(s.outbox.c.chat_id.not_in(list(skip_chats)))
    return [_item(r) for r in await conn.execute(q)]


async def next_due(conn: AsyncConnection) -> datetime | None:
    q = select(func.min(s.outbox.c.due_at)).where(s.outbox.c.state == "pending")
    return (await conn.execute(q)).scalar()


async def claim(conn: AsyncConnection, item_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
    """pending -> sending for this worker; False if someone else got it first."""
    result = await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.id == item_id, s.outbox.c.state == "pending")
        .values(
            state="sending", claimed_by=worker, claimed_until=now + lease, attempts=s.outbox.c.attempts + 1
        )
    )
    return result.rowcount == 1


async def claim_many(
    conn: AsyncConnection, item_ids: Sequence[int], worker: str, now: datetime, lease: timedelta
) -> set[int]:
    """pending -> sending for this worker, in one statement; returns the ids it got (another worker may
    have taken some since they were listed: the condition on the state decides, under the write lock)."""
    if not item_ids:
        return set()
    result = await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.id.in_(list(item_ids)), s.outbox.c.state == "pending")
        .values(
            state="sending", claimed_by=worker, claimed_until=now + lease, attempts=s.outbox.c.attempts + 1
        )
        .returning(s.outbox.c.id)
    )
    return {row.id for row in result}


async def mark_sent(conn: AsyncConnection, item_id: int, message_id: int | None, now: datetime) -> None:
    await mark_sent_many(conn, [(item_id, message_id)], now)


async def mark_sent_many(
    conn: AsyncConnection, sent: Sequence[tuple[int, int | None]], now: datetime
) -> None:
    """Rows Telegram accepted, (id, message id) each, recorded in one statement (executemany)."""
    if not sent:
        return
    await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.id == bindparam("item_id"))
        .values(state="sent", sent_at=now, message_id=bindparam("mid"), claimed_until=None, error=None),
        [{"item_id": item_id, "mid": message_id} for item_id, message_id in sent],
    )


async def retry_later(
    conn: AsyncConnection, item_id: int, due_at: datetime, error: str, *, chat_id: int | None = None
) -> None:
    values: dict[str, Any] = {
        "state": "pending",
        "due_at": due_at,
        "error": error[:500],
        "claimed_until": None,
    }
    if chat_id is not None:
        values["chat_id"] = chat_id
    await conn.execute(update(s.outbox).where(s.outbox.c.id == item_id).values(**values))


async def drop(conn: AsyncConnection, item_id: int, error: str) -> None:
    await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.id == item_id)
        .values(state="dropped", error=error[:500], claimed_until=None)
    )


async def drop_pending_for_chat(conn: AsyncConnection, chat_id: int, error: str) -> None:
    await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.chat_id == chat_id, s.outbox.c.state == "pending")
        .values(state="dropped", error=error[:500])
    )


async def expire_claims(conn: AsyncConnection, now: datetime) -> int:
    """Rows left 'sending' by a dead worker become 'uncertain' (never resent, always reported)."""
    result = await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.state == "sending", s.outbox.c.claimed_until < now)
        .values(
            state="uncertain", error="proses berhenti saat mengirim; tidak dikirim ulang agar tidak ganda"
        )
    )
    return max(result.rowcount, 0)


async def claiming_workers(conn: AsyncConnection) -> list[str]:
    rows = await conn.execute(select(s.outbox.c.claimed_by).where(s.outbox.c.state == "sending").distinct())
    return [r.claimed_by for r in rows if r.claimed_by]


async def release_worker_claims(
    conn: AsyncConnection, worker: str, departed: Collection[int] | None = None
) -> int:
    """A worker known to be dead: its claims become 'uncertain' now (never resent, always reported).

    With `departed` (the rows it wrote down before sending them, bot.delivery.departures) only those do;
    its other claims never left and go back to 'pending'.  Returns how many became 'uncertain'."""
    mine = and_(s.outbox.c.state == "sending", s.outbox.c.claimed_by == worker)
    if departed is not None:
        claimed = {row.id for row in await conn.execute(select(s.outbox.c.id).where(mine))}
        unsent = sorted(claimed - set(departed))
        if unsent:
            await conn.execute(
                update(s.outbox)
                .where(mine, s.outbox.c.id.in_(unsent))
                .values(
                    state="pending", claimed_by=None, claimed_until=None, attempts=s.outbox.c.attempts - 1
                )
            )
    result = await conn.execute(
        update(s.outbox)
        .where(mine)
        .values(
            state="uncertain", error="proses berhenti saat mengirim; tidak dikirim ulang agar tidak ganda"
        )
    )
    return max(result.rowcount, 0)


async def cancel_pending(conn: AsyncConnection, session_id: int, kinds: Sequence[str]) -> int:
    result = await conn.execute(
        update(s.outbox)
        .where(
            and_(
                s.outbox.c.session_id == session_id, s.outbox.c.state == "pending", s.outbox.c.kind.in_(kinds)
            )
        )
        .values(state="cancelled")
    )
    return max(result.rowcount, 0)


FINAL_STATES = ("sent", "dropped", "cancelled", "uncertain")
# What a row keeps once it no longer needs its chat: no person, no text.  Its kind, session, state and times
# stay (counts in /status and `ngopas doctor`); its key becomes "purged:<id>", unique and naming nobody.
NO_CHAT = 0


def _anonymized() -> dict[str, Any]:
    return {
        "chat_id": NO_CHAT,
        "payload": {},
        "key": literal("purged:") + cast(s.outbox.c.id, String),
        "state": case((s.outbox.c.state == "pending", "cancelled"), else_=s.outbox.c.state),
    }


async def anonymize(conn: AsyncConnection, keys: Sequence[str]) -> int:
    """These messages are no longer wanted by anyone (e.g. the reminder of a survey that ended): a pending
    one is cancelled, and each forgets its chat, text and key.  A row being sent right now is left alone;
    the retention purge gets it later."""
    if not keys:
        return 0
    result = await conn.execute(_ANONYMIZE, {"keys": list(keys)})
    return max(result.rowcount, 0)


# Built once: every stored survey answer forgets its reminder this way, and building the statement cost
# more than running it.
_ANONYMIZE = (
    update(s.outbox)
    .where(s.outbox.c.key.in_(bindparam("keys", expanding=True)), s.outbox.c.state != "sending")
    .values(**_anonymized())
)


async def purge_delivered(conn: AsyncConnection, before: datetime) -> int:
    """Rows finished (sent, dropped, cancelled, uncertain) and created before `before`: their text goes, and
    a row sent to a private chat (a positive id is a person) also forgets that chat and its key.  Group rows
    keep their keys, so a group is still never sent the same message twice."""
    done = s.outbox.c.state.in_(FINAL_STATES) & (s.outbox.c.created_at < before)
    private = await conn.execute(
        update(s.outbox).where(done, s.outbox.c.chat_id > NO_CHAT).values(**_anonymized())
    )
    groups = await conn.execute(
        update(s.outbox)
        .where(done, s.outbox.c.chat_id < NO_CHAT, cast(s.outbox.c.payload, Text) != "{}")
        .values(payload={})
    )
    return max(private.rowcount, 0) + max(groups.rowcount, 0)


@dataclass(frozen=True)
class OutboxStats:
    by_state: dict[str, int]
    oldest_pending_due: datetime | None


async def stats(conn: AsyncConnection) -> OutboxStats:
    rows = await conn.execute(select(s.outbox.c.state, func.count()).group_by(s.outbox.c.state))
    by_state = {state: int(n) for state, n in rows}
    oldest = await next_due(conn)
    return OutboxStats(by_state, oldest)


async def sent_items(conn: AsyncConnection, *, kind: str | None = None) -> list[OutboxItem]:
    q = select(s.outbox).where(s.outbox.c.state == "sent").order_by(s.outbox.c.id)
    if kind:
        q = q.where(s.outbox.c.kind == kind)
    return [_item(r) for r in await conn.execute(q)]
