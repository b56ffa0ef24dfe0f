"""Consistent online backups of the SQLite store, and restoring one.

`sqlite3.Connection.backup` copies a live database page by page under SQLite's own locking, and reads
through the write-ahead log, so a backup taken while the bot runs is consistent and complete (a plain file
copy of a WAL database may miss every transaction committed since the last checkpoint).  A backup is
written beside its target and renamed over it when complete (`bot.base.files.atomic_output`).

Restoring checks the file is a database this version understands, then takes the database over: switching
it out of WAL mode needs every other connection closed, so a running bot (whose next write would undo the
restore) is refused rather than raced.  The current database is kept beside it as a safety copy made with
the same backup API (WAL included), and the restored database is built in a new file and renamed into place,
so a backup of another page size restores too, and a failure at any step leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.base.files import FileProblem, atomic_output, check_input, check_output
from bot.store.migrate import DatabaseTooNew, sqlite_file_revision


class BackupError(FileProblem):
    """A backup or restore that cannot be done; the message says why in Indonesian, `code` is the exit code."""


def sqlite_path(database_url: str, action: str = "backup") -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        if action == "restore":
            raise BackupError(
                "ngopas restore memulihkan cadangan SQLite dari `ngopas backup`; basis data ini PostgreSQL: "
                "hentikan bot, lalu pulihkan hasil pg_dump dengan psql (mis. psql ngopas < cadangan.sql)."
            )
        raise BackupError("Cadangan bawaan hanya untuk SQLite; untuk PostgreSQL gunakan pg_dump.")
    return Path(url.database)


Progress = Callable[[int, int], None]  # (pages done, pages in all)


def _pages(on_progress: Progress | None) -> dict:
    if on_progress is None:
        return {}
    return {"pages": 256, "progress": lambda _status, remaining, total: on_progress(total - remaining, total)}


def _primary(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


_FULL, _IOERR, _CORRUPT, _NOTADB, _BUSY, _LOCKED, _READONLY, _CANTOPEN = 13, 10, 11, 26, 5, 6, 8, 14


def _write_reason(exc: sqlite3.Error) -> tuple[str, int]:
    """Why SQLite could not write a copy, in a few words, and the exit code."""
    code = _primary(exc)
    if code == _FULL:
        return "disk penuh; kosongkan ruang disk lalu ulangi", 1
    if code == _IOERR:
        return "kesalahan baca/tulis disk (disk penuh atau rusak)", 1
    if code in (_READONLY, _CANTOPEN):
        return "tidak dapat ditulis; periksa izin dan ruang foldernya", 2
    return str(exc), 1


def _damaged(exc: sqlite3.Error) -> bool:
    return _primary(exc) in (_CORRUPT, _NOTADB)


def _copy(src: sqlite3.Connection, path: Path, lead: str, on_progress: Progress | None = None) -> None:
    """Copy the database open in `src` into the new file `path` with SQLite's backup API."""
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as dst:
            src.backup(dst, **_pages(on_progress))
            # a self-contained file: no -wal/-shm beside it when it is read, even from a read-only folder
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        if _damaged(exc):
            raise
        reason, code = _write_reason(exc)
        raise BackupError(f"{lead}: {reason}.", code) from None


def backup(database_url: str, target: Path, on_progress: Progress | None = None) -> int:
    """Write a consistent copy of the live database to `target`; returns its size in bytes."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"Basis data {source} belum ada; tidak ada yang dicadangkan.")
    if target.exists() and target.samefile(source):
        raise BackupError(f"{target} adalah basis data itu sendiri; tulis cadangan ke berkas lain.")
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            atomic_output(target, "Cadangan", "ngopas-2026-03-23.db") as tmp,
        ):
            try:
                src.execute("PRAGMA schema_version").fetchone()  # a damaged file fails here, not mid-copy
            except sqlite3.DatabaseError as exc:
                raise BackupError(
                    f"Basis data {source} rusak atau bukan basis data SQLite ({exc}); tidak ada yang "
                    "dicadangkan. Pulihkan cadangan terakhir dengan ngopas restore.",
                    1,
                ) from None
            _copy(src, tmp, f"Cadangan tidak dapat ditulis ke {target}", on_progress)
            for suffix in ("-wal", "-shm"):  # left by a reader of the file replaced: not for the new one
                Path(f"{target}{suffix}").unlink(missing_ok=True)
    except FileProblem as exc:
        raise BackupError(str(exc), exc.code) from None
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


def _in_use(target: Path) -> BackupError:
    return BackupError(
        f"Basis data {target} sedang dipakai (bot masih berjalan?); hentikan bot dulu "
        "(sudo systemctl stop ngopas), lalu ulangi ngopas restore.",
        1,
    )


def _take_over(conn: sqlite3.Connection, target: Path) -> bool:
    """Fold the WAL into the main file and leave WAL mode, which SQLite allows only when no other connection
    has the database open.  False: the file is damaged (no SQLite database to take over)."""
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.Error as exc:
        if _damaged(exc):
            return False
        if _primary(exc) in (_BUSY, _LOCKED):
            raise _in_use(target) from None
        raise BackupError(f"Basis data {target} tidak dapat dibuka ({exc}).", 1) from None
    if str(mode).lower() != "delete":
        raise _in_use(target)
    return True


def _keep_damaged(target: Path, kept: Path) -> None:
    """A damaged database cannot be read by SQLite: keep its files as they are."""
    for suffix in ("", "-wal"):
        if os.path.exists(f"{target}{suffix}"):
            with atomic_output(Path(f"{kept}{suffix}"), "Salinan pengaman") as tmp:
                shutil.copyfile(f"{target}{suffix}", tmp)


def restore(database_url: str, source: Path, on_progress: Progress | None = None) -> Path | None:
    """Replace the database with `source` (the bot stopped); the current one is kept as .sebelum-pulih-<time>."""
    target = sqlite_path(database_url, "restore")
    try:
        check_input(source)
    except FileProblem as exc:
        raise BackupError(f"Cadangan: {exc}", exc.code) from None
    check_backup(source)
    try:
        check_output(target, "ngopas.db")
    except FileProblem as exc:
        raise BackupError(str(exc), exc.code) from None
    if target.exists() and target.samefile(source):
        raise BackupError(
            f"{source} adalah basis data itu sendiri; pilih berkas cadangan dari ngopas backup."
        )
    existed = target.exists() and target.stat().st_size > 0
    kept = (
        target.with_name(f"{target.name}.sebelum-pulih-{datetime.now(UTC):%Y%m%d%H%M%S}") if existed else None
    )
    cancelled = "Pemulihan dibatalkan (basis data tidak diubah)"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target, timeout=2, isolation_level=None)) as current:
            readable = _take_over(current, target)
            if kept is not None:
                if readable:
                    with atomic_output(kept, f"{cancelled}: salinan pengaman") as tmp:
                        _copy(current, tmp, f"{cancelled}: salinan pengaman tidak dapat ditulis ke {kept}")
                else:
                    _keep_damaged(target, kept)
        with atomic_output(target, f"{cancelled}: basis data") as tmp:
            with closing(sqlite3.connect(source, timeout=30)) as src:
                _copy(src, tmp, f"{cancelled}: basis data tidak dapat ditulis ke {target}", on_progress)
            # the old database's log and index must not be applied to the new file
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
    except FileProblem as exc:
        raise BackupError(str(exc), exc.code) from None
    except sqlite3.Error as exc:
        raise BackupError(f"{cancelled}: {exc}.", 1) from None
    return kept
