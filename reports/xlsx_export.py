"""The report as a workbook staff paste into their own reports: human headers, unsur names, widths, number
formats, frozen header rows and native Excel charts (openpyxl), so a chart stays editable in Excel/Sheets.

Numbers are stored as numbers with a display format; Excel shows them with the reader's own decimal comma.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .charts import PROFILE_TITLES, intervals
from .instrument import UNSUR
from .periods import describe
from .report import Report
from .skm_content import CHANNEL_NAMES, period_line

HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
NRR = "0.000"
IKM = "0.00"
PERCENT = "0.0%"
# summarise() columns → what a person reads, and how each is shown
GROUP_COLUMNS = {
    "kelompok": ("Kelompok", None),
    "ikm": ("IKM", IKM),
    "mutu": ("Mutu", None),
    "kinerja": ("Kinerja", None),
    "responden": ("Responden", "0"),
    "unsur_terlemah": ("Unsur terlemah", None),
    "perubahan": ("Perubahan IKM (poin)", "+0.00;-0.00;0.00"),
}
PERIOD_GROUPS = ("Per Triwulan", "Per Bulan", "Per Semester", "Per Tahun")
GROUP_FIRST = {"Per Triwulan": "Triwulan", "Per Bidang": "Bidang", "Per Sesi": "Sesi", "Per Bulan": "Bulan"}


def render_xlsx(report: Report, path: str | Path, groups: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the workbook: Ringkasan, Sebaran, Interval, one sheet per group table, Tren, Profil, Saran."""
    book = Workbook()
    _summary(book.active, report)
    _distribution(book.create_sheet("Sebaran Jawaban"), report)
    _intervals(book.create_sheet("Interval"))
    for name, frame in (groups or {}).items():
        _group(book.create_sheet(name[:31]), name, frame)
    if report.trend:
        _trend(book.create_sheet("Tren"), report)
    _profile(book.create_sheet("Profil"), report)
    _saran(book.create_sheet("Saran"), report)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Packed in memory and written in one go: openpyxl saving straight to a full disk leaves a half-closed
    # zip whose clean-up prints a traceback after the polite sentence.
    packed = io.BytesIO()
    book.save(packed)
    out.write_bytes(packed.getvalue())
    return out


def _header(sheet: Worksheet, values: Sequence[str]) -> int:
    sheet.append(list(values))
    row = sheet.max_row
    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return row


def _table(
    sheet: Worksheet, header: Sequence[str], rows: list[list[Any]], formats: dict[int, str] | None = None
) -> int:
    """Header on the next row, rows under it; returns the header's row number (to freeze below it)."""
    start = _header(sheet, header)
    for row in rows:
        sheet.append(row)
        for col, fmt in (formats or {}).items():
            sheet.cell(row=sheet.max_row, column=col).number_format = fmt
    return start


