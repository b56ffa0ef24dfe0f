"""Shared fixtures: the real bot against the local Telegram emulator, a controllable clock, temp stores."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import threading
import traceback
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.base.clock import FakeClock
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, running_sandbox
from bot.domain.sessions import create_session, validate_fields

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
async def sb(tmp_path, tg, clock, database_url):
    async with running_sandbox(tmp_path, clock=clock, tg=tg, database_url=database_url) as sandbox:
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
