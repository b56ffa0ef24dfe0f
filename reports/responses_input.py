"""Survey answers from any table an office has: a CSV (any common encoding and delimiter), an XLSX, or the
rows of a Google Sheet (a Google Form's responses, the bot's own Jawaban worksheet, a typed-in paper survey).

One reader for all of them, so every source is recognised, checked and counted the same way:

- `Table` is the source as text cells: `read_table` (a file) and `table_from_rows` (a list of rows, as a
  Google Sheet gives them) build it.
- `read_responses` places each header on a column key (an unsur key, the regulation's question text, a
  profile or timestamp header, a text the caller passes in `aliases`, or a `mapping` the user gave), checks
  every cell and returns the DataFrame the IKM is computed from.  A header it cannot place, a bad cell or two
  headers for one key stop the read with every problem named: nothing is guessed and nothing half-read.
- A blank cell is a missing answer (left out of that unsur's NRR, per PermenPAN-RB 14/2017), and an empty text
  is absent (None), never the text "nan".

This module never imports the bot: the bot passes its survey definition's texts in as `aliases` and
`choices`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format
from charset_normalizer import from_bytes
from openpyxl import load_workbook

from .instrument import (
    IPAK,
    IPAK_LABELS,
    LABELS,
    PROFILE_KEYS,
    QUESTIONS,
    UNSUR,
    label_to_value,
    says_nothing,
)

IGNORE = "abaikan"  # `--map "Nama=abaikan"`: a column deliberately left unread
TIMESTAMP = "tanggal"
SESSION, SECTION, TITLE, ROW_ID, SARAN = "sesi", "bidang", "judul_sesi", "id_jawaban", "saran"
CHANNEL = "saluran"  # how an answer came in (the Jawaban sheet's column); a file without it is an import
STATUS = "status"  # the Jawaban sheet's Status: a row whose answer was replaced by a later one is not counted
NOT_COUNTED = {"diganti", "tidak dihitung", "replaced", "not counted"}  # compared after `normalise`
SCORED = (*UNSUR, *IPAK)
FOLLOWUPS = tuple(f"perbaikan_{key}" for key in UNSUR)
KEYS = (
    *SCORED, *PROFILE_KEYS, SARAN, *FOLLOWUPS, TIMESTAMP, SESSION, SECTION, TITLE, ROW_ID, CHANNEL, STATUS,
)  # fmt: skip
EMPTY_TEXTS = {"", "nan", "none", "null", "nat", "#n/a"}  # what a spreadsheet or pandas leaves for "nothing"

# Header variants offices (and Google Forms in Indonesian or English) use; compared after `normalise`.
_VARIANTS: dict[str, tuple[str, ...]] = {
    TIMESTAMP: (
        "Timestamp", "Cap waktu", "Tanggal", "Tgl", "Waktu", "Tanggal Isi", "Tanggal Pengisian",
        "Tanggal Survei", "Waktu Pengisian", "Date", "Tanggal/Waktu",
    ),
    SESSION: ("Sesi", "ID Sesi", "No Sesi", "Nomor Sesi", "Session"),
    SECTION: ("Bidang", "Seksi", "Unit Layanan", "Section"),
    TITLE: ("Judul Sesi", "Nama Sesi", "Session title"),
    ROW_ID: ("ID Jawaban", "Response ID"),
    CHANNEL: ("Saluran", "Channel"),
    STATUS: ("Status",),
    "jenis_kelamin": ("Jenis Kelamin", "Kelamin", "JK", "L/P", "Gender", "Sex"),
    "umur": ("Umur", "Usia", "Umur (tahun)", "Usia (tahun)", "Kelompok Umur", "Age"),
    "pendidikan": ("Pendidikan", "Pendidikan Terakhir", "Tingkat Pendidikan", "Education"),
    "pekerjaan": ("Pekerjaan", "Pekerjaan Utama", "Profesi", "Occupation", "Job"),
    SARAN: (
        "Saran", "Saran / Aspirasi", "Saran dan Masukan", "Kritik dan Saran", "Kritik & Saran", "Masukan",
        "Aspirasi", "Saran Perbaikan", "Suggestion", "Suggestions",
    ),
    IGNORE: (
        "Email Address", "Alamat email", "Email", "E-mail", "Nama", "Nama Lengkap", "Nama Responden", "Name", "No",
        "Nomor", "No.", "Score", "Skor", "Nilai", "No HP", "Nomor HP", "No Telp", "Nomor Telepon",
        "Versi Kuesioner",
    ),
}  # fmt: skip


class ResponsesInputError(ValueError):
    """A table that cannot be counted; `problems` are the sentences, `str()` says it all in Indonesian."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:  # one problem is one sentence
            super().__init__(f"Berkas tidak dihitung: {problems[0]}")
            return
        shown = "\n".join(problems[:20]) + (
            f"\n… dan {len(problems) - 20} lagi" if len(problems) > 20 else ""
        )
        super().__init__(f"Berkas tidak dihitung karena ada {len(problems)} masalah:\n{shown}")


