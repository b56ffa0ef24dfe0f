"""Pseudonymous answers (issue 15): once a survey is finished or its window closed, nothing the bot keeps
links a response to a chat or a Telegram user: no table, no backup, no log line.

The reviewer's attack is written out as `links_to_responses`: starting from a person's Telegram id it follows
every identifier the rows share (any column, JSON payloads and outbox keys included) through every table,
and also looks for a row of that person stamped within minutes of an answer.  It must find nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from bot.base.logs import configure
from bot.cli import app
from bot.dev.sandbox import running_sandbox
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey import flow
from bot.domain.survey.definition import definition_for
from bot.store import Store, meta, outbox, surveys
from bot.store import schema as s
from bot.store.outbox import NewMessage

from .conftest import BOTH_DATABASES, TZ
from .test_aspirations import _write as write_ticket
from .test_migrations import _on, _upgrade_to
from .test_survey import _answer_all

ALICE = 5_200_000_001  # Telegram ids of real people are this long
BOB = 5_200_000_002
GROUP = -1_005_200_000_000
SECRET = "Kamar mandi masjid kotor sekali, Pak RT"  # what Alice typed in the survey she left unfinished

runner = CliRunner()

# --- the attack -------------------------------------------------------------------------------------------

# Identifiers worth joining on: pseudonyms and other hex keys, response ids, Telegram ids of people.  Short
# numbers (session ids, message ids) and words are shared by everything and link nobody; a group's id (always
# negative) names a group, whose broadcasts all its members get at the same moment, so it is not followed.
_IDENTIFIER = re.compile(r"(?<![0-9A-Za-z-])(?:[0-9a-f]{16,}|R[0-9a-f]{16}|\d{8,})(?![0-9A-Za-z])")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
NEAR = timedelta(minutes=10)


def _identifiers(row: dict[str, Any]) -> set[str]:
    return set(_IDENTIFIER.findall(" ".join(str(v) for v in row.values() if v is not None)))


def _times(row: dict[str, Any], columns: tuple[str, ...] | None = None) -> list[datetime]:
    found = []
    for name, value in row.items():
        if columns is not None and name not in columns:
            continue
        if isinstance(value, datetime):
            found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
        elif isinstance(value, str) and _TIME.match(value):
            found.append(datetime.fromisoformat(value[:19]).replace(tzinfo=UTC))  # stored as naive UTC
    return found


def links_to_responses(tables: dict[str, list[dict[str, Any]]], person: int) -> list[str]:
    """What joins a response to `person`: rows reached from their id through shared identifiers (in any
    column, key or JSON payload, over as many tables as it takes), and rows of theirs stamped near an answer."""
    known = {str(person)}
    reached: dict[tuple[str, int], dict[str, Any]] = {}
    grew = True
    while grew:
        grew = False
        for table, rows in tables.items():
            for index, row in enumerate(rows):
                if (table, index) not in reached and _identifiers(row) & known:
                    reached[(table, index)] = row
                    known |= _identifiers(row)
                    grew = True
    found = []
    for response in tables.get("response", []):
        shared = {response["id"], response["respondent"]} & known
        if shared:
            found.append(f"response {response['id']} shares {shared} with a row of {person}")
        answered = _times(response, ("started_at", "finished_at"))
        for (table, _index), row in reached.items():
            for stamp in _times(row):
                if any(abs(stamp - moment) < NEAR for moment in answered):
                    found.append(f"{table} row {row} is stamped {stamp} near response {response['id']}")
    return found


def _rows_of(sync_conn) -> dict[str, list[dict[str, Any]]]:
    names = inspect(sync_conn).get_table_names()
    return {n: [dict(r._mapping) for r in sync_conn.execute(text(f'SELECT * FROM "{n}"'))] for n in names}


async def database_rows(sb) -> dict[str, list[dict[str, Any]]]:
    async with sb.rt.store.connect() as conn:
        return await conn.run_sync(_rows_of)


def backup_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: [dict(r) for r in db.execute(f'SELECT * FROM "{n}"')] for n in names}


async def ngopas_backup(sb, tmp_path: Path) -> Path:
    """What the operator's nightly cron runs while the bot is up."""
    env = tmp_path / "cadangan.env"
    env.write_text(f"NGOPAS_DATABASE_URL={sb.rt.settings.database_url}\n")
    target = tmp_path / "cadangan" / "ngopas.db"
    result = await asyncio.to_thread(runner.invoke, app, ["backup", str(target), "--env-file", str(env)])
    assert result.exit_code == 0, result.output
    return target


