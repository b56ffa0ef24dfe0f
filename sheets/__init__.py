"""The office spreadsheet: one `Workbook` interface over Google Sheets (gspread) or a local .xlsx file.

This package never imports `bot` and knows nothing about Telegram.
"""

from .errors import (
    BadCredentials,
    FormSheetNotFound,
    RowRejected,
    SheetsAccessDenied,
    SheetsError,
    SheetsUnavailable,
    SpreadsheetNotFound,
    WorkbookBusy,
    WorkbookCorrupt,
)
from .workbook import (
    AppendResult,
    CellUpdate,
    SheetRow,
    SheetValues,
    Workbook,
    WorksheetSpec,
    open_workbook,
)

__all__ = [
    "AppendResult",
    "BadCredentials",
    "CellUpdate",
    "FormSheetNotFound",
    "RowRejected",
    "SheetRow",
    "SheetValues",
    "SheetsAccessDenied",
    "SheetsError",
    "SheetsUnavailable",
    "SpreadsheetNotFound",
    "Workbook",
    "WorkbookBusy",
    "WorkbookCorrupt",
    "WorksheetSpec",
    "open_workbook",
]
