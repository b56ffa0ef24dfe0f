"""Schema migrations with Alembic: the revisions in `migrations/versions`, applied on start and by `ngopas migrate`.

Each revision spells out its operations (never `metadata.create_all`), so a revision means the same thing
forever and a new column is one new revision.  Everything pending runs in ONE transaction: a crash
mid-upgrade leaves the database at the revision it had.  Around it, PostgreSQL holds an advisory lock (several
workers may start at once: one migrates, the others then find nothing to do) and SQLite takes its write lock
at BEGIN, with foreign keys off (so a batch "copy the table" step can never cascade a DELETE) and checked
before the commit.

Databases from before Alembic (0.1.0) have a `schema_migrations` table naming the migrations they ran and no
`alembic_version`: they are *adopted* by stamping the revision those names stand for, then upgraded.  Both
ways, a database newer than this code is refused rather than guessed at: an `alembic_version` naming a
revision this code does not have raises `DatabaseTooNew`, and revision 0005 writes `0005_alembic` into
`schema_migrations`, a name the older releases do not know, so they refuse a database upgraded here.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x6E676F706173  # "ngopas": the PostgreSQL advisory lock held while migrating
VERSION_TABLE = "alembic_version"
LEGACY_TABLE = "schema_migrations"
# The migrations of the releases before Alembic, in order, and the revision that reproduces each.
LEGACY_MIGRATIONS: dict[str, str] = {
    "0001_chats_sessions_outbox": "0001",
    "0002_survey": "0002",
    "0003_sheet_outbox": "0003",
    "0004_aspirations": "0004",
}

ScriptLocation = str | Path | None


class DatabaseTooNew(RuntimeError):
    """The database was upgraded by a newer ngopas-bot than this one; `found` names what gave it away."""

    def __init__(self, found: str) -> None:
        self.found = found  # e.g. "revisi 0007" or "migrasi 0009_sesuatu"
        super().__init__(
            f"Basis data ini dibuat oleh versi ngopas-bot yang lebih baru ({found}); "
            "perbarui aplikasi atau pulihkan cadangan yang cocok."
        )


@dataclass(frozen=True)
class MigrationReport:
    """What one `migrate` call found and did."""

    revision: str  # the database's revision now (the head)
    applied: tuple[str, ...] = ()  # revisions applied now, oldest first
    adopted: str | None = None  # a pre-Alembic database was stamped at this revision first
    upgraded: bool = False  # an existing database (not a fresh one) had revisions applied

    def summary(self) -> str:
        """One Indonesian sentence (or three) for the operator, e.g. for `ngopas migrate`."""
        parts = []
        if self.adopted:
            parts.append(f"Basis data versi lama diambil alih pada revisi {self.adopted}.")
        if self.applied:
            parts.append(f"Migrasi diterapkan: {', '.join(self.applied)}.")
        parts.append(f"Basis data mutakhir (revisi {self.revision}).")
        return " ".join(parts)


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


def legacy_revision(names: Iterable[str]) -> str | None:
    """The revision a pre-Alembic database stands at, from the names in its `schema_migrations`.

    Raises `DatabaseTooNew` for a name the releases before Alembic did not have (a newer release wrote it,
    e.g. `0005_alembic` when `alembic_version` was lost).
    """
    done = set(names)
    unknown = sorted(done - LEGACY_MIGRATIONS.keys())
    if unknown:
        raise DatabaseTooNew(f"migrasi {unknown[-1]}")
    applied = [name for name in LEGACY_MIGRATIONS if name in done]
    if applied != list(LEGACY_MIGRATIONS)[: len(applied)]:
        # The legacy code applied its migrations in order, each committed with its name: never a gap.
        raise RuntimeError(f"Catatan migrasi lama tidak berurutan ({', '.join(applied)}); pulihkan cadangan.")
    return LEGACY_MIGRATIONS[applied[-1]] if applied else None


def sqlite_file_revision(path: Path, script_location: ScriptLocation = None) -> str | None:
    """The revision of a SQLite file (e.g. a backup), read-only and without migrating it.

    A file from before Alembic gives the revision its `schema_migrations` stands for.  Raises
    `DatabaseTooNew` for a newer file, `sqlite3.DatabaseError` for a file that is no ngopas-bot database.
    """
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if VERSION_TABLE in tables:
            revisions = [row[0] for row in conn.execute(f"SELECT version_num FROM {VERSION_TABLE}")]
            for revision in revisions:
                check_revision(revision, script_location)
            return revisions[0] if revisions else None
        names = [row[0] for row in conn.execute(f"SELECT name FROM {LEGACY_TABLE}")]  # noqa: S608
    return legacy_revision(names)


def _read_revisions(conn: Connection) -> list[str] | None:
    """The revisions in `alembic_version`, or None where the table is missing (a fresh or legacy database)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return [row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]


def _read_legacy(conn: Connection) -> list[str] | None:
    if not inspect(conn).has_table(LEGACY_TABLE):
        return None
    return [row[0] for row in conn.execute(text(f"SELECT name FROM {LEGACY_TABLE}"))]


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision (None before its first migration, or for a pre-Alembic database)."""
    async with engine.connect() as conn:
        revisions = await conn.run_sync(_read_revisions)
    return revisions[0] if revisions else None


async def migrate(engine: AsyncEngine, script_location: ScriptLocation = None) -> MigrationReport:
    """Adopt a pre-Alembic database if needed, then upgrade to the head, in one transaction.

    `script_location` is another migrations folder (tests point it at a copy with one more revision).
    """
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
    revisions = _read_revisions(conn)
    if revisions:
        for revision in revisions:
            check_revision(revision, location)
        current: str | None = revisions[0]
    else:
        legacy = _read_legacy(conn) if revisions is None else None
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