# --- the scenario -----------------------------------------------------------------------------------------


async def _session(sb, title: str, when: str):
    values = validate_fields({"title": title, "section": "Bimas Islam", "when": when}, sb.rt)
    return (await create_session(sb.rt, values, by=None, source="test")).session


async def _leave_unfinished(sb, user: int, session_id: int) -> None:
    """Open the survey, answer how she followed it, give the first unsur a 1 and explain why, then stop."""
    await sb.say(user, f"/start sv{session_id}")
    await sb.press(user, user, "Zoom")
    defn = definition_for(sb.rt)
    first = next(q for q in defn.questions if q.kind == "ikm")
    await sb.press(user, user, first.options[0].label["id"])
    await sb.say(user, SECRET)


@BOTH_DATABASES
async def test_no_join_over_the_database_or_a_backup_links_an_answer_to_its_chat(
    sb, clock, backend, tmp_path
):
    sb.tg.add_user(ALICE, "Alice")
    sb.tg.add_group(GROUP, "Majelis Taklim", supergroup=True, admins=[ALICE])
    await sb.say(ALICE, "/langganan", GROUP)  # invitations go to her group, as for most citizens
    await sb.press(ALICE, GROUP, "Semua")
    await sb.press(ALICE, GROUP, "Selesai")
    first = await _session(sb, "Dialog Kerukunan", "20/03/2026 09.00-10.00")
    second = await _session(sb, "Dialog Zakat", "21/03/2026 09.00-10.00")

    # Alice starts the first survey, is reminded in the afternoon, and finishes it.
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await sb.say(ALICE, f"/start sv{first.id}")
    await sb.press(ALICE, ALICE, "Zoom")
    await sb.advance(timedelta(hours=4))
    await sb.outbox_idle()
    assert "belum selesai" in sb.texts(ALICE)[-1]
    clock.advance(timedelta(minutes=3))
    await sb.press(ALICE, ALICE, "Lanjutkan survei")
    await _answer_all(sb, ALICE)
    await sb.press(ALICE, ALICE, "Kirim")
    assert "sudah kami terima" in sb.texts(ALICE)[-1]
    assert links_to_responses(await database_rows(sb), ALICE) == []

    # The next day she leaves the second survey unfinished (and is reminded of it): her open draft and its
    # reminder name her chat, but nothing of that reaches the answers she already sent.
    clock.set(datetime(2026, 3, 21, 10, 5, tzinfo=TZ))
    await _leave_unfinished(sb, ALICE, second.id)
    await sb.advance(timedelta(hours=4))
    await sb.outbox_idle()
    assert "belum selesai" in sb.texts(ALICE)[-1]
    assert links_to_responses(await database_rows(sb), ALICE) == []

    # The second window closes: the draft (her chat, what she typed) is gone from the store and the backup.
    await sb.advance(to=second.survey_closes_at + timedelta(minutes=1))
    tables = await database_rows(sb)
    assert tables["survey_draft"] == []
    assert links_to_responses(tables, ALICE) == []
    assert len(tables["response"]) == 1
    if backend == "sqlite":
        saved = await ngopas_backup(sb, tmp_path)
        assert links_to_responses(backup_rows(saved), ALICE) == []
        assert SECRET.encode() not in saved.read_bytes()  # not even in the file's free pages


async def test_the_attack_finds_an_answer_whose_pseudonym_sits_beside_a_chat():
    """The attack itself: a reminder keyed by the respondent, or a row stamped at the answer, is found."""
    response = {
        "id": "R0123456789abcdef",
        "respondent": "ab" * 20,
        "started_at": "2026-03-20 03:05:00.000000",
        "finished_at": "2026-03-20 07:08:00.000000",
    }
    keyed = {"key": f"survey_reminder:1:{'ab' * 20}", "chat_id": ALICE, "created_at": "2026-03-19 00:00:00"}
    assert links_to_responses({"response": [response], "outbox": [keyed]}, ALICE)
    stamped = {"id": ALICE, "type": "private", "updated_at": datetime(2026, 3, 20, 3, 5, 30)}
    assert links_to_responses({"response": [response], "chat": [stamped]}, ALICE)
    unrelated = {"id": ALICE, "type": "private", "updated_at": datetime(2026, 3, 19)}
    assert links_to_responses({"response": [response], "chat": [unrelated]}, ALICE) == []


