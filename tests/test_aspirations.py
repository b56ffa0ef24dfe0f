"""Aspirations end to end: citizens write, staff answer in the sheet, citizens hear back exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.base.clock import FakeClock
from bot.dev.sandbox import STAFF_ID, running_sandbox, sandbox_settings
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey.definition import definition_for
from bot.domain.worksheets import ASPIRASI
from bot.store import schema as s
from sheets.workbook import CellUpdate

from .conftest import TZ

SITI = 2101
BUDI = 2102
STAFF_GROUP = -1002100
GROUP = -1002101
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=TZ)  # a Monday


def _rows(path, sheet="Aspirasi"):
    ws = load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, [c.value for c in row], strict=False))
        for row in ws.iter_rows(min_row=2)
        if any(c.value for c in row)
    ]


def _staff_edit(sb, ticket: str, **cells: str) -> None:
    """A staff member types into the Aspirasi sheet (the local workbook stands in for Google Sheets)."""
    workbook = sb.running.sheets.workbook
    [row] = [r for r in workbook.read_rows(ASPIRASI) if r.values["Tiket"] == ticket]
    workbook.update_cells(
        ASPIRASI, [CellUpdate(row.row_number, header, value) for header, value in cells.items()]
    )


async def _sync(sb) -> None:
    """What the running bot does every few minutes: flush, read staff edits, send what they caused."""
    await sb.running.sheets.flush()
    await sb.running.sheets.read_aspirasi()
    await sb.running.sheets.flush()
    sb.rt.wake_sender()
    await sb.outbox_idle()


async def _write(sb, user, text, *, section="Bimas Islam", named=True):
    await sb.say(user, "/aspirasi")
    await sb.press(user, user, section)
    await sb.say(user, text)
    await sb.press(user, user, "👤" if named else "🙈")
    return sb.texts(user)[-1]


@pytest.fixture
def clock():
    return FakeClock(NOW)


@pytest.fixture
async def sb(tmp_path, tg, clock, migrated_database_url):
    tg.add_user(SITI, "Siti", last_name="Aminah", username="sitiaminah")
    tg.add_user(BUDI, "Budi", language_code="en")
    tg.add_group(STAFF_GROUP, "Petugas NGOPAS", supergroup=True, admins=[STAFF_ID])
    settings = sandbox_settings(
        tmp_path,
        staff_chat_id=STAFF_GROUP,
        whatsapp_number="0811-2809-999",
        database_url=migrated_database_url,
    )
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sandbox:
        yield sandbox


async def test_ticket_with_ack_sheet_row_staff_alert_and_my_tickets(sb):
    ack = await _write(sb, SITI, "Mohon jadwal manasik haji diumumkan lebih awal.", section="PHU")
    assert "ASP-2026-0001" in ack
    assert "0811-2809-999" in ack and "Senin–Jumat" in ack  # service hours and WhatsApp from settings
    await _sync(sb)
    [row] = _rows(sb.rt.settings.workbook_path)
    assert row["Tiket"] == "ASP-2026-0001" and row["Bidang"] == "PHU" and row["Status"] == "Baru"
    assert row["Isi"] == "Mohon jadwal manasik haji diumumkan lebih awal."
    assert row["Pengirim"] == "Siti Aminah (@sitiaminah)" and row["Kategori"] == "Langsung"
    [alert] = sb.texts(STAFF_GROUP)
    assert "ASP-2026-0001" in alert and "manasik" in alert
    assert "Siti" not in alert and str(SITI) not in alert  # alerts carry no personal data
    await sb.say(SITI, "/aspirasiku")
    mine = sb.texts(SITI)[-1]
    assert "ASP-2026-0001" in mine and "Baru" in mine and "manasik" in mine


async def test_staff_reply_reaches_citizen_once_also_after_restart(tmp_path, tg, clock):
    tg.add_user(SITI, "Siti")
    settings = sandbox_settings(tmp_path)
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await _write(sb, SITI, "Lampu aula KUA mati, mohon diperbaiki.", named=False)
        await _sync(sb)
        _staff_edit(sb, "ASP-2026-0001", Status="Diproses", Tanggapan="Sudah kami teruskan ke bagian umum.")
        await _sync(sb)
        await _sync(sb)  # the sheet is read again: nothing new, nothing sent
        updates = [m for m in sb.texts(SITI) if "Kabar untuk tiket ASP-2026-0001" in m]
        assert len(updates) == 1
        assert "Sedang diproses" in updates[0] and "bagian umum" in updates[0]
        [row] = _rows(settings.workbook_path)
        assert row["Status Bot"].startswith("Warga diberi tahu")
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await _sync(sb)  # a fresh process reads the same sheet: still told once
        assert sum("Kabar untuk tiket" in m for m in sb.texts(SITI)) == 1
        _staff_edit(sb, "ASP-2026-0001", Status="Selesai", Tanggapan="Lampu sudah diganti. Terima kasih.")
        await _sync(sb)
        await _sync(sb)
        updates = [m for m in sb.texts(SITI) if "Kabar untuk tiket" in m]
        assert len(updates) == 2 and "Selesai" in updates[1] and "sudah diganti" in updates[1]


async def test_anonymous_ticket_hides_sender_but_gets_the_reply(sb):
    await _write(sb, BUDI, "The parking at the KUA office is too small.", section="Bimas Islam", named=False)
    await _sync(sb)
    [row] = _rows(sb.rt.settings.workbook_path)
    assert row["Pengirim"] == "Anonim"
    assert "Budi" not in str(row) and str(BUDI) not in str(row)
    _staff_edit(sb, row["Tiket"], Tanggapan="Kami sedang mencari lahan tambahan.")
    await _sync(sb)
    news = sb.texts(BUDI)[-1]
    assert "News on ticket ASP-2026-0001" in news and "lahan tambahan" in news  # in his language


async def test_bad_status_gets_an_explanation_and_no_message(sb):
    await _write(sb, SITI, "Mohon tambah sesi untuk remaja masjid.")
    await _sync(sb)
    _staff_edit(sb, "ASP-2026-0001", Status="Beres", Tanggapan="ok")
    await _sync(sb)
    [row] = _rows(sb.rt.settings.workbook_path)
    assert (
        "Status tidak dikenal" in row["Status Bot"]
        and "Baru, Diproses, Selesai, Ditolak" in row["Status Bot"]
    )
    assert not any("Kabar untuk tiket" in m for m in sb.texts(SITI))
    _staff_edit(sb, "ASP-2026-0001", Status="selesai")  # case does not matter
    await _sync(sb)
    assert sum("Kabar untuk tiket" in m for m in sb.texts(SITI)) == 1


async def test_length_limits_and_daily_cap(sb, clock):
    await sb.say(SITI, "/aspirasi")
    await sb.press(SITI, SITI, "Bimas Islam")
    await sb.say(SITI, "x" * 2500)
    assert "2500 karakter" in sb.texts(SITI)[-1] and "2000" in sb.texts(SITI)[-1]
    await sb.say(SITI, "ok")
    assert "terlalu singkat" in sb.texts(SITI)[-1]
    await sb.say(SITI, "Mohon khutbah Jumat lebih singkat.")  # the draft waited at the text step
    await sb.press(SITI, SITI, "Tidak, kirim tanpa nama")
    assert "ASP-2026-0001" in sb.texts(SITI)[-1]
    await _write(sb, SITI, "Aspirasi kedua hari ini.")
    await _write(sb, SITI, "Aspirasi ketiga hari ini.")
    await sb.say(SITI, "/aspirasi")
    assert "sudah mengirim 3 aspirasi" in sb.texts(SITI)[-1]
    async with sb.rt.store.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(s.aspiration))).scalar_one() == 3
    clock.advance(timedelta(days=1))
    assert "ASP-2026-0004" in await _write(sb, SITI, "Besoknya boleh lagi.")


async def test_photo_and_restart_in_the_middle(tmp_path, tg, clock):
    tg.add_user(SITI, "Siti")
    tg.add_group(STAFF_GROUP, "Petugas", supergroup=True)
    settings = sandbox_settings(tmp_path, staff_chat_id=STAFF_GROUP)
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await sb.say(SITI, "/aspirasi")
        await sb.press(SITI, SITI, "Umum")
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        tg.send_photo(SITI)  # a photo first, the words after
        await sb.settle()
        assert "Foto diterima" in sb.texts(SITI)[-1]
        await sb.say(SITI, "Atap madrasah bocor di ruang kelas 3.")
        await sb.press(SITI, SITI, "Boleh")
        assert "ASP-2026-0001" in sb.texts(SITI)[-1]
        await _sync(sb)
        [alert] = tg.messages(STAFF_GROUP)
        assert alert.kind == "photo" and "Atap madrasah" in alert.text
        [row] = _rows(settings.workbook_path)
        assert row["Bidang"] == "Umum" and "Ada foto" in row["Isi"]


async def test_stale_and_forged_buttons_change_nothing(sb):
    await sb.say(SITI, "/aspirasi")
    await sb.press(SITI, SITI, "PHU")
    await sb.say(SITI, "Mohon info biaya haji tahun ini.")
    await sb.press(SITI, SITI, "Boleh")
    for forged in ("as:id:1", "as:id:7", "as:sec:99", "as:sec:0", "as:" + "9" * 70):
        sb.tg.press_button(SITI, SITI, sb.tg.messages(SITI)[-1].message_id, forged)
    await sb.settle()
    async with sb.rt.store.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(s.aspiration))).scalar_one() == 1
        assert (await conn.execute(select(func.count()).select_from(s.aspiration_draft))).scalar_one() == 0
    await sb.say(SITI, "/aspirasi", chat=None)
    await sb.say(SITI, "/batal")
    assert "Aspirasi dibatalkan" in sb.texts(SITI)[-1]


async def _survey_with_low_scores(sb, clock, user, saran, section="Bimas Islam"):
    values = validate_fields(
        {"title": "Dialog Kerukunan", "section": section, "when": "23/03/2026 08.00-09.00"}, sb.rt
    )
    clock.set(datetime(2026, 3, 23, 7, 0, tzinfo=TZ))
    session = (await create_session(sb.rt, values, by=None, source="test")).session
    clock.set(datetime(2026, 3, 23, 9, 5, tzinfo=TZ))
    await sb.say(user, f"/start sv{session.id}")
    defn = definition_for(sb.rt)
    for _ in range(60):
        text = next(m.text for m in reversed(sb.tg.messages(user)) if m.reply_markup)
        if "Ringkasan" in text:
            break
        if "Pertanyaan" not in text:  # the follow-up after a low score
            await sb.say(user, "Ruangannya panas sekali")
            continue
        q = next(q for q in defn.questions if q.text["id"] in text)
        if q.key == "kehadiran":
            await sb.press(user, user, "langsung")
        elif q.kind == "text":
            await sb.say(user, saran)
        elif q.optional:
            await sb.press(user, user, "Lewati")
        elif q.key == "sarana":
            await sb.press(user, user, q.options[0].label["id"])  # 1: asks "what should we improve?"
        else:
            await sb.press(user, user, q.options[1].label["id"])  # 2 everywhere else
    await sb.press(user, user, "Kirim")
    return session


async def test_survey_suggestions_become_anonymous_tickets_and_low_ikm_alerts_staff(sb, clock, monkeypatch):
    # The alert waits for 10 respondents by default (tests/test_live_ikm.py); one is enough to see it here.
    monkeypatch.setattr(sb.rt, "settings", sb.rt.settings.model_copy(update={"ikm_alert_min_respondents": 1}))
    session = await _survey_with_low_scores(sb, clock, SITI, "Tolong sediakan kursi untuk lansia")
    await sb.advance(timedelta(seconds=1))  # the sweep runs the IKM watch
    await _sync(sb)
    rows = _rows(sb.rt.settings.workbook_path)
    from_survey = [r for r in rows if r["Kategori"] == "Dari survei"]
    texts = sorted(r["Isi"] for r in from_survey)
    assert "Tolong sediakan kursi untuk lansia" in texts
    assert any(t.startswith("[") and "Ruangannya panas" in t for t in texts)  # the follow-up, with its unsur
    for r in from_survey:
        assert r["Pengirim"] == "Anonim (survei)" and r["Sesi"] == f"#{session.id} Dialog Kerukunan"
        assert r["Bidang"] == "Bimas Islam"
    async with sb.rt.store.connect() as conn:
        routes = (await conn.execute(select(func.count()).select_from(s.aspiration_route))).scalar_one()
    assert routes == 0  # nobody can be traced from a survey ticket
    alerts = sb.texts(STAFF_GROUP)
    low = [m for m in alerts if "IKM di bawah B" in m]
    assert len(low) == 1 and f"#{session.id}" in low[0] and "1 responden" in low[0]
    assert "Siti" not in "".join(alerts)
    await sb.advance(timedelta(seconds=1))
    await sb.outbox_idle()
    assert len([m for m in sb.texts(STAFF_GROUP) if "IKM di bawah B" in m]) == 1  # once per session and grade


async def test_daily_digest_lists_tickets_waiting_too_long(sb, clock):
    await _write(sb, SITI, "Tiket lama yang belum dijawab.")
    clock.advance(timedelta(days=1))
    await _write(sb, SITI, "Tiket baru kemarin.")
    await _sync(sb)
    _staff_edit(sb, "ASP-2026-0002", Status="Selesai", Tanggapan="Sudah.")
    await _sync(sb)
    clock.set(datetime(2026, 3, 27, 7, 0, tzinfo=TZ))
    await sb.advance(timedelta(seconds=1))
    assert not any("menunggu lebih dari" in m for m in sb.texts(STAFF_GROUP))  # not before 08.00
    await sb.advance(to=datetime(2026, 3, 27, 8, 5, tzinfo=TZ))
    await sb.advance(timedelta(minutes=5))
    await sb.outbox_idle()
    [digest] = [m for m in sb.texts(STAFF_GROUP) if "menunggu lebih dari" in m]
    assert "ASP-2026-0001 · Bimas Islam · Baru · 3 hari" in digest  # 3 days 22 hours
    assert "ASP-2026-0002" not in digest  # resolved


async def test_monthly_post_to_groups(sb, clock):
    sb.tg.add_group(GROUP, "Majelis Taklim Al-Ikhlas", supergroup=True, admins=[SITI])
    await sb.say(SITI, "/langganan", chat=GROUP)
    await sb.press(SITI, GROUP, "Semua")
    await sb.press(SITI, GROUP, "Selesai")
    await sb.advance(timedelta(seconds=1))  # first run only remembers where it starts
    await _write(sb, SITI, "Mohon penyuluh agama datang ke RW 05.", section="Bimas Islam")
    await _write(sb, SITI, "Informasi pendaftaran madrasah kurang jelas.", section="Pendidikan Islam")
    await _survey_with_low_scores(sb, clock, SITI, "-", section="PHU")  # nine low-score follow-ups
    await _sync(sb)
    _staff_edit(
        sb, "ASP-2026-0001", Status="Selesai", Tanggapan="Penyuluh dijadwalkan tiap Kamis.", Publik="Ya"
    )
    _staff_edit(sb, "ASP-2026-0002", Status="Selesai", Tanggapan="Brosur diperbarui.")  # not public
    await _sync(sb)
    before = len(sb.texts(GROUP))
    await sb.advance(to=datetime(2026, 4, 1, 9, 30, tzinfo=TZ))
    await sb.outbox_idle()
    [post] = sb.texts(GROUP)[before:]
    assert "Kami mendengar, kami bertindak" in post and "Maret 2026" in post
    assert "Bimas Islam: 1 / 1" in post and "Pendidikan Islam: 1 / 1" in post and "PHU: 9 / 0" in post
    assert "Penyuluh dijadwalkan tiap Kamis" in post and "Brosur" not in post
    assert "Dialog Kerukunan" in post and "IKM" in post
    assert "Siti" not in post
    await sb.advance(timedelta(hours=2))
    await sb.outbox_idle()
    assert len(sb.texts(GROUP)) == before + 1  # once a month


async def test_delete_me_removes_personal_data_but_keeps_answers(sb):
    await sb.say(SITI, "/langganan")
    await sb.press(SITI, SITI, "PHU")
    await sb.press(SITI, SITI, "Selesai")
    await _write(sb, SITI, "Mohon bimbingan manasik tambahan.")
    await _sync(sb)
    await sb.say(SITI, "/aspirasi")  # an unfinished one too
    await sb.say(SITI, "/hapus_data")
    await sb.press(SITI, SITI, "Batal")
    assert "Tidak ada yang dihapus" in sb.texts(SITI)[-1]
    await sb.say(SITI, "/hapus_data")
    await sb.press(SITI, SITI, "Ya, hapus")
    assert "sudah dihapus" in sb.texts(SITI)[-1]
    async with sb.rt.store.connect() as conn:
        for table, column in (
            (s.chat, s.chat.c.id),
            (s.subscription, s.subscription.c.chat_id),
            (s.outbox, s.outbox.c.chat_id),
            (s.aspiration_route, s.aspiration_route.c.chat_id),
            (s.aspiration_draft, s.aspiration_draft.c.chat_id),
            (s.survey_draft, s.survey_draft.c.chat_id),
        ):
            count = (
                await conn.execute(select(func.count()).select_from(table).where(column == SITI))
            ).scalar_one()
            assert count == 0, table.name
        [ticket] = (await conn.execute(select(s.aspiration))).all()
    assert ticket.sender_name is None and ticket.text == "Mohon bimbingan manasik tambahan."
    await _sync(sb)
    [row] = _rows(sb.rt.settings.workbook_path)
    assert row["Pengirim"] == "(dihapus atas permintaan)"
    _staff_edit(sb, "ASP-2026-0001", Status="Selesai", Tanggapan="Sudah.")
    sent = len(sb.tg.messages(SITI))
    await _sync(sb)
    assert len(sb.tg.messages(SITI)) == sent  # no route left: nothing is sent to her any more


async def test_deleting_ones_data_does_not_reset_the_daily_limit(sb, clock):
    """/hapus_data removes the routes the old count went through: 9 tickets (and 9 staff alerts) a day."""
    for n in range(3):
        await _write(sb, SITI, f"Aspirasi ke-{n + 1} hari ini.")
    await sb.say(SITI, "/hapus_data")
    await sb.press(SITI, SITI, "Ya, hapus")
    await sb.say(SITI, "/aspirasi")
    assert "sudah mengirim 3 aspirasi" in sb.texts(SITI)[-1]
    async with sb.rt.store.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(s.aspiration))).scalar_one() == 3
        # The count names no one: one opaque key per person and day, nothing else.
        [row] = (await conn.execute(select(s.aspiration_quota))).all()
    assert row.used == 3 and str(SITI) not in row.key
    clock.advance(timedelta(days=1))
    assert "ASP-2026-0004" in await _write(sb, SITI, "Besoknya boleh lagi.")
    async with sb.rt.store.connect() as conn:
        assert len((await conn.execute(select(s.aspiration_quota))).all()) == 1  # yesterday's is gone
