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

This module does not import Alembic: a database already at `HEAD_REVISION` (every start but the first after an
upgrade) is recognised by reading its `alembic_version`, and the running bot never loads Alembic and Mako
(some 10 MB of its memory for good, bench.footprint).  Everything else runs in `alembic_runner`, imported only
when there is something to do or to read from the revision files.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = Path(__file__).with_name("migrations")
# The newest revision in `migrations/versions`, so a start at the head needs no Alembic.  A new revision
# changes it too: tests/test_light_start.py fails until it equals the head Alembic reads from the files.
HEAD_REVISION = "0016"
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


def alembic_config(script_location: ScriptLocation = None, connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code (no alembic.ini): see `alembic_runner.alembic_config`.  Also what
    a developer passes to `alembic.command.revision` to start a new revision file (`rev_id="0017"`)."""
    from bot.store.alembic_runner import alembic_config as config

    return config(script_location, connection)


def head_revision(script_location: ScriptLocation = None) -> str:
    """The newest revision this code has (what `migrate` brings a database to), read from the revision files."""
    from bot.store.alembic_runner import head_revision as head

    return head(script_location)


def check_revision(revision: str, script_location: ScriptLocation = None) -> None:
    """Raise `DatabaseTooNew` for a revision this code does not have (written by a newer release)."""
    from bot.store.alembic_runner import check_revision as check

    check(revision, script_location)


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


def read_revisions(conn: Connection) -> list[str] | None:
    """The revisions in `alembic_version`, or None where the table is missing (a fresh or legacy database)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return [row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]


def read_legacy(conn: Connection) -> list[str] | None:
    if not inspect(conn).has_table(LEGACY_TABLE):
        return None
    return [row[0] for row in conn.execute(text(f"SELECT name FROM {LEGACY_TABLE}"))]


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision (None before its first migration, or for a pre-Alembic database)."""
    async with engine.connect() as conn:
        revisions = await conn.run_sync(read_revisions)
    return revisions[0] if revisions else None


async def migrate(engine: AsyncEngine, script_location: ScriptLocation = None) -> MigrationReport:
    """Adopt a pre-Alembic database if needed, then upgrade to the head, in one transaction.

    A database already at `HEAD_REVISION` is left as it is without loading Alembic.  `script_location` is
    another migrations folder (tests point it at a copy with one more revision): always through Alembic.
    """
    if script_location is None:
        async with engine.connect() as conn:
            if await conn.run_sync(read_revisions) == [HEAD_REVISION]:
                return MigrationReport(HEAD_REVISION)
    from bot.store.alembic_runner import upgrade

    return await upgrade(engine, script_location)
