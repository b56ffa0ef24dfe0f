"""Aspiration deadlines on the fake clock: the sheet shows them, the staff group is reminded the working day
before and told when one passes (each once, also across a restart), the citizen sees them honestly in
/aspirasiku, and the share answered within deadline reaches /status and the monthly post; a ticket the
office cannot resolve is forwarded to SP4N-LAPOR! with the citizen's consent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select

from bot.base.clock import FakeClock
from bot.dev.sandbox import STAFF_ID, running_sandbox, sandbox_settings
from bot.domain import community, deadlines
from bot.store import aspirations as store
from bot.store import schema as s

from .conftest import TZ
from .test_aspirations import BUDI, SITI, STAFF_GROUP, _rows, _staff_edit, _sync, _write

# Tuesday before Nyepi (Thursday 19 March) and Idul Fitri (21-22 March); the office's cuti bersama below.
RECEIVED = datetime(2026, 3, 17, 10, 0, tzinfo=TZ)
CUTI_BERSAMA = "2026-03-18,2026-03-20,2026-03-23,2026-03-24"


def _settings(tmp_path, **extra):
    return sandbox_settings(tmp_path, staff_chat_id=STAFF_GROUP, cuti_bersama=CUTI_BERSAMA, **extra)


def _deadline_messages(sb) -> list[str]:
    """What the staff group was told about deadlines: at most one message a day for each kind."""
    return [m for m in sb.texts(STAFF_GROUP) if "batas waktu aspirasi" in m]


async def _day(sb, when: datetime) -> None:
    """A day of the bot's life: the sweep at `when` and again a little later, and what it sent."""
    await sb.advance(to=when)
    await sb.advance(to=when.replace(hour=when.hour + 2))
    await sb.outbox_idle()


