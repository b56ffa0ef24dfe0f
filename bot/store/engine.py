"""Opening the database: one engine, WAL for SQLite, migrations applied on start."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .migrations import apply_migrations

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the Sheets flusher read while a citizen's answer is being written; NORMAL sync is durable
    # across a process crash (only an OS crash can lose the last transaction), busy_timeout absorbs short
    # lock waits instead of failing a citizen's button press.
    # Take the write lock at BEGIN (IMMEDIATE) rather than at the first write: two deferred transactions
    # that both read then write would otherwise fail with "database is locked" regardless of busy_timeout.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Writers take the lock at BEGIN (IMMEDIATE); readers begin deferred, so under WAL they never wait on a
    writer, not even on one in the same task (a sweep reading answers inside its own write transaction).
    A single-statement write (`Store.write_one`) runs in autocommit: SQLite makes one statement atomic."""
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("ngopas_write") else "BEGIN")


class Store:
    """The embedded source of truth.  All SQL lives in this package; callers use `begin()`/`connect()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # SQLite has one writer at a time.  Queueing our own writers here (instead of letting several pooled
        # connections race for the lock) avoids SQLite's busy handler, which waits in sleeps of up to 100 ms.
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._hot: _HotWriter | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self._hot = _HotWriter(engine.url.set(drivername="sqlite+pysqlite"))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        store = cls(engine)
        if migrate:
            await apply_migrations(engine)
        return store

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed on success, rolled back on any exception."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        # Check the connection out (and return it, with its reset) outside the lock: the lock covers only
        # BEGIN IMMEDIATE .. COMMIT, which is what SQLite serialises anyway.
        async with self.engine.connect() as base:
            conn = await base.execution_options(ngopas_write=True)
            async with self._write_lock, conn.begin():
                yield conn

    async def write_one(self, statement: Any, params: dict[str, Any] | None = None) -> int:
        """Run one write statement on its own (atomic by itself); returns the rows it changed.

        The hot path of a survey press: no BEGIN/COMMIT round trips, and the SQLite lock is held for exactly
        one statement.
        """
        if self._hot is not None and self._write_lock is not None:
            async with self._write_lock:
                changed = await self._hot.run(statement, params)
            if self._hot.checkpoint_due() and (self._checkpointing is None or self._checkpointing.done()):
                self._checkpointing = asyncio.create_task(self._checkpoint(), name="sqlite-checkpoint")
            return changed
        async with self.engine.connect() as base:
            conn = await base.execution_options(isolation_level="AUTOCOMMIT")
            return max((await conn.execute(statement, params)).rowcount, 0)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A read connection (no implicit commit)."""
        async with self.engine.connect() as conn:
            yield conn

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database on the worker thread, with our writers held back meanwhile: only a
        checkpoint that catches up completely lets the next write start the WAL file from its beginning."""
        assert self._hot is not None and self._write_lock is not None
        try:
            async with self._write_lock:
                await self._hot.checkpoint()
        except Exception as exc:  # harmless for the data: the WAL keeps every write until the next one
            log.warning("SQLite WAL checkpoint failed: %s", exc)

    async def close(self) -> None:
        if self._checkpointing is not None:
            await self._checkpointing
        if self._hot is not None:
            await self._hot.close()
        await self.engine.dispose()


class _HotWriter:
    """Single-statement SQLite writes, run on the event loop itself when the lock is free.

    Through aiosqlite a statement costs several round trips between the event loop and the driver's thread
    (check-out, isolation level, cursor, execute, close, reset), about 1.6 ms of the loop's time; on a busy
    survey that is a tenth of each button press.  Even one hop to a worker thread cost a press 3 ms (p50) of
    waiting at 45 presses/s: the result queues behind whatever else the loop is running meanwhile.  So the
    statement runs right here, in a synchronous SQLAlchemy connection with the same pragmas (0.3 ms measured),
    under two guards that keep the loop from ever waiting on the disk or on another program:

    - busy_timeout=0: if another program holds the write lock (`ngopas sync` run by hand, a backup tool),
      SQLite answers "busy" at once and the statement is retried on the worker thread, which waits for the
      lock for up to 10 s like every other writer;
    - wal_autocheckpoint=0: this connection never copies the WAL into the database (which syncs to disk);
      every `CHECKPOINT_EVERY` writes the store runs a passive checkpoint on the worker thread instead.
    """

    CHECKPOINT_EVERY = 200  # about 400 WAL pages: well under SQLite's own 1000-page threshold

    def __init__(self, url: URL) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from sqlalchemy import create_engine

        self._inline_engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 0})
        event.listen(self._inline_engine, "connect", _inline_pragmas)
        self._engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 30})
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="ngopas-sqlite-hot")
        self._inline: Any = None
        self._conn: Any = None
        self._writes = 0

    @staticmethod
    def _run_on(conn: Any, statement: Any, params: dict[str, Any] | None) -> int:
        try:
            return max(conn.execute(statement, params).rowcount, 0)
        except Exception:
            conn.close()  # a broken connection is not reused
            raise

    def _execute(self, statement: Any, params: dict[str, Any] | None) -> int:
        if self._conn is None:
            self._conn = self._engine.connect()
        try:
            return self._run_on(self._conn, statement, params)
        except Exception:
            self._conn = None
            raise

    def _checkpoint_wal(self) -> None:
        if self._conn is None:
            self._conn = self._engine.connect()
        self._conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def checkpoint_due(self) -> bool:
        return self._writes >= self.CHECKPOINT_EVERY

    async def checkpoint(self) -> None:
        self._writes = 0
        await asyncio.get_running_loop().run_in_executor(self._thread, self._checkpoint_wal)

    async def run(self, statement: Any, params: dict[str, Any] | None = None) -> int:
        loop = asyncio.get_running_loop()
        if self._inline is None:
            self._inline = self._inline_engine.connect()
        try:
            changed = self._run_on(self._inline, statement, params)
        except OperationalError as exc:
            self._inline = None
            if getattr(exc.orig, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                raise
            return await loop.run_in_executor(self._thread, self._execute, statement, params)
        self._writes += 1
        return changed

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        self._inline_engine.dispose()
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=False)


def _inline_pragmas(dbapi_conn: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=0")
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()
