"""IKM figures the running bot tells by itself: the staff alert when a session's IKM falls below B, the
result post when a survey closes, and the monthly "Kami mendengar" post with each session's IKM and the
month's trend.

Found by trying them as an office runs them (a staff group configured, a live survey, a year of answers):
each read answers into pandas on the bot's event loop (the monthly post read every answer ever stored,
twice per language), which loaded pandas and numpy into the running bot for good; and the alert fired on
the first unhappy answer, one person's mood reported as the session's IKM.  Now the figures come from the
running tallies and the report's kept counts, equal to the report's, and the alert waits for
`ikm_alert_min_respondents` people."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.domain import community, report_counts, reporting
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import replace_response
from bot.store import Store, outbox
from bot.store.sessions import insert_session
from reports.ikm import compute_ikm
from reports.instrument import UNSUR_KEYS
from reports.numbers import number
from tests.conftest import BOTH_DATABASES, chat_response

from .test_light_bot import HEAVY

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
STAFF = -1009001


@pytest.fixture
async def rt(database_url):
    store = await Store.open(database_url)
    runtime = Runtime(
        Settings(database_url=database_url, staff_chat_id=STAFF, ikm_alert_min_respondents=5),
        store,
        FakeClock(NOW),
    )
    yield runtime
    await store.close()


async def _session(rt: Runtime, title: str, starts: datetime = NOW - timedelta(hours=2)) -> int:
    async with rt.store.begin() as conn:
        session = await insert_session(
            conn,
            {
                "title": title,
                "section": "Bimas Islam",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=1),
                "survey_closes_at": NOW + timedelta(days=7),
                "source": "test",
            },
            NOW,
        )
    return session.id


async def _answer(
    rt: Runtime, session_id: int, person: int, scores: list[str], at: datetime | None = None
) -> None:
    """One person's answers to the nine unsur (cycled from `scores`), stored as the chat stores them."""
    defn = definition_for(rt)
    rt.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined] - a FakeClock
    finished = at or rt.clock.now()
    answers = {key: scores[i % len(scores)] for i, key in enumerate(UNSUR_KEYS)}
    async with rt.store.begin() as conn:
        ident = f"R{session_id}-{person}-{rt.clock.now():%H%M}"
        await replace_response(
            conn, rt, chat_response(defn, ident, session_id, f"p{person}", answers, finished)
        )


async def _alerts(rt: Runtime) -> list[str]:
    async with rt.store.connect() as conn:
        items = await outbox.due_items(conn, rt.clock.now() + timedelta(days=1), limit=1000)
    return [i.payload["text"] for i in items if i.kind == MessageKind.STAFF_ALERT and i.chat_id == STAFF]


@BOTH_DATABASES
async def test_a_session_below_b_is_told_once_it_has_enough_respondents_with_the_reports_figures(rt):
    low = await _session(rt, "Dialog Haji")
    for person in range(4):
        await _answer(rt, low, person, ["1", "2", "2", "3"])
    assert await reporting.watch_ikm(rt) == 0
    assert await _alerts(rt) == []  # four unhappy answers are not yet the session's verdict

    await _answer(rt, low, 4, ["2", "1"])
    assert await reporting.watch_ikm(rt) == 1
    [alert] = await _alerts(rt)
    expected = compute_ikm(await reporting.responses_frame(rt, session_id=low))
    assert expected.respondents == 5 and expected.grade.mutu == "D"
    assert f"IKM {number(expected.ikm_rounded)} — D (Tidak baik), 5 responden" in alert
    assert expected.weakest is not None and f"Unsur terlemah: {expected.weakest.name}." in alert
    assert "Dialog Haji" in alert

    await _answer(rt, low, 5, ["1"])
    await reporting.watch_ikm(rt)
    assert len(await _alerts(rt)) == 1  # the same grade is told once


@BOTH_DATABASES
async def test_a_session_at_b_or_above_is_not_alerted_and_a_replaced_answer_counts_once(rt):
    good = await _session(rt, "Dialog Madrasah")
    for person in range(6):
        await _answer(rt, good, person, ["4", "3"])
    # One person first answers badly, then sends the survey again: only the second answer counts.
    await _answer(rt, good, 6, ["1"])
    await _answer(rt, good, 6, ["4"])
    assert await reporting.watch_ikm(rt) == 0
    assert compute_ikm(await reporting.responses_frame(rt, session_id=good)).grade.mutu in ("A", "B")
    assert await _alerts(rt) == []


