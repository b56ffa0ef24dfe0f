"""Importing sessions from CSV/XLSX (and, later, rows of the Jadwal sheet).

Headers are matched loosely ("Judul"/"Title", "Tanggal" + "Jam" or one "Waktu" column); each row is
validated with the same rules as /sesi_baru, and a bad row is reported with its number and reason without
stopping the others.

A row is the same session every time the file is imported: matched by its ID/Kode column, or by title,
section and start when it has none.  So "fix the bad rows and import again" creates only what is new and
changes only what changed (subscribers hear of a real change once); an import run twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.base.files import FileProblem, check_input, decode_text, describe, read_bytes
from bot.base.i18n import format_when
from bot.domain.runtime import Runtime
from bot.domain.sessions import SessionInputError, create_session, edit_session, validate_fields
from bot.store import sessions as store_sessions
from bot.store.sessions import Session

HEADER_ALIASES = {
    "title": ("judul", "title", "nama sesi", "tema"),
    "section": ("bidang", "section", "seksi"),
    "when": ("waktu", "when", "tanggal dan jam", "jadwal"),
    "date": ("tanggal", "date", "hari/tanggal"),
    "time": ("jam", "time", "pukul"),
    "venue": ("tempat", "venue", "lokasi"),
    "zoom": ("zoom", "link zoom", "tautan zoom"),
    "youtube": ("youtube", "link youtube", "tautan youtube"),
    "speaker": ("narasumber", "speaker", "pemateri"),
    "coords": ("koordinat", "coordinates", "coords", "titik peta"),
    "repeat": ("ulangi", "repeat", "berulang", "pengulangan"),
    "key": ("id", "kode"),
}
KEY_MAX = 100  # the key is stored as "import:<key>" in a 120-character column


def canonical(header: str) -> str | None:
    h = " ".join(str(header).strip().lower().split())
    for name, aliases in HEADER_ALIASES.items():
        if h in aliases:
            return name
    return None


def normalise_row(raw: Mapping[str, object]) -> dict[str, str]:
    """Map loose headers to field names; join separate Tanggal + Jam into one `when`."""
    row: dict[str, str] = {}
    for header, value in raw.items():
        name = canonical(header) if header is not None else None
        if name and value is not None:
            row[name] = str(value).strip()
    if "when" not in row and "date" in row:
        row["when"] = f"{row.get('date', '')} {row.get('time', '')}".strip()
    return row


NOT_XLSX = "{path} bukan berkas Excel .xlsx yang dapat dibaca ({reason}); simpan ulang dari Excel sebagai .xlsx atau CSV."


def _xlsx_rows(path: Path) -> list[tuple]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_input(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            return list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
    except OSError as exc:
        raise describe(exc, f"Berkas {path} tidak dapat dibaca") from None
    except zipfile.BadZipFile:
        raise FileProblem(NOT_XLSX.format(path=path, reason="bukan arsip zip")) from None
    except (KeyError, IndexError, ValueError, TypeError, EOFError, InvalidFileException) as exc:
        # a zip that is not a workbook (KeyError: a part is missing), a workbook without sheets, bad XML
        raise FileProblem(NOT_XLSX.format(path=path, reason=type(exc).__name__)) from None


def _check_headers(path: Path, headers: list[str]) -> None:
    """The first row must name the columns: without a title or date column nothing can be imported."""
    if not any(canonical(h) in ("title", "when", "date") for h in headers if h):
        raise FileProblem(
            f"{path} tidak punya judul kolom yang dikenal di baris pertama; tulis judul kolom Judul, Bidang, "
            "Waktu (atau Tanggal dan Jam), Tempat, Zoom, YouTube, Narasumber."
        )


def _csv_rows(path: Path) -> list[dict[str, str]]:
    text = decode_text(read_bytes(path), path)  # UTF-8, with or without BOM, or what Excel saved
    if not text.strip():
        raise FileProblem(f"{path} kosong; tidak ada sesi untuk diimpor.")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column: nothing to split on
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        _check_headers(path, list(reader.fieldnames or []))
        # a row longer than the header puts its extra cells in a list under None: only text cells count
        return [normalise_row(r) for r in reader if any(v.strip() for v in r.values() if isinstance(v, str))]
    except csv.Error as exc:
        raise FileProblem(
            f'{path} tidak dapat dibaca sebagai CSV di baris {reader.line_num} ({exc}); periksa tanda kutip (") '
            "yang tidak ditutup di baris itu."
        ) from None


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a .csv (`,` or `;`, UTF-8 with or without BOM, or the encoding Excel saved it in) or the first
    sheet of an .xlsx.  A file that cannot be read this way raises `FileProblem` (one sentence)."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileProblem(f"{path} berformat Excel lama (.xls); simpan ulang sebagai .xlsx atau CSV.")
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
        if not rows:
            raise FileProblem(f"{path} kosong; tidak ada sesi untuk diimpor.")
        headers = [str(h or "") for h in rows[0]]
        _check_headers(path, headers)
        out = []
        for values in rows[1:]:
            if all(v in (None, "") for v in values):
                continue
            cells = {}
            for h, v in zip(headers, values, strict=False):
                if hasattr(v, "strftime"):
                    v = v.strftime("%d/%m/%Y %H.%M") if canonical(h) in ("when",) else v.strftime("%d/%m/%Y")
                cells[h] = "" if v is None else str(v)
            out.append(normalise_row(cells))
        return out
    return _csv_rows(path)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the failed rows' lines (also in `lines`)

    def add(self, number: int, text: str, *, problem: bool = False) -> None:
        self.lines.append(f"Baris {number}: {text}")
        if problem:
            self.failed += 1
            self.problems.append(self.lines[-1])


async def _existing(rt: Runtime, key: str, values: dict) -> Session | None:
    """The session an import row stands for: by its key, else by title, section and start."""
    async with rt.store.connect() as conn:
        if key:
            found = await store_sessions.get_by_external_key(conn, f"import:{key}")
            if found is not None:
                return found
        return await store_sessions.find(
            conn, title=values["title"], section=values["section"], starts_at=values["starts_at"]
        )


async def import_sessions(
    rt: Runtime,
    rows: list[dict[str, str]],
    *,
    source: str = "import",
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    keys: dict[str, int] = {}  # key -> the row that used it first
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if on_row is not None:
            on_row()
        key = row.get("key", "").strip()
        if key in keys:
            report.add(
                number, f"ID {key} sudah dipakai di baris {keys[key]}; baris ini dilewati.", problem=True
            )
            continue
        if len(key) > KEY_MAX:
            report.add(number, f"ID terlalu panjang (paling banyak {KEY_MAX} karakter).", problem=True)
            continue
        if key:
            keys[key] = number
        fields = {
            k: row.get(k, "") for k in ("title", "section", "when", "venue", "zoom", "youtube", "speaker")
        }
        try:
            values = validate_fields(fields, rt)
        except SessionInputError as exc:
            report.add(number, "; ".join(exc.errors.values()), problem=True)
            continue
        now = rt.clock.now()
        past = f"Waktu {format_when(values['starts_at'], 'id', rt.tz)} sudah lewat; isi tanggal yang akan datang."
        session = await _existing(rt, key, values)
        if session is None:
            if values["starts_at"] <= now:
                report.add(number, past, problem=True)
                continue
            change = await create_session(
                rt, values, by=None, source=source, external_key=f"import:{key}" if key else None
            )
            report.created += 1
            report.add(number, f"sesi #{change.session.id} dibuat ({change.queued} pengumuman).")
            continue
        changes = {k: v for k, v in values.items() if getattr(session, k) != v}
        if session.cancelled or not changes:
            report.unchanged += 1
            note = "sudah dibatalkan, tidak diubah" if session.cancelled and changes else "tidak berubah"
            report.add(number, f"sesi #{session.id} {note}.")
            continue
        if "starts_at" in changes and values["starts_at"] <= now:
            report.add(number, past, problem=True)
            continue
        change = await edit_session(rt, session.id, changes, by=None)
        report.updated += 1
        report.add(number, f"sesi #{session.id} diubah ({change.queued} pemberitahuan).")
    return report
