"""Sessions and announcements: /sesi_baru, who gets what, reminders at the right local times, changes."""

from datetime import datetime, timedelta

from bot.dev.sandbox import STAFF_ID
from bot.domain.sessions import create_session, validate_fields
from bot.store import chats

from .conftest import TZ

BIMAS_GROUP = -100601
PHU_GROUP = -100602
ALL_CITIZEN = 603
NOBODY = 604


async def _subscribe(sb, chat_id, sections):
    async with sb.rt.store.begin() as conn:
        await chats.upsert_chat(
            conn,
            chat_id=chat_id,
            type="supergroup" if chat_id < 0 else "private",
            title="t",
            now=sb.clock.now(),
        )
        await chats.set_subscriptions(conn, chat_id, sections, by=None, now=sb.clock.now())


def _world(sb):
    sb.tg.add_user(STAFF_ID, "Petugas")
    sb.tg.add_user(ALL_CITIZEN, "Warga")
    sb.tg.add_user(NOBODY, "Orang lain")
    sb.tg.add_group(BIMAS_GROUP, "Masjid", supergroup=True)
    sb.tg.add_group(PHU_GROUP, "KBIHU", supergroup=True)


async def test_staff_creates_session_announced_to_matching_sections(sb):
    _world(sb)
    await _subscribe(sb, BIMAS_GROUP, ["Bimas Islam"])
    await _subscribe(sb, PHU_GROUP, ["PHU"])
    await _subscribe(sb, ALL_CITIZEN, [chats.ALL_SECTIONS])

    await sb.say(NOBODY, "/sesi_baru")
    assert "hanya untuk petugas" in sb.texts(NOBODY)[-1]

    await sb.say(STAFF_ID, "/sesi_baru")
    await sb.say(STAFF_ID, "Dialog Kerukunan")
    await sb.press(STAFF_ID, STAFF_ID, "Bimas Islam")
    await sb.say(STAFF_ID, "31/02/2026 09.00")
    assert "Tanggal tidak dikenali: 31/02/2026" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, "01/03/2026 09.00")
    assert "sudah lewat" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, "23/03/2026 09.00-11.00")
    await sb.say(STAFF_ID, "Aula <Masjid> Agung")
    await sb.say(STAFF_ID, "200, 300")
    assert "Koordinat tidak dikenali: 200, 300" in sb.texts(STAFF_ID)[-1]
    sb.tg.send_location(STAFF_ID, -7.4797, 110.2177)  # shared with 📎 → Lokasi
    await sb.settle()
    await sb.say(STAFF_ID, "bukan tautan")
    assert "Tautan tidak valid" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, "https://zoom.us/j/123")
    await sb.say(STAFF_ID, "-")
    await sb.say(STAFF_ID, "Ustadz Ahmad")
    await sb.say(STAFF_ID, "-")  # not a recurring session
    assert "2 chat" in sb.texts(STAFF_ID)[-1]  # the confirmation says who will be told
    assert "🗺 -7.4797, 110.2177" in sb.texts(STAFF_ID)[-1]
    await sb.press(STAFF_ID, STAFF_ID, "Simpan")
    await sb.outbox_idle()

    for chat in (BIMAS_GROUP, ALL_CITIZEN):
        [msg, pin] = sb.tg.messages(chat)
        assert "Dialog Kerukunan" in msg.text
        assert "Senin, 23 Maret 2026 pukul 09.00 WIB" in msg.text
        assert "Aula &lt;Masjid&gt; Agung" in msg.text or "Aula <Masjid> Agung" in msg.text
        assert pin.venue["latitude"] == -7.4797 and pin.venue["address"] == "Aula <Masjid> Agung"
        urls = [b["url"] for row in sb.tg.buttons(msg) for b in row if "url" in b]
        assert urls[0] == "https://zoom.us/j/123" and urls[1].endswith(
            "?start=ics1"
        )  # + "Tambah ke kalender"
    # A group's members can ask for the reminders privately; a private chat gets them anyway.
    remind = {
        chat: [
            b["text"]
            for m in sb.tg.messages(chat)
            for row in sb.tg.buttons(m)
            for b in row
            if "callback_data" in b
        ]
        for chat in (BIMAS_GROUP, ALL_CITIZEN)
    }
    assert remind == {BIMAS_GROUP: ["🔔 Ingatkan saya"], ALL_CITIZEN: []}
    assert sb.tg.messages(PHU_GROUP) == []


