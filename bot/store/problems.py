"""Where the database is, and what an operator is told when it cannot be used (one sentence, no traceback).

A damaged file, a full disk, a folder that cannot be created or a PostgreSQL server that does not answer
reach the command line as SQLAlchemy, sqlite3 or OS errors; `database_problem` turns each into a
`DatabaseProblem` naming the database and what to do, and leaves every other error alone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError


class DatabaseProblem(Exception):
    """The database cannot be opened or written; `str()` is one sentence, `code` the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL (None for PostgreSQL or an in-memory database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def describe_database(database_url: str) -> str:
    """The database as an operator recognises it: the absolute file, or the server URL without password."""
    path = sqlite_file(database_url)
    if path is not None:
        return str(path.absolute())
    return make_url(database_url).render_as_string(hide_password=True)


# SQLite's primary result codes (https://sqlite.org/rescode.html)
_CORRUPT, _NOTADB, _FULL, _IOERR, _READONLY, _CANTOPEN, _PERM, _BUSY, _LOCKED = 11, 26, 13, 10, 8, 14, 3, 5, 6


def _sqlite_sentence(exc: sqlite3.Error, where: str) -> DatabaseProblem:
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (_CORRUPT, _NOTADB):
        return DatabaseProblem(
            f"Basis data {where} rusak atau bukan basis data SQLite ({exc}); pulihkan cadangan terakhir "
            "dengan ngopas restore."
        )
    if code == _FULL:
        return DatabaseProblem(
            f"Basis data {where} tidak dapat ditulis: disk penuh; kosongkan ruang disk lalu ulangi."
        )
    if code == _IOERR:
        return DatabaseProblem(f"Basis data {where} tidak dapat dibaca atau ditulis: kesalahan disk ({exc}).")
    if code in (_READONLY, _CANTOPEN, _PERM):
        return DatabaseProblem(
            f"Basis data {where} tidak dapat dibuka atau ditulis ({exc}); periksa pemilik dan izin berkas dan "
            "foldernya (pengguna yang menjalankan bot harus bisa menulis keduanya)."
        )
    if code in (_BUSY, _LOCKED):
        return DatabaseProblem(
            f"Basis data {where} terkunci terlalu lama oleh proses lain; ulangi sebentar lagi."
        )
    return DatabaseProblem(f"Basis data {where} tidak dapat dipakai ({exc}).")


def database_problem(
    exc: BaseException, database_url: str, *, opening: bool = False
) -> DatabaseProblem | None:
    """The sentence for an error of the database itself, or None for any other error.  `opening`: raised
    while the store was being opened, so an OSError is about the database (its folder, its server)."""
    where = describe_database(database_url)
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(orig, sqlite3.Error):
        return _sqlite_sentence(orig, where)
    if not isinstance(exc, DBAPIError) and not (opening and isinstance(exc, OSError)):
        return None
    if sqlite_file(database_url) is None:
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        return DatabaseProblem(
            f"Basis data PostgreSQL {where} tidak dapat dipakai ({first}); periksa NGOPAS_DATABASE_URL dan "
            "bahwa server PostgreSQL berjalan."
        )
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return DatabaseProblem(
            f"Basis data {where} tidak dapat dibuat atau dibuka ({reason}); periksa folder di NGOPAS_DATABASE_URL."
        )
    return DatabaseProblem(f"Basis data {where} tidak dapat dipakai ({orig}).")
