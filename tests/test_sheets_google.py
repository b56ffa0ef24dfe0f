"""The Google backend through the real gspread + google-auth, against the local fake Sheets/OAuth server."""

from __future__ import annotations

import json

import pytest

from sheets import (
    BadCredentials,
    CellUpdate,
    SheetsAccessDenied,
    SheetsUnavailable,
    SpreadsheetNotFound,
    WorksheetSpec,
)
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook

SPEC = WorksheetSpec("Jawaban", ("ID Jawaban", "Nama Sesi", "Saran"), key="ID Jawaban")
NASTY = ['=HYPERLINK("http://x","y")', "+62812345", "@SUM(A1)", "=1+1", "0812345", "007"]


@pytest.fixture
def fake():
    server = FakeGoogleSheets().start()
    yield server
    server.stop()


@pytest.fixture
def key_file(tmp_path, fake):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    return path


def workbook(key_file, fake, spreadsheet_id=None, **kw):
    sleeps = []
    wb = GoogleWorkbook(
        key_file,
        spreadsheet_id or fake.spreadsheet_id,
        endpoint=fake.endpoint,
        sleep=sleeps.append,
        **kw,
    )
    wb.sleeps = sleeps
    return wb


def test_ensure_creates_worksheets_headers_frozen(key_file, fake):
    wb = workbook(key_file, fake)
    wb.ensure([SPEC, WorksheetSpec("Jadwal", ("ID", "Judul"))])
    assert fake.values("Jawaban") == [["ID Jawaban", "Nama Sesi", "Saran"]]
    assert fake.frozen_rows("Jawaban") == 1 and fake.frozen_rows("Jadwal") == 1
    assert wb.url.endswith(f"/d/{fake.spreadsheet_id}/edit")


def test_one_append_request_per_flush_and_literal_text(key_file, fake):
    wb = workbook(key_file, fake)
    wb.ensure([SPEC])
    before = fake.count(":append")
    rows = [{"ID Jawaban": f"R{i}", "Saran": text} for i, text in enumerate(NASTY)]
    assert wb.append_rows(SPEC, rows).written == len(NASTY)
    assert fake.count(":append") == before + 1
    assert [r.values["Saran"] for r in wb.read_rows(SPEC)] == NASTY
    append = next(p for m, p, _ in fake.requests_log if ":append" in p)
    assert "valueInputOption=RAW" in append


def test_retry_after_timed_out_append_never_duplicates(key_file, fake):
    wb = workbook(key_file, fake, attempts=2)
    wb.ensure([SPEC])
    # Google writes the rows, the answer is lost: the connection drops unanswered (to the client the same
    # as its own timeout, without a read timeout short enough for a loaded machine to trip on others)
    fake.timeout_after_write_next(seconds=0.01)
    with pytest.raises(SheetsUnavailable):
        wb.append_rows(SPEC, [{"ID Jawaban": "R1"}, {"ID Jawaban": "R2"}])
    result = wb.append_rows(SPEC, [{"ID Jawaban": "R1"}, {"ID Jawaban": "R2"}, {"ID Jawaban": "R3"}])
    assert (result.written, result.skipped) <= (1, 2) and result.written + result.skipped == 3
    ids = [r.values["ID Jawaban"] for r in wb.read_rows(SPEC)]
    assert sorted(ids) == ["R1", "R2", "R3"]


def test_429_storm_backs_off_with_bounded_jitter(key_file, fake):
    wb = workbook(key_file, fake, attempts=5, base_delay=1.0, max_delay=8.0)
    wb.ensure([SPEC])
    fake.fail_next(3, status=429)
    wb.append_rows(SPEC, [{"ID Jawaban": "R1"}])
    sleeps = wb.client.http_client.sleeps
    assert len(sleeps) == 3
    assert all(0 <= s <= cap for s, cap in zip(sleeps, (1.0, 2.0, 4.0), strict=True))
    assert [r.values["ID Jawaban"] for r in wb.read_rows(SPEC)] == ["R1"]


def test_persistent_500_gives_up_and_outage_then_recovery_writes_once(key_file, fake):
    wb = workbook(key_file, fake, attempts=3)
    wb.ensure([SPEC])
    fake.fail_next(100, status=500)
    with pytest.raises(SheetsUnavailable) as info:
        wb.append_rows(SPEC, [{"ID Jawaban": "R1"}])
    assert "otomatis" in str(info.value)
    assert len(wb.client.http_client.sleeps) == 2  # bounded: attempts - 1 waits, never forever
    fake._faults.clear()
    fake.down(True)
    with pytest.raises(SheetsUnavailable):
        wb.append_rows(SPEC, [{"ID Jawaban": "R1"}])
    fake.down(False)
    wb.append_rows(SPEC, [{"ID Jawaban": "R1"}])
    wb.append_rows(SPEC, [{"ID Jawaban": "R1"}])
    assert [r.values["ID Jawaban"] for r in wb.read_rows(SPEC)] == ["R1"]


def test_update_cells_one_request_and_replace(key_file, fake):
    wb = workbook(key_file, fake)
    wb.append_rows(SPEC, [{"ID Jawaban": "R1"}, {"ID Jawaban": "R2"}])
    before = fake.count("values:batchUpdate")
    wb.update_cells(SPEC, [CellUpdate(2, "Saran", "=x"), CellUpdate(3, "Nama Sesi", "Dialog")])
    assert fake.count("values:batchUpdate") == before + 1
    rows = wb.read_rows(SPEC)
    assert rows[0].values["Saran"] == "=x" and rows[1].values["Nama Sesi"] == "Dialog"
    wb.replace_rows(SPEC, [{"ID Jawaban": "X"}])
    assert [r.values["ID Jawaban"] for r in wb.read_rows(SPEC)] == ["X"]


def test_operator_errors_are_clear_and_secret_free(tmp_path, key_file, fake):
    info = json.loads(key_file.read_text())
    unshared = FakeGoogleSheets(shared_with=set()).start()
    try:
        key2 = tmp_path / "key2.json"
        key2.write_text(json.dumps(make_service_account_info(unshared.token_uri)))
        with pytest.raises(SheetsAccessDenied) as denied:
            GoogleWorkbook(
                key2, unshared.spreadsheet_id, endpoint=unshared.endpoint, sleep=lambda s: None
            ).ensure([SPEC])
        assert info["client_email"] in str(denied.value) and "Editor" in str(denied.value)
    finally:
        unshared.stop()
    with pytest.raises(SpreadsheetNotFound, match="salah-id"):
        workbook(key_file, fake, spreadsheet_id="salah-id").ensure([SPEC])
    problems = []
    for content in ("{not json", json.dumps({"type": "authorized_user"}), None):
        path = tmp_path / "bad.json"
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(content)
        with pytest.raises(BadCredentials) as bad:
            GoogleWorkbook(path, fake.spreadsheet_id, endpoint=fake.endpoint)
        problems.append(str(bad.value))
    fake.revoked = True
    with pytest.raises(BadCredentials) as revoked:
        workbook(key_file, fake).ensure([SPEC])
    problems.append(str(revoked.value))
    for text in problems:
        assert "PRIVATE KEY" not in text and info["private_key"][40:80] not in text
    assert (
        "bukan JSON" in problems[0] and "service_account" in problems[1] and "tidak ditemukan" in problems[2]
    )
    assert "dicabut" in problems[3]
