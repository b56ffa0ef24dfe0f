"""The XLSX staff paste into their reports: human headers and unsur names (no codes), widths, number formats,
frozen header rows, native charts; a suggestion that looks like a formula stays text."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from reports import summarise
from reports.instrument import UNSUR, UNSUR_KEYS
from reports.xlsx_export import render_xlsx

from .skm_sample import answers, quarter_report

CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsx")
    report = quarter_report(folder)
    report.saran.append('=HYPERLINK("http://x")')
    frame = answers()
    path = render_xlsx(
        report,
        folder / "ikm.xlsx",
        groups={"Per Triwulan": summarise(frame, "quarter"), "Per Bidang": summarise(frame, "section")},
    )
    return report, load_workbook(path)


def cells(sheet):
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]


def test_sheets_and_human_headers_no_codes(book):
    _, wb = book
    assert wb.sheetnames == [
        "Ringkasan",
        "Sebaran Jawaban",
        "Interval",
        "Per Triwulan",
        "Per Bidang",
        "Tren",
        "Profil",
        "Saran",
    ]
    values = [str(c.value) for sheet in wb for c in cells(sheet)]
    codes = [
        v for v in values if CODE.match(v) or v in UNSUR_KEYS or v in ("kelompok", "perubahan", "ikm", "mutu")
    ]
    assert codes == []
    quarters = list(wb["Per Triwulan"].iter_rows(values_only=True))
    assert quarters[0] == (
        "Triwulan",
        "IKM",
        "Mutu",
        "Kinerja",
        "Responden",
        "Unsur terlemah",
        "Perubahan IKM (poin)",
    )
    assert quarters[1][0] == "Triwulan I 2026" and quarters[1][5] == UNSUR["sarana"]
    assert quarters[2][6] is not None  # the change against the quarter before


def test_figures_numbers_formats_widths_and_frozen_headers(book):
    report, wb = book
    summary = wb["Ringkasan"]
    rows = list(summary.iter_rows(values_only=True))
    header = rows.index(
        ("No", "Unsur", "Jumlah jawaban", "NRR", "NRR × bobot", "Konversi (×25)", "Mutu", "Kinerja")
    )
    first = rows[header + 1]
    unsur = next(iter(report.ikm.unsur.values()))
    assert first[1] == unsur.name and first[3] == pytest.approx(float(unsur.nrr))
    assert summary.cell(row=header + 2, column=4).number_format == "0.000"
    facts = {row[1]: row[2] for row in rows if row and row[1]}
    assert facts["IKM (konversi ×25)"] == report.ikm.ikm_rounded and facts["Mutu"] == report.ikm.grade.mutu
    assert facts["Target sampel (Krejcie–Morgan)"] == report.progress.target
    for sheet in wb:
        assert sheet.freeze_panes, f"{sheet.title}: header row not frozen"
        widths = [d.width for d in sheet.column_dimensions.values() if d.width]
        assert widths and max(widths) > 12, f"{sheet.title}: no column widths"
    assert summary.freeze_panes == f"A{header + 2}"


def test_native_charts(book):
    _, wb = book
    charts = {sheet.title: len(sheet._charts) for sheet in wb}
    assert charts["Ringkasan"] == 1 and charts["Per Triwulan"] == 1 and charts["Tren"] == 1
    assert charts["Sebaran Jawaban"] == 1 and charts["Profil"] == 1 and charts["Per Bidang"] == 1


def test_suggestions_grouped_and_a_formula_stays_text(book):
    _, wb = book
    saran = list(wb["Saran"].iter_rows(values_only=True))
    assert saran[0] == ("No", "Saran / masukan", "Jumlah")
    assert saran[1] == (1, "Lebih sering diadakan", 4)
    formula = next(c for c in wb["Saran"]["B"] if c.value == '=HYPERLINK("http://x")')
    assert formula.data_type == "s"
