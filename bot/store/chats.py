"""Chats and their section subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s

ALL_SECTIONS = "*"


@dataclass(frozen=True)
class Chat:
    id: int
    type: str
    title: str | None
    language: str
    active: bool

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


def _insert(conn: AsyncConnection):  # noqa: ANN202 - the dialect's INSERT with ON CONFLICT
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def _stamp(chat_id: int, now: datetime) -> datetime:
    """When a chat's row changed: for a person's private chat (a positive id) only the day.  The moment would
    be when they opened a survey through its link, and would time their answers against their chat."""
    if chat_id > 0:
        return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return now


def _chat(row: object) -> Chat:
    return Chat(row.id, row.type, row.title, row.language, bool(row.active))  # type: ignore[attr-defined]


async def upsert_chat(
    conn: AsyncConnection,
    *,
    chat_id: int,
    type: str,
    title: str | None,
    now: datetime,
    language: str | None = None,
    active: bool | None = True,
    added_by: int | None = None,
) -> Chat:
    """Record a chat we have seen; reactivates it when `active` is True (the bot was re-added/unblocked)."""
    now = _stamp(chat_id, now)
    row = (await conn.execute(select(s.chat).where(s.chat.c.id == chat_id))).first()
    inserted = False
    if row is None:
        # Two updates from a new chat can be handled at once (on PostgreSQL, in parallel): the loser updates.
        result = await conn.execute(
            _insert(conn)(s.chat)
            .values(
                id=chat_id,
                type=type,
                title=title,
                language=language or "id",
                active=active is not False,
                added_by=added_by,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        inserted = result.rowcount == 1
    if not inserted:
        values: dict[str, object] = {"type": type, "title": title, "updated_at": now}
        if language:
            values["language"] = language
        if active is not None:
            values["active"] = active
            if active:
                values["inactive_reason"] = None
        if added_by is not None:
            values["added_by"] = added_by
        await conn.execute(update(s.chat).where(s.chat.c.id == chat_id).values(**values))
    got = await get_chat(conn, chat_id)
    assert got is not None
    return got


async def get_chat(conn: AsyncConnection, chat_id: int) -> Chat | None:
    row = (await conn.execute(select(s.chat).where(s.chat.c.id == chat_id))).first()
    return _chat(row) if row else None


async def set_language(conn: AsyncConnection, chat_id: int, language: str, now: datetime) -> None:
    await conn.execute(update(s.chat).where(s.chat.c.id == chat_id).values(language=language, updated_at=now))


async def deactivate(conn: AsyncConnection, chat_id: int, reason: str, now: datetime) -> None:
    """Blocked, kicked or gone: keep the row and its subscriptions (re-adding restores them), stop sending."""
    await conn.execute(
        update(s.chat)
        .where(s.chat.c.id == chat_id)
        .values(active=False, inactive_reason=reason, updated_at=_stamp(chat_id, now))
    )


async def migrate_chat(conn: AsyncConnection, old_id: int, new_id: int, now: datetime) -> None:
    """A group became a supergroup: its subscriptions and pending messages follow it to the new id."""
    old = (await conn.execute(select(s.chat).where(s.chat.c.id == old_id))).first()
    if old is None:
        return
    # Telegram sends the migration twice (to the old and the new chat) and the two may be handled at once by
    # different workers: every insert here tolerates the other one having won.
    insert = _insert(conn)
    await conn.execute(
        insert(s.chat)
        .values(
            id=new_id,
            type="supergroup",
            title=old.title,
            language=old.language,
            active=True,
            added_by=old.added_by,
            created_at=old.created_at,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    await conn.execute(update(s.chat).where(s.chat.c.id == new_id).values(active=True, updated_at=now))
    existing = {
        r.section
        for r in await conn.execute(
            select(s.subscription.c.section).where(s.subscription.c.chat_id == new_id)
        )
    }
    for sub in (await conn.execute(select(s.subscription).where(s.subscription.c.chat_id == old_id))).all():
        if sub.section not in existing:
            await conn.execute(
                insert(s.subscription)
                .values(
                    chat_id=new_id, section=sub.section, created_by=sub.created_by, created_at=sub.created_at
                )
                .on_conflict_do_nothing(index_elements=["chat_id", "section"])
            )
    await conn.execute(delete(s.subscription).where(s.subscription.c.chat_id == old_id))
    await conn.execute(
        update(s.chat)
        .where(s.chat.c.id == old_id)
        .values(active=False, inactive_reason="migrated", migrated_to=new_id, updated_at=now)
    )
    await conn.execute(
        update(s.outbox)
        .where(s.outbox.c.chat_id == old_id, s.outbox.c.state == "pending")
        .values(chat_id=new_id)
    )


async def subscriptions(conn: AsyncConnection, chat_id: int) -> set[str]:
    rows = await conn.execute(select(s.subscription.c.section).where(s.subscription.c.chat_id == chat_id))
    return {r.section for r in rows}


async def set_subscriptions(
    conn: AsyncConnection, chat_id: int, sections: Iterable[str], *, by: int | None, now: datetime
) -> set[str]:
    """Replace a chat's subscriptions (ALL_SECTIONS alone means every section)."""
    wanted = set(sections)
    if ALL_SECTIONS in wanted:
        wanted = {ALL_SECTIONS}
    current = await subscriptions(conn, chat_id)
    gone = current - wanted
    if gone:
        await conn.execute(
            delete(s.subscription).where(
                s.subscription.c.chat_id == chat_id, s.subscription.c.section.in_(gone)
            )
        )
    for section in sorted(wanted - current):
        await conn.execute(
            s.subscription.insert().values(chat_id=chat_id, section=section, created_by=by, created_at=now)
        )
    return wanted