def _widths(sheet: Worksheet, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = f"{cell.value:.3f}" if isinstance(cell.value, float) else str(cell.value)
            longest = max(len(part) for part in text.split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(maximum, max(8, width + 2))


def _summary(sheet: Worksheet, report: Report) -> None:
    r = report.ikm
    sheet.title = "Ringkasan"
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([" · ".join(p for p in (report.identity.name, report.subject, period_line(report)) if p)])
    sheet.append([])
    units = list(r.unsur.values())
    header_row = _table(
        sheet,
        ("No", "Unsur", "Jumlah jawaban", "NRR", "NRR × bobot", "Konversi (×25)", "Mutu", "Kinerja"),
        [
            [
                i,
                u.name,
                u.answers,
                float(u.nrr),
                float(u.weighted),
                float(u.nrr) * 25,
                u.grade.mutu,
                u.grade.kinerja,
            ]
            for i, u in enumerate(units, start=1)
        ],
        {3: "0", 4: NRR, 5: NRR, 6: IKM},
    )
    first, last = header_row + 1, header_row + len(units)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.append([])
    facts: list[tuple[str, Any, str | None]] = [
        ("IKM (konversi ×25)", r.ikm_rounded, IKM),
        ("IKM unit (skala 1–4)", float(r.unit), NRR),
        ("Mutu", r.grade.mutu, None),
        ("Kinerja", r.grade.kinerja, None),
        ("Responden", r.respondents, "0"),
    ]
    if report.progress:
        facts += [
            ("Populasi", report.progress.population, "0"),
            ("Target sampel (Krejcie–Morgan)", report.progress.target, "0"),
            (
                "Capaian sampel",
                report.progress.respondents / report.progress.target if report.progress.target else 0,
                PERCENT,
            ),
        ]
    if report.period_start and report.period_end:
        facts += [
            ("Periode mulai", report.period_start, "dd/mm/yyyy"),
            ("Periode akhir", report.period_end, "dd/mm/yyyy"),
        ]
    for channel, count in report.channels.items():
        facts.append((f"Responden via {CHANNEL_NAMES.get(channel, channel)}", count, "0"))
    for label, value, fmt in facts:
        sheet.append(["", label, value])
        sheet.cell(row=sheet.max_row, column=2).font = Font(bold=True)
        if fmt:
            sheet.cell(row=sheet.max_row, column=3).number_format = fmt
    _widths(sheet, 45)
    chart = BarChart()
    chart.type = "bar"
    chart.title = "NRR per unsur (skala 1–4)"
    chart.y_axis.title = "NRR"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 1, 4
    chart.y_axis.number_format = "0.0"
    chart.add_data(Reference(sheet, min_col=4, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=2, min_row=first, max_row=last))
    chart.legend = None
    chart.height, chart.width = 9, 16
    sheet.add_chart(chart, "J3")


def _distribution(sheet: Worksheet, report: Report) -> None:
    units = list(report.ikm.unsur.values())
    header = ("Unsur", "Nilai 1", "Nilai 2", "Nilai 3", "Nilai 4", "Jumlah")
    rows = [
        [u.name, *(report.distribution.get(u.key, {}).get(v, 0) for v in (1, 2, 3, 4)), u.answers]
        for u in units
    ]
    _table(sheet, header, rows, dict.fromkeys(range(2, 7), "0"))
    sheet.freeze_panes = "B2"
    _widths(sheet)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "percentStacked"
    chart.overlap = 100
    chart.title = "Sebaran jawaban per unsur"
    chart.add_data(
        Reference(sheet, min_col=2, max_col=5, min_row=1, max_row=len(rows) + 1), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
    chart.height, chart.width = 9, 16
    sheet.add_chart(chart, "H2")


def _intervals(sheet: Worksheet) -> None:
    _table(
        sheet,
        ("Nilai persepsi", "Interval IKM (×25)", "Mutu", "Kinerja"),
        [[int(value), span, mutu, kinerja] for mutu, span, kinerja, value in intervals()],
    )
    sheet.freeze_panes = "A2"
    _widths(sheet)


def _group(sheet: Worksheet, name: str, frame: pd.DataFrame) -> None:
    columns = [c for c in frame.columns if c in GROUP_COLUMNS]
    header = [GROUP_COLUMNS[c][0] for c in columns]
    if columns and columns[0] == "kelompok":
        header[0] = GROUP_FIRST.get(name, "Kelompok")
    rows = []
    for record in frame[columns].to_dict("records"):
        row = []
        for column in columns:
            value = record[column]
            if column == "unsur_terlemah":
                value = UNSUR.get(str(value), value)
            elif column == "kelompok" and name in PERIOD_GROUPS:
                value = describe(str(value))
            row.append(None if value is None or (isinstance(value, float) and pd.isna(value)) else value)
        rows.append(row)
    formats = {i + 1: GROUP_COLUMNS[c][1] for i, c in enumerate(columns) if GROUP_COLUMNS[c][1]}
    _table(sheet, header, rows, formats)  # type: ignore[arg-type]
    sheet.freeze_panes = "B2"
    _widths(sheet)
    if rows and "ikm" in columns:
        ikm_col = columns.index("ikm") + 1
        chart: LineChart | BarChart = LineChart() if name in PERIOD_GROUPS else BarChart()
        chart.title = f"IKM {name.lower()}"
        chart.y_axis.title = "IKM"
        chart.y_axis.number_format = "0"
        chart.add_data(
            Reference(sheet, min_col=ikm_col, min_row=1, max_row=len(rows) + 1), titles_from_data=True
        )
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
        chart.legend = None
        chart.height, chart.width = 8, 15
        sheet.add_chart(chart, f"{get_column_letter(len(columns) + 2)}2")


def _trend(sheet: Worksheet, report: Report) -> None:
    rows = [[p.label, p.ikm, p.mutu, p.respondents, p.change] for p in report.trend]
    _table(
        sheet,
        ("Periode", "IKM", "Mutu", "Responden", "Perubahan IKM (poin)"),
        rows,
        {2: IKM, 4: "0", 5: "+0.00;-0.00;0.00"},
    )
    sheet.freeze_panes = "B2"
    _widths(sheet)
    chart = LineChart()
    chart.title = "Tren IKM"
    chart.y_axis.title = "IKM"
    chart.y_axis.number_format = "0"
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
    chart.legend = None
    sheet.add_chart(chart, "G2")


def _profile(sheet: Worksheet, report: Report) -> None:
    rows = []
    for key, counts in report.profile.items():
        total = sum(counts.values()) or 1
        rows += [
            [PROFILE_TITLES.get(key, key), label, count, count / total] for label, count in counts.items()
        ]
    _table(sheet, ("Karakteristik", "Kategori", "Jumlah", "Persentase"), rows, {3: "0", 4: PERCENT})
    sheet.freeze_panes = "A2"
    _widths(sheet)
    if rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Profil responden"
        chart.add_data(Reference(sheet, min_col=3, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, max_col=2, min_row=2, max_row=len(rows) + 1))
        chart.legend = None
        chart.height = max(7.5, 0.6 * len(rows))
        sheet.add_chart(chart, "F2")


def _saran(sheet: Worksheet, report: Report) -> None:
    _table(sheet, ("No", "Saran / masukan", "Jumlah"), [])
    for i, (text, count) in enumerate(report.saran_grouped, start=1):
        sheet.append([i, text, count])
        sheet.cell(row=sheet.max_row, column=2).data_type = "s"  # literal text, never a formula
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    _widths(sheet, 80)
