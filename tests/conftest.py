"""Shared fixtures: the real bot against the local Telegram emulator, a controllable clock, temp stores."""

from __future__ import annotations

import logging
import os
import socket
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
