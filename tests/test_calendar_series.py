"""Sessions people plan around (issue 20 #3, #4, #5, #7): calendar files, recurring sessions, venue pins,
channels as subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.dev.sandbox import STAFF_ID, running_sandbox
from bot.domain import calendar, privacy, recurrence, series
from bot.domain.parsing import ParseError, parse_coordinates
from bot.domain.sessions import cancel_session, create_session, edit_session, validate_fields
from bot.domain.worksheets import JADWAL
from bot.store import chats, outbox, schema
from bot.store import series as series_store

from .conftest import TZ

GROUP = -100701
CHANNEL = -100702
ADMIN = 702


async def _subscribe(sb, chat_id, sections, *, type_="supergroup"):
    async with sb.rt.store.begin() as conn:
        await chats.upsert_chat(conn, chat_id=chat_id, type=type_, title="t", now=sb.clock.now())
        await chats.set_subscriptions(conn, chat_id, sections, by=None, now=sb.clock.now())


def _event(data: bytes) -> icalendar.Event:
    parsed = icalendar.Calendar.from_ical(data)
    [event] = parsed.walk("VEVENT")
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    return event


# --- unit: the phrases staff type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("setiap Jumat", "FREQ=WEEKLY;BYDAY=FR"),
        ("setiap Jumat pertama", "FREQ=MONTHLY;BYDAY=1FR"),
        ("Setiap Kamis kedua tiap bulan", "FREQ=MONTHLY;BYDAY=2TH"),
        ("setiap Senin terakhir", "FREQ=MONTHLY;BYDAY=-1MO"),
        ("setiap hari Minggu", "FREQ=WEEKLY;BYDAY=SU"),
        ("setiap minggu", "FREQ=WEEKLY"),
        ("setiap hari ke-15 tiap bulan", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("setiap tanggal 1", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("setiap 2 minggu", "FREQ=WEEKLY;INTERVAL=2"),
        ("every first Friday", "FREQ=MONTHLY;BYDAY=1FR"),
    ],
)
def test_repeat_phrases_become_rules(typed, rule):
    assert recurrence.parse_repeat(typed) == rule


def test_unknown_repeat_and_bad_rrule_are_one_sentence():
    with pytest.raises(ParseError, match="Pola pengulangan tidak dikenali: setiap kadang"):
        recurrence.parse_repeat("setiap kadang")
    with pytest.raises(ParseError, match="RRULE tidak valid: FREQ=MINUTELY"):
        recurrence.parse_rrule("FREQ=MINUTELY")
    assert recurrence.parse_rrule("rrule:freq=monthly;byday=1fr") == "FREQ=MONTHLY;BYDAY=1FR"
    # The first Friday of the next three months, at the first session's local time.
    starts = recurrence.next_starts("FREQ=MONTHLY;BYDAY=1FR", datetime(2026, 4, 3, 9, tzinfo=TZ), TZ, count=3)
    assert [(s.month, s.day, s.hour) for s in starts] == [(4, 3, 9), (5, 1, 9), (6, 5, 9)]


def test_coordinates_from_numbers_or_a_maps_link():
    assert parse_coordinates("-7.4797, 110.2177") == (-7.4797, 110.2177)
    assert parse_coordinates("https://maps.google.com/?q=-7.47,110.21") == (-7.47, 110.21)
    assert parse_coordinates("-") is None
    with pytest.raises(ParseError, match="Koordinat tidak dikenali: 100, 200"):
        parse_coordinates("100, 200")


# --- #3 calendar ------------------------------------------------------------------------------------


async def test_ics_has_local_time_and_sequence_and_cancellation(sb):
    values = validate_fields(
        {"title": "Dialog", "section": "Bimas Islam", "when": "23/03/2026 09.00-11.00"}, sb.rt
    )
    session = (await create_session(sb.rt, values, by=None, source="test")).session

    _, first, _ = await calendar.session_file(sb.rt, session.id)
    event = _event(first)
    assert event.decoded("dtstart") == datetime(2026, 3, 23, 9, tzinfo=TZ)
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert "DTSTART;TZID=Asia/Jakarta:20260323T090000" in first.decode()
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "CONFIRMED")

    await edit_session(sb.rt, session.id, validate_fields({"when": "24/03/2026 10.00"}, sb.rt), by=None)
    moved = _event((await calendar.session_file(sb.rt, session.id))[1])
    assert moved["UID"] == event["UID"] and moved["SEQUENCE"] == 1
    assert moved.decoded("dtstart") == datetime(2026, 3, 24, 10, tzinfo=TZ)

    await cancel_session(sb.rt, session.id, by=None)
    cancelled = _event((await calendar.session_file(sb.rt, session.id))[1])
    assert (cancelled["UID"], cancelled["SEQUENCE"], str(cancelled["STATUS"])) == (
        event["UID"],
        2,
        "CANCELLED",
    )


async def test_announcement_links_to_the_ics_sent_in_a_private_chat(sb):
    sb.tg.add_user(ADMIN, "Warga")
    await _subscribe(sb, ADMIN, [chats.ALL_SECTIONS], type_="private")
    values = validate_fields({"title": "Dialog", "section": "PHU", "when": "23/03/2026 09.00"}, sb.rt)
    await create_session(sb.rt, values, by=None, source="test")
    await sb.outbox_idle()
    [announcement] = sb.tg.messages(ADMIN)
    [link] = [b["url"] for row in sb.tg.buttons(announcement) for b in row if "kalender" in b["text"]]
    payload = link.rsplit("start=", 1)[1]
    await sb.say(ADMIN, f"/start {payload}")
    document = sb.tg.last_message(ADMIN)
    assert document.kind == "document" and document.file_name == "sesi-1.ics"
    assert "Dialog" in document.text


def test_calendar_feed_per_section_from_the_cli(tmp_path):
    env = tmp_path / "kantor.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n")
    runner = CliRunner()
    base = ["--env-file", str(env)]
    for title, section in (("Manasik", "PHU"), ("Dialog", "Bimas Islam")):
        added = runner.invoke(
            app,
            ["session", "add", "--title", title, "--section", section, "--when", "23/03/2099 09.00", *base],
        )
        assert added.exit_code == 0, added.output
    out = tmp_path / "phu.ics"
    done = runner.invoke(app, ["calendar", "--out", str(out), "--section", "phu", *base])
    assert done.exit_code == 0, done.output
    [event] = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Manasik" and event.decoded("dtstart") == datetime(
        2099, 3, 23, 9, tzinfo=TZ
    )
    wrong = runner.invoke(app, ["calendar", "--out", str(out), "--section", "Astronomi", *base])
    assert wrong.exit_code == 2 and "Bidang tidak dikenal: Astronomi" in wrong.output
    series_args = ["session", "add", "--title", "Kajian", "--section", "PHU", "--when", "06/03/2099 09.00"]
    repeated = runner.invoke(app, [*series_args, "--repeat", "setiap Jumat pertama", *base])
    assert repeated.exit_code == 0 and "Sesi berulang disimpan (setiap Jumat pertama)" in repeated.output
    assert "Jumat, 3 April 2099 pukul 09.00 WIB" in repeated.output
    listed = runner.invoke(app, ["session", "list", *base])
    assert "Kajian [berulang, seri 1]" in listed.output
    bad = runner.invoke(app, [*series_args, "--rrule", "FREQ=SECONDLY", *base])
    assert bad.exit_code == 2 and "RRULE tidak valid" in bad.output


# --- #4 recurring sessions --------------------------------------------------------------------------


async def test_weekly_series_with_one_occurrence_moved_announces_each_once(sb):
    sb.tg.add_group(GROUP, "Masjid", supergroup=True)
    await _subscribe(sb, GROUP, ["Bimas Islam"])
    # Friday 20 March 2026, 08.00: a series every Wednesday from 25 March; the horizon is 14 days.
    values = validate_fields({"title": "Kajian", "section": "Bimas Islam", "when": "25/03/2026 19.30"}, sb.rt)
    made = await series.create_series(
        sb.rt, values, recurrence.parse_repeat("setiap Rabu"), repeat="setiap Rabu", by=None, source="test"
    )
    assert [c.session.starts_at for c in made.made] == [
        datetime(2026, 3, 25, 19, 30, tzinfo=TZ),
        datetime(2026, 4, 1, 19, 30, tzinfo=TZ),
    ]
    first, second = (c.session for c in made.made)
    # The second occurrence moves to Thursday; sweeping again (and again) makes nothing twice.
    await edit_session(sb.rt, second.id, validate_fields({"when": "02/04/2026 19.30"}, sb.rt), by=None)
    assert await series.make_due(sb.rt) == 0
    await sb.advance(timedelta(days=7))  # 27 March: 8 April comes within the horizon
    await sb.advance(timedelta(seconds=1))
    await sb.outbox_idle()
    async with sb.rt.store.connect() as conn:
        sessions = await series_store.occurrences(conn, made.series.id)
    assert [s.starts_at.astimezone(TZ).day for s in sessions] == [25, 2, 8]
    texts = [m.text for m in sb.tg.messages(GROUP) if m.text]
    new = [t for t in texts if "Sesi NGOPAS baru" in t]
    assert len(new) == 3 and len(set(new)) == 3
    assert [t for t in texts if "Perubahan sesi" in t and "Kamis, 2 April 2026 pukul 19.30" in t]
    assert sum("Rabu, 1 April" in t for t in texts) == 1  # the old date: only in its announcement
    assert await series.make_due(sb.rt) == 0
    assert first.series_id == made.series.id


async def test_cancelling_a_series_stops_it(sb):
    # Two occurrences within the 14 days from Friday 20 March 08.00: 27 March and 3 April, at 07.00.
    values = validate_fields({"title": "Kajian", "section": "PHU", "when": "27/03/2026 07.00"}, sb.rt)
    made = await series.create_series(sb.rt, values, "FREQ=WEEKLY", repeat=None, by=None, source="test")
    assert len(made.made) == 2
    # A change for the whole series reaches every date not yet started, and the dates made later.
    changed = await series.edit_series(sb.rt, made.series.id, validate_fields({"venue": "Aula Baru"}, sb.rt))
    assert [c.session.venue for c in changed.made] == ["Aula Baru", "Aula Baru"]
    await sb.advance(timedelta(days=7))
    async with sb.rt.store.connect() as conn:
        assert [s.venue for s in await series_store.occurrences(conn, made.series.id)] == ["Aula Baru"] * 3
    stopped = await series.cancel_series(sb.rt, made.series.id)
    # 27 March 07.00 has passed (now 27 March 08.00): the two dates still ahead are cancelled.
    assert all(c.session.cancelled for c in stopped.made) and len(stopped.made) == 2
    await sb.advance(timedelta(days=30))
    async with sb.rt.store.connect() as conn:
        assert len(await series_store.occurrences(conn, made.series.id)) == 3


# --- #5 venue pins ----------------------------------------------------------------------------------


async def test_venue_pin_follows_announcement_and_start_once_across_restart(
    tmp_path, tg, clock, database_url
):
    tg.add_group(GROUP, "Masjid", supergroup=True)
    async with running_sandbox(tmp_path, clock=clock, tg=tg, database_url=database_url) as sb:
        await _subscribe(sb, GROUP, ["Bimas Islam"])
        values = validate_fields(
            {
                "title": "Dialog",
                "section": "Bimas Islam",
                "when": "20/03/2026 10.00",
                "venue": "Aula Kemenag",
                "coords": "-7.4797, 110.2177",
            },
            sb.rt,
        )
        await create_session(sb.rt, values, by=None, source="test")
        await sb.outbox_idle()
        kinds = [m.kind for m in tg.messages(GROUP)]
        assert kinds == ["text", "venue"]
    async with running_sandbox(tmp_path, clock=clock, tg=tg, database_url=database_url) as sb:
        await sb.advance(to=datetime(2026, 3, 20, 10, 0, tzinfo=TZ))
        await sb.advance(timedelta(seconds=1))
        await sb.outbox_idle()
    venues = tg.venues(GROUP)
    assert len(venues) == 2  # the announcement's and the start notice's, never again after the restart
    assert venues[0] == {
        "latitude": -7.4797,
        "longitude": 110.2177,
        "title": "Dialog",
        "address": "Aula Kemenag",
    }
    assert tg.count("sendVenue") == 2


# --- #7 channels ------------------------------------------------------------------------------------


async def test_channel_subscribed_by_its_admin_receives_and_removal_stops_it(sb):
    sb.tg.add_user(STAFF_ID, "Petugas")
    sb.tg.add_user(ADMIN, "Bukan admin")
    sb.tg.add_channel(CHANNEL, "Info Kemenag", username="infokemenag", admins=[STAFF_ID])
    await sb.say(STAFF_ID, "/kanal @infokemenag")
    assert "tidak ditemukan" in sb.texts(STAFF_ID)[-1]  # the bot is not in the channel yet

    sb.tg.add_bot_to_channel(CHANNEL, STAFF_ID, can_post=True)
    await sb.settle()
    assert "/kanal @infokemenag" in sb.texts(STAFF_ID)[-1]  # told privately, nothing posted in the channel
    assert sb.tg.messages(CHANNEL) == []
    await sb.say(STAFF_ID, "/kanal @infokemenag")
    await sb.press(STAFF_ID, STAFF_ID, "Bimas Islam")
    await sb.press(STAFF_ID, STAFF_ID, "Selesai")
    assert "Info Kemenag" in sb.texts(STAFF_ID)[-1] and "Bimas Islam" in sb.texts(STAFF_ID)[-1]

    values = validate_fields({"title": "Dialog", "section": "Bimas Islam", "when": "23/03/2026 09.00"}, sb.rt)
    await create_session(sb.rt, values, by=None, source="test")
    await sb.outbox_idle()
    [post] = sb.tg.messages(CHANNEL)
    assert "Dialog" in post.text
    # a channel's followers can ask for the reminders privately too, as a group's members can
    assert "🔔 Ingatkan saya" in [b["text"] for row in sb.tg.buttons(post) for b in row]

    sb.tg.remove_bot_from_channel(CHANNEL, STAFF_ID)
    await sb.settle()
    values = validate_fields({"title": "Lagi", "section": "Bimas Islam", "when": "24/03/2026 09.00"}, sb.rt)
    await create_session(sb.rt, values, by=None, source="test")
    await sb.outbox_idle()
    assert len(sb.tg.messages(CHANNEL)) == 1
    sends = [r for r in sb.tg.requests if r.params.get("chat_id") == CHANNEL and r.method.startswith("send")]
    assert len(sends) == 1  # nothing tried after the removal
    async with sb.rt.store.connect() as conn:
        chat = await chats.get_chat(conn, CHANNEL)
        assert chat is not None and not chat.active
        assert not await outbox.due_items(conn, sb.clock.now() + timedelta(days=30))


async def test_channel_refused_to_a_non_admin_and_without_posting_rights(sb):
    sb.rt.settings.admin_ids.append(ADMIN)
    sb.tg.add_user(STAFF_ID, "Petugas")
    sb.tg.add_user(ADMIN, "Petugas lain")
    sb.tg.add_channel(CHANNEL, "Info", username="info", admins=[STAFF_ID])
    sb.tg.add_bot_to_channel(CHANNEL, STAFF_ID, can_post=False)
    await sb.settle()
    assert "belum boleh mengirim" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, "/kanal @info")
    assert "belum boleh mengirim pesan" in sb.texts(STAFF_ID)[-1]
    sb.tg.add_bot_to_channel(CHANNEL, STAFF_ID, can_post=True)
    await sb.say(ADMIN, "/kanal @info")
    assert "Hanya admin kanal" in sb.texts(ADMIN)[-1]


async def test_sesi_baru_makes_a_recurring_session(sb):
    sb.tg.add_user(STAFF_ID, "Petugas")
    for typed in ("/sesi_baru", "Kajian Jumat"):
        await sb.say(STAFF_ID, typed)
    await sb.press(STAFF_ID, STAFF_ID, "PHU")
    for typed in ("20/03/2026 13.00", "-", "-", "-", "-", "kadang-kadang"):  # online only: no pin asked
        await sb.say(STAFF_ID, typed)
    assert "Pola pengulangan tidak dikenali: kadang-kadang" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, "setiap Jumat")
    assert "🔁 setiap Jumat" in sb.texts(STAFF_ID)[-1]
    await sb.press(STAFF_ID, STAFF_ID, "Simpan")
    assert (
        "Sesi berulang disimpan (setiap Jumat). 2 jadwal terdekat dibuat (#1, #2)" in sb.texts(STAFF_ID)[-1]
    )
    assert "Jumat, 3 April 2026 pukul 13.00 WIB" in sb.texts(STAFF_ID)[-1]


async def test_jadwal_row_with_ulangi_and_koordinat_makes_a_series_once(sb):
    sync = sb.running.sheets
    await sync.ensure()
    row = {"Judul": "Kajian", "Bidang": "PHU", "Tanggal": "25/03/2026", "Jam": "19.30", "Tempat": "Masjid"}
    sync.workbook.append_rows(JADWAL, [{**row, "Koordinat": "-7.47, 110.21", "Ulangi": "setiap Rabu"}])
    assert await sync.read_jadwal() == []
    await sync.read_jadwal()  # read again (a restart, the next round): nothing made twice
    await sync.flush()
    rows = {r.values["ID"]: r.values for r in sync.workbook.read_rows(JADWAL)}
    assert sorted(rows) == ["1", "2"]  # the typed row became #1; 1 April got a row of its own
    assert rows["1"]["Ulangi"] == "setiap Rabu" and rows["2"]["Ulangi"] == "berulang (seri 1)"
    assert rows["2"]["Tanggal"] == "01/04/2026" and rows["2"]["Koordinat"] == "-7.47, 110.21"
    async with sb.rt.store.connect() as conn:
        [made] = [s for s in await series_store.occurrences(conn, 1) if s.id == 1]
    assert made.pin == (-7.47, 110.21)
    sync.workbook.append_rows(JADWAL, [{**row, "Judul": "Lain", "Ulangi": "kadang-kadang"}])
    [problem] = await sync.read_jadwal()
    assert "Pola pengulangan tidak dikenali: kadang-kadang" in problem


async def test_hapus_data_by_the_staff_member_who_made_a_series_removes_their_id_from_it(sb):
    """A series keeps who created it, like a session; /hapus_data by that staff member must reach both."""
    values = validate_fields({"title": "Kajian", "section": "PHU", "when": "27/03/2026 07.00"}, sb.rt)
    made = await series.create_series(sb.rt, values, "FREQ=WEEKLY", repeat=None, by=STAFF_ID, source="test")
    await privacy.forget_person(sb.rt, STAFF_ID, STAFF_ID)
    async with sb.rt.store.connect() as conn:
        kept = (await conn.execute(select(schema.series.c.created_by))).scalars().all()
        made_by = (await conn.execute(select(schema.session.c.created_by))).scalars().all()
    assert kept == [None] and set(made_by) == {None} and made.made
