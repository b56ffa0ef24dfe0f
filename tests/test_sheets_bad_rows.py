"""One bad row never blocks the spreadsheet: text is cleaned for each backend, and a row the spreadsheet
still refuses is parked with its reason (shown by /status, `ngopas sync` and `ngopas doctor`) while every
other row flows on (issue 15 #8)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.base.clock import FakeClock
from bot.cli import app
from bot.delivery.sheets_sync import SheetsSync, sync_now
from bot.dev.sandbox import STAFF_ID, running_sandbox, sandbox_settings
from bot.domain.sessions import create_session, validate_fields
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook

from .conftest import TZ

SITI = 3101
BUDI = 3102
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=TZ)
runner = CliRunner()


def _rows(path, sheet):
    ws = load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, [c.value for c in row], strict=False))
        for row in ws.iter_rows(min_row=2)
        if any(c.value for c in row)
    ]


async def _write(sb, user, text, *, section="Bimas Islam"):
    await sb.say(user, "/aspirasi")
    await sb.press(user, user, section)
    await sb.say(user, text)
    await sb.press(user, user, "🙈")


@pytest.fixture
def clock():
    return FakeClock(NOW)


async def test_a_control_character_in_an_aspiration_blocks_nothing(tmp_path, tg, clock):
    """A citizen pastes text from Word (a vertical tab and a form feed): every row still reaches the
    workbook, that one cleaned, and nothing waits."""
    tg.add_user(SITI, "Siti")
    tg.add_user(BUDI, "Budi")
    async with running_sandbox(tmp_path, clock=clock, tg=tg) as sb:
        await _write(sb, SITI, "Mohon info jadwal\x0bmanasik haji\x0ctahun ini.")
        await _write(sb, BUDI, "Parkir KUA terlalu sempit.")
        values = validate_fields({"title": "Dialog", "section": "PHU", "when": "01/05/2026 09.00"}, sb.rt)
        await create_session(sb.rt, values, by=None, source="test")
        sync = sb.running.sheets
        for _ in range(2):  # the bot's loop: the second round must not be stuck either
            result = await sync.flush()
            assert result.error is None and result.pending == 0, result
        path = sb.rt.settings.workbook_path
        tickets = {r["Tiket"]: r for r in _rows(path, "Aspirasi")}
        assert set(tickets) == {"ASP-2026-0001", "ASP-2026-0002"}
        assert tickets["ASP-2026-0001"]["Isi"] == "Mohon info jadwal\nmanasik haji\ntahun ini."
        assert [r["Judul"] for r in _rows(path, "Jadwal")] == ["Dialog"]
        sb.tg.add_user(STAFF_ID, "Petugas")
        await sb.say(STAFF_ID, "/status")
        assert "semua baris sudah tersinkron" in sb.texts(STAFF_ID)[-1]


def test_session_title_with_a_control_character_then_ngopas_sync(tmp_path):
    """`ngopas session add --title $'Dialog\\x0bKerukunan'` then `ngopas sync`: no traceback, every row
    written, and later rows are not held back."""
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n"
        f"NGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n"
    )
    for title, when in (("Dialog\x0bKerukunan", "23/03/2030 09.00"), ("Manasik", "24/03/2030 09.00")):
        add = ["session", "add", "--title", title, "--section", "PHU", "--when", when, "--env-file", str(env)]
        assert runner.invoke(app, add).exit_code == 0
    synced = runner.invoke(app, ["sync", "--env-file", str(env)])
    assert synced.exception is None or isinstance(synced.exception, SystemExit), synced.exception
    assert synced.exit_code == 0, synced.output
    assert "Jadwal: 2 baris ditulis" in synced.output and "0 baris menunggu" in synced.output
    assert sorted(r["Judul"] for r in _rows(tmp_path / "wb.xlsx", "Jadwal")) == [
        "Dialog\nKerukunan",
        "Manasik",
    ]


async def _doctor(tmp_path, database: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGOPAS_")}
    env.update(
        {
            "NGOPAS_DATABASE_URL": database,
            "NGOPAS_WORKBOOK_PATH": str(tmp_path / "doctor.xlsx"),
            "NGOPAS_PSEUDONYM_SALT": "a-long-random-secret-for-tests-only",
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "doctor",
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode()


async def test_a_row_google_refuses_is_parked_with_its_reason_and_the_rest_flow_on(tmp_path, tg, clock):
    """Google refuses one row (whatever the reason): that row is parked, staff see why in /status,
    `ngopas sync` and `ngopas doctor`, and every other row of every worksheet is written."""
    fake = FakeGoogleSheets().start()
    key = tmp_path / "key.json"
    key.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    tg.add_user(SITI, "Siti")
    tg.add_user(BUDI, "Budi")
    tg.add_user(STAFF_ID, "Petugas")
    database = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    settings = sandbox_settings(tmp_path, database_url=database)
    try:
        async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
            sync = SheetsSync(
                sb.rt,
                GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None),
            )
            await _write(sb, SITI, "Tolong perbaiki TOLAKAN-GOOGLE di aula.")
            await _write(sb, BUDI, "Parkir KUA terlalu sempit.")
            for day in (1, 2):
                values = validate_fields(
                    {"title": f"Sesi {day}", "section": "PHU", "when": f"0{day}/05/2026 09.00"}, sb.rt
                )
                await create_session(sb.rt, values, by=None, source="test")
            fake.reject_cells_containing("TOLAKAN-GOOGLE")
            for _ in range(3):  # round after round: the good rows are written once, the bad one waits aside
                result = await sync.flush()
            assert result.pending == 0, result
            assert [row[0] for row in fake.values("Aspirasi")[1:]] == ["ASP-2026-0002"]
            assert sorted(row[1] for row in fake.values("Jadwal")[1:]) == ["Sesi 1", "Sesi 2"]

            await sb.say(STAFF_ID, "/status")
            status = sb.texts(STAFF_ID)[-1]
            assert "1 baris ditahan" in status and "ASP-2026-0001" in status
            assert "TOLAKAN-GOOGLE" in status  # Google's own reason, as the fake words it

            code, out = await _doctor(tmp_path, database)  # the operator's check sees it too
            assert "1 baris ditahan" in out and "ASP-2026-0001" in out, out
            assert "Traceback" not in out

            report = await sync_now(sync)
            assert any("ASP-2026-0001" in line and "ditahan" in line for line in report.problems)
            fake.reject_cells_containing(None)  # fixed (e.g. by Google): the next `ngopas sync` writes it
            report = await sync_now(sync)
            assert not any("ditahan" in line for line in report.problems)
            assert [row[0] for row in fake.values("Aspirasi")[1:]] == ["ASP-2026-0002", "ASP-2026-0001"]
            await sb.say(STAFF_ID, "/status")
            assert "semua baris sudah tersinkron" in sb.texts(STAFF_ID)[-1]
    finally:
        fake.stop()


async def test_a_parked_row_is_written_as_it_is_now(tmp_path, tg, clock):
    """A ticket's row waits aside; meanwhile the citizen deletes their data: when the row is finally
    written it carries no name (the change is folded into the row that waited)."""
    fake = FakeGoogleSheets().start()
    key = tmp_path / "key.json"
    key.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    tg.add_user(SITI, "Siti", last_name="Aminah")
    try:
        async with running_sandbox(tmp_path, clock=clock, tg=tg) as sb:
            sync = SheetsSync(
                sb.rt, GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None)
            )
            await sb.say(SITI, "/aspirasi")
            await sb.press(SITI, SITI, "Bimas Islam")
            await sb.say(SITI, "Tolong perbaiki TOLAKAN-GOOGLE di aula.")
            await sb.press(SITI, SITI, "👤")
            fake.reject_cells_containing("TOLAKAN-GOOGLE")
            await sync.flush()
            assert fake.values("Aspirasi")[1:] == []
            await sb.say(SITI, "/hapus_data")
            await sb.press(SITI, SITI, "Ya, hapus")
            await sync.flush()  # the bot's loop goes on meanwhile
            fake.reject_cells_containing(None)
            await sync_now(sync)
            [row] = fake.values("Aspirasi")[1:]
            assert row[0] == "ASP-2026-0001" and "Siti" not in " ".join(row)
            assert "(dihapus atas permintaan)" in row
    finally:
        fake.stop()
