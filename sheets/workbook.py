"""One interface for the office spreadsheet, whatever stores it (Google Sheets or a local .xlsx).

Synchronous on purpose: gspread is blocking, so the bot calls these from a worker thread.  Rows are dicts
keyed by header, mapped to the sheet's *current* column order, so staff may reorder or add columns.

Text is made fit for the backend before it is written (`Workbook.row`): control characters a citizen pasted
from a word processor would make openpyxl refuse the whole workbook, and a cell has a length limit (32,767
characters in .xlsx, 50,000 in Google Sheets).
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import SheetsError

Cell = str | int | float | None


@dataclass(frozen=True)
class WorksheetSpec:
    name: str
    headers: tuple[str, ...]
    key: str | None = None  # idempotency column: a row whose key is already present is not written again


@dataclass(frozen=True)
class SheetRow:
    row_number: int
    values: dict[str, str]


@dataclass(frozen=True)
class CellUpdate:
    row_number: int
    header: str
    value: Cell


@dataclass(frozen=True)
class SheetValues:
    """Another spreadsheet's worksheet as it shows (a Google Form's responses): every cell as text."""

    title: str  # the spreadsheet's title
    worksheet: str  # the worksheet read
    locale: str | None  # the spreadsheet's locale ("in_ID", "en_US"): the order its dates are shown in
    rows: list[list[str]]


@dataclass(frozen=True)
class AppendResult:
    written: int
    skipped: int


# Characters no spreadsheet cell may hold (XML 1.0 forbids them in .xlsx): C0 controls but tab and line
# breaks, lone surrogates, U+FFFE/U+FFFF.  A vertical tab or form feed (Word's line and page breaks) is a
# line break; anything else goes.
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")
_UNWRITABLE = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str, limit: int) -> str:
    """`text` as a cell can hold it: without the characters above, at most `limit` characters (cut with …)."""
    text = _UNWRITABLE.sub("", _LINE_BREAKS.sub("\n", text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_value(value: object) -> Cell:
    """None/NaN/infinity become empty; everything else keeps its type (text stays literal text)."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, int | float | str):
        return value
    return str(value)


def merged_headers(existing: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """Keep the staff's column order; append headers the bot needs that are missing."""
    current = [h for h in existing if h is not None]
    return current + [h for h in wanted if h not in current]


class Workbook(ABC):
    url: str
    CELL_LIMIT = 32_767  # characters in one cell (.xlsx); Google Sheets allows 50,000

    def cell(self, value: object) -> Cell:
        """A value as this backend stores it: text cleaned and cut to the cell limit."""
        value = cell_value(value)
        return printable(value, self.CELL_LIMIT) if isinstance(value, str) else value

    def row(self, headers: Sequence[str], values: Mapping[str, object]) -> list[Cell]:
        return [self.cell(values.get(h)) for h in headers]

    @abstractmethod
    def ensure(self, specs: Sequence[WorksheetSpec]) -> None:
        """Create missing worksheets, write/extend header rows, freeze row 1."""

    @abstractmethod
    def append_rows(self, spec: WorksheetSpec, rows: Sequence[Mapping[str, object]]) -> AppendResult:
        """Append rows literally (RAW), skipping keys already present."""

    @abstractmethod
    def read_rows(self, spec: WorksheetSpec) -> list[SheetRow]:
        """Data rows as text, blank rows skipped."""

    @abstractmethod
    def update_cells(self, spec: WorksheetSpec, updates: Sequence[CellUpdate]) -> None:
        """Write several cells in one request."""

    @abstractmethod
    def replace_rows(self, spec: WorksheetSpec, rows: Sequence[Mapping[str, object]]) -> None:
        """Replace every data row (summaries the bot owns)."""

    def read_sheet(self, spreadsheet_id: str, worksheet: str | None = None) -> SheetValues:
        """Every row of another spreadsheet the bot may read (a Google Form's responses), as shown; its first
        worksheet unless one is named.  Only Google Sheets has other spreadsheets to read."""
        raise SheetsError(
            "Jawaban Google Form hanya dapat ditarik bila bot memakai Google Sheets: isi "
            "NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE dan NGOPAS_GOOGLE_SPREADSHEET_ID, atau unduh jawabannya sebagai "
            "CSV lalu muat dengan ngopas import-responses."
        )


def open_workbook(
    *,
    service_account_file: Path | None,
    spreadsheet_id: str | None,
    local_path: Path,
    **transport: object,
) -> Workbook:
    """Google Sheets when both Google settings are given, else the local .xlsx workbook."""
    if service_account_file and spreadsheet_id:
        from .google import GoogleWorkbook

        return GoogleWorkbook(Path(service_account_file), spreadsheet_id, **transport)  # type: ignore[arg-type]
    from .local_xlsx import LocalWorkbook

    return LocalWorkbook(Path(local_path))
