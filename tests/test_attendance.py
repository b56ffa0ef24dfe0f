"""Attendance check-in, staff headcounts, the population they give reports, the closing record, and the
"Ingatkan saya" button: through the real bot and the emulator where the path a person takes needs it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from typer.testing import CliRunner

from bot.base.clock import FakeClock
from bot.cli import app
from bot.dev.sandbox import STAFF_ID, sandbox_settings
from bot.domain import attendance, closing, privacy, private_reminders, reporting
from bot.domain.private_reminders import Reminder
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey.definition import definition_for
from bot.store import Store, chats, sheet_rows, surveys
from bot.store import aspirations as store_aspirations
from bot.store import attendance as store_attendance
from bot.store.attendance import Attendance
from bot.store.sessions import insert_session

from .conftest import BOTH_DATABASES, TZ, chat_response

GROUP = -100901
ALICE = 901
BOB = 902
CARLA = 903
DEWI = 904


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 20, hour, minute, tzinfo=TZ)


async def _subscribe(sb, chat_id: int, sections: list[str]) -> None:
    async with sb.rt.store.begin() as conn:
        await chats.upsert_chat(conn, chat_id=chat_id, type="supergroup", title="Majelis", now=sb.clock.now())
        await chats.set_subscriptions(conn, chat_id, sections, by=None, now=sb.clock.now())


async def _session(sb, when: str = "20/03/2026 09.00-10.00"):
    values = validate_fields({"title": "Dialog Kerukunan", "section": "Bimas Islam", "when": when}, sb.rt)
    return (await create_session(sb.rt, values, by=None, source="test")).session


def _world(sb) -> None:
    sb.tg.add_user(STAFF_ID, "Petugas")
    for user, name in ((ALICE, "Bu Siti"), (BOB, "Pak Budi"), (CARLA, "Mbak Carla"), (DEWI, "Bu Dewi")):
        sb.tg.add_user(user, name)
    sb.tg.add_group(GROUP, "Majelis Taklim", supergroup=True)


def _urls(sb, chat: int) -> list[str]:
    return [b["url"] for m in sb.tg.messages(chat) for row in sb.tg.buttons(m) for b in row if "url" in b]


async def _answer(sb, session_id: int, n: int) -> None:
    """`n` finished survey answers for the session, stored as the chat stores them."""
    defn = definition_for(sb.rt)
    answers = {q.key: q.options[-1].value for q in defn.questions if q.kind == "ikm"}
    async with sb.rt.store.begin() as conn:
        for i in range(n):
            response = chat_response(defn, f"R{session_id}-{i}", session_id, f"p{i}", answers, sb.clock.now())
            await surveys.insert_response(conn, response)


async def test_check_in_inside_the_window_once_per_person_feeds_population_and_invites(sb):
    _world(sb)
    await _subscribe(sb, GROUP, ["Bimas Islam"])
    session = await _session(sb)  # 09.00-10.00; the clock is at 08.00, check-in opens at 08.30
    link = f"?start=hadir{session.id}"

    await sb.say(ALICE, f"/start hadir{session.id}")
    assert "dibuka Jumat, 20 Maret 2026 pukul 08.30 WIB" in sb.texts(ALICE)[-1]

    await sb.advance(to=_at(9))
    await sb.outbox_idle()
    assert any(url.endswith(link) for url in _urls(sb, GROUP)), "the start notice carries ✋ Saya hadir"

    await sb.say(ALICE, f"/start hadir{session.id}")
    await sb.press(ALICE, ALICE, "Zoom")
    assert "tercatat (Zoom)" in sb.texts(ALICE)[-1]
    await sb.say(ALICE, f"/start hadir{session.id}")  # the same person again, another way: counted once
    await sb.press(ALICE, ALICE, "Di lokasi")
    assert "sudah tercatat hadir di sesi ini (Zoom)" in sb.texts(ALICE)[-1]
    await sb.say(BOB, f"/start hadir{session.id}")
    await sb.press(BOB, BOB, "Di lokasi")

    await sb.say(BOB, f"/hadir {session.id} 35")
    assert "hanya untuk petugas" in sb.texts(BOB)[-1]
    await sb.say(STAFF_ID, f"/hadir {session.id} 35")
    assert "Kehadiran: 37 orang · check-in 2 (Di lokasi 1, Zoom 1)" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, f"/hadir {session.id} banyak")
    assert "/hadir NOMOR JUMLAH" in sb.texts(STAFF_ID)[-1]

    # The end: the two who checked in get the invitation privately, once; nobody else is written to.
    await sb.advance(to=_at(10))
    await sb.outbox_idle()
    survey = f"?start=sv{session.id}"
    for person in (ALICE, BOB):
        assert [u for u in _urls(sb, person) if u.endswith(survey)] != []
        assert sum(u.endswith(survey) for u in _urls(sb, person)) == 1
    assert sb.tg.messages(CARLA) == [] and sb.tg.messages(DEWI) == []

    # Inside the grace period a late arrival checks in and is invited at once; after it, refused.
    await sb.advance(to=_at(10, 20))
    await sb.say(CARLA, f"/start hadir{session.id}")
    await sb.press(CARLA, CARLA, "YouTube")
    assert any("segera dikirim" in text for text in sb.texts(CARLA))
    await sb.outbox_idle()
    assert sum(u.endswith(survey) for u in _urls(sb, CARLA)) == 1
    await sb.advance(to=_at(10, 31))
    await sb.say(DEWI, f"/start hadir{session.id}")
    assert "sudah ditutup" in sb.texts(DEWI)[-1]

    counts = await attendance.of_session(sb.rt, session.id)
    assert counts.checked_in == {"lokasi": 1, "zoom": 1, "youtube": 1}
    assert counts.counted == {"lokasi": 35, "zoom": 0, "youtube": 0}
    async with sb.rt.store.connect() as conn:
        rows = [r for r in await sheet_rows.pending(conn, 100) if r.worksheet == "Jadwal"]
    assert (
        rows[-1].values["Kehadiran"]
        == "38 (check-in 3: Di lokasi 1, Zoom 1, YouTube 1; dihitung petugas 35: Di lokasi 35)"
    )

    # The report's population is the check-ins plus the headcount; /status shows the same.
    await _answer(sb, session.id, 5)
    built = await reporting.report_for(sb.rt, reporting.Scope(session_id=session.id))
    sample = json.loads(reporting.render(built, "json"))["sample"]
    assert sample["population"] == 38
    assert sample["target"] == 35  # Krejcie–Morgan: 32 for 35 people, 36 for 40
    await sb.say(STAFF_ID, "/status")
    assert f"#{session.id}: Kehadiran: 38 orang" in sb.texts(STAFF_ID)[-1]
    assert "Jawaban survei 5 dari target 35 (tingkat respons 13,2%)" in sb.texts(STAFF_ID)[-1]


async def test_remind_me_on_a_group_announcement_reminds_privately_and_undoes(sb):
    _world(sb)
    await _subscribe(sb, GROUP, ["Bimas Islam"])
    await _session(sb, "20/03/2026 12.00-13.00")  # reminder an hour before, at 11.00
    await sb.outbox_idle()

    await sb.press(CARLA, GROUP, "Ingatkan saya")  # never started a chat with the bot
    answer = sb.tg.callback_answers[-1]
    assert answer["show_alert"] and "/start" in answer["text"]

    for person in (ALICE, BOB):
        await sb.say(person, "/start")
        await sb.press(person, GROUP, "Ingatkan saya")
        assert "chat pribadi" in sb.tg.callback_answers[-1]["text"]
    await sb.press(BOB, GROUP, "Ingatkan saya")  # pressed again: undone
    assert "dibatalkan" in sb.tg.callback_answers[-1]["text"]
    greetings = {person: len(sb.tg.messages(person)) for person in (ALICE, BOB)}

    await sb.advance(to=_at(11))
    await sb.outbox_idle()
    [reminder] = sb.tg.messages(ALICE)[greetings[ALICE] :]
    assert "Dialog Kerukunan" in reminder.text
    assert len(sb.tg.messages(BOB)) == greetings[BOB]
    assert sb.tg.messages(CARLA) == []

    await sb.press(ALICE, GROUP, "Ingatkan saya")  # Alice undoes it: the start notice stays in the group
    await sb.advance(to=_at(12))
    await sb.outbox_idle()
    assert len(sb.tg.messages(ALICE)) == greetings[ALICE] + 1
    assert "Dialog Kerukunan" in sb.tg.messages(GROUP)[-1].text


async def test_closing_record_turns_oral_aspirations_into_tickets_and_goes_into_the_report(sb):
    _world(sb)
    session = await _session(sb)
    await sb.say(STAFF_ID, f"/tutup_sesi {session.id}")
    assert "Catatan penutup sesi" in sb.texts(STAFF_ID)[-1]
    await sb.say(
        STAFF_ID,
        "Diskusi berjalan baik, peserta aktif.\n- Jalan menuju KUA rusak\n- Sesi malam hari untuk pekerja",
    )
    assert "ASP-2026-0001, ASP-2026-0002" in sb.texts(STAFF_ID)[-1]
    sb.tg.send_photo(STAFF_ID, caption="- Jalan menuju KUA rusak")  # the same aspiration again: no new ticket
    await sb.settle()
    await sb.say(STAFF_ID, "/selesai")
    assert "1 foto, 2 tiket" in sb.texts(STAFF_ID)[-1]

    async with sb.rt.store.connect() as conn:
        raised = await store_aspirations.of_session(conn, session.id, "sesi")
        rows = [r for r in await sheet_rows.pending(conn, 100) if r.worksheet == "Aspirasi"]
    assert [a.text for a in raised] == ["Jalan menuju KUA rusak", "Sesi malam hari untuk pekerja"]
    assert {r.values["Kategori"] for r in rows} == {"Dari sesi"}

    await _answer(sb, session.id, 3)
    built = await reporting.report_for(sb.rt, reporting.Scope(session_id=session.id))
    [record] = json.loads(reporting.render(built, "json"))["records"]
    assert record["notes"] == "Diskusi berjalan baik, peserta aktif."
    assert record["photos"] == 1
    assert record["aspirations"] == [
        "ASP-2026-0001 Jalan menuju KUA rusak",
        "ASP-2026-0002 Sesi malam hari untuk pekerja",
    ]


def test_staff_text_splits_into_notes_and_aspirations():
    notes, raised = closing.split_text("Ramai.\n- satu\n• dua\nAspirasi: tiga\n  \n-tanpa spasi")
    assert notes == "Ramai.\n-tanpa spasi"
    assert raised == ["satu", "dua", "tiga"]


def test_modes_and_jadwal_cell():
    assert [attendance.parse_mode(v) for v in ("Di  Lokasi", "ZOOM", "yt", "radio", None)] == [
        "lokasi",
        "zoom",
        "youtube",
        None,
        None,
    ]
    empty = Attendance(
        dict.fromkeys(("lokasi", "zoom", "youtube"), 0), dict.fromkeys(("lokasi", "zoom", "youtube"), 0)
    )
    assert attendance.attendance_cell(empty) == ""
    only_staff = Attendance({"lokasi": 0, "zoom": 0, "youtube": 0}, {"lokasi": 0, "zoom": 12, "youtube": 0})
    assert attendance.attendance_cell(only_staff) == "12 (dihitung petugas 12: Zoom 12)"


def test_cli_headcount_closing_record_and_check_in_qr(tmp_path):
    runner = CliRunner()
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\nNGOPAS_BOT_USERNAME=kemenag_ngopas_bot\n"
    )
    e = ["--env-file", str(env)]
    add = ["session", "add", "--title", "Dialog", "--section", "PHU", "--when", "23/03/2030 09.00", *e]
    assert runner.invoke(app, add).exit_code == 0

    counted = runner.invoke(app, ["session", "attendance", "1", "--count", "35", "--mode", "zoom", *e])
    assert counted.exit_code == 0, counted.output
    assert "Kehadiran: 35 orang · check-in 0 (-) · dihitung petugas 35 (Zoom 35)" in counted.output
    shown = runner.invoke(app, ["session", "attendance", "1", *e])
    assert "Kehadiran: 35 orang" in shown.output
    bad = runner.invoke(app, ["session", "attendance", "1", "--count", "3", "--mode", "radio", *e])
    assert bad.exit_code == 2 and "lokasi, zoom atau youtube" in bad.output
    missing = runner.invoke(app, ["session", "attendance", "9", "--count", "3", *e])
    assert missing.exit_code == 2 and "Sesi #9 tidak ditemukan" in missing.output

    photo = tmp_path / "foto.jpg"
    no_photo = runner.invoke(app, ["session", "close", "1", "--photo", str(photo), *e])
    assert no_photo.exit_code == 2 and "tidak ditemukan" in no_photo.output
    photo.write_bytes(b"\xff\xd8\xff")
    close = [
        "session",
        "close",
        "1",
        "--notes",
        "Ramai",
        "--aspiration",
        "Jalan rusak",
        "--photo",
        str(photo),
        *e,
    ]
    first = runner.invoke(app, close)
    assert first.exit_code == 0, first.output
    assert re.search(r"\(1 foto\); ASP-\d{4}-0001\.", first.output), first.output
    again = runner.invoke(app, close)  # the same aspiration and photo again: nothing twice
    assert "(1 foto); tidak ada tiket baru" in again.output

    out = tmp_path / "hadir.png"
    qr = runner.invoke(app, ["survey", "qr", "1", "--hadir", "--out", str(out), *e])
    assert qr.exit_code == 0 and "https://t.me/kemenag_ngopas_bot?start=hadir1" in qr.output
    assert out.stat().st_size > 200


@BOTH_DATABASES
async def test_store_counts_each_attendee_once_and_keeps_headcounts_apart(database_url):
    store = await Store.open(database_url)
    now = _at(9)
    try:
        async with store.begin() as conn:
            session = await insert_session(
                conn,
                {
                    "title": "Dialog",
                    "section": "PHU",
                    "starts_at": now,
                    "ends_at": now + timedelta(hours=1),
                    "survey_closes_at": now + timedelta(days=7),
                    "source": "test",
                },
                now,
            )
            assert await store_attendance.check_in(conn, session.id, "p1", "zoom", now)
            assert not await store_attendance.check_in(conn, session.id, "p1", "lokasi", now)
            assert await store_attendance.check_in(conn, session.id, "p2", "lokasi", now)
            await store_attendance.set_count(conn, session.id, "lokasi", 20, now)
            await store_attendance.set_count(conn, session.id, "lokasi", 30, now)  # replaces, never adds
            assert await store_attendance.add_optin(conn, session.id, 77, "id", now)
            assert not await store_attendance.add_optin(conn, session.id, 77, "id", now)
            await store_attendance.add_route(conn, session.id, 77, "id")
            await store_attendance.add_route(conn, session.id, 77, "id")
        async with store.begin() as conn:
            counts = await store_attendance.of_session(conn, session.id)
            assert counts.checked_in == {"lokasi": 1, "zoom": 1, "youtube": 0}
            assert counts.counted["lokasi"] == 30 and counts.total == 32
            assert await store_attendance.take_routes(conn, session.id) == [(77, "id")]
            assert await store_attendance.take_routes(conn, session.id) == []
            await store_attendance.forget_chat(conn, 77)
            assert await store_attendance.optins(conn, session.id) == []
    finally:
        await store.close()


async def test_delete_me_removes_invitation_routes_and_reminder_requests_but_keeps_the_count(tmp_path):
    settings = sandbox_settings(tmp_path)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, FakeClock(_at(8)))
    try:
        values = validate_fields({"title": "Dialog", "section": "PHU", "when": "20/03/2026 09.00-10.00"}, rt)
        session = (await create_session(rt, values, by=None, source="test")).session
        assert await private_reminders.toggle(rt, session.id, ALICE) == Reminder.NEED_START
        async with store.begin() as conn:
            await chats.upsert_chat(conn, chat_id=ALICE, type="private", title=None, now=rt.clock.now())
        assert await private_reminders.toggle(rt, session.id, ALICE) == Reminder.ON
        rt.clock.set(_at(9, 5))
        checked = await attendance.check_in(rt, session.id, ALICE, ALICE, "lokasi", "id")
        assert checked.outcome == attendance.Outcome.RECORDED

        await privacy.forget_person(rt, ALICE, ALICE)
        async with store.connect() as conn:
            assert await store_attendance.optins(conn, session.id) == []
            assert await store_attendance.take_routes(conn, session.id) == []
            assert (await store_attendance.of_session(conn, session.id)).total == 1
    finally:
        await store.close()
