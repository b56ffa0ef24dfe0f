"""The Alembic half of `bot.store.migrate`: reading the revision files, adopting and upgrading a database.

Imported only when `migrate` finds a database that is not at `HEAD_REVISION` (a fresh one, an older one, a
pre-Alembic one) or when a command asks about the revision files (`ngopas doctor`, a backup's check): Alembic
and Mako stay out of the running bot's memory.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.migrate import (
    LEGACY_TABLE,
    MIGRATION_LOCK,
    SCRIPT_LOCATION,
    DatabaseTooNew,
    MigrationReport,
    ScriptLocation,
    legacy_revision,
    read_legacy,
    read_revisions,
)

log = logging.getLogger("bot.store.migrate")  # the operator's log names the migration, as before


def _location(script_location: ScriptLocation) -> str:
    return str(Path(script_location or SCRIPT_LOCATION).resolve())


def alembic_config(script_location: ScriptLocation = None, connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code (no alembic.ini): the folder by absolute path, the connection
    for env.py in `attributes`.  Also what a developer passes to `alembic.command.revision` to start a new
    revision file (name it with `rev_id="0006"`)."""
    config = Config()
    config.set_main_option("script_location", _location(script_location).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")  # 0006_session_note.py
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=8)
def _script(location: str) -> ScriptDirectory:
    # Reading the revision files costs a few milliseconds; the store opens many times in one test run.
    return ScriptDirectory.from_config(alembic_config(location))


def head_revision(script_location: ScriptLocation = None) -> str:
    """The newest revision this code has (what `migrate` brings a database to)."""
    head = _script(_location(script_location)).get_current_head()
    assert head is not None, "no revisions in the migrations folder"
    return head


def known_revisions(script_location: ScriptLocation = None) -> set[str]:
    return {script.revision for script in _script(_location(script_location)).walk_revisions()}


def check_revision(revision: str, script_location: ScriptLocation = None) -> None:
    """Raise `DatabaseTooNew` for a revision this code does not have (written by a newer release)."""
    if revision not in known_revisions(script_location):
        raise DatabaseTooNew(f"revisi {revision}")


async def upgrade(engine: AsyncEngine, script_location: ScriptLocation = None) -> MigrationReport:
    """Adopt a pre-Alembic database if needed, then upgrade to the head, in one transaction (see `migrate`)."""
    location = _location(script_location)
    async with _one_alembic_at_a_time(), engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE (see engine._sqlite_begin): a second process starting at the same moment waits
            # for this one's commit, then finds nothing to do, instead of failing on a stale read.
            await conn.execution_options(ngopas_write=True)
        report = await conn.run_sync(_migrate_sync, location)
    if report.adopted or report.upgraded:
        log.info(report.summary())  # an existing database changed: worth a line in the operator's log
    return report


_ALEMBIC = threading.Lock()


@asynccontextmanager
async def _one_alembic_at_a_time() -> AsyncIterator[None]:
    """Alembic's `op` and `context` are module-level proxies: two migrations interleaved in one process (two
    stores opened at once, even on different databases) would run each other's operations.  The database
    locks order processes; this orders the migrations inside one process, across tasks, loops and threads.
    Polled rather than awaited in a thread, so a cancelled waiter never leaves the lock taken."""
    while not _ALEMBIC.acquire(blocking=False):  # noqa: ASYNC110 - an Event cannot span loops and threads
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        _ALEMBIC.release()


def _migrate_sync(conn: Connection, location: str) -> MigrationReport:
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Only outside a transaction does this pragma take effect; foreign keys are checked before COMMIT.
        _sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
    try:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            report = _upgrade(conn, location)
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(
                        f"Migrasi membatalkan diri: kunci asing rusak di tabel {broken[0][0]}."
                    )
        return report
    finally:
        if sqlite:
            try:
                _sqlite_pragma(conn, "PRAGMA foreign_keys=ON")
            except Exception:
                conn.invalidate()  # never back into the pool with foreign keys off; keeps the first error


def _sqlite_pragma(conn: Connection, statement: str) -> None:
    """Run a pragma on the driver's connection itself: through SQLAlchemy it would open a transaction first."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _upgrade(conn: Connection, location: str) -> MigrationReport:
    script = _script(location)
    head = script.get_current_head()
    assert head is not None, "no revisions in the migrations folder"
    config = alembic_config(location, conn)
    adopted = None
    revisions = read_revisions(conn)
    if revisions:
        for revision in revisions:
            check_revision(revision, location)
        current: str | None = revisions[0]
    else:
        legacy = read_legacy(conn) if revisions is None else None
        current = adopted = legacy_revision(legacy) if legacy is not None else None
        if adopted is not None:
            command.stamp(config, adopted)
        elif legacy is not None:
            # An interrupted first start of 0.1.0: the empty marker table and nothing else; 0001 makes it anew.
            conn.execute(text(f"DROP TABLE {LEGACY_TABLE}"))
    if current == head:
        return MigrationReport(head, adopted=adopted)
    pending = [s.revision for s in script.iterate_revisions(head, current or "base")]
    command.upgrade(config, head)
    return MigrationReport(head, tuple(reversed(pending)), adopted, upgraded=current is not None)


if logging.getLogger("alembic").level == logging.NOTSET:
    # Alembic narrates every step at INFO, in English; `migrate` logs one Indonesian summary instead.
    logging.getLogger("alembic").setLevel(logging.WARNING)
