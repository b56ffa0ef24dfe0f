"""The official SKM report (PDF and Word): every chapter, the figures of the JSON report, the letterhead and
the signature, suggestions grouped, the follow-up plan table, pages that are not blank and stay in margins."""

from __future__ import annotations

import json
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from reports.dates import long_date
from reports.numbers import number
from reports.report import render_json
from reports.rtl import EMPTY as NO_RTL
from reports.skm_docx import render_docx
from reports.skm_pdf import MARGIN, render_pdf

from .page_images import ink_box, ink_share, mm, pdf_pages
from .skm_sample import GENERATED, RTL, SAME_SUGGESTION, quarter_report

CHAPTERS = (
    "KATA PENGANTAR",
    "DAFTAR ISI",
    "RINGKASAN EKSEKUTIF",
    "BAB I PENDAHULUAN",
    "Dasar Hukum",
    "BAB II METODOLOGI",
    "Populasi dan Sampel",
    "Pengumpulan Data",
    "Pengolahan Data",
    "BAB III HASIL SURVEI",
    "Karakteristik Responden",
    "Nilai per Unsur Pelayanan",
    "Sebaran Jawaban",
    "Saran dan Masukan",
    "BAB IV ANALISIS",
    "Kekuatan dan Kelemahan per Unsur",
    "Perkembangan Dibanding Periode Sebelumnya",
    "BAB V RENCANA TINDAK LANJUT",
    "BAB VI PENUTUP",
    "Kesimpulan",
    "LAMPIRAN",
    "Kuesioner",
    "Rekapitulasi Data",
)
DPI = 50


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One quarter's report rendered once per module: PDF (with and without a follow-up plan) and DOCX."""
    folder = tmp_path_factory.mktemp("skm")
    report = quarter_report(folder)
    pdf = render_pdf(report, folder / "laporan.pdf")
    with_plan = quarter_report(folder, rtl=RTL, profile=False)
    pdf_plan = render_pdf(with_plan, folder / "laporan-rtl.pdf")
    docx = render_docx(with_plan, folder / "laporan.docx")
    return {
        "report": report,
        "json": json.loads(render_json(report)),
        "pdf": pdf,
        "pdf_text": flat("\n".join(p.extract_text() for p in PdfReader(pdf).pages)),
        "reader": PdfReader(pdf),
        "plan_text": flat("\n".join(p.extract_text() for p in PdfReader(pdf_plan).pages)),
        "docx": Document(str(docx)),
    }


def figures(data: dict) -> list[str]:
    """What the JSON report says, written the Indonesian way, as the report must show it."""
    shown = [number(data["ikm"]), data["mutu"], data["kinerja"], str(data["respondents"])]
    shown += [u["name"] for u in data["unsur"].values()]
    shown += [f"{u['mutu']} ({u['kinerja']})" for u in data["unsur"].values()]
    shown += [str(data["sample"]["population"]), str(data["sample"]["target"])]
    shown += [number(p["ikm"]) for p in data["trend"]] + [p["period"] for p in data["trend"]]
    return shown


def test_pdf_has_every_chapter_and_many_pages(rendered):
    text = rendered["pdf_text"]
    missing = [c for c in CHAPTERS if c.upper() not in text.upper()]
    assert not missing
    assert len(rendered["reader"].pages) >= 10
    # the contents page lists the chapters with page numbers
    contents = flat(rendered["reader"].pages[1].extract_text())
    assert "DAFTAR ISI" in contents and re.search(r"BAB III HASIL SURVEI \.+ ?\d+", contents)


