"""Attacks a citizen (or anyone who finds the bot) could try, and secrets that must never leak."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.base.logs import configure
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey.pseudonym import pseudonym
from bot.store import schema as s
from sheets import WorksheetSpec
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook

from .conftest import TZ

MALLORY = 5101
SITI = 5102
GROUP = -1005100


async def _count(sb, table) -> int:
    async with sb.rt.store.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def _session(sb, title="Dialog", when="23/03/2026 09.00-10.00"):
    values = validate_fields({"title": title, "section": "PHU", "when": when}, sb.rt)
    return (await create_session(sb.rt, values, by=None, source="test")).session


@pytest.mark.parametrize("command", ["/sesi_baru", "/ubah 1", "/batal 1", "/laporan", "/ekspor", "/status"])
async def test_every_staff_command_refused_for_citizens(sb, command):
    sb.tg.add_user(MALLORY, "Mallory")
    await _session(sb)
    sessions_before = await _count(sb, s.session)
    await sb.say(MALLORY, command)
    assert "hanya untuk petugas" in sb.texts(MALLORY)[-1]
    await sb.say(MALLORY, "Judul Palsu")  # a conversation must not have started
    assert await _count(sb, s.session) == sessions_before
    async with sb.rt.store.connect() as conn:
        [session] = (await conn.execute(select(s.session))).all()
    assert session.status == "planned" and session.title == "Dialog"


async def test_forged_staff_buttons_do_nothing(sb):
    sb.tg.add_user(MALLORY, "Mallory")
    session = await _session(sb)
    await sb.say(MALLORY, "/start")
    message_id = sb.tg.messages(MALLORY)[-1].message_id
    for data in (f"bt:{session.id}:yes", "ns:save", f"ub:{session.id}:title", "ek:pdf", "lp:quarter:0"):
        sb.tg.press_button(MALLORY, MALLORY, message_id, data)
    await sb.settle()
    async with sb.rt.store.connect() as conn:
        [row] = (await conn.execute(select(s.session))).all()
    assert row.status == "planned"
    assert not any(m.kind == "document" for m in sb.tg.messages(MALLORY))  # no report leaked


async def test_survey_for_unknown_or_other_session_stores_nothing(sb, clock):
    sb.tg.add_user(SITI, "Siti")
    first = await _session(sb)
    second = await _session(sb, title="Dialog Lain")
    clock.set(datetime(2026, 3, 23, 10, 5, tzinfo=TZ))
    await sb.say(SITI, "/start sv99999")
    assert "tidak ditemukan" in sb.texts(SITI)[-1] or "ditutup" in sb.texts(SITI)[-1]
    await sb.say(SITI, f"/start sv{first.id}")
    survey_message = sb.tg.messages(SITI)[-1]
    # the same buttons, re-targeted at a session she never opened, and at one that does not exist
    for data in (
        f"sv:{second.id}:1:o0",
        "sv:99999:1:o0",
        f"sv:{second.id}:99:k",
        f"sv:{first.id}:1:o{10**30}",
    ):
        sb.tg.press_button(SITI, SITI, survey_message.message_id, data)
    await sb.settle()
    assert await _count(sb, s.response) == 0
    async with sb.rt.store.connect() as conn:
        drafts = (await conn.execute(select(s.survey_draft.c.session_id, s.survey_draft.c.step))).all()
    assert [tuple(d) for d in drafts] == [(first.id, 0)]  # her real draft, untouched


async def test_message_text_is_escaped_for_html_parse_mode(sb):
    sb.tg.add_user(SITI, "Siti")
    await sb.say(SITI, "/langganan")
    await sb.press(SITI, SITI, "PHU")
    await sb.press(SITI, SITI, "Selesai")
    await _session(sb, title="Dialog <b>Akbar</b> & <a href='http://evil'>klik</a>")
    await sb.outbox_idle()
    [announcement] = [m for m in sb.tg.messages(SITI) if "Dialog" in (m.text or "")]
    assert announcement.parse_mode == "HTML"
    assert (
        "Dialog &lt;b&gt;Akbar&lt;/b&gt; &amp; &lt;a href=&#x27;http://evil&#x27;&gt;klik&lt;/a&gt;"
        in announcement.text
    )


async def test_sql_metacharacters_are_stored_verbatim(sb):
    sb.tg.add_user(SITI, "Siti")
    nasty = "Robert'); DROP TABLE response;-- \" OR 1=1"
    await sb.say(SITI, "/aspirasi")
    await sb.press(SITI, SITI, "PHU")
    await sb.say(SITI, nasty)
    await sb.press(SITI, SITI, "🙈")
    async with sb.rt.store.connect() as conn:
        [text] = (await conn.execute(select(s.aspiration.c.text))).scalars().all()
        assert (await conn.execute(select(func.count()).select_from(s.response))).scalar_one() == 0
    assert text == nasty


def test_service_account_key_and_access_token_never_logged(tmp_path, capsys):
    fake = FakeGoogleSheets().start()
    try:
        info = make_service_account_info(fake.token_uri)
        key = tmp_path / "key.json"
        key.write_text(json.dumps(info))
        configure(verbose=True)  # the most talkative setting an operator can choose
        workbook = GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda _: None)
        spec = WorksheetSpec("Jawaban", ("ID", "Isi"), key="ID")
        workbook.ensure([spec])
        fake.fail_next(3, status=500)
        workbook.append_rows(spec, [{"ID": "R1", "Isi": "x"}])
        logging.getLogger("sheets").error("a failure with the key path %s", key)
    finally:
        fake.stop()
        logging.getLogger().handlers.clear()
    out = capsys.readouterr()
    logs = out.out + out.err
    assert "Jawaban" in logs or "sheets" in logs  # the log was really captured
    private = info["private_key"]
    body = "".join(line for line in private.splitlines() if "PRIVATE KEY" not in line)
    for chunk in (body[i : i + 40] for i in range(0, len(body), 40)):
        assert chunk not in logs
    assert "PRIVATE KEY" not in logs and info["private_key_id"] not in logs
    assert "Bearer " not in logs


def test_pseudonym_needs_the_salt():
    a = pseudonym(b"garam-rahasia-kantor-0001", 12345)
    assert a == pseudonym(b"garam-rahasia-kantor-0001", 12345)  # stable: one response per person
    assert a != pseudonym(b"garam-lain-0000000000000", 12345)  # without the salt it cannot be recomputed
    assert a not in {hashlib.sha256(str(12345).encode()).hexdigest()[:40], hashlib.md5(b"12345").hexdigest()}  # noqa: S324
    assert a != pseudonym(b"garam-rahasia-kantor-0001", 12345, purpose="aspirasi")  # uses never linkable
