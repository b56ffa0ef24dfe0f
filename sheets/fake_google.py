"""A local fake of the Google Sheets v4 API and the OAuth token endpoint, for tests and benchmarks.

It serves the office spreadsheet and any other added with `add_spreadsheet` (a Google Form's responses).
It drives the real gspread + google-auth stack: the service-account key's `token_uri` points here, and
`GoogleWorkbook(endpoint=...)` sends every Sheets request here.  Values are kept as given (RAW), so a test
can see that "=1+1" arrived as text.  Like Google it refuses (400) a write with a cell over 50,000
characters.  Faults: `fail_next`, `down`, `timeout_after_write_next`, `reject_cells_containing`, revoked keys,
unshared or unknown spreadsheets.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN = "fake-access-token"  # noqa: S105 - not a secret: the fake's own token
CELL_LIMIT = 50_000  # Google's limit of characters in one cell


@cache
def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def make_service_account_info(
    token_uri: str, email: str = "ngopas-bot@ngopas-test.iam.gserviceaccount.com"
) -> dict[str, str]:
    """A service-account key with a real (generated, cached) RSA key whose token_uri is the fake."""
    return {
        "type": "service_account",
        "project_id": "ngopas-test",
        "private_key_id": "0123456789abcdef",
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_range(text: str) -> tuple[str, int, int, int | None, int | None]:
    """ "'Jawaban'!A2:C" -> (sheet, first_row, first_col, last_row, last_col), 1-based, None = open end."""
    text = unquote(text)
    sheet, _, cells = text.rpartition("!")
    if not sheet:
        sheet, cells = cells, ""
    sheet = sheet.strip("'").replace("''", "'")
    if not cells:
        return sheet, 1, 1, None, None
    parts = cells.split(":")
    m = re.fullmatch(r"([A-Za-z]*)(\d*)", parts[0])
    assert m
    r1, c1 = int(m[2] or 1), _col(m[1]) if m[1] else 1
    r2 = c2 = None
    if len(parts) > 1:
        m2 = re.fullmatch(r"([A-Za-z]*)(\d*)", parts[1])
        assert m2
        r2 = int(m2[2]) if m2[2] else None
        c2 = _col(m2[1]) if m2[1] else None
    elif m[2] and m[1]:
        r2, c2 = r1, c1
    elif m[2] and not m[1]:
        r2 = r1  # "1:1" style handled by the two-part branch; "2" alone means row 2
    return sheet, r1, c1, r2, c2


@dataclass
class Book:
    """One spreadsheet the fake serves: the office's, or another (a Google Form's responses)."""

    title: str
    locale: str = "in_ID"
    sheets: dict[str, list[list[str]]] = field(default_factory=dict)
    props: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeGoogleSheets:
    def __init__(self, spreadsheet_id: str = "test-sheet-id", shared_with: set[str] | None = None) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.shared_with = shared_with  # None = shared with everyone
        main = Book("NGOPAS")
        self.books: dict[str, Book] = {spreadsheet_id: main}
        self.sheets: dict[str, list[list[str]]] = main.sheets
        self.props: dict[str, dict[str, Any]] = main.props
        self.requests_log: list[tuple[str, str, float]] = []
        self.revoked = False
        self._faults: list[list[Any]] = []
        self._down = False
        self._timeout_after_write = 0
        self._reject: str | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.last_email: str | None = None

    # --- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeGoogleSheets:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                return json.loads(raw) if raw else {}

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                status, body = fake.handle(
                    self.command, self.path, self.headers.get("Authorization", ""), self._body()
                )
                if status == -1:  # simulate a response that never arrives: the client times out
                    time.sleep(body)
                    return
                self._reply(status, body)

            do_GET = do_POST = do_PUT = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_uri(self) -> str:
        return f"{self.endpoint}/token"

    # --- faults ---------------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, *, status: int = 429, path_contains: str | None = None) -> None:
        self._faults.append([n, status, path_contains])

    def down(self, value: bool = True) -> None:
        self._down = value

    def timeout_after_write_next(self, seconds: float = 2.0) -> None:
        """The next write is applied, but its answer never comes back in time."""
        self._timeout_after_write = seconds

    def reject_cells_containing(self, text: str | None) -> None:
        """Refuse (400 INVALID_ARGUMENT) every write with a cell containing `text`, as Google refuses a
        value it cannot take; None stops refusing."""
        self._reject = text

    def _refused(self, values: list[list[Any]]) -> tuple[int, Any] | None:
        for row in values:
            for cell in row:
                text = "" if cell is None else str(cell)
                if len(text) > CELL_LIMIT:
                    return 400, _error(
                        400,
                        "INVALID_ARGUMENT",
                        f"Your input contains more than the maximum of {CELL_LIMIT} characters in a single cell.",
                    )
                if self._reject and self._reject in text:
                    return 400, _error(400, "INVALID_ARGUMENT", f"Invalid value in a cell: {self._reject}")
        return None

    def add_spreadsheet(
        self,
        spreadsheet_id: str,
        rows: list[list[str]],
        *,
        title: str = "Survei Kepuasan (Jawaban)",
        worksheet: str = "Form Responses 1",
        locale: str = "in_ID",
    ) -> list[list[str]]:
        """Another spreadsheet shared with the account, e.g. a Google Form's responses (as the Sheet shows
        them: text).  Returns its worksheet's rows, which a test may append to as the form is answered."""
        book = Book(title, locale)
        book.sheets[worksheet] = [list(row) for row in rows]
        book.props[worksheet] = {
            "sheetId": 0,
            "title": worksheet,
            "index": 0,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1},
        }
        with self._lock:
            self.books[spreadsheet_id] = book
        return book.sheets[worksheet]

    def count(self, kind: str) -> int:
        """Requests whose path contains `kind` (e.g. ':append', ':batchUpdate', '/token')."""
        return sum(1 for _, path, _ in self.requests_log if kind in path)

    # --- the API --------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, auth: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests_log.append((method, path, time.monotonic()))
            url = urlparse(path)
            if url.path == "/token":
                if self.revoked:
                    return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
                return 200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}
            if self._down:
                return 503, _error(503, "UNAVAILABLE", "The service is currently unavailable.")
            for fault in self._faults:
                if fault[0] > 0 and (fault[2] is None or fault[2] in path):
                    fault[0] -= 1
                    return fault[1], _error(
                        fault[1], "RESOURCE_EXHAUSTED" if fault[1] == 429 else "INTERNAL", "fault"
                    )
            if auth != f"Bearer {TOKEN}":
                return 401, _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
            m = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", url.path)
            if not m:
                return 404, _error(404, "NOT_FOUND", "Not found")
            book = self.books.get(m[1])
            if book is None:
                return 404, _error(404, "NOT_FOUND", "Requested entity was not found.")
            if self.shared_with is not None and not self.shared_with:
                return 403, _error(403, "PERMISSION_DENIED", "The caller does not have permission")
            rest = m[2]
            query = parse_qs(url.query)
            status, result = self._dispatch(m[1], book, method, rest, query, body)
            if self._timeout_after_write and method in ("POST", "PUT"):
                seconds, self._timeout_after_write = self._timeout_after_write, 0
                return -1, seconds
            return status, result

    def _dispatch(
        self, ident: str, book: Book, method: str, rest: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if rest == "" and method == "GET":
            return 200, self._metadata(ident, book)
        if rest == ":batchUpdate":
            return 200, {
                "spreadsheetId": ident,
                "replies": [self._sheet_request(book, r) for r in body.get("requests", [])],
            }
        if rest == "/values:batchUpdate":
            for item in body.get("data", []):
                refused = self._refused(item.get("values", []))
                if refused:
                    return refused
            for item in body.get("data", []):
                self._write(book, item["range"], item["values"])
            return 200, {"spreadsheetId": ident, "totalUpdatedCells": 0}
        if rest == "/values:batchClear":
            for r in body.get("ranges", []):
                self._clear(book, r)
            return 200, {"spreadsheetId": ident, "clearedRanges": body.get("ranges", [])}
        if rest == "/values:batchGet":
            return 200, {
                "spreadsheetId": ident,
                "valueRanges": [self._read(book, r) for r in query.get("ranges", [])],
            }
        m = re.match(r"^/values/(.+?)(:append|:clear)?$", rest)
        if m:
            rng = unquote(m[1])
            refused = self._refused(body.get("values", []) if isinstance(body, dict) else [])
            if refused and (m[2] == ":append" or method == "PUT"):
                return refused
            if m[2] == ":append":
                return 200, self._append(ident, book, rng, body.get("values", []))
            if m[2] == ":clear":
                self._clear(book, rng)
                return 200, {"clearedRange": rng}
            if method == "PUT":
                self._write(book, rng, body.get("values", []))
                return 200, {"updatedRange": rng}
            return 200, self._read(book, rng)
        return 404, _error(404, "NOT_FOUND", f"unsupported {method} {rest}")

    def _metadata(self, ident: str, book: Book) -> dict[str, Any]:
        return {
            "spreadsheetId": ident,
            "properties": {"title": book.title, "locale": book.locale, "timeZone": "Asia/Jakarta"},
            "sheets": [{"properties": p} for p in book.props.values()],
        }

    def _sheet_request(self, book: Book, request: dict[str, Any]) -> dict[str, Any]:
        if "addSheet" in request:
            props = request["addSheet"].get("properties", {})
            title = props["title"]
            sheet_id = len(book.props) + 1
            full = {
                "sheetId": sheet_id,
                "title": title,
                "index": len(book.props),
                "sheetType": "GRID",
                "gridProperties": {
                    "rowCount": props.get("gridProperties", {}).get("rowCount", 1000),
                    "columnCount": props.get("gridProperties", {}).get("columnCount", 26),
                    "frozenRowCount": props.get("gridProperties", {}).get("frozenRowCount", 0),
                },
            }
            book.props[title] = full
            book.sheets[title] = []
            return {"addSheet": {"properties": full}}
        if "updateSheetProperties" in request:
            upd = request["updateSheetProperties"]["properties"]
            for props in book.props.values():
                if props["sheetId"] == upd.get("sheetId"):
                    props.setdefault("gridProperties", {}).update(upd.get("gridProperties", {}))
            return {}
        return {}

    def frozen_rows(self, title: str) -> int:
        return int(self.props[title].get("gridProperties", {}).get("frozenRowCount", 0))

    @staticmethod
    def _grid(book: Book, sheet: str) -> list[list[str]]:
        return book.sheets.setdefault(sheet, [])

    def _read(self, book: Book, rng: str) -> dict[str, Any]:
        sheet, r1, c1, r2, c2 = parse_range(rng)
        grid = self._grid(book, sheet)
        rows = grid[r1 - 1 : r2 if r2 else None]
        out = [[str(v) for v in row[c1 - 1 : c2 if c2 else None]] for row in rows]
        while out and not any(out[-1]):
            out.pop()
        out = [_trim(r) for r in out]
        return (
            {"range": rng, "majorDimension": "ROWS", "values": out}
            if out
            else {"range": rng, "majorDimension": "ROWS"}
        )

    def _write(self, book: Book, rng: str, values: list[list[Any]]) -> None:
        sheet, r1, c1, _, _ = parse_range(rng)
        grid = self._grid(book, sheet)
        for i, row in enumerate(values):
            while len(grid) < r1 + i:
                grid.append([])
            target = grid[r1 - 1 + i]
            for j, value in enumerate(row):
                while len(target) < c1 + j:
                    target.append("")
                target[c1 - 1 + j] = "" if value is None else value

    def _append(self, ident: str, book: Book, rng: str, values: list[list[Any]]) -> dict[str, Any]:
        sheet = parse_range(rng)[0]
        grid = self._grid(book, sheet)
        last = len(grid)
        while last and not any(str(v) for v in grid[last - 1]):
            last -= 1
        del grid[last:]
        self._write(book, f"'{sheet}'!A{last + 1}", values)
        return {
            "spreadsheetId": ident,
            "tableRange": rng,
            "updates": {"updatedRange": f"'{sheet}'!A{last + 1}", "updatedRows": len(values)},
        }

    def _clear(self, book: Book, rng: str) -> None:
        sheet, r1, c1, r2, c2 = parse_range(rng)
        grid = self._grid(book, sheet)
        for r in range(r1 - 1, min(len(grid), r2 if r2 else len(grid))):
            for c in range(c1 - 1, min(len(grid[r]), c2 if c2 else len(grid[r]))):
                grid[r][c] = ""

    def values(self, sheet: str) -> list[list[str]]:
        """The sheet as stored (test helper)."""
        book = self.books[self.spreadsheet_id]
        return [_trim([str(v) for v in row]) for row in self._grid(book, sheet) if any(str(v) for v in row)]


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def _error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def serve_until_stdin_closes() -> None:
    """`python -m sheets.fake_google`: the fake in a process of its own, as Google is to the bot.

    Prints one line, "<endpoint> <spreadsheet id>", then serves until its standard input closes.  A benchmark
    that times the bot's event loop runs it this way, so the fake's own request handling (JSON parsing in a
    thread of the same interpreter, under the same lock) is not counted as the bot's."""
    fake = FakeGoogleSheets().start()
    print(fake.endpoint, fake.spreadsheet_id, flush=True)
    try:
        sys.stdin.read()
    finally:
        fake.stop()


if __name__ == "__main__":
    serve_until_stdin_closes()
