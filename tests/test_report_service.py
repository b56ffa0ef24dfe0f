"""The one report service behind `ngopas report`, /laporan and /ekspor, on plain frames (no bot, no store)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import time_machine
from openpyxl import load_workbook

from bot.domain import reporting
from bot.domain.reporting import NoReport, ReportInputError, Scope
from reports.instrument import UNSUR_KEYS
from reports.office import Office
from reports.skm_content import signature_lines

TZ = ZoneInfo("Asia/Jakarta")


def answers(*rows: tuple[str, int, str]) -> pd.DataFrame:
    """(finished day, the score on every unsur, section) per respondent."""
    return pd.DataFrame(
        [
            {
                **dict.fromkeys(UNSUR_KEYS, score),
                "finished_at": pd.Timestamp(day, tz=TZ),
                "section": section,
                "session_id": 1,
                "session_title": "Dialog",
            }
            for day, score, section in rows
        ]
    )


YEAR = answers(
    ("2026-02-10", 4, "Bimas Islam"),
    ("2026-03-05", 3, "PHU"),
    ("2026-05-20", 2, "Bimas Islam"),
)


def test_the_period_picks_its_answers_and_names_itself_the_office_way():
    built = reporting.build(YEAR, Scope(period="2026-Q1"), office_name="Kantor")
    assert built.report.ikm.respondents == 2
    assert built.report.ikm.ikm_rounded == 87.5
    assert built.report.period_label == "Triwulan I 2026"
    everything = reporting.build(YEAR, Scope(), office_name="Kantor")
    assert everything.report.period_label == "Semua periode"
    assert everything.report.ikm.respondents == 3


def test_the_title_names_the_session_and_section():
    assert Scope().title == "Survei Kepuasan Masyarakat NGOPAS"
    assert Scope(session_id=4, section="PHU").title == "Survei Kepuasan Masyarakat NGOPAS – sesi #4 – PHU"


def test_no_answers_in_scope_is_no_report_not_an_error():
    with pytest.raises(NoReport):
        reporting.build(YEAR, Scope(period="2025"), office_name="Kantor")
    with pytest.raises(NoReport):
        reporting.build(pd.DataFrame(), Scope(period="2026-Q1"), office_name="Kantor")


def test_a_bad_period_or_a_file_without_dates_says_why():
    with pytest.raises(ReportInputError, match="Periode tidak dikenali: 2026-Q5"):
        reporting.build(YEAR, Scope(period="2026-Q5"), office_name="Kantor")
    undated = YEAR.drop(columns=["finished_at"])
    with pytest.raises(ReportInputError, match="tanggal"):
        reporting.build(undated, Scope(period="2026"), office_name="Kantor")


@pytest.mark.parametrize(
    ("which", "code"), [("month", "2026-05"), ("quarter", "2026-Q2"), ("year", "2026"), ("all", None)]
)
def test_current_period_in_the_offices_calendar(which, code):
    assert reporting.current_period(datetime(2026, 5, 31, 23, 30, tzinfo=TZ), which) == code


def test_text_json_and_files_come_from_the_same_figures(tmp_path):
    built = reporting.build(YEAR, Scope(), office_name="Kantor Kemenag")
    assert "IKM 75,00" in reporting.render(built, "text")
    assert json.loads(reporting.render(built, "json"))["ikm"] == 75.0
    assert reporting.headline(built) == "IKM 75,00 (C)"
    xlsx = reporting.write(built, "xlsx", tmp_path / "out" / "laporan.xlsx")
    sheets = load_workbook(xlsx).sheetnames
    assert {"Per Triwulan", "Per Bidang"} <= set(sheets)
    png = reporting.write(built, "png", tmp_path / "ikm.png")
    assert png.read_bytes().startswith(b"\x89PNG")


@time_machine.travel(datetime(2026, 9, 30, 20, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_the_report_is_signed_with_the_offices_date_not_the_servers():
    """03.00 WIB on 1 October is still 30 September on a server running on UTC."""
    built = reporting.build(
        YEAR, Scope(), office_name="Kantor", office=Office("Kantor", city="Magelang"), tz=TZ
    )
    assert signature_lines(built.report)[0] == "Magelang, 1 Oktober 2026"
