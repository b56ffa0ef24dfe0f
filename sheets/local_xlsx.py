"""The offline workbook: the same worksheets and columns in a local .xlsx (openpyxl).

Saved atomically (temp file, fsync, rename) so a crash mid-save never leaves a half-written workbook, and
every text cell is forced to be a string: openpyxl would otherwise turn a citizen's "=HYPERLINK(...)" into a
live formula.

Every read-change-save runs under a lock file beside the workbook (`.ngopas.xlsx.lock`), held by one process
at a time: `ngopas run` and `ngopas sync` each load the file, add their rows and save it, and without the
lock the later save would drop the rows the other wrote.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import RowRejected, WorkbookBusy, WorkbookCorrupt, WorkbookNotAFile, WorkbookUnwritable
from .workbook import (
    AppendResult,
    CellUpdate,
    SheetRow,
    Workbook,
    WorksheetSpec,
    merged_headers,
)

# openpyxl imports numpy, when it is installed, only to accept numpy's scalar types as cell values: 10 MB of
# the running bot's memory for good (bench.footprint).  This workbook writes Python values only, so numpy is
# hidden while openpyxl loads, unless something loaded it already (a report did: openpyxl then knows its
# types as it always did).  Every openpyxl writer in ngopas passes Python values (tests/test_light_start.py).
_HIDE_NUMPY = "numpy" not in sys.modules
if _HIDE_NUMPY:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError meanwhile
try:
    from openpyxl import Workbook as XlsxBook
    from openpyxl import load_workbook
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError
finally:
    if _HIDE_NUMPY:
        del sys.modules["numpy"]

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

LOCK_WAIT_SECONDS = 60.0  # a save takes well under a second; longer means the other process is stuck


@contextmanager
def exclusive(lock_path: Path, workbook: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold `workbook`'s lock file (between processes, and between two opens in one process)."""
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(lock_path, "a+b")  # noqa: SIM115 - closed by the `with` below
    except OSError as exc:  # a read-only folder: nothing can be written there
        raise WorkbookBusy(str(workbook), exc.strerror or type(exc).__name__) from exc
    deadline = time.monotonic() + wait
    with lock_file as fh:
        while True:
            try:
                if sys.platform == "win32":
                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                else:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise WorkbookBusy(str(workbook), "dipakai proses lain") from None
                time.sleep(0.02)
        try:
            yield
        finally:
            if sys.platform == "win32":
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class LocalWorkbook(Workbook):
    TEMP_PREFIX = ".ngopas-"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.url = str(self.path.resolve())
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")
        self._lock = threading.Lock()
        self._orphans_removed = False

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock, exclusive(self.lock_path, self.path):
            if not self._orphans_removed:
                self._remove_orphans()
                self._orphans_removed = True
            yield

    def _remove_orphans(self) -> None:
        """A process killed while saving leaves its temp file (the workbook itself is intact: it is only
        ever replaced by a finished file).  Saves happen under the lock, so while we hold it any such file
        is an orphan of an earlier run."""
        folder = (self.path.resolve() if self.path.is_symlink() else self.path).parent
        if folder.is_dir():
            for orphan in folder.glob(f"{self.TEMP_PREFIX}*.xlsx"):
                orphan.unlink(missing_ok=True)

    def _target(self) -> Path:
        """The file itself: a symlink's target (saving replaces the file the link points to, never the link),
        refusing a folder, device or pipe (a FIFO would block the reader; a rename would replace the device)."""
        target = self.path.resolve() if self.path.is_symlink() else self.path
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            return target
        except OSError as exc:
            raise WorkbookUnwritable(str(self.path), exc.strerror or type(exc).__name__) from None
        if not stat.S_ISREG(mode):
            raise WorkbookNotAFile(str(self.path))
        return target

    def _load(self) -> Any:
        target = self._target()
        if not target.exists():
            book = XlsxBook()
            book.remove(book.active)
            return book
        try:
            return load_workbook(target)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise WorkbookCorrupt(str(self.path)) from exc

    def _save(self, book: Any) -> None:
        target = self._target()
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.TEMP_PREFIX, suffix=".xlsx", dir=target.parent)
            os.close(fd)
            # Packed in memory, then written and synced in one go: openpyxl saving straight to a full
            # disk leaves a half-closed zip whose clean-up prints a traceback into the log.
            packed = io.BytesIO()
            book.save(packed)
            with open(tmp, "wb") as fh:
                fh.write(packed.getvalue())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:  # disk full, folder read-only, opened and locked by Excel on Windows
            raise WorkbookUnwritable(str(self.path), exc.strerror or type(exc).__name__) from None
        except (ValueError, TypeError) as exc:  # a value openpyxl could hold but not write out
            raise RowRejected(str(exc)[:200]) from exc
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)

    def _set(self, cell: Any, value: object) -> None:
        value = self.cell(value)
        try:
            cell.value = value
        except (IllegalCharacterError, ValueError, TypeError) as exc:
            raise RowRejected(str(exc)[:200]) from exc
        if isinstance(value, str):
            cell.data_type = "s"  # literal text, never a formula

    def _sheet(self, book: Any, spec: WorksheetSpec) -> tuple[Any, list[str]]:
        sheet = book[spec.name] if spec.name in book.sheetnames else book.create_sheet(spec.name)
        existing = (
            [c.value for c in sheet[1]] if sheet.max_row >= 1 and any(c.value for c in sheet[1]) else []
        )
        headers = merged_headers([str(h) for h in existing if h is not None], spec.headers)
        if headers != existing:
            for col, header in enumerate(headers, start=1):
                cell = sheet.cell(row=1, column=col)
                self._set(cell, header)
                cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        return sheet, headers

    def ensure(self, specs: Sequence[WorksheetSpec]) -> None:
        with self._locked():
            book = self._load()
            for spec in specs:
                self._sheet(book, spec)
            self._save(book)

    def _keys(self, sheet: Any, headers: list[str], key: str | None) -> set[str]:
        if not key or key not in headers:
            return set()
        col = headers.index(key) + 1
        return {
            str(sheet.cell(row=r, column=col).value)
            for r in range(2, sheet.max_row + 1)
            if sheet.cell(row=r, column=col).value not in (None, "")
        }

    def append_rows(self, spec: WorksheetSpec, rows: Sequence[Mapping[str, object]]) -> AppendResult:
        with self._locked():
            book = self._load()
            sheet, headers = self._sheet(book, spec)
            seen = self._keys(sheet, headers, spec.key)
            written = skipped = 0
            next_row = self._last_row(sheet) + 1
            for values in rows:
                raw_key = values.get(spec.key) if spec.key else None
                # a row without a key is never a duplicate
                key = None if raw_key in (None, "") else str(raw_key)
                if key is not None and key in seen:
                    skipped += 1
                    continue
                for col, value in enumerate(self.row(headers, values), start=1):
                    self._set(sheet.cell(row=next_row, column=col), value)
                next_row += 1
                written += 1
                if key is not None:
                    seen.add(key)
            self._save(book)
            return AppendResult(written, skipped)

    @staticmethod
    def _last_row(sheet: Any) -> int:
        for r in range(sheet.max_row, 0, -1):
            if any(c.value not in (None, "") for c in sheet[r]):
                return r
        return 1

    def read_rows(self, spec: WorksheetSpec) -> list[SheetRow]:
        with self._locked():
            book = self._load()
            if spec.name not in book.sheetnames:
                return []
            sheet = book[spec.name]
            headers = [str(c.value) if c.value is not None else "" for c in sheet[1]]
            out = []
            for r in range(2, sheet.max_row + 1):
                cells = [sheet.cell(row=r, column=c + 1).value for c in range(len(headers))]
                if all(v in (None, "") for v in cells):
                    continue
                out.append(SheetRow(r, {h: _text(v) for h, v in zip(headers, cells, strict=False) if h}))
            return out

    def update_cells(self, spec: WorksheetSpec, updates: Sequence[CellUpdate]) -> None:
        if not updates:
            return
        with self._locked():
            book = self._load()
            sheet, headers = self._sheet(book, spec)
            for u in updates:
                if u.header in headers:
                    self._set(sheet.cell(row=u.row_number, column=headers.index(u.header) + 1), u.value)
            self._save(book)

    def replace_rows(self, spec: WorksheetSpec, rows: Sequence[Mapping[str, object]]) -> None:
        with self._locked():
            book = self._load()
            sheet, headers = self._sheet(book, spec)
            if sheet.max_row > 1:
                sheet.delete_rows(2, sheet.max_row - 1)
            for r, values in enumerate(rows, start=2):
                for col, value in enumerate(self.row(headers, values), start=1):
                    self._set(sheet.cell(row=r, column=col), value)
            self._save(book)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return (
            value.strftime("%d/%m/%Y %H.%M")
            if getattr(value, "hour", 0) or getattr(value, "minute", 0)
            else value.strftime("%d/%m/%Y")
        )
    return str(value)
