"""Reading responses from a CSV export (Google Forms, typed-in paper surveys, another system).

One row per respondent; unsur columns by key holding 1–4 or the standard labels; an absent unsur column means
that unsur is disabled.  Every bad cell is collected and reported by row and column, and nothing is returned
from a half-read file.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .instrument import IPAK, UNSUR, label_to_value

TEXT_COLUMNS = ("sesi", "bidang", "jenis_kelamin", "umur", "pendidikan", "pekerjaan", "saran")


class CsvInputError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:  # one problem is one sentence
            super().__init__(f"Berkas tidak dihitung: {problems[0]}")
            return
        shown = "\n".join(problems[:20]) + (
            f"\n… dan {len(problems) - 20} lagi" if len(problems) > 20 else ""
        )
        super().__init__(f"Berkas tidak dihitung karena ada {len(problems)} sel bermasalah:\n{shown}")


def read_responses_csv(path: str | Path) -> pd.DataFrame:
    return parse_responses_csv(Path(path).read_text(encoding="utf-8-sig"))


def _unreadable(exc: Exception) -> str:
    """pandas' parser error as a sentence (its rows count from 0 after the header line)."""
    message = str(exc)
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message):
        expected, line, saw = match.groups()
        return (
            f"baris {line} punya {saw} kolom padahal judulnya {expected}; periksa pemisah (, atau ;) dan "
            "tanda kutip di baris itu."
        )
    if match := re.search(r"EOF inside string starting at row (\d+)", message):
        return f'tanda kutip (") di baris {int(match.group(1)) + 1} dibuka tetapi tidak pernah ditutup.'
    return f"bukan CSV yang dapat dibaca ({message.strip().splitlines()[0] if message.strip() else type(exc).__name__})."


def parse_responses_csv(text: str) -> pd.DataFrame:
    """Responses from the text of a CSV export (see `read_responses_csv`)."""
    if not text.strip():
        raise CsvInputError(["Berkas kosong."])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise CsvInputError([_unreadable(exc)]) from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    keys = [k for k in (*UNSUR, *IPAK) if k in raw.columns]
    problems: list[str] = []
    if not any(k in raw.columns for k in UNSUR):
        problems.append(
            "Tidak ada kolom unsur IKM (persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, pengaduan, sarana)."
        )
    out = pd.DataFrame(index=raw.index)
    for key in keys:
        cells = raw[key].str.strip()
        values = cells.map(lambda v, k=key: label_to_value(k, v) if v else None)
        bad = cells.ne("") & values.isna()
        for row in raw.index[bad]:
            problems.append(
                f"Baris {row + 2}, kolom {key}: '{raw.at[row, key]}' bukan 1–4 atau label jawaban yang baku."
            )
        out[key] = values.astype("Int64")
    if "tanggal" in raw.columns:
        dates = pd.to_datetime(raw["tanggal"].str.strip(), format="mixed", dayfirst=True, errors="coerce")
        for row in raw.index[raw["tanggal"].str.strip().ne("") & dates.isna()]:
            problems.append(f"Baris {row + 2}, kolom tanggal: '{raw.at[row, 'tanggal']}' bukan tanggal.")
        out["finished_at"] = (
            dates.dt.tz_localize("Asia/Jakarta", ambiguous="NaT", nonexistent="NaT")
            if dates.dt.tz is None
            else dates
        )
    if problems:
        raise CsvInputError(problems)
    for column in TEXT_COLUMNS:
        if column in raw.columns:
            out[column] = raw[column].replace("", None)
    out["section"] = out.get("bidang", pd.Series("-", index=out.index)).fillna("-")
    out["session_id"] = out.get("sesi", pd.Series("-", index=out.index)).fillna("-")
    out["session_title"] = out["session_id"]
    for key in UNSUR:
        if f"perbaikan_{key}" in raw.columns:
            out[f"perbaikan_{key}"] = raw[f"perbaikan_{key}"].replace("", None)
    return out