async def test_reminder_breach_notice_once_across_restart_and_the_share_published(tmp_path, tg):
    tg.add_user(SITI, "Siti")
    tg.add_user(BUDI, "Budi")
    tg.add_group(STAFF_GROUP, "Petugas NGOPAS", supergroup=True, admins=[STAFF_ID])
    tg.add_user(STAFF_ID, "Petugas")
    clock = FakeClock(RECEIVED)
    settings = _settings(tmp_path)
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await sb.advance()  # the bot runs before the tickets arrive: their clocks are watched
        await _write(sb, SITI, "Mohon jadwal bimbingan perkawinan diumumkan.", section="Bimas Islam")
        await _write(sb, BUDI, "Kapan pelunasan biaya haji dibuka?", section="PHU", named=False)
        await _sync(sb)
        rows = {row["Tiket"]: row for row in _rows(settings.workbook_path)}
        # 3 working days after Tuesday 17 March: 18 cuti bersama, 19 Nyepi, 20 cuti bersama, 21-22 Idul
        # Fitri, 23-24 cuti bersama; so Wednesday 25, Thursday 26, Friday 27.  A Keluhan gets 5: Tuesday 31.
        assert rows["ASP-2026-0001"]["Batas tanggapan"] == "Jumat, 27 Maret 2026"
        assert rows["ASP-2026-0001"]["Batas tindak lanjut"] == "Selasa, 31 Maret 2026"
        assert rows["ASP-2026-0002"]["Klasifikasi"] == "Keluhan"

        await _day(sb, datetime(2026, 3, 25, 9, 0, tzinfo=TZ))
        assert _deadline_messages(sb) == []  # two working days before: nothing yet
        await _day(sb, datetime(2026, 3, 26, 9, 0, tzinfo=TZ))
        [soon] = _deadline_messages(sb)
        assert "2 batas waktu aspirasi segera tiba" in soon
        assert "ASP-2026-0001</b>: batas tanggapan pertama Jumat, 27 Maret 2026" in soon
        assert "ASP-2026-0002</b>: batas tanggapan pertama Jumat, 27 Maret 2026" in soon
        _staff_edit(sb, "ASP-2026-0001", Status="Diproses", Tanggapan="Jadwal kami umumkan pekan depan.")
        await _sync(sb)

        await _day(sb, datetime(2026, 3, 28, 9, 0, tzinfo=TZ))  # Saturday: Friday's deadline has passed
        [_, late] = _deadline_messages(sb)
        assert "1 batas waktu aspirasi terlewati" in late and "pelunasan" in late
        assert "ASP-2026-0002</b>: batas tanggapan pertama" in late and "ASP-2026-0001" not in late

        await _day(sb, datetime(2026, 3, 30, 9, 0, tzinfo=TZ))  # Monday: follow-up due on Tuesday
        soon = _deadline_messages(sb)[-1]
        assert "ASP-2026-0001</b>: batas tindak lanjut Selasa, 31 Maret 2026" in soon
        assert "ASP-2026-0002</b>: batas tindak lanjut Selasa, 31 Maret 2026" in soon
        _staff_edit(sb, "ASP-2026-0001", Status="Selesai", Tanggapan="Jadwal sudah diumumkan di grup.")
        await _sync(sb)
    before_restart = _deadline_messages(sb)
    assert len(before_restart) == 3

    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await _day(sb, datetime(2026, 3, 30, 9, 0, tzinfo=TZ))  # the same day again in a new process
        assert _deadline_messages(sb) == before_restart
        async with sb.rt.store.begin() as conn:  # the outbox forgot them (retention): still never twice
            await conn.execute(delete(s.outbox).where(s.outbox.c.kind.like("deadline_%")))
        await _day(sb, datetime(2026, 4, 1, 9, 0, tzinfo=TZ))
        await _day(sb, datetime(2026, 4, 2, 9, 0, tzinfo=TZ))
        [*told, late] = _deadline_messages(sb)
        assert told == before_restart
        # Budi's follow-up passed on Tuesday; Siti's was answered on Monday.  Nothing else again.
        assert "1 batas waktu aspirasi terlewati" in late
        assert "ASP-2026-0002</b>: batas tindak lanjut Selasa, 31 Maret 2026" in late

        await sb.say(BUDI, "/aspirasiku")
        assert "Batas tindak lanjut (Selasa, 31 Maret 2026) sudah terlewati" in sb.texts(BUDI)[-1]
        await sb.say(STAFF_ID, "/status")
        status = sb.texts(STAFF_ID)[-1]
        assert "Maret 2026:\n• Bimas Islam: 1 dari 1 (100%)\n• PHU: 0 dari 1 (0%)" in status
        assert "Seluruh bidang: 1 dari 2 (50%)" in status
        assert "April 2026: belum ada tiket yang jatuh tempo" in status
        post = await community.render(sb.rt, community.Month(2026, 3), "id")
        assert post is not None and "Dijawab dalam batas waktu" in post and "PHU: 0 dari 1 (0%)" in post


@pytest.fixture
async def sb(tmp_path, tg, migrated_database_url):
    tg.add_user(SITI, "Siti", last_name="Aminah")
    tg.add_user(BUDI, "Budi", language_code="en")
    tg.add_group(STAFF_GROUP, "Petugas NGOPAS", supergroup=True, admins=[STAFF_ID])
    clock = FakeClock(RECEIVED)
    async with running_sandbox(
        tmp_path, clock=clock, tg=tg, settings=_settings(tmp_path, database_url=migrated_database_url)
    ) as sandbox:
        yield sandbox


