"""Opening the database: one engine, WAL for SQLite, migrations (Alembic, see `migrate`) applied on start."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store.migrate import MigrationReport
from bot.store.migrate import migrate as _migrate

T = TypeVar("T")


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
            # Take the lock before checking a connection out: a writer waiting its turn holds no connection.
            # Checking out first let a burst of writers (200 people typing an answer at once) each hold one
            # while they queued: the pool grew to its limit of 15, each an aiosqlite thread and a page cache
            # (the bot's threads went from 8 to 18 in bench.footprint's survey; now they stay at 8-9), and
            # readers, a writer's own reads included, waited for the pool meanwhile.  The lock is let go at
            # COMMIT; the connection's return and reset follow it.
            lock = self._write_lock
            held = False

            def release() -> None:  # once: after COMMIT, or on the way out of a failure
                nonlocal held
                if held:
                    held = False
                    lock.release()

            async with contextlib.AsyncExitStack() as stack:
                await lock.acquire()
                held = True
                stack.callback(release)
                base = await stack.enter_async_context(self.engine.connect())
                conn = await base.execution_options(ngopas_write=True)
                async with conn.begin():
                    yield conn
                release()
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

    async def transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work(conn)` as one write transaction, as `begin()` does; on SQLite in one hop to the writer
        thread.

        A transaction of many statements through aiosqlite pays a round trip between the event loop and the
        driver's thread for each of them (about 1.6 ms of the loop's time, and a wait for the thread each):
        a survey's "Kirim" stores the response, its tallies, report counts, sheet row and tickets in a dozen
        statements, 30 ms of waiting while other presses queue behind it.  Here the whole of `work` runs in
        the writer thread on its synchronous connection, between one BEGIN IMMEDIATE and one COMMIT.

        `work` must be database work and plain computation only: it is driven to its end without an event
        loop, so awaiting anything but the connection (a sleep, a thread, the network) raises and rolls back.
        """
        if self._hot is None or self._write_lock is None:
            async with self.begin() as conn:
                return await work(conn)
        token = _IN_WRITE.set(True)
        try:
            async with self._write_lock:
                return await self._hot.transaction(work)
        finally:
            _IN_WRITE.reset(token)

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
        return await _to_the_end(
            asyncio.get_running_loop().run_in_executor(self._thread, self._execute, statement, params)
        )

    def _transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        if self._conn is None:
            self._conn = self._engine.connect()
        conn = self._conn
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                result = _drive(work(cast(AsyncConnection, _InThread(conn))))
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
            return result
        except Exception:
            conn.close()  # a broken connection is not reused
            self._conn = None
            raise

    async def transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        context = contextvars.copy_context()
        return await _to_the_end(
            asyncio.get_running_loop().run_in_executor(self._thread, context.run, self._transaction, work)
        )

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=False)


async def _to_the_end(future: asyncio.Future[T]) -> T:
    """Await the writer thread's work; a caller cancelled meanwhile still waits for it to end (then gets its
    cancellation), so the write lock it holds is never handed on while its statement is still running."""
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise


class _InThread:
    """A synchronous connection behind the AsyncConnection methods the store uses (`execute`, `dialect`,
    `exec_driver_sql`), for `Store.transaction`: each returns at once, so the caller's coroutine never
    suspends and `_drive` runs it to its end in the writer thread."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect

    async def execute(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        return self._conn.execute(statement, parameters, **kwargs)

    async def exec_driver_sql(self, statement: str, parameters: Any = None, **kwargs: Any) -> Any:
        return self._conn.exec_driver_sql(statement, parameters, **kwargs)


def _drive(awaitable: Awaitable[T]) -> T:
    """Run a coroutine that never suspends to its result, without an event loop."""
    coroutine = cast(Coroutine[Any, Any, T], awaitable)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    coroutine.close()
    raise RuntimeError("a Store.transaction awaited something other than the database")
