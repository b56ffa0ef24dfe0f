"""Shared fixtures: the real bot against the local Telegram emulator, a controllable clock, temp stores, and
databases filled once per test process and copied for each test (`DatabaseTemplates`)."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import socket
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, running_sandbox
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey.definition import SurveyDefinition
from bot.store import Store
from bot.store.sessions import Session, insert_session
from bot.store.surveys import Response

from .postgres import PostgresServer, find_bin

TZ = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 3, 20, 8, 0, tzinfo=TZ)  # a Friday morning in Magelang


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    """The suite's hang guard (pytest-timeout, `timeout` in pyproject.toml), reporting where it can be read.

    Same as pytest-timeout's thread method (dump, then end the worker, which pytest-xdist reports as that
    test failing and replaces), but the dump goes to the real stderr, which xdist passes on, and it also
    lists what each asyncio task is waiting on: a hung end-to-end test is a coroutine waiting for an event
    that never comes, and the threads' stacks alone show only the event loop's select().
    """
    if settings.method != "thread" or not settings.timeout:
        return None
    timer = threading.Timer(settings.timeout, _hang_report, (item, settings.timeout))
    timer.name = "hang-guard"
    timer.daemon = True
    timer.start()
    item.cancel_timeout = timer.cancel  # what pytest-timeout's cancel hook calls
    return True


def _hang_report(item, seconds: float) -> None:
    lines = [f"\n{'+' * 30} hang guard: {item.nodeid} still running after {seconds:g}s {'+' * 30}\n"]
    loop = None
    try:
        for ident, frame in sys._current_frames().items():
            if ident == threading.get_ident():
                continue
            name = next((t.name for t in threading.enumerate() if t.ident == ident), "?")
            lines.append(f"--- thread {name} ---\n{''.join(traceback.format_stack(frame))}")
            if ident == threading.main_thread().ident:
                f = frame
                while f is not None and loop is None:
                    candidate = f.f_locals.get("self")
                    loop = candidate if isinstance(candidate, asyncio.AbstractEventLoop) else None
                    f = f.f_back
        for task in list(asyncio.all_tasks(loop)) if loop is not None else []:
            lines.append(f"--- asyncio task {task.get_name()} ---\n{''.join(_awaiting(task.get_coro()))}")
    except Exception:
        lines.append(traceback.format_exc())
    finally:
        capman = item.config.pluginmanager.getplugin("capturemanager")
        if capman:
            capman.suspend_global_capture(item)  # stderr is the real one again, not pytest's capture file
        os.write(2, "".join(lines).encode(errors="replace"))
        os._exit(1)


def _awaiting(coro) -> list[str]:
    """Where a suspended coroutine waits, outermost first, down its chain of awaits."""
    where = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            where.append(
                f'  File "{frame.f_code.co_filename}", line {frame.f_lineno}, in {frame.f_code.co_name}\n'
            )
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return where


@pytest.fixture(autouse=True)
def _no_env_settings(monkeypatch):
    """Tests never read the developer's settings.env or NGOPAS_* variables."""
    for key in list(os.environ):
        if key.startswith("NGOPAS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(os.path.dirname(os.path.dirname(__file__)))


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Nothing in the suite may reach Telegram or Google: any non-loopback connect fails loudly."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def allowed(address) -> bool:
        host = address[0] if isinstance(address, tuple) else address
        return not isinstance(host, str) or host in ("localhost", "::1") or host.startswith("127.")

    def guard(address):
        if not allowed(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        guard((host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole run (skipped where the machine has no PostgreSQL binaries)."""
    bindir = find_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def backend() -> str:
    """Which database a test runs on; modules that must run on both parametrize it (see BOTH_DATABASES)."""
    return "sqlite"


BOTH_DATABASES = pytest.mark.parametrize("backend", ["sqlite", "postgresql"])


@pytest.fixture
def database_url(backend, tmp_path, request) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("postgres_server").new_database()
    return f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def tg():
    server = FakeTelegram(token=SANDBOX_TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def migrated_database_url(backend, tmp_path, request, database_templates) -> str:
    """Like `database_url`, but already migrated to the head: a copy of a database migrated once per test
    process.  For tests about the bot, not about migrations (tests/test_migrations.py migrates fresh ones):
    running every Alembic revision costs a few hundred milliseconds per test."""
    return await database_templates.copy(request, backend, "migrated", _migrate_only, tmp_path)


async def _migrate_only(url: str) -> None:
    await (await Store.open(url)).close()


@pytest.fixture
async def sb(tmp_path, tg, clock, migrated_database_url):
    async with running_sandbox(tmp_path, clock=clock, tg=tg, database_url=migrated_database_url) as sandbox:
        yield sandbox


@pytest.fixture
def caplog_all(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


async def ended_session(sb, clock, *, title: str = "Dialog", section: str = "Bimas Islam"):
    """A session held 09.00–10.00 on START's day, with the clock moved to 10.05: its survey is open."""
    values = validate_fields({"title": title, "section": section, "when": "20/03/2026 09.00-10.00"}, sb.rt)
    session = (await create_session(sb.rt, values, by=None, source="test")).session
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    return session


class DatabaseTemplates:
    """Databases that take seconds to fill, filled once per test process and copied for each test.

    A test gets its own copy, so it may change it freely and never sees what another test did, yet pays
    milliseconds instead of the seconds of the fill (hundreds of answers through the product's write path).
    SQLite: the closed file is copied; PostgreSQL: `createdb -T`, a file-level copy inside the server.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._made: dict[tuple[str, str], str] = {}  # (backend, name) -> SQLite file or PostgreSQL database

    async def copy(
        self,
        request: pytest.FixtureRequest,
        backend: str,
        name: str,
        fill: Callable[[str], Awaitable[None]],
        folder: Path,
    ) -> str:
        """The URL of a new copy of template `name` on `backend` (SQLite: a file in `folder`), made first by
        `fill(url)` (which must close every connection it opened) when this process has not made it yet."""
        key = (backend, name)
        server = request.getfixturevalue("postgres_server") if backend == "postgresql" else None
        if key not in self._made:
            if server is not None:
                url = server.new_database()
                await fill(url)
                self._made[key] = url.rsplit("/", 1)[1]
            else:
                path = self._folder / f"{name}.db"
                path.unlink(missing_ok=True)  # a fill that failed half-way is never copied
                await fill(f"sqlite+aiosqlite:///{path}")
                # closed cleanly, WAL checkpointed: the one file holds everything
                assert not path.with_name(path.name + "-wal").exists(), "template still open"
                self._made[key] = str(path)
        if server is not None:
            return server.new_database(template=self._made[key])
        target = folder / "ngopas.db"
        shutil.copyfile(self._made[key], target)
        return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> DatabaseTemplates:
    return DatabaseTemplates(tmp_path_factory.mktemp("templates"))


# The clock of `generated_answers`: 1 June 2026, 10.00 WIB (surveys closed, answers stored before).
ANSWERS_NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
AnswersFill = Callable[[Runtime], Awaitable[None]]


@pytest.fixture
async def generated_answers(
    request, backend, tmp_path, database_templates
) -> AsyncIterator[Callable[[str, AnswersFill], Awaitable[Runtime]]]:
    """`await generated_answers(name, fill)`: a runtime on this test's own copy of a database that
    `fill(runtime)` filled once per test process (clock at ANSWERS_NOW); closed after the test.

    For the report tests that need hundreds of generated answers (tests/test_report_from_store.py,
    tests/test_report_counts_kept.py): storing them through the real write path costs seconds per backend,
    and every test of a module starts from the same answers."""
    opened: list[Runtime] = []

    async def open_copy(name: str, fill: AnswersFill) -> Runtime:
        async def build(url: str) -> None:
            runtime = await answers_runtime(url)
            try:
                await fill(runtime)
            finally:
                await runtime.store.close()

        url = await database_templates.copy(request, backend, name, build, tmp_path)
        runtime = await answers_runtime(url)
        opened.append(runtime)
        return runtime

    yield open_copy
    for runtime in opened:
        await runtime.store.close()


async def answers_runtime(url: str) -> Runtime:
    return Runtime(Settings(database_url=url), await Store.open(url), FakeClock(ANSWERS_NOW))


def chat_response(
    defn: SurveyDefinition,
    ident: str,
    session_id: int,
    respondent: str,
    answers: dict[str, Any],
    finished_at: datetime,
) -> Response:
    """A finished answer as the chat stores it: no follow-ups, start not known, not replaced."""
    return Response(
        id=ident,
        session_id=session_id,
        respondent=respondent,
        definition_id=defn.id,
        definition_version=defn.version,
        channel="telegram",
        answers=answers,
        followups={},
        started_at=None,
        finished_at=finished_at,
        replaced_by=None,
    )


async def insert_sessions(rt: Runtime, sessions: list[tuple[str, str, datetime]]) -> list[Session]:
    """Sessions (title, section, start) of an hour each, their surveys closed at the clock's now."""
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        return [
            await insert_session(
                conn,
                {
                    "title": title,
                    "section": section,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=1),
                    "survey_closes_at": now,
                    "source": "test",
                },
                now,
            )
            for title, section, starts_at in sessions
        ]


def generated_answer(
    rng: random.Random, defn: SurveyDefinition, i: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """One respondent's answers and follow-ups with every kind of gap: questions never asked, skipped,
    blank or not an option, blank and whitespace suggestions, follow-ups on low marks."""
    answers: dict[str, Any] = {}
    followups: dict[str, str] = {}
    for q in defn.questions:
        roll = rng.random()
        if roll < 0.08:
            continue  # never asked (an older definition, a skipped block)
        if roll < 0.12:
            answers[q.key] = None  # skipped
        elif roll < 0.14:
            answers[q.key] = rng.choice(["", "5", "tidak tahu", "0"])  # blank or not an option
        elif q.options:
            answers[q.key] = rng.choice(q.options).value
        else:
            answers[q.key] = rng.choice(["", "   ", f"Saran nomor {i}", "Lebih baik, ya!\nTerima kasih"])
        if q.kind == "ikm" and answers.get(q.key) in ("1", "2") and rng.random() < 0.7:
            followups[q.key] = rng.choice(["", f"Perbaiki {q.key} {i}", "  "])
    return answers, followups
