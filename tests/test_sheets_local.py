"""The local .xlsx workbook behaves like the office spreadsheet: headers, literal text, idempotent appends."""

import pytest
from openpyxl import load_workbook

from sheets import CellUpdate, WorkbookCorrupt, WorksheetSpec, open_workbook

SPEC = WorksheetSpec("Jawaban", ("ID Jawaban", "Nama Sesi", "Saran"), key="ID Jawaban")
NASTY = ['=HYPERLINK("http://x","y")', "+62812345", "@SUM(A1)", "=1+1", "-1", "0812345", "007"]


@pytest.fixture
def book(tmp_path):
    return open_workbook(service_account_file=None, spreadsheet_id=None, local_path=tmp_path / "ngopas.xlsx")


def test_ensure_creates_sheets_with_frozen_bold_headers(book, tmp_path):
    book.ensure([SPEC, WorksheetSpec("Jadwal", ("ID", "Judul"))])
    wb = load_workbook(tmp_path / "ngopas.xlsx")
    assert wb.sheetnames == ["Jawaban", "Jadwal"]
    sheet = wb["Jawaban"]
    assert [c.value for c in sheet[1]] == ["ID Jawaban", "Nama Sesi", "Saran"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b


def test_text_written_literally_never_as_formula(book, tmp_path):
    rows = [{"ID Jawaban": f"R{i}", "Saran": text} for i, text in enumerate(NASTY)]
    assert book.append_rows(SPEC, rows).written == len(NASTY)
    assert [r.values["Saran"] for r in book.read_rows(SPEC)] == NASTY
    sheet = load_workbook(tmp_path / "ngopas.xlsx")["Jawaban"]
    for row in range(2, 2 + len(NASTY)):
        assert sheet.cell(row=row, column=3).data_type == "s"


def test_append_is_idempotent_by_key(book):
    rows = [{"ID Jawaban": "R1", "Nama Sesi": "A"}, {"ID Jawaban": "R2", "Nama Sesi": "B"}]
    assert book.append_rows(SPEC, rows).written == 2
    again = book.append_rows(SPEC, [*rows, {"ID Jawaban": "R3", "Nama Sesi": "C"}])
    assert (again.written, again.skipped) == (1, 2)
    assert [r.values["ID Jawaban"] for r in book.read_rows(SPEC)] == ["R1", "R2", "R3"]


def test_staff_reordered_columns_are_kept(book, tmp_path):
    book.ensure([SPEC])
    wb = load_workbook(tmp_path / "ngopas.xlsx")
    sheet = wb["Jawaban"]
    sheet["A1"], sheet["B1"], sheet["C1"] = "Saran", "ID Jawaban", "Catatan Petugas"
    wb.save(tmp_path / "ngopas.xlsx")
    book.append_rows(SPEC, [{"ID Jawaban": "R9", "Saran": "Lebih sering", "Nama Sesi": "Dialog"}])
    sheet = load_workbook(tmp_path / "ngopas.xlsx")["Jawaban"]
    assert [c.value for c in sheet[1]] == ["Saran", "ID Jawaban", "Catatan Petugas", "Nama Sesi"]
    assert [c.value for c in sheet[2]] == ["Lebih sering", "R9", None, "Dialog"]


def test_update_and_replace(book):
    book.append_rows(SPEC, [{"ID Jawaban": "R1"}, {"ID Jawaban": "R2"}])
    book.update_cells(SPEC, [CellUpdate(3, "Saran", "=dibaca staf")])
    assert book.read_rows(SPEC)[1].values["Saran"] == "=dibaca staf"
    book.replace_rows(SPEC, [{"ID Jawaban": "X"}])
    assert [r.values["ID Jawaban"] for r in book.read_rows(SPEC)] == ["X"]


def test_corrupt_workbook_clear_error(tmp_path):
    path = tmp_path / "ngopas.xlsx"
    path.write_bytes(b"PK\x03\x04 half-written")
    book = open_workbook(service_account_file=None, spreadsheet_id=None, local_path=path)
    with pytest.raises(WorkbookCorrupt) as info:
        book.read_rows(SPEC)
    assert "rusak" in str(info.value) and str(path) in str(info.value)
