"""SIGKILL a real `ngopas run` process while thirty people are answering the survey, then start it again.

Nothing a person saw acknowledged is lost (every step is written before the reply), nothing counts twice,
and everyone can finish: a press the killed bot never handled simply changes nothing (the question is still
on screen), and an old button pressed after the restart redraws the current question.
"""

from __future__ import annotations

import signal
from datetime import timedelta

from bot.base.clock import Clock
from bot.dev.sandbox import sandbox_settings
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, surveys

from .test_broadcast_restart import _end, _spawn, _wait

PEOPLE = list(range(40_000, 40_030))
DONE = "sudah kami terima"


def _target(tg, user: int) -> tuple[int, str] | None:
    """What this person presses next on their newest message: send, skip, or the best option."""
    messages = tg.messages(user)
    if not messages:
        return None
    msg = messages[-1]
    if DONE in (msg.text or ""):
        return None
    options = [
        b["callback_data"]
        for row in tg.buttons(msg)
        for b in row
        if b.get("callback_data", "").split(":")[-1].startswith(("o", "k", "s"))
    ]
    if not options:
        return None
    choice = next((d for d in options if d.endswith(":k")), None) or next(
        (d for d in options if d.endswith(":s")), options[-1]
    )
    return msg.message_id, choice


async def _round(tg, bot) -> int:
    """Everyone who is not finished presses once; wait until each press has had its answer."""
    pressed = 0
    base = tg.count("answerCallbackQuery")
    for user in PEOPLE:
        target = _target(tg, user)
        if target:
            tg.press_button(user, user, *target)
            pressed += 1
    if pressed:
        await _wait(lambda: tg.count("answerCallbackQuery") >= base + pressed, bot)
    return pressed


async def test_sigkill_mid_survey_then_restart_everyone_finishes_once(tmp_path, tg):
    settings = sandbox_settings(tmp_path)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    yesterday = rt.clock.now().astimezone(rt.tz) - timedelta(days=1)
    when = f"{yesterday:%d/%m/%Y} 09.00-10.00"  # held yesterday: its survey is open for a week
    values = validate_fields({"title": "Dialog Kerukunan", "section": "Bimas Islam", "when": when}, rt)
    session = (await create_session(rt, values, by=None, source="test")).session
    for user in PEOPLE:
        tg.add_user(user, f"Warga {user}")

    first = _spawn(tmp_path, tg, settings)
    base = None

    def kill_at_the_first_answer_of_round_four(request) -> None:
        if (
            base is not None
            and request.method == "editMessageText"
            and tg.count("editMessageText") == base + 1
        ):
            first.send_signal(signal.SIGKILL)  # before the emulator answers it: the round is cut in two

    tg.on_request(kill_at_the_first_answer_of_round_four)
    try:
        for user in PEOPLE:
            tg.send_text(user, f"/start sv{session.id}")
        await _wait(lambda: all(_target(tg, u) for u in PEOPLE), first)
        for _ in range(3):
            await _round(tg, first)
        # the fourth round: the bot is killed as it begins answering it
        targets = {user: _target(tg, user) for user in PEOPLE}
        base = tg.count("editMessageText")
        for user in PEOPLE:
            tg.press_button(user, user, *targets[user])
        await _wait(lambda: tg.count("editMessageText") > base, first)
    finally:
        await _end(first, signal.SIGKILL)
    acknowledged = {user: tg.messages(user)[-1].text for user in PEOPLE}
    assert tg.count("editMessageText") - base < len(PEOPLE), "the kill should land in the middle of a round"

    second = _spawn(tmp_path, tg, settings)
    try:
        # Every round or two moves each person on by a question (a press the killed bot never handled, or an
        # old button, at worst redraws the current one), so a bound on rounds, not on time, is enough.
        rounds = 0
        while any(_target(tg, u) for u in PEOPLE):
            rounds += 1
            assert rounds <= 60, "people could not finish after the restart"
            await _round(tg, second)
    finally:
        await _end(second)

    async with store.connect() as conn:
        counted = await surveys.responses(conn, session_id=session.id)
        everything = await surveys.responses(conn, session_id=session.id, include_replaced=True)
    await store.close()
    assert len(everything) == len(counted) == len(PEOPLE)  # one each, none replaced, none twice
    assert len({r.respondent for r in counted}) == len(PEOPLE)
    assert all(r.answers["kehadiran"] and r.answers["persyaratan"] == "4" for r in counted)
    assert all(DONE in tg.messages(u)[-1].text for u in PEOPLE)
    assert any("Pertanyaan" in text for text in acknowledged.values())  # they really were mid-survey
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log, log[-3000:]
