"""Kill the bot in the middle of a survey, start it again: the next press continues at the same question."""

from __future__ import annotations

from datetime import datetime

from bot.base.clock import FakeClock
from bot.dev.sandbox import running_sandbox, sandbox_settings
from bot.domain.survey import flow
from bot.store import surveys

from .conftest import TZ, ended_session

ALICE = 901


async def test_restart_mid_survey_keeps_answers_and_position(tmp_path, tg):
    settings = sandbox_settings(tmp_path)
    clock = FakeClock(datetime(2026, 3, 20, 8, 0, tzinfo=TZ))
    tg.add_user(ALICE, "Bu Siti")
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        session = await ended_session(sb, clock, section="PHU")
        await sb.say(ALICE, f"/start sv{session.id}")
        await sb.press(ALICE, ALICE, "Zoom")
        await sb.press(ALICE, ALICE, "Sangat")  # persyaratan: Sangat sesuai / Sangat mudah ...
        before = sb.tg.messages(ALICE)[-1]
        assert "Pertanyaan 3 dari" in before.text
    # the bot is gone (as after a crash: the in-memory application and its caches are discarded)
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        # the old message's buttons still work: the press continues at question 3
        await sb.press(ALICE, ALICE, "Sangat")
        assert "Pertanyaan 4 dari" in sb.tg.messages(ALICE)[-1].text
        async with sb.rt.store.connect() as conn:
            draft = await surveys.get_draft(conn, session.id, flow.respondent_of(sb.rt, session.id, ALICE))
        assert draft is not None
        assert list(draft.answers) == ["kehadiran", "persyaratan", "prosedur"]
        assert draft.answers["kehadiran"] == "zoom"
