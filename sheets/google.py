"""The Google Sheets backend: gspread 6 + a google-auth service account.

gspread's own `BackOffHTTPClient` sleeps and retries without end; here one `HTTPClient` subclass retries
429/5xx/timeouts a bounded number of times with exponential backoff and full jitter, then raises
`SheetsUnavailable` so the caller keeps the rows queued.  All writes are RAW: a citizen's "=HYPERLINK(...)"
stays text.  `endpoint` redirects every googleapis URL (tests point it at the local fake server).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gspread
import requests
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.oauth2.service_account import Credentials
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.utils import rowcol_to_a1

from .errors import (
    BadCredentials,
    FormSheetNotFound,
    RowRejected,
    SheetsAccessDenied,
    SheetsError,
    SheetsUnavailable,
    SpreadsheetNotFound,
)
from .workbook import (
    AppendResult,
    CellUpdate,
    SheetRow,
    SheetValues,
    Workbook,
    WorksheetSpec,
    merged_headers,
)

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
GOOGLE_API = "https://sheets.googleapis.com"
RETRYABLE = {408, 429, 500, 502, 503, 504}


def load_key(path: Path) -> dict[str, Any]:
    """Read a service-account key, explaining what is wrong without ever echoing its contents."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadCredentials(
            f"Berkas kunci akun layanan tidak ditemukan: {path} (NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE)."
        ) from None
    except (OSError, UnicodeDecodeError):
        raise BadCredentials(
            f"Berkas kunci akun layanan tidak dapat dibaca: {path}. Periksa izin berkasnya."
        ) from None
    except json.JSONDecodeError:
        raise BadCredentials(
            f"Berkas {path} bukan JSON yang valid. Unduh ulang kunci (JSON) akun layanan dari Google Cloud."
        ) from None
    if (
        not isinstance(info, dict)
        or info.get("type") != "service_account"
        or not info.get("private_key")
        or not info.get("client_email")
    ):
        raise BadCredentials(
            f"Berkas {path} bukan kunci akun layanan Google (type service_account). Unduh kunci JSON akun layanan."
        )
    return info


