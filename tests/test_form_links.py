"""A Google Form's response spreadsheet linked to a session (`ngopas forms link`, issue 16 #4), pulled through
the real gspread + google-auth stack from the local fake Google server.

What staff rely on: the form's rows arrive and count with the chat's; pulling again adds nothing; a new
answer comes in on the next pull; a correction staff make in a counted row never makes it a second
respondent; a bad row is left out, told once, and the others count; an unknown column stops the pull and
staff are told once what to run; a restart loses nothing and counts nothing twice.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.cli import app
from bot.cli.doctor import store_checks
from bot.delivery import sheets_sync
from bot.delivery.sheets_sync import SheetsSync
from bot.domain import form_links, reporting
from bot.domain.runtime import Runtime
from bot.store import Store
from bot.store import schema as s
from bot.store.sessions import insert_session
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook

from .conftest import BOTH_DATABASES

NOW = datetime(2026, 3, 21, 3, 0, tzinfo=UTC)
STAFF = -1001234
FORM_ID = "1FormResponsesAbCdEfGhIjKlMnOpQrStUvWxYz0123"
FORMS_CSV = Path(__file__).parent / "fixtures" / "imports" / "google-forms-ikm.csv"
runner = CliRunner()


def _form_rows() -> list[list[str]]:
    """The regulation's question texts as headers, label answers, and the timestamps as a Google Sheet in
    Indonesian shows them (day first)."""
    with FORMS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:4]
    shown = ["20/03/2026 9:41:07", "20/03/2026 9:43:55", "20/03/2026 9:52:18"]
    return [header, *[[when, *row[1:]] for when, row in zip(shown, body, strict=True)]]


@pytest.fixture
def fake():
    server = FakeGoogleSheets().start()
    yield server
    server.stop()


@pytest.fixture
def key(tmp_path, fake):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    return path


async def _runtime(url: str) -> Runtime:
    return Runtime(Settings(database_url=url, staff_chat_id=STAFF), await Store.open(url), FakeClock(NOW))


async def _doctor_says(rt: Runtime) -> tuple[str, str]:
    [check] = [c for c in await store_checks(rt) if c.name == "Google Form tertaut"]
    return check.status, check.message


async def _staff_alerts(rt: Runtime) -> list[str]:
    async with rt.store.connect() as conn:
        rows = await conn.execute(
            select(s.outbox.c.payload)
            .where(s.outbox.c.chat_id == STAFF, s.outbox.c.key.like("form:%"))
            .order_by(s.outbox.c.id)
        )
        return [r.payload["text"] for r in rows]


@BOTH_DATABASES
async def test_a_linked_form_is_pulled_once_per_row_across_edits_bad_rows_and_a_restart(
    database_url, fake, key
):
    sheet = fake.add_spreadsheet(FORM_ID, _form_rows())
    sheet[2][1] = "Sangat sesuaii"  # a typo staff made entering a paper answer into the form's sheet
    rt = await _runtime(database_url)
    async with rt.store.begin() as conn:
        session = await insert_session(
            conn,
            {
                "title": "Dialog Kerukunan",
                "section": "Bimas Islam",
                "starts_at": NOW - timedelta(days=1),
                "ends_at": NOW - timedelta(days=1) + timedelta(hours=2),
                "survey_closes_at": NOW + timedelta(days=7),
                "source": "test",
            },
            NOW,
        )
    workbook = GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None)
    sync = SheetsSync(rt, workbook)
    values = await sync.read_sheet(FORM_ID)
    assert values.locale == "in_ID" and values.worksheet == "Form Responses 1"
    link, new = await form_links.link_form(rt, session.id, FORM_ID, "", values, mapping={}, date_order=None)
    assert new

    [first] = await sync.pull_forms()
    assert (len(first.imported.new), len(first.imported.existing)) == (2, 0)
    assert [r["row"] for r in first.rejected] == [3]  # the typo, by the row number staff see
    assert "'Sangat sesuaii' bukan 1–4" in first.rejected[0]["text"]
    [told] = await _staff_alerts(rt)
    assert "1 baris tidak dimuat" in told and "Baris 3" in told and "baris lain sudah dihitung" in told
    assert await _doctor_says(rt) == ("warn", "1 dari 1 perlu diperbaiki: sesi #1: 1 baris tidak dimuat")

    # pulled again: nothing new, nothing told again
    [again] = await sync.pull_forms()
    assert (len(again.imported.new), len(again.imported.existing)) == (0, 2)
    assert len(await _staff_alerts(rt)) == 1

    # staff correct an answer in a row already counted: still one respondent
    sheet[1][9] = "Baik"
    [edited] = await sync.pull_forms()
    assert (len(edited.imported.new), len(edited.imported.existing)) == (0, 2)

    # a new answer arrives in the form, and staff fix the typo
    sheet.append(["21/03/2026 8:05:00", *_form_rows()[1][1:]])
    sheet[2][1] = "Sangat sesuai"
    [later] = await sync.pull_forms()
    assert (len(later.imported.new), len(later.imported.existing), later.rejected) == (2, 2, [])
    assert await _doctor_says(rt) == ("ok", "1 formulir, 4 baris dimuat")

    # restart: a new process pulls again and finds nothing new
    await rt.store.close()
    rt = await _runtime(database_url)
    sync = SheetsSync(
        rt, GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None)
    )
    [restarted] = await sync.pull_forms()
    assert (len(restarted.imported.new), len(restarted.imported.existing)) == (0, 4)
    frame = await reporting.responses_frame(rt, session_id=session.id)
    assert len(frame) == 4 and set(frame["channel"]) == {"gform"}
    # the form's own timestamps, read day first as the sheet's locale writes them
    assert sorted(t.strftime("%d/%m %H.%M") for t in frame["finished_at"].dt.tz_convert(rt.tz)) == [
        "20/03 09.41",
        "20/03 09.43",
        "20/03 09.52",
        "21/03 08.05",
    ]
    # and they reach the office's Jawaban sheet like every answer
    await sync.flush()
    jawaban = fake.values("Jawaban")
    assert len(jawaban) == 5 and {row[jawaban[0].index("Saluran")] for row in jawaban[1:]} == {"gform"}

    # the form gets a question the bot does not know: the pull stops, staff are told once what to run
    for row in sheet:
        row.append("Ruang tunggu nyaman?" if row is sheet[0] else "Ya")
    [stopped] = await sync.pull_forms()
    assert stopped.problem and stopped.unknown == ["Ruang tunggu nyaman?"]
    await sync.pull_forms()
    alerts = await _staff_alerts(rt)
    assert len(alerts) == 2 and ". " not in alerts[1] and alerts[1].endswith(".")  # one sentence
    assert (
        f'ngopas forms link --session {session.id} --sheet {FORM_ID} --map "Ruang tunggu nyaman?=KUNCI"'
        in alerts[1]
    )
    async with rt.store.connect() as conn:
        [stored] = await conn.execute(select(s.form_link))
    assert stored.imported == 4 and stored.problem and stored.rejected == []
    await rt.store.close()


def test_forms_link_list_unlink_from_the_command_line(tmp_path, fake, key, monkeypatch):
    """`ngopas forms link` reads the form's sheet at once: an unknown column is named with the --map to give,
    a link pulls what is there, `forms list` shows it, `forms unlink` stops it and keeps the answers."""
    real = sheets_sync.open_workbook
    monkeypatch.setattr(
        sheets_sync, "open_workbook", lambda **kw: real(**kw, endpoint=fake.endpoint, sleep=lambda s: None)
    )
    rows = _form_rows()
    for row in rows:
        row.append("Ruang tunggu nyaman?" if row is rows[0] else "2")
    fake.add_spreadsheet(FORM_ID, rows, title="Survei NGOPAS (Jawaban)")
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n"
        f"NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE={key}\nNGOPAS_GOOGLE_SPREADSHEET_ID={fake.spreadsheet_id}\n"
    )
    add = ["session", "add", "--title", "Dialog", "--section", "Bimas Islam", "--when", "20/03/2030 09.00"]
    assert runner.invoke(app, [*add, "--env-file", str(env)]).exit_code == 0
    url = f"https://docs.google.com/spreadsheets/d/{FORM_ID}/edit#gid=0"
    link = ["forms", "link", "--session", "1", "--sheet", url, "--env-file", str(env)]

    refused = runner.invoke(app, link)
    assert refused.exit_code == 2 and "'Ruang tunggu nyaman?'" in refused.output
    assert '--map "Ruang tunggu nyaman?=KUNCI"' in refused.output
    wrong = runner.invoke(app, [*link[:5], "https://docs.google.com/forms/d/e/1FAIpQ/viewform", *link[6:]])
    assert wrong.exit_code == 2 and "Lihat di Spreadsheet" in wrong.output

    # asked at the terminal what the column holds: a wrong key is asked again, then saved for this form
    linked = runner.invoke(app, [*link, "--ask"], input="ruangan\nabaikan\n")
    assert linked.exit_code == 0, linked.output
    assert "'ruangan' bukan kunci kolom" in linked.output
    assert "ditautkan ke sesi #1" in linked.output and "3 baru, 0 sudah ada" in linked.output
    again = runner.invoke(app, link)  # linked again: the saved answer needs no --map and no question
    assert again.exit_code == 0 and "sudah tertaut" in again.output and "0 baru, 3 sudah ada" in again.output
    pulled = runner.invoke(app, ["sync", "--env-file", str(env)])
    assert "Google Form sesi #1: 0 baru, 3 sudah ada" in pulled.output, pulled.output
    listed = runner.invoke(app, ["forms", "list", "--env-file", str(env)])
    assert "#1  sesi #1  Survei NGOPAS (Jawaban)" in listed.output and "dimuat: 3 baris" in listed.output
    gone = runner.invoke(app, ["forms", "unlink", "1", "--env-file", str(env)])
    assert gone.exit_code == 0 and "3 jawaban yang sudah dimuat tetap dihitung" in gone.output
    report = runner.invoke(app, ["report", "--session", "1", "--format", "json", "--env-file", str(env)])
    assert json.loads(report.stdout)["respondents"] == 3
    assert runner.invoke(app, ["forms", "unlink", "1", "--env-file", str(env)]).exit_code == 2
