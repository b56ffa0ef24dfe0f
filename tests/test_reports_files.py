"""PNG, PDF and XLSX reports open and carry the figures."""

import pandas as pd
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from reports import build_report, summarise
from reports.instrument import UNSUR_KEYS
from reports.render_files import render_pdf, render_png, render_xlsx


def _report():
    df = pd.DataFrame([dict.fromkeys(UNSUR_KEYS, 4), dict.fromkeys(UNSUR_KEYS, 3)])
    df["jenis_kelamin"] = ["Perempuan", "Laki-laki"]
    df["saran"] = ['=HYPERLINK("x")', "Lebih sering diadakan"]
    df["finished_at"] = pd.to_datetime(["2026-02-01", "2026-05-01"]).tz_localize("Asia/Jakarta")
    df["section"] = "PHU"
    return df, build_report(
        df, title="SKM NGOPAS", office_name="Kemenag Kota Magelang", period_label="Semester I 2026"
    )


def test_png_infographic(tmp_path):
    _, report = _report()
    path = render_png(report, tmp_path / "ikm.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] >= 900


def test_pdf_contains_the_figures(tmp_path):
    _, report = _report()
    path = render_pdf(report, tmp_path / "ikm.pdf", compress=False)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")

    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "IKM 87,50" in text and "Mutu B" in text and "Kesimpulan" in text


def test_xlsx_tables(tmp_path):
    df, report = _report()
    path = render_xlsx(report, tmp_path / "ikm.xlsx", groups={"Per Triwulan": summarise(df, "quarter")})
    book = load_workbook(path)
    assert book.sheetnames == ["IKM", "Interval", "Per Triwulan", "Profil", "Saran"]
    ikm = {row[0]: row[1] for row in book["IKM"].iter_rows(values_only=True) if row and row[0]}
    assert ikm["IKM (konversi ×25)"] == 87.5 and ikm["Mutu"] == "B" and ikm["Responden"] == 2
    quarters = list(book["Per Triwulan"].iter_rows(values_only=True))
    assert quarters[1][0] == "2026-Q1" and quarters[1][1] == 100.0 and quarters[2][1] == 75.0
    saran = book["Saran"]
    assert saran["A2"].value == '=HYPERLINK("x")' and saran["A2"].data_type == "s"