def bounded_http_client(
    *,
    endpoint: str | None,
    attempts: int,
    base_delay: float,
    max_delay: float,
    sleep: Callable[[float], None],
    rand: Callable[[], float],
    timeout: float,
) -> type[HTTPClient]:
    """An HTTPClient class (gspread instantiates it) with bounded retries and an optional endpoint."""

    class BoundedHTTPClient(HTTPClient):
        def __init__(self, auth: Any, session: Any = None) -> None:
            super().__init__(auth, session)
            self.timeout = timeout
            self.sleeps: list[float] = []

        def request(self, method: str, endpoint_url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            url = endpoint_url.replace(GOOGLE_API, endpoint.rstrip("/")) if endpoint else endpoint_url
            # An append that timed out or failed with 5xx may have been applied: re-sending it here would
            # duplicate rows.  Only a 429 (certainly not applied) is retried; otherwise the flush fails and the
            # next one re-reads the key column and skips whatever did land.
            appending = ":append" in url
            last = ""
            for attempt in range(attempts):
                try:
                    return super().request(method, url, *args, **kwargs)
                except APIError as exc:
                    if exc.code not in RETRYABLE:
                        raise
                    last = f"HTTP {exc.code}"
                    if appending and exc.code != 429:
                        break
                except (requests.Timeout, requests.ConnectionError) as exc:
                    last = type(exc).__name__
                    if appending:
                        break
                if attempt + 1 < attempts:
                    delay = rand() * min(max_delay, base_delay * 2**attempt)  # full jitter
                    self.sleeps.append(delay)
                    sleep(delay)
            raise SheetsUnavailable(last)

    return BoundedHTTPClient


def quote_sheet(name: str) -> str:
    """A sheet name as A1 notation wants it: 'Name', with quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


class GoogleWorkbook(Workbook):
    CELL_LIMIT = 50_000  # characters in one cell; Google refuses the whole request beyond it

    def __init__(
        self,
        key_file: Path,
        spreadsheet_id: str,
        *,
        endpoint: str | None = None,
        attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 32.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.url = f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"
        info = load_key(key_file)
        self.service_account_email = str(info["client_email"])
        try:
            credentials = Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, GoogleAuthError):
            raise BadCredentials(
                f"Kunci akun layanan di {key_file} rusak (private_key tidak valid). Unduh ulang kuncinya."
            ) from None
        http_client = bounded_http_client(
            endpoint=endpoint,
            attempts=attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
            rand=rand,
            timeout=timeout,
        )
        self.client = gspread.Client(auth=credentials, http_client=http_client)
        self._spreadsheet: gspread.Spreadsheet | None = None
        self._worksheets: dict[str, gspread.Worksheet] = {}

    # --- errors ---------------------------------------------------------------------------------------

    def _call(self, fn: Callable[[], Any], *, writing_rows: bool = False, other: str | None = None) -> Any:
        """Run one gspread call, translating its failures into errors an operator can act on.

        A 400 to a request writing rows means Google refused something in them (`RowRejected`: the caller
        retries them in smaller groups); to any other request it is a problem with the request itself.
        `other`: the id of another spreadsheet being read (a Google Form's responses), named if missing."""
        missing = FormSheetNotFound(other) if other else SpreadsheetNotFound(self.spreadsheet_id)
        try:
            return fn()
        except SheetsError:
            raise
        except RefreshError:
            raise BadCredentials(
                f"Google menolak kunci akun layanan {self.service_account_email} (dicabut atau kedaluwarsa). Buat kunci baru."
            ) from None
        except PermissionError:
            raise SheetsAccessDenied(self.service_account_email) from None
        except gspread.exceptions.SpreadsheetNotFound:
            raise missing from None
        except APIError as exc:
            if exc.code == 403:
                raise SheetsAccessDenied(self.service_account_email) from None
            if exc.code == 404:
                raise missing from None
            if exc.code == 400 and writing_rows:
                message = exc.error.get("message", "") if isinstance(exc.error, dict) else ""
                raise RowRejected(
                    f"Google Sheets, HTTP 400: {message[:300]}" if message else "Google Sheets, HTTP 400"
                ) from None
            raise SheetsError(f"Google Sheets menolak permintaan (HTTP {exc.code}).") from None

    @property
    def spreadsheet(self) -> gspread.Spreadsheet:
        if self._spreadsheet is None:
            self._spreadsheet = self._call(lambda: self.client.open_by_key(self.spreadsheet_id))
        return self._spreadsheet

    def _worksheet(self, spec: WorksheetSpec) -> gspread.Worksheet:
        ws = self._worksheets.get(spec.name)
        if ws is None:
            self.ensure([spec])
            ws = self._worksheets[spec.name]
        return ws

    # --- Workbook -------------------------------------------------------------------------------------

    def ensure(self, specs: Sequence[WorksheetSpec]) -> None:
        """Missing worksheets, frozen header rows and missing header cells, in at most four requests.

        One metadata read, one read of every existing header row, one structural batchUpdate (new sheets
        created already frozen, old ones frozen), one values write for all headers: setting up a fresh
        spreadsheet costs two of the minute's 60 writes, not three per worksheet.
        """
        existing = {ws.title: ws for ws in self._call(lambda: self.spreadsheet.worksheets())}
        present = [spec for spec in specs if spec.name in existing]
        current: dict[str, list[str]] = {}
        if present:
            ranges = [f"{quote_sheet(spec.name)}!1:1" for spec in present]
            got = self._call(
                lambda: self.spreadsheet.values_batch_get(
                    ranges, params={"valueRenderOption": "FORMATTED_VALUE"}
                )
            )
            for spec, value_range in zip(present, got.get("valueRanges", []), strict=False):
                current[spec.name] = [str(v) for v in (value_range.get("values") or [[]])[0]]
        requests: list[dict] = []
        for spec in specs:
            ws = existing.get(spec.name)
            if ws is None:
                grid = {"rowCount": 1000, "columnCount": max(26, len(spec.headers)), "frozenRowCount": 1}
                requests.append({"addSheet": {"properties": {"title": spec.name, "gridProperties": grid}}})
            elif ws.frozen_row_count != 1:
                requests.append(
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": ws.id, "gridProperties": {"frozenRowCount": 1}},
                            "fields": "gridProperties.frozenRowCount",
                        }
                    }
                )
        if requests:
            self._call(lambda: self.spreadsheet.batch_update({"requests": requests}))
            existing = {ws.title: ws for ws in self._call(lambda: self.spreadsheet.worksheets())}
        data = []
        for spec in specs:
            headers = merged_headers(current.get(spec.name, []), spec.headers)
            if headers != current.get(spec.name, []):
                data.append({"range": f"{quote_sheet(spec.name)}!A1", "values": [headers]})
            self._worksheets[spec.name] = existing[spec.name]
        if data:
            self._call(
                lambda: self.spreadsheet.values_batch_update({"valueInputOption": "RAW", "data": data})
            )

    def _headers(self, ws: gspread.Worksheet) -> list[str]:
        return self._call(lambda: ws.row_values(1, value_render_option="FORMATTED_VALUE"))

    def append_rows(self, spec: WorksheetSpec, rows: Sequence[Mapping[str, object]]) -> AppendResult:
        ws = self._worksheet(spec)
        values = self._call(lambda: ws.get_all_values(value_render_option="FORMATTED_VALUE"))
        headers = values[0] if values else list(spec.headers)
        seen: set[str] = set()
        if spec.key and spec.key in headers:
            col = headers.index(spec.key)
            seen = {row[col] for row in values[1:] if len(row) > col and row[col]}
        out, skipped = [], 0
        for row in rows:
            raw_key = row.get(spec.key) if spec.key else None
            key = None if raw_key in (None, "") else str(raw_key)
            if key is not None and key in seen:
                skipped += 1
                continue
            if key is not None:
                seen.add(key)
            out.append(self.row(headers, row))
        if out:
            self._call(
                lambda: ws.append_rows(
                    out, value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1"
                ),
                writing_rows=True,
            )
        return AppendResult(len(out), skipped)

    def read_rows(self, spec: WorksheetSpec) -> list[SheetRow]:
        ws = self._worksheet(spec)
        values = self._call(lambda: ws.get_all_values(value_render_option="FORMATTED_VALUE"))
        if not values:
            return []
        headers = values[0]
        return [
            SheetRow(number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(headers) if h})
            for number, row in enumerate(values[1:], start=2)
            if any(cell.strip() for cell in row)
        ]

    def update_cells(self, spec: WorksheetSpec, updates: Sequence[CellUpdate]) -> None:
        if not updates:
            return
        ws = self._worksheet(spec)
        headers = self._headers(ws)
        data = [
            {
                "range": rowcol_to_a1(u.row_number, headers.index(u.header) + 1),
                "values": [self.row([u.header], {u.header: u.value})],
            }
            for u in updates
            if u.header in headers
        ]
        if data:
            self._call(lambda: ws.batch_update(data, value_input_option="RAW"), writing_rows=True)

    def replace_rows(self, spec: WorksheetSpec, rows: Sequence[Mapping[str, object]]) -> None:
        ws = self._worksheet(spec)
        headers = self._headers(ws)
        self._call(lambda: ws.batch_clear(["A2:ZZ"]))
        if rows:
            self._call(
                lambda: ws.update([self.row(headers, r) for r in rows], "A2", value_input_option="RAW"),
                writing_rows=True,
            )

    def read_sheet(self, spreadsheet_id: str, worksheet: str | None = None) -> SheetValues:
        """Two reads (metadata, values) through the same bounded retries as every other request."""
        book = self._call(lambda: self.client.open_by_key(spreadsheet_id), other=spreadsheet_id)
        try:
            ws = self._call(
                lambda: book.worksheet(worksheet) if worksheet else book.sheet1, other=spreadsheet_id
            )
        except gspread.exceptions.WorksheetNotFound:
            raise FormSheetNotFound(spreadsheet_id, worksheet) from None
        rows = self._call(
            lambda: ws.get_all_values(value_render_option="FORMATTED_VALUE"), other=spreadsheet_id
        )
        return SheetValues(str(book.title), str(ws.title), getattr(book, "locale", None), rows)
