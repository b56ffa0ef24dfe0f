"""`ngopas backup` and `ngopas restore` as an operator meets them: real processes, real SQLite WAL files.

A restore after an unclean stop keeps every committed session in its safety copy; a restore while the bot
runs is refused (it would be undone by the running process); a backup of another page size restores; a full
disk stops a backup or a restore with one sentence and leaves nothing half-written behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bot.dev.sandbox import empty_env_file
from tests.hang import HANG_GUARD_SECONDS

SALT = "restore-test-salt-0123456789abcdef"


def _env(tmp_path: Path, tg=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGOPAS_")}
    env.update(
        {
            "NGOPAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}",
            "NGOPAS_WORKBOOK_PATH": str(tmp_path / "ngopas.xlsx"),
            "NGOPAS_DATA_DIR": str(tmp_path),
            "NGOPAS_PSEUDONYM_SALT": SALT,
            "NGOPAS_ADMIN_IDS": "1001",
        }
    )
    if tg is not None:
        env.update(
            {
                "NGOPAS_BOT_TOKEN": tg.token,
                "NGOPAS_BOT_API_BASE_URL": tg.base_url,
                "NGOPAS_BOT_API_FILE_URL": tg.base_file_url,
            }
        )
    return env


def ngopas(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`ngopas ARGS` as a real process (settings from the environment, like the systemd unit)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--env-file", str(empty_env_file(tmp_path))],
        env=env or _env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
    )


async def angopas(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(ngopas, tmp_path, *args, env=env)


def add_session(tmp_path: Path, title: str, when: str = "23/03/2030 09.00") -> None:
    added = ngopas(tmp_path, "session", "add", "--title", title, "--section", "PHU", "--when", when)
    assert added.returncode == 0, added.stdout + added.stderr


def titles(path: Path) -> list[str]:
    """The session titles in a SQLite file (with its -wal, if any, as SQLite itself reads it)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM session ORDER BY id")]


def main_file_only(path: Path, tmp_path: Path) -> list[str]:
    """What a plain copy of the main file holds, without its -wal (what `cp` of the database would keep)."""
    copy = tmp_path / "main-file-only.db"
    shutil.copyfile(path, copy)
    return titles(copy)


def has_wal(path: Path) -> bool:
    return os.path.exists(f"{path}-wal")


def safety_copies(tmp_path: Path) -> list[Path]:
    return sorted(p for p in tmp_path.iterdir() if ".sebelum-pulih-" in p.name)


def one_sentence(result: subprocess.CompletedProcess) -> str:
    err = result.stderr.strip()
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert len(err.splitlines()) == 1, err
    return err


