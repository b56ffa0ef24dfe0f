"""The in-chat survey through the real PTB Application and the emulator."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey import flow
from bot.domain.survey.definition import definition_for
from bot.store import chats, surveys

from .conftest import BOTH_DATABASES, TZ

pytestmark = BOTH_DATABASES

GROUP = -100801
ALICE = 801
BOB = 802


async def _session(sb, when="20/03/2026 09.00-10.00"):
    values = validate_fields({"title": "Dialog Kerukunan", "section": "Bimas Islam", "when": when}, sb.rt)
    # created in the past relative to later clock moves; create before the fake clock reaches it
    return (await create_session(sb.rt, values, by=None, source="test")).session


@pytest.fixture
def people(sb):
    sb.tg.add_user(ALICE, "Bu Siti")
    sb.tg.add_user(BOB, "Pak Budi", language_code="en")
    sb.tg.add_group(GROUP, "Majelis Taklim", supergroup=True, admins=[ALICE])


async def _open(sb, user, session_id):
    await sb.say(user, f"/start sv{session_id}")


def _question(sb, user) -> str:
    return sb.tg.messages(user)[-1].text


async def _answer_all(sb, user, *, kehadiran="Zoom", low=False, saran="Lebih sering ya"):
    """Walk the questionnaire from wherever it is to the summary; returns the question keys seen."""
    defn = definition_for(sb.rt)
    seen = []
    for _ in range(60):
        # the newest survey message (skipping reminders such as "please use the buttons")
        text = next(m.text for m in reversed(sb.tg.messages(user)) if m.reply_markup)
        if "Ringkasan jawaban" in text:
            return seen
        if "Pertanyaan" not in text:  # the follow-up after a low score
            await sb.say(user, "Suaranya kurang jelas")
            continue
        q = next(q for q in defn.questions if f"<b>{q.text['id']}</b>" in text or q.text["id"] in text)
        seen.append(q.key)
        if q.key == "kehadiran":
            await sb.press(user, user, kehadiran)
        elif q.kind == "text":
            await sb.say(user, saran)
        elif q.optional:
            await sb.press(user, user, "Lewati")
        else:
            option = q.options[0] if low else q.options[-1]
            await sb.press(user, user, option.label["id"])
    raise AssertionError(f"survey did not reach the summary: {seen} {sb.tg.messages(user)[-1].text!r}")


async def test_full_survey_with_back_skip_summary_and_send(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    assert "Pertanyaan 1 dari" in _question(sb, ALICE)
    await sb.press(ALICE, ALICE, "Zoom")
    assert "Pertanyaan 2 dari" in _question(sb, ALICE)
    await sb.press(ALICE, ALICE, "Kembali")
    assert "Pertanyaan 1 dari" in _question(sb, ALICE)
    assert "✓ Zoom" in str(sb.tg.buttons(sb.tg.messages(ALICE)[-1]))  # earlier answer marked
    await sb.say(ALICE, "sangat puas")  # typed text where a button is expected
    assert "menekan salah satu tombol" in sb.texts(ALICE)[-1]
    await _answer_all(sb, ALICE)
    await sb.press(ALICE, ALICE, "Kirim")
    assert "sudah kami terima" in sb.texts(ALICE)[-1]
    async with sb.rt.store.connect() as conn:
        [response] = await surveys.responses(conn, session_id=session.id)
    assert response.answers["kehadiran"] == "zoom"
    for key in (
        "persyaratan",
        "prosedur",
        "waktu",
        "kompetensi",
        "perilaku",
        "pengaduan",
        "sarana",
        "produk",
    ):
        assert response.answers[key] == "4"
    assert response.answers.get("jenis_kelamin") is None
    assert str(ALICE) not in str(response.answers) and "Siti" not in str(response.answers)
    assert response.respondent == flow.respondent_of(sb.rt, session.id, ALICE)


async def test_the_thanks_does_not_wait_for_the_answer_to_the_button(sb, people, clock):
    """ "Kirim" is the press a person waits on longest (the answers are stored): its thanks replaces the
    summary at once while the answer to the button, which only stops its spinner, goes at the same time, as
    for every other step.  A slow answer (here a 429, retried after 1 s) does not hold the thanks back."""
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await _answer_all(sb, ALICE)
    sb.tg.fail_next("answerCallbackQuery", status=429, retry_after=1, times=1)
    await sb.press(ALICE, ALICE, "Kirim")
    assert "sudah kami terima" in sb.texts(ALICE)[-1]
    delivered = [
        r.method
        for r in sb.tg.requests
        if r.method in ("editMessageText", "answerCallbackQuery") and r.status == 200
    ]
    assert delivered[-2:] == ["editMessageText", "answerCallbackQuery"]


async def test_in_person_skips_stream_question(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await sb.press(ALICE, ALICE, "Zoom")
    total_online = int(_question(sb, ALICE).split(" dari ")[1].split()[0])
    await sb.press(ALICE, ALICE, "Kembali")
    await sb.press(ALICE, ALICE, "langsung")
    total_in_person = int(_question(sb, ALICE).split(" dari ")[1].split()[0])
    assert total_in_person == total_online - 1


async def test_low_score_asks_followup_stored_with_unsur(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await _answer_all(sb, ALICE, low=True)
    await sb.press(ALICE, ALICE, "Kirim")
    async with sb.rt.store.connect() as conn:
        [response] = await surveys.responses(conn, session_id=session.id)
    assert response.answers["persyaratan"] == "1"
    assert response.followups.get("persyaratan") == "Suaranya kurang jelas"


async def test_duplicate_attempt_offers_replace_never_two_counted(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await _answer_all(sb, ALICE)
    await sb.press(ALICE, ALICE, "Kirim")
    await _open(sb, ALICE, session.id)
    assert "sudah mengisi survei" in _question(sb, ALICE)
    await sb.press(ALICE, ALICE, "Tidak")
    await _open(sb, ALICE, session.id)
    await sb.press(ALICE, ALICE, "isi ulang")
    await _answer_all(sb, ALICE, low=True)
    await sb.press(ALICE, ALICE, "Kirim")
    async with sb.rt.store.connect() as conn:
        counted = await surveys.responses(conn, session_id=session.id)
        everything = await surveys.responses(conn, session_id=session.id, include_replaced=True)
    assert len(counted) == 1 and counted[0].answers["persyaratan"] == "1"
    assert len(everything) == 2


async def test_closed_window_and_unknown_session(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 28, 10, 5, tzinfo=TZ))  # window is 7 days after the end
    await _open(sb, ALICE, session.id)
    assert "Survei untuk sesi ini sudah ditutup" in sb.texts(ALICE)[-1]
    await _open(sb, ALICE, 999)
    assert "tidak ditemukan" in sb.texts(ALICE)[-1]


async def test_stale_and_forged_buttons_are_harmless(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    first = sb.tg.messages(ALICE)[-1]
    zoom = next(b["callback_data"] for row in sb.tg.buttons(first) for b in row if "Zoom" in b["text"])
    sb.tg.press_button(ALICE, ALICE, first.message_id, zoom)
    await sb.settle()
    sb.tg.press_button(ALICE, ALICE, first.message_id, zoom)  # double press of the same old button
    await sb.settle()
    for forged in (
        f"sv:{session.id}:1:o99",
        "sv:999:1:o0",
        "sv:x:y:z",
        "sv:" + "9" * 80,
        f"sv:{session.id}:1:k",
    ):
        sb.tg.press_button(ALICE, ALICE, first.message_id, forged)
        await sb.settle()
    async with sb.rt.store.connect() as conn:
        draft = await surveys.get_draft(conn, session.id, flow.respondent_of(sb.rt, session.id, ALICE))
        assert await surveys.responses(conn, session_id=session.id) == []
    assert draft.answers == {"kehadiran": "zoom"} and draft.step == 1
    assert all(a.get("id") for a in sb.tg.callback_answers)  # every press was answered


async def test_invitation_at_session_end_with_deep_link(sb, people, clock):
    async with sb.rt.store.begin() as conn:
        await chats.upsert_chat(conn, chat_id=GROUP, type="supergroup", title="MT", now=clock.now())
        await chats.set_subscriptions(conn, GROUP, ["Bimas Islam"], by=None, now=clock.now())
    session = await _session(sb, when="20/03/2026 09.00-10.00")
    await sb.outbox_idle()
    await sb.advance(to=datetime(2026, 3, 20, 10, 0, tzinfo=TZ))
    await sb.outbox_idle()
    invite = sb.tg.messages(GROUP)[-1]
    assert "Terima kasih telah mengikuti" in invite.text
    urls = [b.get("url") for row in sb.tg.buttons(invite) for b in row]
    assert urls == [f"https://t.me/{sb.rt.bot_username}?start=sv{session.id}"]
    await sb.say(ALICE, "/survei", GROUP)
    assert any(
        f"start=sv{session.id}" in (b.get("url") or "")
        for row in sb.tg.buttons(sb.tg.messages(GROUP)[-1])
        for b in row
    )


async def test_unfinished_survey_reminded_once(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await sb.press(ALICE, ALICE, "Zoom")
    count = len(sb.tg.messages(ALICE))
    await sb.advance(timedelta(hours=4))
    await sb.outbox_idle()
    assert "belum selesai" in sb.texts(ALICE)[-1]
    await sb.advance(timedelta(hours=8))
    await sb.outbox_idle()
    assert len(sb.tg.messages(ALICE)) == count + 1


async def test_cancel_survey_with_batal(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await sb.say(ALICE, "/batal")
    assert "Survei dibatalkan" in sb.texts(ALICE)[-1]
    async with sb.rt.store.connect() as conn:
        assert await surveys.drafts_of(conn, flow.respondent_of(sb.rt, session.id, ALICE)) == []


async def test_two_hundred_concurrent_respondents_stored_once(sb, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    users = list(range(20_000, 20_200))
    for u in users:
        sb.tg.add_user(u, f"Warga {u}")
        sb.tg.send_text(u, f"/start sv{session.id}")
    await sb.settle(0.3)
    defn = definition_for(sb.rt)
    # Everyone answers the first question at once, twice (a double press), then the rest concurrently.
    for _round in range(40):
        pressed = 0
        for u in users:
            msg = sb.tg.messages(u)[-1]
            options = [
                b
                for row in sb.tg.buttons(msg)
                for b in row
                if b.get("callback_data", "").split(":")[-1].startswith(("o", "k", "s"))
            ]
            if not options or "sudah kami terima" in msg.text:
                continue
            target = next((b for b in options if b["callback_data"].endswith(":k")), None) or next(
                (b for b in options if b["callback_data"].endswith(":s")), options[-1]
            )
            sb.tg.press_button(u, u, msg.message_id, target["callback_data"])
            if _round == 0:
                sb.tg.press_button(u, u, msg.message_id, target["callback_data"])
            pressed += 1
        await sb.settle(0.2)
        if not pressed:
            break
    async with sb.rt.store.connect() as conn:
        stored = await surveys.responses(conn, session_id=session.id)
    assert len(stored) == len(users)
    assert len({r.respondent for r in stored}) == len(users)
    assert all(r.answers["persyaratan"] == "4" for r in stored)
    assert defn.version >= 1
    await asyncio.sleep(0)


async def test_only_the_newest_survey_message_keeps_its_buttons(sb, people, clock):
    """A typed answer brings the next question as a new message: the old one's buttons must go, or the
    person presses an answer on a question already behind them."""
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await _answer_all(sb, ALICE, low=True)  # each low score asks for a reason, typed: a new message each
    with_buttons = [m for m in sb.tg.messages(ALICE) if m.reply_markup]
    assert len(with_buttons) == 1 and "Ringkasan jawaban" in with_buttons[0].text


async def test_the_introduction_counts_the_questions_really_asked(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    intro, first = sb.tg.messages(ALICE)[-2:]
    total = first.text.split(" dari ")[1].split()[0]  # "Pertanyaan 1 dari 16"
    assert f"sekitar {total} pertanyaan" in intro.text
