"""The office spreadsheet: one `Workbook` interface over Google Sheets (gspread) or a local .xlsx file.

This package never imports `bot` and knows nothing about Telegram.
"""

from .errors import (
    BadCredentials,
    SheetsAccessDenied,
    SheetsError,
    SheetsUnavailable,
    SpreadsheetNotFound,
    WorkbookCorrupt,
)
from .workbook import AppendResult, CellUpdate, SheetRow, Workbook, WorksheetSpec, open_workbook

__all__ = [
    "AppendResult",
    "BadCredentials",
    "CellUpdate",
    "SheetRow",
    "SheetsAccessDenied",
    "SheetsError",
    "SheetsUnavailable",
    "SpreadsheetNotFound",
    "Workbook",
    "WorkbookCorrupt",
    "WorksheetSpec",
    "open_workbook",
]