@BOTH_DATABASES
async def test_the_monthly_post_gives_each_sessions_ikm_and_the_months_trend_as_the_report_does(rt):
    march = [
        await _session(rt, "Dialog Kerukunan", datetime(2026, 3, 10, 2, 0, tzinfo=UTC)),
        await _session(rt, "Dialog Manasik", datetime(2026, 3, 31, 2, 0, tzinfo=UTC)),
    ]
    february = await _session(rt, "Dialog Madrasah", datetime(2026, 2, 20, 2, 0, tzinfo=UTC))
    for person in range(5):
        await _answer(rt, february, person, ["4", "3", "4"], at=datetime(2026, 2, 21, 3, 0, tzinfo=UTC))
        await _answer(rt, march[0], person, ["3", "2"], at=datetime(2026, 3, 11, 3, person, tzinfo=UTC))
    # 31 March 18.00 UTC is 1 April in Magelang: these count in April's trend, not March's.
    for person in range(5, 8):
        await _answer(rt, march[1], person, ["1"], at=datetime(2026, 3, 31, 18, person, tzinfo=UTC))
    await _answer(rt, march[1], 8, ["4"], at=datetime(2026, 3, 31, 9, 0, tzinfo=UTC))

    post = await community.render(rt, community.Month(2026, 3), "id")

    frame = await reporting.responses_frame(rt)
    local = frame["finished_at"].dt.tz_convert("Asia/Jakarta")

    def month(m: int):
        return compute_ikm(frame[(local.dt.year == 2026) & (local.dt.month == m)])

    for session_id in march:  # a session's IKM is over all its answers
        result = compute_ikm(frame[frame["session_id"] == session_id])
        assert f"IKM {number(result.ikm_rounded)} ({result.grade.mutu})" in post
    this, before = month(3), month(2)
    assert this.respondents == 6 and before.respondents == 5
    delta = number(abs(this.ikm_rounded - before.ikm_rounded))
    assert (
        f"IKM bulan ini: {number(this.ikm_rounded)} ({this.grade.mutu}), turun {delta} dari bulan sebelumnya"
        f" ({number(before.ikm_rounded)})." in post
    )


SCRIPT = """
import asyncio, json, sys, tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
import bot.telegram.app  # every handler, job and sweep of `ngopas run`
from bot.base.clock import FakeClock
from bot.dev.sandbox import sandbox_settings
from bot.domain import community, report_counts, reporting
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import replace_response
from bot.store import Store
from bot.store.sessions import insert_session
from bot.store.surveys import Response

async def main():
    settings = sandbox_settings(Path(tempfile.mkdtemp())).model_copy(
        update={"staff_chat_id": -1009001, "ikm_alert_min_respondents": 3}
    )
    store = await Store.open(settings.database_url)
    now = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    rt = Runtime(settings, store, FakeClock(now))
    await report_counts.stamp_when_empty(rt)  # what `ngopas run` does at its start (Delivery.start)
    defn = definition_for(rt)
    async with store.begin() as conn:
        session = await insert_session(conn, {"title": "Dialog", "section": "PHU",
            "starts_at": now - timedelta(hours=2), "ends_at": now - timedelta(hours=1),
            "survey_closes_at": now + timedelta(days=7), "source": "test"}, now)
        for i in range(3):
            await replace_response(conn, rt, Response(f"R{i}", session.id, f"p{i}", defn.id, defn.version,
                "telegram", {"persyaratan": "1", "prosedur": "2"}, {}, None, now, None))
    queued = await reporting.watch_ikm(rt)
    post = await community.render(rt, community.Month(2026, 6), "id")
    await store.close()
    print(json.dumps({
        "queued": queued,
        "post": post,
        "loaded": sorted(name for name in sys.modules if name.split(".")[0] in %r),
    }))

asyncio.run(main())
"""


def test_the_alert_and_the_monthly_post_are_judged_without_loading_pandas_into_the_bot() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT % (HEAVY,)], check=True, capture_output=True, text=True
    ).stdout
    seen = json.loads(out)
    assert seen["queued"] == 1  # the alert was really judged (IKM 37,50, D)
    assert "Dialog — IKM 37,50 (D)" in seen["post"] and "IKM bulan ini: 37,50 (D)." in seen["post"]
    assert seen["loaded"] == []


async def test_a_new_office_database_keeps_its_report_counts_usable_from_the_start(sb):
    """The bot's start stamps an empty database's counts with today's basis, so its first answers are
    used as kept (not counted again inside the bot at the first monthly post)."""
    assert await report_counts.fresh(sb.rt)