async def subscribers(conn: AsyncConnection, section: str) -> list[Chat]:
    """Active chats following `section` (directly or through "Semua")."""
    q = (
        select(s.chat)
        .join(s.subscription, s.subscription.c.chat_id == s.chat.c.id)
        .where(
            s.chat.c.active.is_(True),
            or_(s.subscription.c.section == section, s.subscription.c.section == ALL_SECTIONS),
        )
        .distinct()
        .order_by(s.chat.c.id)
    )
    return [_chat(r) for r in await conn.execute(q)]


async def count_subscribers(conn: AsyncConnection) -> int:
    q = (
        select(func.count(func.distinct(s.subscription.c.chat_id)))
        .join(s.chat, s.chat.c.id == s.subscription.c.chat_id)
        .where(s.chat.c.active.is_(True))
    )
    return int((await conn.execute(q)).scalar_one())


async def forget(conn: AsyncConnection, chat_id: int) -> bool:
    """/hapus_data for a private chat: the chat, its subscriptions and every message queued or sent to it."""
    await conn.execute(delete(s.subscription).where(s.subscription.c.chat_id == chat_id))
    await conn.execute(delete(s.outbox).where(s.outbox.c.chat_id == chat_id))
    result = await conn.execute(delete(s.chat).where(s.chat.c.id == chat_id))
    return bool(result.rowcount)


async def forget_user(conn: AsyncConnection, user_id: int) -> None:
    """/hapus_data: the groups this person brought the bot into or subscribed keep both, without their id."""
    await conn.execute(update(s.chat).where(s.chat.c.added_by == user_id).values(added_by=None))
    await conn.execute(
        update(s.subscription).where(s.subscription.c.created_by == user_id).values(created_by=None)
    )


async def subscribed_groups(conn: AsyncConnection) -> list[Chat]:
    """Active groups and supergroups with any subscription (the monthly community post goes to them)."""
    q = (
        select(s.chat)
        .where(s.chat.c.active.is_(True), s.chat.c.type.in_(("group", "supergroup")))
        .where(s.chat.c.id.in_(select(s.subscription.c.chat_id)))
        .order_by(s.chat.c.id)
    )
    return [_chat(r) for r in await conn.execute(q)]
