"""Consistent online backups of the SQLite store, and restoring one.

`sqlite3.Connection.backup` copies a live database page by page under SQLite's own locking, so a backup
taken while the bot runs is consistent (a plain file copy of a WAL database may not be).  Restoring checks
the file is a database this version understands before it replaces anything, and keeps the old one aside.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.store.migrate import DatabaseTooNew, sqlite_file_revision


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why in Indonesian."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Cadangan bawaan hanya untuk SQLite; untuk PostgreSQL gunakan pg_dump.")
    return Path(url.database)


Progress = Callable[[int, int], None]  # (pages done, pages in all)


def _pages(on_progress: Progress | None) -> dict:
    if on_progress is None:
        return {}
    return {"pages": 256, "progress": lambda _status, remaining, total: on_progress(total - remaining, total)}


def backup(database_url: str, target: Path, on_progress: Progress | None = None) -> int:
    """Write a consistent copy of the live database to `target`; returns its size in bytes."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"Basis data {source} belum ada; tidak ada yang dicadangkan.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    with sqlite3.connect(source) as src, sqlite3.connect(tmp) as dst:
        src.backup(dst, **_pages(on_progress))
    tmp.replace(target)
    return target.stat().st_size


def check_backup(path: Path) -> str | None:
    """The schema revision of a backup (a pre-Alembic one's from its schema_migrations), refusing files that
    are not ours or are newer than this code."""
    try:
        return sqlite_file_revision(path)
    except sqlite3.DatabaseError:
        raise BackupError(
            f"{path} bukan cadangan ngopas-bot (bukan basis data SQLite yang dikenal)."
        ) from None
    except DatabaseTooNew as exc:
        raise BackupError(
            f"Cadangan {path} dibuat versi yang lebih baru ({exc.found}); perbarui aplikasi dulu."
        ) from None


def restore(database_url: str, source: Path, on_progress: Progress | None = None) -> Path | None:
    """Replace the database with `source` (stop the bot first); the current file is kept as .sebelum-pulih-<time>."""
    if not source.exists():
        raise BackupError(f"Berkas cadangan {source} tidak ditemukan.")
    check_backup(source)
    target = sqlite_path(database_url)
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.sebelum-pulih-{datetime.now(UTC):%Y%m%d%H%M%S}")
        shutil.copy2(target, kept)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst, **_pages(on_progress))
    return kept
