"""Opening the database: one engine, WAL for SQLite, migrations (Alembic, see `migrate`) applied on start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store.migrate import MigrationReport
from bot.store.migrate import migrate as _migrate


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
    # Deleted rows are overwritten with zeros, not left in free space: an abandoned survey draft (a chat next
    # to a pseudonym and what was typed) must not survive its deletion in the file or in a backup of it.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Writers take the lock at BEGIN (IMMEDIATE); readers begin deferred, so under WAL they never wait on a
    writer, not even on one in the same task (a sweep reading answers inside its own write transaction).
    A single-statement write (`Store.write_one`) runs in autocommit: SQLite makes one statement atomic."""
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("ngopas_write") else "BEGIN")


# True in the task (and the tasks it starts) while it is inside `Store.begin()`.
_IN_WRITE: ContextVar[bool] = ContextVar("ngopas_in_write_transaction", default=False)


def in_write_transaction() -> bool:
    """Whether the current task is inside a write transaction (see `Store.begin`)."""
    return _IN_WRITE.get()


class Store:
    """The embedded source of truth.  All SQL lives in this package; callers use `begin()`/`connect()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # SQLite has one writer at a time.  Queueing our own writers here (instead of letting several pooled
        # connections race for the lock) avoids SQLite's busy handler, which waits in sleeps of up to 100 ms.
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._hot: _HotWriter | None = None
        self.migration: MigrationReport | None = None  # what `open(migrate=True)` found and applied
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self._hot = _HotWriter(engine.url.set(drivername="sqlite+pysqlite"))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, script_location: str | Path | None = None
    ) -> Store:
        """Open the database; with `migrate`, adopt a pre-Alembic database and upgrade it to the head first
        (raises `DatabaseTooNew` for a database a newer release upgraded).  `script_location`: another
        migrations folder, for tests."""
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        # hide_parameters: an error's message (logged with its traceback) never carries the values of the
        # failed statement, e.g. a survey draft's pseudonym beside its chat id.
        engine = create_async_engine(url, hide_parameters=True, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        store = cls(engine)
        if migrate:
            try:
                store.migration = await _migrate(engine, script_location)
            except BaseException:
                await store.close()  # nothing left open (the SQLite writer thread included) on a refusal
                raise
        return store

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed on success, rolled back on any exception.

        Never talk to Telegram or Google inside it: on SQLite it holds the one write lock, so a slow reply
        (a 429 waits seconds) would stall every other writer, every survey press included.  The sandbox
        fails any Bot API call made while `in_write_transaction()` is true.
        """
        token = _IN_WRITE.set(True)
        try:
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
        finally:
            _IN_WRITE.reset(token)

    async def write_one(self, statement: Any, params: dict[str, Any] | None = None) -> int:
        """Run one write statement on its own (atomic by itself); returns the rows it changed.

        The hot path of a survey press: no BEGIN/COMMIT round trips, and the SQLite lock is held for exactly
        one statement.
        """
        if self._hot is not None and self._write_lock is not None:
            async with self._write_lock:
                return await self._hot.run(statement, params)
        async with self.engine.connect() as base:
            conn = await base.execution_options(isolation_level="AUTOCOMMIT")
            return max((await conn.execute(statement, params)).rowcount, 0)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A read connection (no implicit commit)."""
        async with self.engine.connect() as conn:
            yield conn

    async def close(self) -> None:
        if self._hot is not None:
            await self._hot.close()
        await self.engine.dispose()


class _HotWriter:
    """Single-statement SQLite writes in one hop to one worker thread.

    Through aiosqlite a statement costs several round trips between the event loop and the driver's thread
    (check-out, isolation level, cursor, execute, close, reset), about 1.6 ms of the loop's time; on a busy
    survey that is a tenth of each button press.  Here the whole statement runs in a synchronous SQLAlchemy
    connection owned by one thread (0.3 ms measured), on the same file, with the same pragmas.
    """

    def __init__(self, url: URL) -> None:
        self._engine = create_engine(
            url, isolation_level="AUTOCOMMIT", hide_parameters=True, connect_args={"timeout": 30}
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="ngopas-sqlite-hot")
        self._conn: Any = None

    def _execute(self, statement: Any, params: dict[str, Any] | None) -> int:
        if self._conn is None:
            self._conn = self._engine.connect()
        try:
            return max(self._conn.execute(statement, params).rowcount, 0)
        except Exception:
            self._conn.close()  # a broken connection is not reused
            self._conn = None
            raise

    async def run(self, statement: Any, params: dict[str, Any] | None = None) -> int:
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._execute, statement, params
        )

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=False)
