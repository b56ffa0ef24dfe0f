"""A throwaway PostgreSQL server on 127.0.0.1 for the tests that run on both databases.

Started once per test run from the machine's PostgreSQL binaries (Debian's postgresql-15; `make test`
installs them when missing), with trust authentication, fsync off and its data in a temporary folder that
is removed afterwards.  Each test gets its own fresh database (or its own copy of a template the suite
filled once, see `DatabaseTemplates` in conftest.py).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="ngopas-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        # PostgreSQL refuses to run as root: run it as the `postgres` system user when we are root.
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "ngopas",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -F -c max_connections=200"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            # pg_ctl gives up after 60 s by default, which a loaded machine can need: wait as long as it
            # takes (the suite's hang guard ends a real hang)
            "-t",
            "3600",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self, template: str | None = None) -> str:
        """A fresh, empty database, or a copy of the database named `template` (which nobody may be
        connected to: PostgreSQL copies it file by file); returns its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        copy = ["-T", template] if template else []
        subprocess.run(
            [
                str(self.bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "ngopas",
                *copy,
                name,
            ],
            check=True,
            capture_output=True,
        )
        return f"postgresql+asyncpg://ngopas@127.0.0.1:{self.port}/{name}"