def test_pdf_carries_the_figures_of_the_json_report(rendered):
    text = rendered["pdf_text"]
    data = rendered["json"]
    # the trend: this quarter and the two before it, each better than the last (see skm_sample)
    assert [p["period"] for p in data["trend"]] == [
        "Triwulan I 2026",
        "Triwulan II 2026",
        "Triwulan III 2026",
    ]
    assert data["trend"][-1]["ikm"] == data["ikm"] and data["trend"][0]["change"] is None
    assert all(p["change"] > 0 for p in data["trend"][1:])
    assert data["period_dates"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert [f for f in figures(data) if f not in text] == []
    assert "1 Juli – 30 September 2026" in text  # the period's dates
    assert "Krejcie" in text and f"{data['sample']['target']} responden" in text
    assert "." not in number(data["ikm"]) and number(data["ikm"]) in text


def test_pdf_letterhead_logo_and_signature(rendered):
    text = rendered["pdf_text"]
    office = rendered["report"].identity
    cover = flat(rendered["reader"].pages[0].extract_text())
    assert office.name.upper() in cover and office.address in cover and office.email in cover
    assert "Triwulan III 2026" in cover and "TAHUN 2026" in cover
    assert len(rendered["reader"].pages[0].images) == 1  # the logo
    assert f"Magelang, {long_date(GENERATED.date())}" in text
    assert f"Kepala Kantor {office.name}" in text
    assert office.head_name in text and f"NIP {office.head_nip}" in text


def test_pdf_groups_identical_suggestions_with_counts(rendered):
    text = rendered["pdf_text"]
    # four respondents wrote the same suggestion (different case, spacing, full stop): one row, counted 4
    assert re.search(r"1 Lebih sering diadakan 4\b", text)
    lowered = text.lower()
    assert lowered.count("lebih sering diadakan") == 2  # the table row and the recommendation
    assert "Parkir diperluas 1" in text
    assert len(set(SAME_SUGGESTION)) > 1  # the four are written differently


def test_pdf_follow_up_plan_table_or_the_sentence_that_there_is_none(rendered):
    assert NO_RTL in rendered["pdf_text"]
    plan = rendered["plan_text"]
    assert NO_RTL not in plan
    assert "Menambah kursi ruang tunggu PTSP" in plan and "Subbag TU" in plan and "15 Desember 2026" in plan
    assert "Dialog bulanan di tiap kecamatan" in plan and "Berjalan" in plan
    # without a respondent profile, the report says so instead of empty tables
    assert "Responden tidak mengisi data profil" in plan and "Jenis kelamin" not in plan
    # tables are numbered per chapter in order, whatever was left out before them
    assert "Tabel 5.1 Rencana tindak lanjut" in plan and "Tabel 3.1 NRR, peringkat dan mutu per unsur" in plan


def test_pdf_pages_are_not_blank_and_stay_inside_the_margins(rendered):
    pages = pdf_pages(rendered["pdf"], DPI)
    assert len(pages) == len(rendered["reader"].pages)
    width_mm, height_mm = 210, 297
    for number_, page in enumerate(pages, start=1):
        assert ink_share(page) > 0.002, f"page {number_} is blank"
        left, top, right, bottom = ink_box(page)
        # text and figures keep the 20 mm side margins; only the running header/footer use the top/bottom band
        assert mm(left, DPI) >= MARGIN - 1.5, f"page {number_}: ink {mm(left, DPI):.1f} mm from the left edge"
        assert width_mm - mm(right, DPI) >= MARGIN - 1.5, f"page {number_}: ink past the right margin"
        assert mm(top, DPI) >= 8 and height_mm - mm(bottom, DPI) >= 8, f"page {number_}: ink at the edge"


def test_docx_has_the_same_chapters_figures_plan_and_signature(rendered):
    word = rendered["docx"]
    paragraphs = [p.text for p in word.paragraphs]
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    text = flat("\n".join(paragraphs + cells))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    missing = [c for c in CHAPTERS if not any(c.upper() in h.upper() for h in headings)]
    assert missing == []
    data = json.loads(render_json(quarter_report(rendered["pdf"].parent, rtl=RTL, profile=False)))
    assert [f for f in figures(data) if f not in text] == []
    assert "Menambah kursi ruang tunggu PTSP" in text and "15 Desember 2026" in text
    office = rendered["report"].identity
    assert office.head_name in text and f"NIP {office.head_nip}" in text
    assert f"Magelang, {long_date(GENERATED.date())}" in text
    assert len(word.inline_shapes) >= 3  # logo, NRR chart, trend chart
    # the contents are a Word TOC field (page numbers filled in by Word), listing the chapters until then
    fields = [el.text for el in word.element.body.iter(qn("w:instrText"))]
    assert any(f.startswith("TOC ") for f in fields)
