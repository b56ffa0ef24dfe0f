"""A button pressed on a message that is gone (deleted on another device, too old to edit) still answers.

Every button handler edits the message the button was on; Telegram refuses when that message no longer
exists, and the person saw nothing happen (the error handler's generic alert at best).  The answer now
comes as a new message, and a survey keeps its answer and goes on in the new message."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.store import surveys

from .conftest import TZ
from .test_survey import ALICE, _answer_all, _open, _session


@pytest.fixture
def people(sb):
    sb.tg.add_user(ALICE, "Bu Siti")


def _button(sb, chat, label):
    for msg in reversed(sb.tg.messages(chat)):
        for row in sb.tg.buttons(msg):
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return msg, button["callback_data"]
    raise AssertionError(label)


async def _press_after_delete(sb, chat, label):
    msg, data = _button(sb, chat, label)
    sb.tg.user_deletes(chat, msg.message_id)
    sb.tg.press_button(chat, chat, msg.message_id, data)
    await sb.settle()


async def test_delete_me_cancelled_on_a_deleted_message_answers_anew(sb, people):
    await sb.say(ALICE, "/hapus_data")
    await _press_after_delete(sb, ALICE, "Batal")
    assert sb.texts(ALICE)[-1] == "Tidak ada yang dihapus."


async def test_subscription_picker_on_a_deleted_message_answers_anew(sb, people):
    await sb.say(ALICE, "/langganan")
    shown = len(sb.tg.messages(ALICE))
    await _press_after_delete(sb, ALICE, "Bimas Islam")
    assert len(sb.tg.messages(ALICE)) == shown  # the deleted one went, the new one came
    assert "Bimas Islam" in sb.texts(ALICE)[-1]
    await sb.press(ALICE, ALICE, "Selesai")
    assert "Langganan disimpan" in sb.texts(ALICE)[-1]


async def test_a_survey_question_deleted_mid_survey_keeps_the_answer_and_goes_on(sb, people, clock):
    session = await _session(sb)
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
    await _open(sb, ALICE, session.id)
    await _press_after_delete(sb, ALICE, "Zoom")  # "kehadiran", the first question
    newest = sb.tg.messages(ALICE)[-1]
    assert "Pertanyaan 2" in newest.text and newest.reply_markup
    await _answer_all(sb, ALICE)
    await sb.press(ALICE, ALICE, "Kirim")
    async with sb.rt.store.connect() as conn:
        [stored] = await surveys.responses(conn, session_id=session.id)
    assert stored.answers["kehadiran"] == "zoom"