async def test_reminders_at_local_times_and_start_message(sb):
    _world(sb)
    await _subscribe(sb, BIMAS_GROUP, ["Bimas Islam"])
    values = validate_fields(
        {
            "title": "Ngopas",
            "section": "Bimas Islam",
            "when": "23/03/2026 09.00",
            "youtube": "https://youtu.be/x",
        },
        sb.rt,
    )
    await create_session(sb.rt, values, by=None, source="test")
    await sb.outbox_idle()
    assert len(sb.tg.messages(BIMAS_GROUP)) == 1

    start = datetime(2026, 3, 23, 9, 0, tzinfo=TZ)
    await sb.advance(to=start - timedelta(days=1, minutes=1))
    await sb.outbox_idle()
    assert len(sb.tg.messages(BIMAS_GROUP)) == 1  # not yet

    await sb.advance(to=start - timedelta(days=1))
    await sb.outbox_idle()
    assert "besok" in sb.texts(BIMAS_GROUP)[-1]

    await sb.advance(to=start - timedelta(minutes=60))
    await sb.outbox_idle()
    assert "60 menit lagi" in sb.texts(BIMAS_GROUP)[-1]

    await sb.advance(to=start)
    await sb.outbox_idle()
    last = sb.tg.messages(BIMAS_GROUP)[-1]
    assert "Mulai sekarang" in last.text
    assert any("youtu.be" in b.get("url", "") for row in sb.tg.buttons(last) for b in row)

    await sb.advance(timedelta(hours=1))  # sweeping again sends nothing twice
    await sb.outbox_idle()
    assert len(sb.tg.messages(BIMAS_GROUP)) == 4


async def test_edit_and_cancel_notify_and_replan(sb):
    _world(sb)
    await _subscribe(sb, PHU_GROUP, ["PHU"])
    values = validate_fields({"title": "Manasik", "section": "PHU", "when": "25/03/2026 13.00"}, sb.rt)
    change = await create_session(sb.rt, values, by=None, source="test")
    sid = change.session.id
    await sb.outbox_idle()

    await sb.say(STAFF_ID, f"/ubah {sid}")
    await sb.press(STAFF_ID, STAFF_ID, "tanggal")
    await sb.say(STAFF_ID, "26/03/2026 13.00")
    await sb.outbox_idle()
    assert "Perubahan sesi" in sb.texts(PHU_GROUP)[-1]
    assert "Kamis, 26 Maret 2026 pukul 13.00 WIB" in sb.texts(PHU_GROUP)[-1]

    # the old day-before reminder time passes: nothing; the new one fires
    await sb.advance(to=datetime(2026, 3, 24, 13, 0, tzinfo=TZ))
    await sb.outbox_idle()
    assert len(sb.tg.messages(PHU_GROUP)) == 2
    await sb.advance(to=datetime(2026, 3, 25, 13, 0, tzinfo=TZ))
    await sb.outbox_idle()
    assert "besok" in sb.texts(PHU_GROUP)[-1]

    await sb.say(STAFF_ID, f"/batal {sid}")
    await sb.press(STAFF_ID, STAFF_ID, "Ya")
    await sb.outbox_idle()
    assert "dibatalkan" in sb.texts(PHU_GROUP)[-1]
    count = len(sb.tg.messages(PHU_GROUP))
    await sb.advance(to=datetime(2026, 3, 26, 13, 0, tzinfo=TZ))
    await sb.outbox_idle()
    assert len(sb.tg.messages(PHU_GROUP)) == count  # no reminder or start for a cancelled session


async def test_schedule_lists_and_pages(sb):
    _world(sb)
    for day in range(1, 8):
        values = validate_fields(
            {"title": f"Sesi {day}", "section": "Bimas Islam", "when": f"{20 + day}/04/2026 09.00"}, sb.rt
        )
        await create_session(sb.rt, values, by=None, source="test")
    await sb.say(ALL_CITIZEN, "/jadwal")
    first = sb.tg.messages(ALL_CITIZEN)[-1]
    assert "halaman 1 dari 2" in first.text and "Sesi 1" in first.text and "Sesi 6" not in first.text
    await sb.press(ALL_CITIZEN, ALL_CITIZEN, "Berikutnya")
    assert "Sesi 6" in sb.tg.messages(ALL_CITIZEN)[-1].text
    # A page button on a list that is gone (deleted by its reader): the page arrives as a new message.
    shown = len(sb.tg.messages(ALL_CITIZEN))
    back = sb.tg.buttons(sb.tg.messages(ALL_CITIZEN)[-1])[0][0]["callback_data"]  # "‹ Sebelumnya"
    sb.tg.press_button(ALL_CITIZEN, ALL_CITIZEN, first.message_id + 50, back)
    await sb.settle()
    assert len(sb.tg.messages(ALL_CITIZEN)) == shown + 1
    assert "halaman 1 dari 2" in sb.tg.messages(ALL_CITIZEN)[-1].text
