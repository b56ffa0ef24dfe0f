"""Store → spreadsheet mirror and Jadwal read-back, through the local workbook (and a flaky one)."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from bot.delivery.sheets_sync import SheetsSync, open_sheets_sync
from bot.dev.sandbox import STAFF_ID, running_sandbox
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey.definition import definition_for
from bot.domain.worksheets import JADWAL
from bot.store import sessions as store_sessions
from sheets import CellUpdate, SheetsUnavailable
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook
from sheets.workbook import AppendResult

from .conftest import TZ, ended_session

ALICE = 1101
GROUP = -1001101


def _rows(path, sheet):
    ws = load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, [c.value for c in row], strict=False))
        for row in ws.iter_rows(min_row=2)
        if any(c.value for c in row)
    ]


async def _finish_survey(sb, clock, saran):
    session = await ended_session(sb, clock, title="Dialog Kerukunan")
    sb.tg.add_user(ALICE, "Bu Siti")
    await sb.say(ALICE, f"/start sv{session.id}")
    defn = definition_for(sb.rt)
    for _ in range(40):
        text = next(m.text for m in reversed(sb.tg.messages(ALICE)) if m.reply_markup)
        if "Ringkasan" in text:
            break
        q = next(q for q in defn.questions if q.text["id"] in text)
        if q.key == "kehadiran":
            await sb.press(ALICE, ALICE, "langsung")
        elif q.kind == "text":
            await sb.say(ALICE, saran)
        elif q.optional:
            await sb.press(ALICE, ALICE, "Lewati")
        else:
            await sb.press(ALICE, ALICE, q.options[2].label["id"])
    await sb.press(ALICE, ALICE, "Kirim")
    return session


async def test_finished_response_and_session_rows_reach_the_workbook(sb, clock):
    session = await _finish_survey(sb, clock, '=HYPERLINK("http://evil","klik")')
    sync = sb.running.sheets
    result = await sync.flush()
    assert result.error is None and result.pending == 0
    # one append per worksheet (Jadwal, Jawaban, Aspirasi for the suggestion) + Ringkasan clear and write
    assert result.requests == 5
    path = sb.rt.settings.workbook_path
    [answer] = _rows(path, "Jawaban")
    assert answer["Judul Sesi"] == "Dialog Kerukunan" and answer["Sesi"] == session.id
    assert answer["U1 Persyaratan"] == 3 and answer["U9 Sarana"] == 3
    assert answer["Cara Mengikuti"] == "Hadir langsung"
    assert answer["Saran / Aspirasi"] == '=HYPERLINK("http://evil","klik")'  # literal, not a formula
    assert str(ALICE) not in str(answer) and "Siti" not in str(answer)
    [ticket] = _rows(path, "Aspirasi")  # the suggestion became an anonymous ticket, also literal
    assert ticket["Isi"] == '=HYPERLINK("http://evil","klik")' and ticket["Kategori"] == "Dari survei"
    [jadwal] = _rows(path, "Jadwal")
    assert jadwal["ID"] == session.id and jadwal["Status Bot"] == "OK"
    again = await sync.flush()  # nothing left, nothing written twice
    assert again.written == {} and len(_rows(path, "Jawaban")) == 1


async def test_staff_rows_in_jadwal_create_sessions_and_get_a_status(sb, tg):
    tg.add_group(GROUP, "Masjid", supergroup=True)
    sync = sb.running.sheets
    await sync.ensure()
    sync.workbook.append_rows(
        JADWAL,
        [
            {
                "Judul": "Dialog Pemuda",
                "Bidang": "Bimas Islam",
                "Tanggal": "25/03/2026",
                "Jam": "09.00-11.00",
                "Tempat": "Aula",
            },
            {"Judul": "Manasik", "Bidang": "Pariwisata", "Tanggal": "26/03/2026", "Jam": "09.00"},
            {"Judul": "Rapat", "Bidang": "PHU", "Tanggal": "31/02/2026", "Jam": "09.00"},
        ],
    )
    report = await sync.read_jadwal()
    assert len(report) == 2, report
    assert any("Bidang tidak dikenal: Pariwisata" in line for line in report)
    assert any("Tanggal tidak dikenali: 31/02/2026" in line for line in report)
    rows = {r["Judul"]: r for r in _rows(sb.rt.settings.workbook_path, "Jadwal")}
    assert rows["Dialog Pemuda"]["Status Bot"] == "OK" and rows["Dialog Pemuda"]["ID"]
    assert rows["Manasik"]["Status Bot"].startswith("Bidang tidak dikenal")
    async with sb.rt.store.connect() as conn:
        created = await store_sessions.get_session(conn, int(rows["Dialog Pemuda"]["ID"]))
    assert created.title == "Dialog Pemuda" and created.venue == "Aula"
    # reading again creates nothing twice; a staff edit of the time reschedules the session
    await sync.read_jadwal()
    async with sb.rt.store.connect() as conn:
        assert len(await store_sessions.list_sessions(conn)) == 1
    row_number = next(
        r.row_number for r in sync.workbook.read_rows(JADWAL) if r.values["Judul"] == "Dialog Pemuda"
    )

    sync.workbook.update_cells(JADWAL, [CellUpdate(row_number, "Jam", "13.00-15.00")])
    await sync.read_jadwal()
    async with sb.rt.store.connect() as conn:
        edited = await store_sessions.get_session(conn, created.id)
    assert edited.starts_at.astimezone(TZ).hour == 13


class Flaky:
    """Wraps a workbook; appends fail while `down` (Google over quota / unreachable)."""

    def __init__(self, inner):
        self.inner = inner
        self.down = True
        self.appends = 0
        self.url = inner.url

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def append_rows(self, spec, rows) -> AppendResult:
        self.appends += 1
        if self.down:
            raise SheetsUnavailable("503")
        return self.inner.append_rows(spec, rows)


async def test_outage_keeps_rows_queued_then_writes_each_once(tmp_path, tg, clock):
    async with running_sandbox(tmp_path, clock=clock, tg=tg) as sb:
        await _outage(sb)


async def _outage(sb):
    await sb.settle()
    sync = open_sheets_sync(sb.rt)
    flaky = Flaky(sync.workbook)
    sync.workbook = flaky
    for day in range(40):
        values = validate_fields(
            {"title": f"Sesi {day}", "section": "PHU", "when": f"{1 + day % 28}/05/2026 09.00"}, sb.rt
        )
        await create_session(sb.rt, values, by=None, source="test")
    for _ in range(3):
        result = await sync.flush()
        assert result.error and result.pending == 40
    flaky.down = False
    result = await sync.flush()
    assert result.written == {"Jadwal": 40} and result.pending == 0
    assert (await sync.flush()).written == {}
    titles = [r["Judul"] for r in _rows(sb.rt.settings.workbook_path, "Jadwal")]
    assert sorted(titles) == sorted(f"Sesi {d}" for d in range(40))


async def test_google_outage_then_every_row_once_within_quota(tmp_path, tg, clock):
    fake = FakeGoogleSheets().start()
    key = tmp_path / "key.json"
    key.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    try:
        async with running_sandbox(tmp_path, clock=clock, tg=tg) as sb:
            await sb.settle()
            ticks = [0.0]
            sync = SheetsSync(
                sb.rt,
                GoogleWorkbook(
                    key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None, attempts=2
                ),
                clock=lambda: ticks[0],
            )
            fake.down(True)
            for i in range(300):
                values = validate_fields(
                    {"title": f"Sesi {i}", "section": "PHU", "when": f"{1 + i % 28}/06/2026 09.00"}, sb.rt
                )
                await create_session(sb.rt, values, by=None, source="test")
            for _ in range(10):  # ten minutes of outage, one flush attempt a minute
                result = await sync.flush()
                assert result.error and result.pending == 300
                ticks[0] += 60
            fake.down(False)
            appends_before = fake.count(":append")
            result = await sync.flush()
            assert result.written == {"Jadwal": 300} and result.pending == 0
            assert fake.count(":append") == appends_before + 1  # 300 rows, one write request
            assert (await sync.flush()).written == {}
            titles = [row[1] for row in fake.values("Jadwal")[1:]]
            assert sorted(titles) == sorted(f"Sesi {i}" for i in range(300))
            # the write budget: never more than 60 write requests in a minute
            sync._write_times = [ticks[0]] * 60
            blocked = await sync.flush()
            assert blocked.requests == 0
    finally:
        fake.stop()


async def test_status_shows_sync_lag_to_staff_only(sb):
    sb.tg.add_user(STAFF_ID, "Petugas")
    sb.tg.add_user(ALICE, "Warga")
    values = validate_fields({"title": "Dialog", "section": "PHU", "when": "01/05/2026 09.00"}, sb.rt)
    await create_session(sb.rt, values, by=None, source="test")
    await sb.say(ALICE, "/status")
    assert "hanya untuk petugas" in sb.texts(ALICE)[-1]
    await sb.say(STAFF_ID, "/status")
    assert "1 baris menunggu" in sb.texts(STAFF_ID)[-1]
    await sb.running.sheets.flush()
    await sb.say(STAFF_ID, "/status")
    assert "semua baris sudah tersinkron" in sb.texts(STAFF_ID)[-1]


async def test_ringkasan_refreshed_with_ikm_after_answers(sb, clock):
    await _finish_survey(sb, clock, "Terima kasih")
    await sb.running.sheets.flush()
    rows = _rows(sb.rt.settings.workbook_path, "Ringkasan")
    by_level = {r["Tingkat"]: r for r in rows}
    assert set(by_level) == {"Sesi", "Bidang", "Triwulan"}
    # every unsur answered "3" (the third option) -> NRR 3 -> IKM 75.00, C (Kurang baik)
    assert by_level["Bidang"]["Kelompok"] == "Bimas Islam" and by_level["Bidang"]["IKM"] == 75
    assert by_level["Triwulan"]["Kelompok"] == "2026-Q1" and by_level["Triwulan"]["Mutu"] == "C"
    assert by_level["Sesi"]["Responden"] == 1
