"""What the running bot keeps out of its memory (issue 17 #6, bench.footprint): Alembic when the database is
already at the head revision, and every holiday calendar but Indonesia's.  Each start runs in a fresh
interpreter that imports the whole bot (`bot.telegram.app`, every handler, job and sweep of `ngopas run`), so
`sys.modules` shows exactly what the start-up loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from bot.store import head_revision
from bot.store.migrate import HEAD_REVISION, alembic_config

START = """
import asyncio, json, sys
import bot.telegram.app
from bot.store import Store

async def start(url):
    store = await Store.open(url)
    await store.close()
    return store.migration

report = asyncio.run(start(sys.argv[1]))
print(json.dumps({
    "revision": report.revision,
    "applied": list(report.applied),
    "alembic": sorted(name for name in sys.modules if name.split(".")[0] in ("alembic", "mako")),
}))
"""


def start(database: Path) -> dict:
    """`Store.open` as `ngopas run` does it, in a fresh interpreter: the migration report and what loaded."""
    out = subprocess.run(
        [sys.executable, "-c", START, f"sqlite+aiosqlite:///{database}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def test_the_head_revision_the_code_knows_is_alembics_head() -> None:
    """A start at HEAD_REVISION skips Alembic, so the constant must be the newest revision file: a new
    revision that forgets to move it fails here (and its databases would never be upgraded)."""
    assert head_revision() == HEAD_REVISION


def test_a_start_at_the_head_loads_no_alembic_and_an_older_database_is_still_upgraded(tmp_path) -> None:
    database = tmp_path / "ngopas.db"
    first = start(database)  # a new database: every revision applied, through Alembic
    assert first["revision"] == HEAD_REVISION and first["applied"][-1] == HEAD_REVISION
    assert "alembic" in first["alembic"]

    again = start(database)  # every later start
    assert again == {"revision": HEAD_REVISION, "applied": [], "alembic": []}

    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(None, conn), "-1")  # as the release before this one left it
        previous = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
    assert previous != HEAD_REVISION
    upgraded = start(database)
    assert upgraded["revision"] == HEAD_REVISION and upgraded["applied"] == [HEAD_REVISION]
    assert "alembic" in upgraded["alembic"]


HOLIDAYS = """
import json, sys
from datetime import date, timedelta
import bot.telegram.app
from bot.domain.working_days import WorkingCalendar

office = WorkingCalendar()
due = office.add(date(2026, 3, 17), 3)  # a ticket's first deadline, as the first aspiration computes it
loaded = sorted(name for name in sys.modules if name.startswith("holidays.countries"))

# What a user sees afterwards is what holidays.country_holidays("ID") says (which loads every country).
import holidays
from holidays.countries import ID, Germany  # the whole package still imports afterwards
reference = holidays.country_holidays("ID", language="id")
days = [date(2000, 1, 1) + timedelta(days=n) for n in range(46 * 366)]
ours = [office.closed_because(day) for day in days]
theirs = [
    "Sabtu" if day.weekday() == 5 else "Minggu" if day.weekday() == 6 else reference.get(day) for day in days
]
print(json.dumps({
    "due": due.isoformat(),
    "loaded": loaded,
    "holidays": sum(1 for name in ours if name not in (None, "Sabtu", "Minggu")),
    "differ": [(day.isoformat(), a, b) for day, a, b in zip(days, ours, theirs) if a != b][:5],
    "same_class": type(reference) is ID and type(office._national) is ID,
    "germany": holidays.country_holidays("DE").get(date(2026, 10, 3)),
}))
"""


def test_the_working_calendar_loads_indonesia_alone_and_names_every_holiday_as_before() -> None:
    out = subprocess.run([sys.executable, "-c", HOLIDAYS], check=True, capture_output=True, text=True).stdout
    seen = json.loads(out)
    assert seen["due"] == "2026-03-23"  # Nyepi on Thursday 19 March, the weekend of Idul Fitri
    assert seen["loaded"] == ["holidays.countries.indonesia"]  # not the other 278 countries
    assert seen["holidays"] > 46 * 10  # Islamic, Christian, Buddhist, Hindu and national days, 2000-2045
    assert seen["differ"] == [] and seen["same_class"]
    assert seen["germany"] == "German Unity Day"  # other countries still load, for whoever asks


LOCAL_WORKBOOK_THEN_REPORT = """
import json, sys
from pathlib import Path
import bot.telegram.app
from bot.domain.worksheets import JADWAL
from sheets.workbook import open_workbook

folder = Path(sys.argv[1])
book = open_workbook(service_account_file=None, spreadsheet_id=None, local_path=folder / "ngopas.xlsx")
book.ensure([JADWAL])
book.append_rows(JADWAL, [{"ID": "7", "Judul": "Dialog", "Kehadiran": 12}])
rows = [row.values for row in book.read_rows(JADWAL)]
numpy_with_workbook = "numpy" in sys.modules

# Later in the same process, as /ekspor does: a report made with pandas, written by the same openpyxl.
from openpyxl import load_workbook
from reports import summarise
from reports.xlsx_export import render_xlsx
from tests.skm_sample import answers, quarter_report

frame = answers()
path = render_xlsx(quarter_report(folder), folder / "ikm.xlsx", groups={"Per Bidang": summarise(frame, "section")})
figures = [c.value for row in load_workbook(path)["Per Bidang"].iter_rows(min_row=2) for c in row]
print(json.dumps({
    "numpy_with_workbook": numpy_with_workbook,
    "openpyxl": "openpyxl" in sys.modules,
    "row": rows[0],
    "numbers": sum(isinstance(v, (int, float)) for v in figures),
    "figures": figures,
}))
"""


def test_the_local_workbook_loads_no_numpy_and_a_later_report_still_writes_its_figures(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", LOCAL_WORKBOOK_THEN_REPORT, str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    seen = json.loads(out)
    assert seen["openpyxl"] and not seen["numpy_with_workbook"]
    assert seen["row"]["ID"] == "7" and seen["row"]["Judul"] == "Dialog" and seen["row"]["Kehadiran"] == "12"
    # Two sections, each with its IKM and its number of respondents (pandas' values), written as numbers.
    assert seen["numbers"] == 4, seen["figures"]
