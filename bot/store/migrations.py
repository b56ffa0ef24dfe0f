"""Named schema migrations, recorded in `schema_migrations`, each applied in its own transaction.

Like sqlite-utils' migrations: a migration runs once, in order, and is recorded in the same transaction that
applies it, so a crash mid-upgrade leaves the database at the previous version.  A database that records a
migration this code does not know was written by a newer release: we refuse to run rather than guess.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import schema as s

MIGRATION_LOCK = 0x6E676F706173  # "ngopas": the PostgreSQL advisory lock held while migrating
Migration = tuple[str, Callable[[AsyncConnection], Awaitable[None]]]


class DatabaseTooNew(RuntimeError):
    """The database was upgraded by a newer ngopas-bot than this one."""


def _creates(*tables: str) -> Callable[[AsyncConnection], Awaitable[None]]:
    async def run(conn: AsyncConnection) -> None:
        await conn.run_sync(
            lambda sync_conn: s.metadata.create_all(
                sync_conn, tables=[s.metadata.tables[name] for name in tables], checkfirst=True
            )
        )

    return run


MIGRATIONS: list[Migration] = [
    ("0001_chats_sessions_outbox", _creates("chat", "subscription", "session", "schedule", "outbox", "meta")),
    ("0002_survey", _creates("survey_draft", "response")),
    ("0003_sheet_outbox", _creates("sheet_outbox")),
    ("0004_aspirations", _creates("aspiration", "aspiration_route", "aspiration_draft")),
]


async def _applied(conn: AsyncConnection) -> set[str]:
    has_table = await conn.run_sync(lambda c: inspect(c).has_table("schema_migrations"))
    if not has_table:
        await conn.run_sync(lambda c: s.schema_migrations.create(c))
        return set()
    rows = await conn.execute(select(s.schema_migrations.c.name))
    return {row.name for row in rows}


async def apply_migrations(engine: AsyncEngine, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    migrations = MIGRATIONS if migrations is None else migrations
    if engine.dialect.name == "postgresql":
        # Several workers may start at once: one migrates while the others wait, then find nothing to do.
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            await conn.commit()
            try:
                return await _apply(engine, migrations)
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                await conn.commit()
    return await _apply(engine, migrations)


async def _apply(engine: AsyncEngine, migrations: list[Migration]) -> list[str]:
    async with engine.begin() as conn:
        done = await _applied(conn)
    known = {name for name, _ in migrations}
    unknown = sorted(done - known)
    if unknown:
        raise DatabaseTooNew(
            f"Basis data ini dibuat oleh versi ngopas-bot yang lebih baru (migrasi {unknown[-1]}); "
            "perbarui aplikasi atau pulihkan cadangan yang cocok."
        )
    applied: list[str] = []
    for name, run in migrations:
        if name in done:
            continue
        async with engine.begin() as conn:
            await run(conn)
            await conn.execute(s.schema_migrations.insert().values(name=name, applied_at=datetime.now(UTC)))
        applied.append(name)
    return applied
