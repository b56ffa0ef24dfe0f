"""The SKM report (PDF and Word) shows the share of aspirations answered within their working-day deadline,
per section and month of its period (issue 19, part 2): the same figures /status and the public page show."""

from __future__ import annotations

import asyncio
from datetime import date

from docx import Document
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli import app
from bot.domain import deadlines
from reports.deadline_share import EMPTY, DeadlineShare, share_rows
from reports.skm_content import build_document, deadline_block

from . import site_data as fixture
from .skm_sample import quarter_report


def test_rows_read_month_section_and_percent_and_an_empty_period_says_so(tmp_path):
    rows = share_rows(
        [DeadlineShare(date(2026, 5, 1), "PHU", 0, 2), DeadlineShare(date(2026, 4, 1), "Bimas Islam", 3, 4)]
    )
    assert rows == [["April 2026", "Bimas Islam", "3", "4", "75%"], ["Mei 2026", "PHU", "0", "2", "0%"]]
    report = quarter_report(tmp_path)
    assert deadline_block(report).text == EMPTY
    chapters = [
        b
        for b in build_document(report).blocks
        if getattr(b, "text", "") == "4.4 Penanganan Aspirasi Tepat Waktu"
    ]
    assert chapters


def test_the_pdf_and_docx_report_carry_the_shares_of_the_store(tmp_path):
    db = tmp_path / "ngopas.db"

    async def fill_and_count():
        rt = await fixture.open_runtime(db)
        try:
            await fixture.fill(rt)
            return await deadlines.monthly_shares(rt, date(2026, 4, 1), date(2026, 6, 30))
        finally:
            await rt.store.close()

    expected = asyncio.run(fill_and_count())
    assert {(s.section, s.on_time, s.due) for s in expected} >= {("Bimas Islam", 1, 1)}
    assert any(s.section == "PHU" and s.on_time < s.due for s in expected)  # one late, one never answered
    env = fixture.env_file(db, tmp_path / "settings.env")
    for fmt in ("pdf", "docx"):
        out = tmp_path / f"laporan.{fmt}"
        result = CliRunner().invoke(
            app, ["report", "--env-file", str(env), "--period", "2026-Q2", "--format", fmt, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        if fmt == "pdf":
            text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
        else:
            text = " ".join(c.text for t in Document(out).tables for row in t.rows for c in row.cells)
            text += " ".join(p.text for p in Document(out).paragraphs)
        assert "Penanganan Aspirasi Tepat Waktu" in text, fmt
        for row in share_rows(expected):
            assert " ".join(row) in " ".join(text.split()), (fmt, row)