@dataclass(frozen=True)
class Table:
    """A source as text: its name (for messages and a saved mapping), headers, and rows of cells ("" blank);
    `numbers` are the row numbers the user sees in the source (blank rows skipped, so not always consecutive)."""

    source: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numbers: tuple[int, ...] = ()

    def number(self, index: int) -> int:
        return self.numbers[index] if self.numbers else index + 2


@dataclass
class Responses:
    """What `read_responses` made of a table: the answers, and where each header went."""

    frame: pd.DataFrame
    placed: dict[str, str]  # header → key
    ignored: list[str] = field(default_factory=list)
    dates: DateReading | None = None  # how slashed dates were read (None: the table has none)
    rejected: list[RejectedRow] = field(default_factory=list)  # rows left out (`skip_bad_rows` only)


@dataclass(frozen=True)
class RejectedRow:
    """A row left out of a source read again and again: where it is, what it is, and why."""

    row: int
    fingerprint: str
    problems: tuple[str, ...]


# --- text of a header or a cell -------------------------------------------------------------------------

# "1.", "12)", "U1:", "U1 " or "a)" before the text (a lone letter only with "." or ")", so "E-mail" stays)
_NUMBERING = re.compile(r"^\s*(?:(?:u\s*\d+|\d+)\s*[.):\-]|[a-z][.)])\s*|^\s*(?:u\s*\d+|\d+)\s+(?=\D)", re.I)


def normalise(text: object) -> str:
    """A header as it is compared: numbering ("1.", "U1", "a)"), case, punctuation and spacing ignored."""
    plain = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    plain = _NUMBERING.sub("", plain, count=1)
    return re.sub(r"[\W_]+", " ", plain).strip()


