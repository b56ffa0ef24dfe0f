"""The outbox rows this process has put on the wire, written down before each request leaves.

A sender claims rows a little ahead of their slots (one transaction for a few sends, and each send leaves
the moment its slot frees).  If the process is killed, its claimed rows must not all become 'uncertain': the
ones that never left would then never be sent.  So each row id is appended here *before* its request starts:
an unbuffered write to a file, which the kernel keeps when the process dies (a SIGKILL, an out-of-memory
kill), at the cost of one system call per send.  The next process on this host reads the dead worker's file:
rows in it may have arrived (they become 'uncertain', never resent), the others go back to 'pending'.
A whole-machine crash can lose the file's tail; then the lease rule applies (everything 'uncertain').
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

KEEP_BYTES = 64 * 1024  # rewritten once larger than this (a few thousand ids)


def journal_path(data_dir: Path, worker: str) -> Path:
    """One file per worker ("host:pid") under the data directory."""
    return Path(data_dir) / "outbox" / f"{worker.replace(':', '-').replace('/', '_')}.sent"


class DepartureJournal:
    """Append-only list of row ids sent by one worker; emptied whenever none of them is still unrecorded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        self._size = 0

    def departing(self, item_id: int) -> None:
        """Called right before the request for `item_id` starts."""
        line = f"{item_id}\n".encode()
        os.write(self._fd, line)
        self._size += len(line)

    def keep_only(self, item_ids: set[int]) -> None:
        """Every row written so far but `item_ids` is recorded in the database: start over with those (so the
        file stays small during a long broadcast, where some row is always on its way)."""
        if self._size > (KEEP_BYTES if item_ids else 0):
            os.ftruncate(self._fd, 0)
            self._size = 0
            for item_id in sorted(item_ids):
                self.departing(item_id)

    def close(self, *, remove: bool = True) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
        if remove:
            self.path.unlink(missing_ok=True)


def read_departed(path: Path) -> set[int] | None:
    """The row ids a dead worker wrote, or None when its file is missing (then nothing is known)."""
    try:
        text = path.read_text()
    except OSError:
        return None
    return {int(line) for line in text.split() if line.isdigit()}
