"""Small named values the bot remembers between runs (e.g. the last day a digest went out)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s


async def get(conn: AsyncConnection, key: str, default: Any = None) -> Any:
    row = (await conn.execute(select(s.meta.c.value).where(s.meta.c.key == key))).first()
    return default if row is None else row.value


async def put(conn: AsyncConnection, key: str, value: Any) -> None:
    """Upsert, so two workers writing the same key never fail on the primary key."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(s.meta).values(key=key, value=value)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value})
    )
