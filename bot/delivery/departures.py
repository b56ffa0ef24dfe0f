"""The outbox rows this process has put on the wire, written down before each request leaves.

A sender claims rows a little ahead of their slots (one transaction for a few sends, and each send leaves
the moment its slot frees).  If the process is killed, its claimed rows must not all become 'uncertain': the
ones that never left would then never be sent.  So each row id is appended here *before* its request starts:
an unbuffered write to a file, which the kernel keeps when the process dies (a SIGKILL, an out-of-memory
kill), at the cost of one system call per send.  The next process on this host reads the dead worker's file:
rows in it may have arrived (they become 'uncertain', never resent), the others go back to 'pending'.

A whole-machine crash (a power cut) can lose the file's tail, since the writes are not synced to disk: an id
missing there would be sent twice.  So the file starts with the kernel's boot id, and a file written before
the last boot counts as no file at all (every claim 'uncertain', as without a journal).  The file is only
ever replaced whole (written beside it, then renamed), so a kill while it is compacted leaves either the
old list or the new one, never a shorter one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

KEEP_BYTES = 64 * 1024  # rewritten once larger than this (a few thousand ids)
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str:
    """This boot of the machine ("" where the kernel does not say: then no file is ever trusted)."""
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""


def journal_path(data_dir: Path, worker: str) -> Path:
    """One file per worker ("host:pid") under the data directory."""
    return Path(data_dir) / "outbox" / f"{worker.replace(':', '-').replace('/', '_')}.sent"


class DepartureJournal:
    """Append-only list of row ids sent by one worker; emptied whenever none of them is still unrecorded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd, self._size = self._replace(set())

    def _replace(self, item_ids: set[int]) -> tuple[int, int]:
        """A new file holding the boot id and `item_ids`, renamed over the old one: a reader sees one or the
        other whole.  Returns its descriptor (appending) and size."""
        header = f"boot {boot_id()}\n".encode()
        body = b"".join(f"{item_id}\n".encode() for item_id in sorted(item_ids))
        fresh = self.path.with_name(self.path.name + ".new")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.write(fd, header + body)
        os.replace(fresh, self.path)
        return fd, len(body)

    def departing(self, item_id: int) -> None:
        """Called right before the request for `item_id` starts."""
        line = f"{item_id}\n".encode()
        os.write(self._fd, line)
        self._size += len(line)

    def keep_only(self, item_ids: set[int]) -> None:
        """Every row written so far but `item_ids` is recorded in the database: start over with those (so the
        file stays small during a long broadcast, where some row is always on its way)."""
        if self._size > (KEEP_BYTES if item_ids else 0):
            old = self._fd
            self._fd, self._size = self._replace(item_ids)
            with contextlib.suppress(OSError):
                os.close(old)

    def close(self, *, remove: bool = True) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
        if remove:
            self.path.unlink(missing_ok=True)


def read_departed(path: Path) -> set[int] | None:
    """The row ids a dead worker wrote, or None when nothing is known: its file is missing, or was written
    before the machine last started (its tail may not have reached the disk)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    current = boot_id()
    if not current or not lines or lines[0] != f"boot {current}":
        return None
    return {int(line) for line in lines[1:] if line.isdigit()}