def _cell(value: object) -> str:
    """One cell as text: blank for None/NaN, 4.0 → "4", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


# --- sources ---------------------------------------------------------------------------------------------


def table_from_rows(values: Sequence[Sequence[object]], source: str) -> Table:
    """A table from rows of cells, the first non-empty row being the headers (a Google Sheet's values, an
    XLSX sheet, a parsed CSV).  Fully blank rows are skipped; short rows are padded."""
    rows = [[_cell(v) for v in row] for row in values]
    start = next((i for i, row in enumerate(rows) if any(row)), None)
    if start is None:
        raise ResponsesInputError(["Berkas kosong."])
    headers = rows[start]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body: list[tuple[str, ...]] = []
    numbers: list[int] = []
    problems: list[str] = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(row):
            continue
        extra = [c for c in row[width:] if c]
        if extra:
            problems.append(
                f"baris {number} punya {len(row)} kolom padahal judulnya {width}; periksa pemisah (, atau ;) "
                "dan tanda kutip di baris itu."
            )
            continue
        body.append(tuple((row + [""] * width)[:width]))
        numbers.append(number)
    if problems:
        raise ResponsesInputError(problems)
    blank = [i + 1 for i, h in enumerate(headers) if not h and any(r[i] for r in body)]
    if blank:
        raise ResponsesInputError(
            [
                f"kolom ke-{i} berisi jawaban tetapi tidak punya judul; beri judul di baris pertama."
                for i in blank
            ]
        )
    return Table(source, tuple(headers), tuple(body), tuple(numbers))


def decode(data: bytes) -> str:
    """Text in whatever encoding the file was saved in: UTF-8 (with or without BOM), UTF-16 (Excel's
    "Unicode text"), else what charset-normalizer detects (Windows-1252 from Excel on Indonesian Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Short files give charset-normalizer little to go on (a lone "–" reads as well in cp850 or mac_roman);
    # when Windows-1252, what Excel writes on an Indonesian Windows machine, is among its plausible
    # readings, that one is taken.
    best = from_bytes(data, cp_isolation=["cp1252"]).best() or from_bytes(data).best()
    if best is None or "\x00" in str(best):
        raise ResponsesInputError(
            ["bukan berkas teks (CSV); dari Excel simpan sebagai CSV UTF-8, atau pakai .xlsx."]
        )
    return str(best)


def table_from_csv(data: bytes, source: str) -> Table:
    """A CSV in any common encoding, delimited by comma, semicolon (Excel with Indonesian settings), tab or |."""
    text = decode(data)
    if "\x00" in text:
        raise ResponsesInputError(
            ["bukan berkas teks (CSV); dari Excel simpan sebagai CSV UTF-8, atau pakai .xlsx."]
        )
    if not text.strip():
        raise ResponsesInputError(["Berkas kosong."])
    first = text.lstrip().split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ResponsesInputError(
            [f'bukan CSV yang dapat dibaca ({exc}); periksa tanda kutip (").']
        ) from None
    return table_from_rows(rows, source)


def table_from_xlsx(data: bytes, source: str) -> Table:
    """The `Jawaban` worksheet of a workbook the bot wrote, else its first worksheet."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ResponsesInputError(
            [f"bukan berkas Excel (.xlsx) yang dapat dibaca ({type(exc).__name__})."]
        ) from None
    try:
        sheet = book["Jawaban"] if "Jawaban" in book.sheetnames else book.worksheets[0]
        return table_from_rows(list(sheet.iter_rows(values_only=True)), source)
    finally:
        book.close()


def table_from_bytes(data: bytes, source: str) -> Table:
    """A file's content as a `Table`: an XLSX (a zip, whatever the name says) or a CSV."""
    if data.startswith(b"PK\x03\x04"):
        return table_from_xlsx(data, source)
    return table_from_csv(data, source)


def read_table(path: str | Path) -> Table:
    """A CSV or XLSX file as a `Table` named after the file."""
    path = Path(path)
    return table_from_bytes(path.read_bytes(), path.name)


# --- columns ---------------------------------------------------------------------------------------------


def standard_aliases() -> dict[str, str]:
    """Normalised header → key for everything recognised without help from the caller."""
    out: dict[str, str] = {}

    def add(text: str, key: str) -> None:
        out.setdefault(normalise(text), key)

    for key in KEYS:
        add(key, key)
    for key, name in {**UNSUR, **IPAK}.items():
        add(name, key)
    for key, text in QUESTIONS.items():
        add(text, key)
    for key, variants in _VARIANTS.items():
        for text in variants:
            add(text, key)
    for key in UNSUR:
        for text in (key, UNSUR[key], QUESTIONS[key]):
            add(f"perbaikan {text}", f"perbaikan_{key}")
    return out


def _candidates(header: str) -> list[str]:
    """The header itself, and the part in brackets of a Google Forms grid column ("Penilaian [Biaya]")."""
    found = [normalise(header)]
    if match := re.search(r"\[([^\]]+)\]\s*$", header):
        found.append(normalise(match.group(1)))
    return found


def place_columns(
    headers: Sequence[str],
    *,
    aliases: Mapping[str, str] = {},
    mapping: Mapping[str, str] = {},
    keys: Iterable[str] = (),
) -> tuple[dict[int, str], list[str]]:
    """Which key each column holds (by index; IGNORE for a column deliberately skipped), or every problem.

    `mapping` (header text → key, from the user) wins over everything; then `aliases` (from the caller, e.g.
    the survey definition's own question texts) and the standard names."""
    known = {normalise(k): k for k in (*KEYS, *keys, *aliases.values())}
    table = standard_aliases() | {normalise(text): key for text, key in aliases.items()}
    wanted = {normalise(text): key.strip() for text, key in mapping.items()}
    problems: list[str] = []
    for text, key in mapping.items():
        if normalise(key) not in known and normalise(key) not in (IGNORE, ""):
            problems.append(
                f"--map '{text}={key}': '{key}' bukan kunci kolom; pilih salah satu dari "
                f"{', '.join(sorted(set(known.values())))}, atau {IGNORE}."
            )
        if not any(normalise(text) == normalise(h) for h in headers):
            problems.append(f"--map '{text}={key}': tidak ada kolom berjudul '{text}' di berkas.")
    placed: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        candidates = _candidates(header)
        key = next((wanted[c] for c in candidates if c in wanted), None)
        if key is not None:
            key = known.get(normalise(key), IGNORE)
        else:
            key = next((table[c] for c in candidates if c in table), None)
        if key is None:
            unknown.append(header)
        else:
            placed[index] = key
    if unknown:
        names = ", ".join(f"'{h}'" for h in unknown)
        problems.append(
            f'kolom {names} tidak dikenali. Tunjukkan isinya dengan --map "{unknown[0]}=KUNCI" (kunci unsur '
            "seperti sarana, atau jenis_kelamin, umur, pendidikan, pekerjaan, saran, tanggal), atau lewati dengan "
            f'--map "{unknown[0]}={IGNORE}".'
        )
    by_key: dict[str, list[str]] = {}
    for index, key in placed.items():
        if key != IGNORE:
            by_key.setdefault(key, []).append(headers[index])
    for key, names in by_key.items():
        if len(names) > 1:
            problems.append(
                f"kolom {', '.join(repr(n) for n in names)} sama-sama dibaca sebagai {key}; "
                f'lewati salah satunya dengan --map "{names[-1]}={IGNORE}".'
            )
    if not problems and not any(k in UNSUR for k in placed.values()):
        problems.append(
            "tidak ada kolom unsur IKM (persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, "
            "pengaduan, sarana, atau teks pertanyaannya)."
        )
    return placed, problems


# --- cells -----------------------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
# A Google Form's own CSV download: 2026/03/20 9:41:07 AM GMT+7
_FORMS = re.compile(
    r"^(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?\s*(GMT|UTC)?\s*([+-]\d{1,2})?(?::?(\d{2}))?$",
    re.I,
)


def _forms_time(m: re.Match[str], tz: ZoneInfo) -> datetime:
    hour = (
        int(m.group(4)) % 12 + (12 if (m.group(7) or "").upper() == "PM" else 0)
        if m.group(7)
        else int(m.group(4))
    )
    when = datetime(
        int(m.group(1)), int(m.group(2)), int(m.group(3)), hour, int(m.group(5)), int(m.group(6) or 0)
    )
    if m.group(8) is None and m.group(9) is None:
        return when  # no zone: the office's own time
    hours = m.group(9) or "0"
    sign = -1 if hours.startswith("-") else 1
    offset = timedelta(hours=int(hours), minutes=sign * int(m.group(10) or 0))
    return when.replace(tzinfo=timezone(offset)).astimezone(tz).replace(tzinfo=None)


DMY, MDY = "dmy", "mdy"  # a slashed date's order: 20/03/2026 (Indonesia, most of the world) or 3/20/2026 (US)
_ORDER_NAMES = {DMY: "hari/bulan/tahun", MDY: "bulan/hari/tahun"}


def date_order_of(locale: str | None) -> str:
    """Day or month first, as `locale` writes a short date (CLDR, through Babel): "id" and a Google Sheet's
    "in_ID" → DMY, "en"/"en_US" → MDY, "en_GB" → DMY.  Unknown or missing: DMY, the Indonesian way."""
    if not locale:
        return DMY
    tag = locale.replace("-", "_")
    if tag.split("_")[0].casefold() == "in":  # Google (and Java) still say "in" for Indonesian
        tag = "id" + tag[2:]
    try:
        pattern = get_date_format("short", locale=Locale.parse(tag)).pattern
    except (ValueError, TypeError, UnknownLocaleError):
        return DMY
    return MDY if pattern.find("M") < pattern.find("d") else DMY


def date_order_option(text: str) -> str:
    """`--date-format` as the user writes it: DD/MM/YYYY, MM/DD/YYYY, dmy, mdy, hari/bulan, bulan/hari."""
    plain = re.sub(r"[^a-z]", "", text.casefold())
    if plain[:1] in ("d", "h"):  # dd/mm/yyyy, dmy, day, hari
        return DMY
    if plain[:1] in ("m", "b"):  # mm/dd/yyyy, mdy, month, bulan
        return MDY
    raise ResponsesInputError(
        [f"--date-format '{text}' tidak dikenal; tulis DD/MM/YYYY (hari dulu) atau MM/DD/YYYY (bulan dulu)."]
    )


@dataclass(frozen=True)
class DateReading:
    """How the slashed dates of a table were read: `order` (DMY/MDY) and why (`given` by the user or a saved
    mapping, seen in the `data`, or the `convention` of the source's locale because every date fits both)."""

    order: str
    why: str

    def sentence(self) -> str:
        name = _ORDER_NAMES[self.order]
        other = "MM/DD/YYYY" if self.order == DMY else "DD/MM/YYYY"
        if self.why == "given":
            return (
                f"Tanggal dibaca sebagai {name}, sesuai --date-format (atau yang tersimpan untuk sumber ini)."
            )
        if self.why == "data":
            return f"Tanggal dibaca sebagai {name}, terlihat dari isinya (ada angka di atas 12)."
        return (
            f"Tanggal dibaca sebagai {name} menurut kebiasaan bahasa sumbernya, karena semua tanggal bisa dibaca "
            f"dua cara; bila salah, ulangi dengan --date-format {other}."
        )


def _parse_dates(
    cells: Sequence[str], tz: ZoneInfo, order: str | None = None, convention: str = DMY
) -> tuple[list[datetime | None], list[int], DateReading | None]:
    """Local times from dates as they come: ISO (an XLSX date), 20/03/2026 09.15 (day first, as Indonesia
    writes it), 3/20/2026 9:15:32 (a Google Sheet set to English), or a Google Form's 2026/03/20 9:41:07 AM
    GMT+7.  Slashed dates follow `order` when given; else the data when a number above 12 shows which
    comes first; else `convention` (the source's locale, `date_order_of`)."""
    parts = [_DMY.match(c) for c in cells]
    slashed = [m for m in parts if m]
    reading: DateReading | None = None
    if slashed:
        if order is not None:
            reading = DateReading(order, "given")
        elif any(int(m.group(2)) > 12 for m in slashed) and not any(int(m.group(1)) > 12 for m in slashed):
            reading = DateReading(MDY, "data")
        elif any(int(m.group(1)) > 12 for m in slashed):
            reading = DateReading(DMY, "data")
        else:
            reading = DateReading(convention, "convention")
    month_first = reading is not None and reading.order == MDY
    out: list[datetime | None] = []
    bad: list[int] = []
    for i, (cell, m) in enumerate(zip(cells, parts, strict=True)):
        if not cell:
            out.append(None)
            continue
        try:
            if m:
                a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
                day, month = (b, a) if month_first else (a, b)
                hms = [int(m.group(n) or 0) for n in (4, 5, 6)]
                out.append(datetime(year, month, day, *hms))
            elif forms := _FORMS.match(cell):
                out.append(_forms_time(forms, tz))
            else:
                when = datetime.fromisoformat(cell)
                out.append(when.astimezone(tz).replace(tzinfo=None) if when.tzinfo else when)
        except ValueError:
            out.append(None)
            bad.append(i)
    return out, bad, reading


def _text(cell: str) -> str | None:
    return None if cell.strip().casefold() in EMPTY_TEXTS else cell.strip()


def read_responses(
    table: Table,
    *,
    aliases: Mapping[str, str] = {},
    choices: Mapping[str, Mapping[str, str]] = {},
    scored: Iterable[str] = (),
    mapping: Mapping[str, str] = {},
    tz: ZoneInfo = ZoneInfo("Asia/Jakarta"),
    date_order: str | None = None,
    date_convention: str = DMY,
    skip_bad_rows: bool = False,
    by_timestamp: bool = False,
) -> Responses:
    """The answers of `table` as the frame the IKM is computed from, one row per respondent.

    `aliases`: extra header texts → key (the survey definition's questions in every language, the Jawaban
    worksheet's headers).  `choices`: key → {answer text → the value kept} (labels in every language; for
    scored keys the value is "1"–"4").  `scored`: keys besides the unsur and IPAK holding 1–4.  `mapping`: the
    user's `--map`.  `date_order`: DMY or MDY as the user said; else `date_convention` (the source's locale)
    settles dates that read both ways.  Adds `row` (the row number the user sees) and `fingerprint` (stable
    across imports).

    A file is read whole or not at all (every problem named).  A source read again and again (a linked
    Google Form) passes `skip_bad_rows`: a row with a bad cell is left out and listed in `rejected`, the
    others count; and `by_timestamp`: a row is known by its form timestamp, so a correction staff make in
    its answers later never makes it a new respondent."""
    placed, problems = place_columns(table.headers, aliases=aliases, mapping=mapping, keys=choices)
    if problems:
        raise ResponsesInputError(problems)
    scored_keys = set(SCORED) | set(scored)
    wanted = {
        norm_key: {normalise(k): v for k, v in options.items()} for norm_key, options in choices.items()
    }
    columns: dict[str, list[object]] = {}
    cell_problems: list[tuple[int, str]] = []  # (row index, sentence), in the order they are found
    dates: DateReading | None = None
    for index, key in placed.items():
        if key == IGNORE:
            continue
        header = table.headers[index]
        cells = [row[index] for row in table.rows]
        if key == TIMESTAMP:
            values, bad, dates = _parse_dates(cells, tz, date_order, date_convention)
            cell_problems += [
                (
                    i,
                    f"Baris {table.number(i)}, kolom {header}: '{cells[i]}' bukan tanggal (tulis 20/03/2026 09.15).",
                )
                for i in bad
            ]
            columns[key] = values
            continue
        options = wanted.get(key, {})
        out: list[object] = []
        for i, cell in enumerate(cells):
            text = _text(cell)
            if text is None:
                out.append(None)
            elif key in scored_keys:
                value = options.get(normalise(text)) or label_to_value(key, text)
                if value is None:
                    allowed = LABELS.get(key) or (IPAK_LABELS if key in IPAK else ())
                    cell_problems.append(
                        (
                            i,
                            f"Baris {table.number(i)}, kolom {header}: '{text}' bukan 1–4"
                            + (f" atau {', '.join(allowed)}." if allowed else "."),
                        )
                    )
                out.append(int(value) if value is not None else None)
            elif options:
                value = options.get(normalise(text))
                if value is None:
                    shown = sorted(dict.fromkeys(v for v in options.values() if not v.isdigit()))
                    cell_problems.append(
                        (
                            i,
                            f"Baris {table.number(i)}, kolom {header}: '{text}' bukan pilihan yang dikenal"
                            + (f" ({', '.join(shown)})." if shown else "."),
                        )
                    )
                out.append(value)
            elif key in (SARAN, *FOLLOWUPS) and says_nothing(text):
                out.append(None)  # "-", "tidak ada": no suggestion
            else:
                out.append(text)
        columns[key] = out
    if cell_problems and not skip_bad_rows:
        raise ResponsesInputError([sentence for _, sentence in cell_problems])
    frame = pd.DataFrame(columns, index=range(len(table.rows)))
    for key in scored_keys & set(frame.columns):
        frame[key] = frame[key].astype("Int64")
    stamps = columns.get(TIMESTAMP) if by_timestamp else None
    if TIMESTAMP in frame.columns:
        times = pd.to_datetime(frame.pop(TIMESTAMP))
        frame["finished_at"] = times.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    frame["section"] = frame[SECTION].fillna("-") if SECTION in frame.columns else "-"
    frame["session_id"] = frame[SESSION].fillna("-") if SESSION in frame.columns else "-"
    frame["session_title"] = (
        frame[TITLE].fillna(frame["session_id"]) if TITLE in frame.columns else frame["session_id"]
    )
    frame["channel"] = (
        frame.pop(CHANNEL).str.strip().str.lower().fillna("import") if CHANNEL in frame.columns else "import"
    )
    frame["row"] = [table.number(i) for i in range(len(table.rows))]
    frame["fingerprint"] = fingerprints(table, placed, stamps=stamps)  # type: ignore[arg-type]
    rejected: list[RejectedRow] = []
    if cell_problems:
        by_row: dict[int, list[str]] = {}
        for i, sentence in cell_problems:
            by_row.setdefault(i, []).append(sentence)
        rejected = [
            RejectedRow(table.number(i), frame["fingerprint"].iloc[i], tuple(sentences))
            for i, sentences in sorted(by_row.items())
        ]
        frame = frame.drop(index=list(by_row))
    if STATUS in frame.columns:  # a Jawaban export: an answer its author replaced counts no more
        status = frame.pop(STATUS)
        frame = frame[~status.map(lambda v: normalise(v) in NOT_COUNTED if v else False)]
    return Responses(
        frame=frame.reset_index(drop=True),
        placed={table.headers[i]: k for i, k in placed.items() if k != IGNORE},
        ignored=[table.headers[i] for i, k in placed.items() if k == IGNORE],
        dates=dates,
        rejected=rejected,
    )


def fingerprints(
    table: Table, placed: Mapping[int, str], *, stamps: Sequence[datetime | None] | None = None
) -> list[str]:
    """A stable id per row, the same on every import of the same source: the bot's own response id when the
    table has one (a Jawaban export); else, with `stamps` (a linked Google Form), the source and the row's
    parsed form timestamp, whatever staff later correct in its answers or however the sheet shows dates;
    else the form's timestamp with the answers (a Google Form, whatever the file is called); else the
    source's name with the row's content.  Identical rows (two people answering alike on paper, or in the
    same second) are told apart by how many came before them, so each still counts once."""
    used = sorted((i, k) for i, k in placed.items() if k != IGNORE)
    stamp = next((i for i, k in used if k == TIMESTAMP), None)
    ident = next((i for i, k in used if k == ROW_ID), None)
    seen: Counter[str] = Counter()
    out: list[str] = []
    for n, row in enumerate(table.rows):
        content = {k: normalise(row[i]) if k != TIMESTAMP else row[i].strip() for i, k in used}
        when = stamps[n] if stamps is not None else None
        if ident is not None and row[ident].strip():
            basis: list[object] = ["id", row[ident].strip()]
        elif when is not None:
            basis = ["stamp", normalise(table.source), when.isoformat()]
        elif stamp is not None and row[stamp].strip():
            basis = ["form", content]
        else:
            basis = ["file", normalise(table.source), content]
        text = json.dumps(basis, sort_keys=True, ensure_ascii=False)
        seen[text] += 1
        out.append(hashlib.sha256(f"{text}#{seen[text]}".encode()).hexdigest())
    return out