async def test_staff_reclassify_in_the_sheet_and_forward_to_lapor_with_consent(sb):
    await _write(sb, BUDI, "Tanah wakaf masjid kami diklaim ahli waris.", section="Bimas Islam", named=False)
    await _write(sb, SITI, "Sertifikat wakaf belum terbit sejak 2024.", section="Bimas Islam")
    await _sync(sb)
    _staff_edit(sb, "ASP-2026-0001", Klasifikasi="pengaduan yang perlu peninjauan lapangan")
    _staff_edit(sb, "ASP-2026-0002", Klasifikasi="urgent")
    await _sync(sb)
    rows = {row["Tiket"]: row for row in _rows(sb.rt.settings.workbook_path)}
    assert rows["ASP-2026-0001"]["Klasifikasi"] == "Pengaduan perlu peninjauan lapangan"
    assert rows["ASP-2026-0001"]["Batas tindak lanjut"] == "Rabu, 24 Juni 2026"  # 60 working days
    assert "Klasifikasi tidak dikenal" in rows["ASP-2026-0002"]["Status Bot"]
    assert "Sengketa" in rows["ASP-2026-0002"]["Status Bot"]
    assert not any("News on ticket" in m for m in sb.texts(BUDI))  # a new classification tells nobody

    _staff_edit(sb, "ASP-2026-0001", Status="Diteruskan ke LAPOR!", Tanggapan="Di luar kewenangan kantor.")
    await _sync(sb)
    await _sync(sb)  # read again: nothing twice
    [staff_text] = [m for m in sb.texts(STAFF_GROUP) if "diteruskan ke SP4N-LAPOR!" in m]
    assert "Tanah wakaf masjid" in staff_text and "Pelapor: Anonim" in staff_text and "Budi" not in staff_text
    [asked] = [m for m in sb.texts(BUDI) if "forwarded to SP4N-LAPOR!" in m and "May your name" in m]
    assert "lapor.go.id" in asked
    asked_id = [m for m in sb.tg.messages(BUDI) if "May your name" in (m.text or "")][0].message_id
    await sb.press(BUDI, BUDI, "Yes, include my name")
    assert "Your name will be included" in sb.texts(BUDI)[-1]
    sb.tg.press_button(BUDI, BUDI, asked_id, "lr:1:0")  # a second answer (an old client) changes nothing
    sb.tg.press_button(SITI, SITI, asked_id, "lr:1:1")  # nor anyone else's
    await sb.settle()
    await sb.outbox_idle()
    [named] = [m for m in sb.texts(STAFF_GROUP) if "warga mengizinkan namanya disertakan" in m]
    assert "Pelapor: Budi" in named
    async with sb.rt.store.connect() as conn:
        a = await store.by_ticket(conn, "ASP-2026-0001")
    assert a is not None and a.lapor_consent is True and a.status == "Diteruskan"
    assert deadlines.classification_of(a) == "lapangan"
    await sb.say(BUDI, "/aspirasiku")
    assert "Forwarded to SP4N-LAPOR!" in sb.texts(BUDI)[-1]


async def test_delete_me_withdraws_a_lapor_text_with_the_name_not_yet_delivered(sb):
    """Siti agrees that her name goes with the SP4N-LAPOR! text; Telegram holds staff's copy back (429),
    and before it is sent she asks /hapus_data.  Her name must never reach the staff group afterwards, and
    no queued row keeps it."""
    await _write(sb, SITI, "Sertifikat wakaf belum terbit sejak 2024.", section="Bimas Islam")
    await _sync(sb)
    _staff_edit(sb, "ASP-2026-0001", Status="Diteruskan", Tanggapan="Di luar kewenangan kantor.")
    await _sync(sb)
    await sb.outbox_idle()
    sb.tg.fail_next("sendMessage", retry_after=1, chat_id=STAFF_GROUP)  # due again once the clock moves
    await sb.press(SITI, SITI, "Boleh, sertakan nama")
    await sb.outbox_idle()
    assert not [m for m in sb.texts(STAFF_GROUP) if "Pelapor: Siti" in m]  # held back by the 429
    await sb.say(SITI, "/hapus_data")
    await sb.press(SITI, SITI, "Ya, hapus")
    assert "sudah dihapus" in sb.texts(SITI)[-1]
    await sb.advance(timedelta(hours=1))  # long past retry_after
    await sb.outbox_idle()
    assert not [m for m in sb.texts(STAFF_GROUP) if "Siti" in m]
    async with sb.rt.store.connect() as conn:
        payloads = (await conn.execute(select(s.outbox.c.payload))).scalars().all()
    assert not [p for p in payloads if "Siti" in str(p)]