@BOTH_DATABASES
async def test_one_persons_answers_in_two_sessions_cannot_be_joined(sb, clock):
    sb.tg.add_user(BOB, "Bob")
    first = await _session(sb, "Dialog Kerukunan", "20/03/2026 09.00-10.00")
    second = await _session(sb, "Dialog Zakat", "20/03/2026 10.00-11.00")
    clock.set(datetime(2026, 3, 20, 11, 5, tzinfo=TZ))
    for session in (first, second):
        await sb.say(BOB, f"/start sv{session.id}")
        await _answer_all(sb, BOB)
        await sb.press(BOB, BOB, "Kirim")
    async with sb.rt.store.connect() as conn:
        answers = {r.session_id: r.respondent for r in await surveys.responses(conn)}
    assert len(answers) == 2 and answers[first.id] != answers[second.id]
    assert answers[first.id] == flow.respondent_of(sb.rt, first.id, BOB)
    # ...yet within one session he is still one person: answering again offers to replace, never a second.
    await sb.say(BOB, f"/start sv{first.id}")
    assert "sudah mengisi survei" in sb.texts(BOB)[-1]


async def _as_before_the_upgrade(sb, session_id: int, user: int) -> None:
    """Put a person's rows of a session back under the pseudonym releases before revision 0008 gave them
    (the same in every session), as an upgraded database holds them."""
    async with sb.rt.store.begin() as conn:
        moved = await surveys.rekey(
            conn,
            session_id,
            flow.respondent_of(sb.rt, session_id, user),
            flow.legacy_respondent_of(sb.rt, user),
        )
    assert moved


async def test_answers_given_before_the_upgrade_are_replaced_not_counted_twice(sb, clock):
    sb.tg.add_user(BOB, "Bob")
    session = await _session(sb, "Dialog Kerukunan", "20/03/2026 09.00-10.00")
    other = await _session(sb, "Dialog Zakat", "20/03/2026 10.00-11.00")
    clock.set(datetime(2026, 3, 20, 11, 5, tzinfo=TZ))
    await sb.say(BOB, f"/start sv{session.id}")
    await _answer_all(sb, BOB)
    await sb.press(BOB, BOB, "Kirim")
    await sb.say(BOB, f"/start sv{other.id}")
    await sb.press(BOB, BOB, "Zoom")
    await _as_before_the_upgrade(sb, session.id, BOB)
    await _as_before_the_upgrade(sb, other.id, BOB)

    # His survey left half way continues where it was...
    await sb.say(BOB, f"/start sv{other.id}")
    assert "Pertanyaan 2 dari" in sb.texts(BOB)[-1]
    # ...and his earlier answer is recognised: replaced, never a second one counted.
    await sb.say(BOB, f"/start sv{session.id}")
    assert "sudah mengisi survei" in sb.texts(BOB)[-1]
    await sb.press(BOB, BOB, "isi ulang")
    await _answer_all(sb, BOB, low=True)
    await sb.press(BOB, BOB, "Kirim")
    async with sb.rt.store.connect() as conn:
        counted = await surveys.responses(conn, session_id=session.id)
        everything = await surveys.responses(conn, session_id=session.id, include_replaced=True)
    assert len(counted) == 1 and counted[0].answers["persyaratan"] == "1"
    assert len(everything) == 2
    # Both now carry the session's own pseudonym: the old one, shared by all his sessions, is gone from them.
    assert {r.respondent for r in everything} == {flow.respondent_of(sb.rt, session.id, BOB)}