class RunningBot:
    """`ngopas run` (long polling against the local emulator) in its own process."""

    def __init__(self, tmp_path: Path, tg) -> None:
        self.tmp_path, self.tg = tmp_path, tg
        self.log = tmp_path / "bot.log"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--env-file", str(empty_env_file(tmp_path))],
                env=_env(tmp_path, tg),
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def polling(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while self.tg.count("getUpdates") == 0:
            assert self.proc.poll() is None, self.log.read_text()
            assert loop.time() < deadline, "the bot did not start polling"
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """An unclean stop: power cut, OOM killer, `kill -9`."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)


@pytest.fixture
def database(tmp_path) -> Path:
    """A database with one session, and a backup of it in cadangan/b.db."""
    add_session(tmp_path, "Sebelum")
    saved = ngopas(tmp_path, "backup", str(tmp_path / "cadangan" / "b.db"))
    assert saved.returncode == 0, saved.stderr
    return tmp_path / "ngopas.db"


async def test_restore_after_an_unclean_stop_keeps_committed_sessions_in_the_safety_copy(
    tmp_path, tg, database
):
    bot = RunningBot(tmp_path, tg)
    try:
        await bot.polling()
        await asyncio.to_thread(add_session, tmp_path, "Sesudah")  # committed while the bot runs
    finally:
        bot.kill()
    assert has_wal(database)
    # the session is committed (SQLite reads it through the -wal) but not yet in the main file
    assert titles(database) == ["Sebelum", "Sesudah"]
    assert main_file_only(database, tmp_path) == ["Sebelum"]

    restored = await angopas(tmp_path, "restore", str(tmp_path / "cadangan" / "b.db"))
    assert restored.returncode == 0, restored.stderr
    [kept] = safety_copies(tmp_path)
    assert kept.name in restored.stdout
    assert titles(kept) == ["Sebelum", "Sesudah"]  # nothing committed is lost
    assert not has_wal(kept)  # the safety copy is one self-contained file
    assert titles(database) == ["Sebelum"]
    listed = await angopas(tmp_path, "session", "list")
    assert "Sebelum" in listed.stdout and "Sesudah" not in listed.stdout


async def test_restore_while_the_bot_runs_is_refused_and_changes_nothing(tmp_path, tg, database):
    add_session(tmp_path, "Sesudah")
    bot = RunningBot(tmp_path, tg)
    try:
        await bot.polling()
        refused = await angopas(tmp_path, "restore", str(tmp_path / "cadangan" / "b.db"))
        assert refused.returncode == 1
        sentence = one_sentence(refused)
        assert "sedang dipakai" in sentence and "hentikan" in sentence, sentence
        assert "dipulihkan" not in refused.stdout
        assert safety_copies(tmp_path) == []
        assert titles(database) == ["Sebelum", "Sesudah"]
    finally:
        bot.stop()
    # stopped, the same command restores
    restored = await angopas(tmp_path, "restore", str(tmp_path / "cadangan" / "b.db"))
    assert restored.returncode == 0, restored.stderr
    assert titles(database) == ["Sebelum"]


def test_a_backup_with_another_page_size_restores_into_a_wal_database(tmp_path, database):
    backup = tmp_path / "cadangan" / "b.db"
    with closing(sqlite3.connect(backup, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA page_size=8192")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] != 8192
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    add_session(tmp_path, "Sesudah")

    restored = ngopas(tmp_path, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert titles(database) == ["Sebelum"]
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    added = ngopas(
        tmp_path, "session", "add", "--title", "Lagi", "--section", "PHU", "--when", "25/03/2030 09.00"
    )
    assert added.returncode == 0, added.stderr
    assert titles(database) == ["Sebelum", "Lagi"]


def test_restore_of_a_postgresql_database_says_what_restore_means(tmp_path):
    env = _env(tmp_path)
    env["NGOPAS_DATABASE_URL"] = "postgresql+asyncpg://ngopas:rahasia@127.0.0.1:9/ngopas"
    (tmp_path / "b.db").write_bytes(b"")
    refused = ngopas(tmp_path, "restore", str(tmp_path / "b.db"), env=env)
    assert refused.returncode == 2
    sentence = one_sentence(refused)
    assert "PostgreSQL" in sentence and "pg_dump" in sentence and "psql" in sentence
    assert "rahasia" not in refused.stdout + refused.stderr


# --- a full disk ----------------------------------------------------------------------------------


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe}"],
        capture_output=True,
        timeout=HANG_GUARD_SECONDS,
    )
    probe.rmdir()
    return done.returncode == 0


def on_a_full_disk(tmp_path: Path, disk: Path, size: str, script: str) -> subprocess.CompletedProcess:
    """Run `script` (sh) with a small tmpfs mounted at `disk` (a private mount: gone when it ends)."""
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("cannot mount a small file system here (unshare -rm)")
    disk.mkdir(exist_ok=True)
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size={size} tmpfs {disk} && {script}"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
    )


NGOPAS = f"{sys.executable} -m bot.cli"


def test_backup_to_a_full_disk_is_one_sentence_and_leaves_nothing(tmp_path, database):
    disk = tmp_path / "disk"
    env_file = empty_env_file(tmp_path)
    result = on_a_full_disk(
        tmp_path,
        disk,
        "16k",  # smaller than the database
        f"{NGOPAS} backup {disk}/b.db --env-file {env_file}; rc=$?; echo; echo ISI:; ls -A {disk}; exit $rc",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert one_sentence(result).startswith("Cadangan tidak dapat ditulis"), result.stderr
    assert "penuh" in result.stderr
    assert result.stdout.split("ISI:")[1].split() == []  # no .part, no truncated backup
    assert titles(database) == ["Sebelum"]


def test_restore_with_no_room_for_the_safety_copy_changes_nothing(tmp_path, database):
    add_session(tmp_path, "Sesudah")
    disk = tmp_path / "disk"
    size = database.stat().st_size
    assert not Path(f"{database}-wal").exists()
    script = (
        f"cp {database} {disk}/ngopas.db && "
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{disk}/ngopas.db "
        f"{NGOPAS} restore {tmp_path}/cadangan/b.db --env-file {empty_env_file(tmp_path)}; rc=$?; "
        f"echo; echo ISI:; ls -A {disk}; "
        f"{sys.executable} -c \"import sqlite3; c = sqlite3.connect('{disk}/ngopas.db'); "
        f"print('JUDUL:', *[r[0] for r in c.execute('SELECT title FROM session ORDER BY id')])\"; exit $rc"
    )
    # room for the database and half of it again: not for a safety copy of it
    result = on_a_full_disk(tmp_path, disk, f"{size * 3 // 2 // 1024}k", script)
    assert result.returncode == 1, result.stdout + result.stderr
    sentence = one_sentence(result)
    assert "salinan pengaman" in sentence and "penuh" in sentence, sentence
    assert result.stdout.split("ISI:")[1].split("JUDUL:")[0].split() == ["ngopas.db"]
    assert result.stdout.split("JUDUL:")[1].split() == ["Sebelum", "Sesudah"]


# --- what a backup may replace --------------------------------------------------------------------


def special_files(tmp_path: Path) -> dict[str, Path]:
    """A symlink to a regular file, a FIFO and (where allowed) a character device like /dev/full."""
    found = {}
    real = tmp_path / "asli.db"
    real.write_bytes(b"isi lama")
    (tmp_path / "tautan.db").symlink_to(real)
    found["symlink"] = tmp_path / "tautan.db"
    os.mkfifo(tmp_path / "pipa.db")
    found["fifo"] = tmp_path / "pipa.db"
    try:
        os.mknod(tmp_path / "full.db", 0o600 | stat.S_IFCHR, os.makedev(1, 7))  # what /dev/full is
        found["device"] = tmp_path / "full.db"
    except PermissionError:
        pass
    return found


def kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    return "symlink" if stat.S_ISLNK(mode) else "fifo" if stat.S_ISFIFO(mode) else "device"


def test_backup_never_replaces_a_link_a_pipe_or_a_device(tmp_path, database):
    targets = special_files(tmp_path)
    for expected, target in targets.items():
        refused = ngopas(tmp_path, "backup", str(target))
        assert refused.returncode == 2, (expected, refused.stdout, refused.stderr)
        assert "bukan berkas biasa" in one_sentence(refused)
        assert kind(target) == expected  # still there, not replaced by a regular file
    assert (tmp_path / "asli.db").read_bytes() == b"isi lama"
    folder = ngopas(tmp_path, "backup", str(tmp_path / "cadangan"))
    assert folder.returncode == 2 and "adalah folder" in one_sentence(folder)
    assert sorted(p.name for p in (tmp_path / "cadangan").iterdir()) == ["b.db"]
    itself = ngopas(tmp_path, "backup", str(database))
    assert itself.returncode == 2 and "basis data itu sendiri" in one_sentence(itself)
    assert titles(database) == ["Sebelum"]
    # a regular file is replaced whole, keeping its permissions
    old = tmp_path / "cadangan" / "b.db"
    old.chmod(0o640)
    again = ngopas(tmp_path, "backup", str(old))
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (tmp_path / "cadangan").iterdir()) == ["b.db"]
    assert stat.S_IMODE(old.stat().st_mode) == 0o640 and titles(old) == ["Sebelum"]


def test_restore_over_a_damaged_database_keeps_the_damaged_files_as_they_were(tmp_path, database):
    """What doctor advises for a damaged database: restore the last backup; the damaged bytes are kept."""
    damaged = b"SQLite format 3\x00" + b"\xff" * 5000
    database.write_bytes(damaged)
    Path(f"{database}-wal").write_bytes(b"sisa log")
    restored = ngopas(tmp_path, "restore", str(tmp_path / "cadangan" / "b.db"))
    assert restored.returncode == 0, restored.stderr
    [kept, kept_wal] = safety_copies(tmp_path)
    assert kept.read_bytes() == damaged and kept_wal.read_bytes() == b"sisa log"
    assert titles(database) == ["Sebelum"]
    assert not has_wal(database) or Path(f"{database}-wal").read_bytes() != b"sisa log"
