"""The store is the truth, the workbook its mirror: rows lost from the workbook come back (issue 15 #9).

Staff have `ngopas.xlsx` open while the bot appends to it, then save their copy over it; the file is moved
away; rows are deleted or copied by hand.  The bot writes again whatever is missing, `ngopas sheets rebuild`
writes every worksheet again from the database (local file and Google), and two `ngopas` processes never
write the file at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.base.clock import FakeClock
from bot.cli import app
from bot.delivery.sheets_sync import SheetsSync
from bot.dev.sandbox import running_sandbox, sandbox_settings
from bot.domain.sessions import create_session, validate_fields
from bot.domain.worksheets import ASPIRASI, JADWAL
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook
from sheets.workbook import CellUpdate

from .conftest import TZ

SITI = 3201
BUDI = 3202
ANI = 3203
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=TZ)
runner = CliRunner()


def _rows(path: Path, sheet: str) -> list[dict]:
    if not path.exists():
        return []
    book = load_workbook(path)
    if sheet not in book.sheetnames:
        return []
    ws = book[sheet]
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, [c.value for c in row], strict=False))
        for row in ws.iter_rows(min_row=2)
        if any(c.value for c in row)
    ]


def _column(path: Path, sheet: str, header: str) -> list:
    return [row[header] for row in _rows(path, sheet)]


async def _until(check, what: str, limit: float = 30.0) -> None:
    """Wait until the bot has brought the workbook to the state `check` looks for."""
    deadline = asyncio.get_running_loop().time() + limit
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {limit}s: {what}")
        await asyncio.sleep(0.05)


async def _write(sb, user, text):
    await sb.say(user, "/aspirasi")
    await sb.press(user, user, "Bimas Islam")
    await sb.say(user, text)
    await sb.press(user, user, "🙈")


async def _session(sb, title, day):
    values = validate_fields({"title": title, "section": "PHU", "when": f"{day:02d}/05/2026 09.00"}, sb.rt)
    return (await create_session(sb.rt, values, by=None, source="test")).session


def _save_over(copy: Path, path: Path) -> None:
    """What Excel does when staff press Save: their copy, written whole, replaces the file."""
    tmp = path.with_name("~$saving.xlsx")
    shutil.copy(copy, tmp)
    os.replace(tmp, path)


@pytest.fixture
def clock():
    return FakeClock(NOW)


async def test_staff_saving_an_old_copy_or_moving_the_file_loses_no_row(tmp_path, tg, clock):
    for user, name in ((SITI, "Siti"), (BUDI, "Budi"), (ANI, "Ani")):
        tg.add_user(user, name)
    settings = sandbox_settings(tmp_path, sheets_flush_seconds=0.05, sheets_read_minutes=0.005)
    path = settings.workbook_path
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings, sheets_loop=True) as sb:
        await _write(sb, SITI, "Lampu aula KUA mati, mohon diperbaiki.")
        await _session(sb, "Dialog Pemuda", 1)
        await _until(lambda: _column(path, "Aspirasi", "Tiket") == ["ASP-2026-0001"], "ticket 1 written")
        await _until(lambda: _column(path, "Jadwal", "Judul") == ["Dialog Pemuda"], "session 1 written")
        opened = tmp_path / "dibuka-petugas.xlsx"
        shutil.copy(path, opened)  # staff open the workbook in Excel

        await _write(sb, BUDI, "Parkir KUA terlalu sempit.")
        await _session(sb, "Manasik Haji", 2)
        await _until(lambda: len(_column(path, "Aspirasi", "Tiket")) == 2, "ticket 2 written")
        await _until(lambda: len(_column(path, "Jadwal", "Judul")) == 2, "session 2 written")
        _save_over(opened, path)  # ... and save their copy, made before ticket 2 and session 2

        await _until(
            lambda: (
                sorted(_column(path, "Aspirasi", "Tiket")) == ["ASP-2026-0001", "ASP-2026-0002"]
                and sorted(_column(path, "Jadwal", "Judul")) == ["Dialog Pemuda", "Manasik Haji"]
            ),
            "ticket 2 and session 2 written again after the old copy was saved over the file",
        )

        path.rename(tmp_path / "dipindah.xlsx")  # someone moves the file away
        await _write(sb, ANI, "Mohon jadwal manasik diumumkan lebih awal.")
        await _until(
            lambda: (
                sorted(_column(path, "Aspirasi", "Tiket"))
                == ["ASP-2026-0001", "ASP-2026-0002", "ASP-2026-0003"]
                and sorted(_column(path, "Jadwal", "Judul")) == ["Dialog Pemuda", "Manasik Haji"]
            ),
            "a new file with every row",
        )
        row = next(r for r in _rows(path, "Aspirasi") if r["Tiket"] == "ASP-2026-0002")
        assert row["Isi"] == "Parkir KUA terlalu sempit." and row["Status"] == "Baru"
    # each row once, nobody told anything twice
    assert len(_column(path, "Aspirasi", "Tiket")) == 3
    for user in (SITI, BUDI, ANI):
        assert sum("ASP-2026" in text for text in sb.texts(user)) == 1


def _env(tmp_path: Path, **extra: str) -> Path:
    env = tmp_path / "settings.env"
    lines = [
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        f"NGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}",
        *(f"{k}={v}" for k, v in extra.items()),
    ]
    env.write_text("\n".join(lines) + "\n")
    return env


def test_sheets_rebuild_writes_every_worksheet_again_from_the_database(tmp_path):
    env = _env(tmp_path)
    path = tmp_path / "wb.xlsx"
    for title, day in (("Dialog A", 23), ("Dialog B", 24), ("Dialog C", 25)):
        add = ["session", "add", "--title", title, "--section", "PHU", "--when", f"{day}/03/2030 09.00"]
        assert runner.invoke(app, [*add, "--env-file", str(env)]).exit_code == 0
    assert runner.invoke(app, ["sync", "--env-file", str(env)]).exit_code == 0
    # Staff mangle the Jadwal sheet: a row deleted, one typed over, a note row of their own.
    book = load_workbook(path)
    ws = book["Jadwal"]
    ws.delete_rows(3)  # Dialog B
    ws.cell(row=3, column=2).value = None  # Dialog C's title erased by a slip of the hand
    ws.append(["", "Rapat persiapan (belum pasti)"])
    book.save(path)

    rebuilt = runner.invoke(app, ["sheets", "rebuild", "--env-file", str(env)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Jadwal: 3 baris dari basis data" in rebuilt.output
    rows = _rows(path, "Jadwal")
    assert sorted((r["ID"], r["Judul"]) for r in rows if r["ID"] not in (None, "")) == [
        (1, "Dialog A"),
        (2, "Dialog B"),
        (3, "Dialog C"),
    ]
    assert [r["Judul"] for r in rows if r["ID"] in (None, "")] == ["Rapat persiapan (belum pasti)"]
    assert load_workbook(path).sheetnames == ["Jadwal", "Jawaban", "Aspirasi", "Ringkasan", "Tindak Lanjut"]
    again = runner.invoke(app, ["sheets", "rebuild", "--env-file", str(env)])
    assert again.exit_code == 0 and _rows(path, "Jadwal") == rows  # a second rebuild changes nothing


async def test_sheets_rebuild_on_google_and_rows_deleted_there_come_back(tmp_path, tg, clock):
    fake = FakeGoogleSheets().start()
    key = tmp_path / "key.json"
    key.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    tg.add_user(SITI, "Siti")
    tg.add_user(BUDI, "Budi")
    try:
        async with running_sandbox(tmp_path, clock=clock, tg=tg) as sb:
            sync = SheetsSync(
                sb.rt, GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None)
            )
            await _write(sb, SITI, "Lampu aula KUA mati, mohon diperbaiki.")
            await _write(sb, BUDI, "Parkir KUA terlalu sempit.")
            await _session(sb, "Dialog Pemuda", 1)
            await sync.flush()
            assert [r[0] for r in fake.values("Aspirasi")[1:]] == ["ASP-2026-0001", "ASP-2026-0002"]
            # A staff member deletes ticket 1's row in Google Sheets by mistake and copies ticket 2's row.
            grid = fake.sheets["Aspirasi"]
            del grid[1]
            grid.append(list(grid[1]))
            await sync.read_aspirasi()
            await sync.restore_missing()
            await sync.flush()
            tickets = [r[0] for r in fake.values("Aspirasi")[1:]]
            assert sorted(set(tickets)) == ["ASP-2026-0001", "ASP-2026-0002"]  # ticket 1 is back

            counts = await sync.rebuild()
            assert counts == {"Jadwal": 1, "Jawaban": 0, "Aspirasi": 2, "Tindak Lanjut": 0}
            assert [r[0] for r in fake.values("Aspirasi")[1:]] == ["ASP-2026-0001", "ASP-2026-0002"]
            assert [r[1] for r in fake.values("Jadwal")[1:]] == ["Dialog Pemuda"]
            staff_edit = [r.row_number for r in sync.workbook.read_rows(ASPIRASI)][1]
            sync.workbook.update_cells(
                ASPIRASI, [CellUpdate(staff_edit, "Tanggapan", "Sedang kami cari lahan.")]
            )
            await sync.rebuild()  # a reply typed just before a rebuild is read first, not wiped
            [row] = [r for r in sync.workbook.read_rows(ASPIRASI) if r.values["Tiket"] == "ASP-2026-0002"]
            assert row.values["Tanggapan"] == "Sedang kami cari lahan."
            sb.rt.wake_sender()
            await sb.outbox_idle()
            assert sum("Kabar untuk tiket ASP-2026-0002" in m for m in sb.texts(BUDI)) == 1
            assert [r.values["ID"] for r in sync.workbook.read_rows(JADWAL)] == ["1"]
    finally:
        fake.stop()


WRITER = """
import sys
from pathlib import Path
from sheets.local_xlsx import LocalWorkbook
from sheets.workbook import WorksheetSpec

spec = WorksheetSpec("Jawaban", ("ID Jawaban", "Oleh"), key="ID Jawaban")
path, who, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(count):
    # a fresh workbook object each time, as each `ngopas sync` opens its own
    LocalWorkbook(path).append_rows(spec, [{"ID Jawaban": f"{who}-{i}", "Oleh": who}])
"""


async def test_two_processes_never_write_the_workbook_at_once(tmp_path):
    """`ngopas run` and `ngopas sync` each load the file, add rows, save it: never interleaved, so neither
    save drops the other's rows (and neither deletes the other's half-saved file as an orphan)."""
    path = tmp_path / "ngopas.xlsx"
    writers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, str(path), who, "30", stderr=subprocess.PIPE
        )
        for who in ("run", "sync")
    ]
    errors = [(await asyncio.wait_for(w.communicate(), 300))[1].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    keys = _column(path, "Jawaban", "ID Jawaban")
    assert sorted(keys) == sorted(f"{who}-{i}" for who in ("run", "sync") for i in range(30))