@BOTH_DATABASES
async def test_reminders_queued_before_the_upgrade_lose_the_pseudonym_from_their_key(database_url):
    """Revision 0008: a database upgraded with reminders in it (one sent, one still waiting)."""
    await _on(database_url, _upgrade_to("0006"))
    legacy = "ab" * 20
    stamp = datetime(2026, 3, 20, 7, 5, tzinfo=UTC)

    def reminders(conn) -> None:
        conn.execute(
            s.session.insert().values(
                id=1,
                title="Dialog",
                section="PHU",
                venue="",
                starts_at=stamp,
                ends_at=stamp,
                survey_closes_at=stamp,
                rev=1,
                version=1,
                status="planned",
                source="cli",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        for row_id, state in ((1, "sent"), (2, "pending")):
            conn.execute(
                s.outbox.insert().values(
                    id=row_id,
                    key=f"survey_reminder:1:{legacy}{row_id}",
                    kind="survey_reminder",
                    chat_id=ALICE + row_id,
                    session_id=1,
                    payload={"text": "Survei belum selesai"},
                    priority=5,
                    due_at=stamp,
                    state=state,
                    attempts=0,
                    created_at=stamp,
                )
            )

    await _on(database_url, reminders)
    await (await Store.open(database_url)).close()
    rows = await _on(database_url, lambda c: c.execute(s.outbox.select().order_by(s.outbox.c.id)).all())
    assert [(r.key, r.chat_id, r.payload, r.state) for r in rows] == [
        ("purged:1", 0, {}, "sent"),
        (f"survey_reminder:1:{ALICE + 2}:o2", ALICE + 2, {"text": "Survei belum selesai"}, "pending"),
    ]


async def test_a_database_error_in_a_survey_logs_no_pseudonym_beside_the_chat(sb, clock, capsys):
    """The error handler logs the traceback: the failed statement's values (pseudonym, chat id) stay out."""
    sb.tg.add_user(ALICE, "Alice")
    session = await _session(sb, "Dialog Kerukunan", "20/03/2026 09.00-10.00")
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    async with sb.rt.store.begin() as conn:  # the disk fills up, say: the draft cannot be written
        await conn.execute(
            text(
                "CREATE TRIGGER disk_full BEFORE INSERT ON survey_draft "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
    configure(verbose=False)
    try:
        await sb.say(ALICE, f"/start sv{session.id}")
    finally:
        logging.getLogger().handlers[:] = []
    out = capsys.readouterr().out
    assert "disk is full" in out and "INSERT INTO survey_draft" in out  # the operator sees what failed...
    assert flow.respondent_of(sb.rt, session.id, ALICE) not in out  # ...never whose answers they were
    assert str(ALICE) not in out
    assert "Maaf" in sb.texts(ALICE)[-1]  # and Alice gets the polite sentence


SITI = 5_200_000_003


@BOTH_DATABASES
async def test_delivered_messages_and_sheet_rows_lose_their_contents_after_the_retention_period(sb, clock):
    sb.tg.add_user(SITI, "Siti", last_name="Aminah", username="sitiaminah")
    sb.tg.add_group(GROUP, "Majelis Taklim", supergroup=True, admins=[SITI])
    for chat in (SITI, GROUP):
        await sb.say(SITI, "/langganan", chat)
        await sb.press(SITI, chat, "Semua")
        await sb.press(SITI, chat, "Selesai")
    await _session(sb, "Dialog Kerukunan", "23/03/2026 09.00-10.00")
    await write_ticket(sb, SITI, "Mohon jadwal manasik diumumkan lebih awal.")
    await sb.outbox_idle()
    await sb.running.sheets.flush()
    group_key = f"announce:1:{GROUP}"

    async def outbox_rows():
        async with sb.rt.store.connect() as conn:
            return (await conn.execute(s.outbox.select().order_by(s.outbox.c.id))).all()

    async def sheet_values():
        async with sb.rt.store.connect() as conn:
            return [r.values for r in (await conn.execute(s.sheet_outbox.select())).all()]

    await sb.advance(timedelta(days=29))  # within the period: everything is still there to look into
    assert any(r.chat_id == SITI and "Dialog Kerukunan" in str(r.payload) for r in await outbox_rows())
    assert any("Siti Aminah" in str(v) for v in await sheet_values())

    await sb.advance(timedelta(days=2))
    rows = await outbox_rows()
    old = [r for r in rows if r.created_at < clock.now() - timedelta(days=30)]
    assert {r.state for r in old} == {"sent"} and all(r.payload == {} for r in old)
    assert not [r for r in old if str(SITI) in f"{r.key} {r.chat_id}"]  # no old row names her any more
    assert [r.key for r in old if r.chat_id == GROUP] == [group_key]  # a group keeps its keys...
    async with sb.rt.store.begin() as conn:  # ...so it is still never sent the same message twice
        again = NewMessage(
            key=group_key, kind="announce", chat_id=GROUP, payload={"text": "x"}, due_at=clock.now()
        )
        assert await outbox.enqueue(conn, [again], clock.now()) == 0
    assert all(v == {} for v in await sheet_values())  # the spreadsheet has them
    async with sb.rt.store.connect() as conn:
        assert await meta.get(conn, "retention_date") == clock.now().astimezone(TZ).date().isoformat()


# --- /hapus_data -------------------------------------------------------------------------------------------


def _workbook_rows(path, sheet="Aspirasi"):
    ws = load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, [c.value for c in row], strict=False)) for row in ws.iter_rows(min_row=2)]


async def test_delete_me_reaches_rows_queued_for_the_sheet_and_says_what_it_cannot_reach(sb):
    sb.tg.add_user(SITI, "Siti", last_name="Aminah", username="sitiaminah")
    await write_ticket(sb, SITI, "Mohon jadwal manasik diumumkan lebih awal.")
    await sb.running.sheets.flush()  # the first ticket is in the office's spreadsheet already...
    await write_ticket(sb, SITI, "Mohon tambah kursi untuk lansia di aula.")  # ...the second still queued
    await sb.say(SITI, "/hapus_data")
    await sb.press(SITI, SITI, "Ya, hapus")

    reply = sb.texts(SITI)[-1]
    assert "sudah dihapus" in reply and "ASP-2026-0001" in reply and "ASP-2026-0002" in reply
    assert "spreadsheet" in reply and "cadangan" in reply  # what the bot cannot reach...
    assert sb.rt.settings.whatsapp_number in reply  # ...and whom to ask to remove it
    async with sb.rt.store.connect() as conn:
        queued = [r.values for r in (await conn.execute(s.sheet_outbox.select())).all()]
    assert queued and not [v for v in queued if "Aminah" in str(v) or "sitiaminah" in str(v)]
    await sb.running.sheets.flush()
    rows = _workbook_rows(sb.rt.settings.workbook_path)
    assert [r["Pengirim"] for r in rows] == ["(dihapus atas permintaan)"] * 2
    assert "Aminah" not in str(rows)


def _holding(tables: dict[str, list[dict[str, Any]]], person: int) -> list[str]:
    """Every cell that holds `person`'s Telegram id, as a number or inside a text (a key, a JSON payload)."""
    pattern = re.compile(rf"(?<!\d){person}(?!\d)")
    return [
        f"{table}.{column} = {value!r}"
        for table, rows in tables.items()
        for row in rows
        for column, value in row.items()
        if value == person or (isinstance(value, str) and pattern.search(value))
    ]


@BOTH_DATABASES
async def test_delete_me_leaves_the_telegram_id_in_no_table(tmp_path, tg, clock, database_url):
    staff = 5_200_000_009
    tg.add_user(SITI, "Siti")
    tg.add_user(staff, "Petugas")
    tg.add_group(GROUP, "Majelis Taklim", supergroup=True, admins=[SITI])
    async with running_sandbox(
        tmp_path, clock=clock, tg=tg, database_url=database_url, admin_ids=[staff]
    ) as sb:
        tg.add_bot_to_group(GROUP, SITI)  # she brought the bot into her group...
        await sb.settle()
        await sb.say(SITI, "/langganan", GROUP)  # ...and subscribed it
        await sb.press(SITI, GROUP, "Semua")
        await sb.press(SITI, GROUP, "Selesai")
        values = validate_fields(
            {"title": "Dialog", "section": "PHU", "when": "23/03/2026 09.00-10.00"}, sb.rt
        )
        await create_session(sb.rt, values, by=staff, source="telegram")  # what /sesi_baru does for staff
        await sb.outbox_idle()
        before = await database_rows(sb)
        assert _holding(before, SITI) and _holding(before, staff)
        for person in (SITI, staff):
            await sb.say(person, "/hapus_data")
            await sb.press(person, person, "Ya, hapus")
            assert "sudah dihapus" in sb.texts(person)[-1]
        after = await database_rows(sb)
        assert _holding(after, SITI) == [] and _holding(after, staff) == []
        # The group keeps its subscription and the session stays; they just no longer say who made them.
        assert [r["chat_id"] for r in after["subscription"]] == [GROUP] * len(after["subscription"])
        assert [r["title"] for r in after["session"]] == ["Dialog"]


async def test_an_aspiration_left_unfinished_is_deleted_after_the_retention_period(sb, clock):
    sb.tg.add_user(SITI, "Siti", last_name="Aminah")
    await sb.say(SITI, "/aspirasi")
    await sb.press(SITI, SITI, "Bimas Islam")
    await sb.say(SITI, "Nomor saya 0812-3456-7890, mohon ditelepon soal nikah.")  # then she never chooses

    async def drafts():
        async with sb.rt.store.connect() as conn:
            return (await conn.execute(s.aspiration_draft.select())).all()

    await sb.advance(timedelta(days=29))
    assert len(await drafts()) == 1  # she may still come back to it
    await sb.advance(timedelta(days=2))
    assert await drafts() == []
    await sb.press(SITI, SITI, "Boleh")  # the old buttons now say so politely
    assert sb.tg.callback_answers[-1]["text"] == "Tombol ini sudah tidak berlaku."
