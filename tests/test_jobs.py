"""The schedule sweep runs the same jobs in every process: they are listed once (bot.domain.jobs), never
registered as a side effect of importing the Telegram application."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

from bot.domain import jobs
from bot.domain.kinds import ScheduleKind
from bot.store.sessions import ScheduleRow
from tests.hang import HANG_GUARD_SECONDS

# A process that never builds the Telegram application (`ngopas` on the command line, a second worker, a
# maintenance script): it sweeps a session that has just ended and lists what it queued.
SWEEP_ALONE = """
import asyncio, json, sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.delivery.scheduler import sweep
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, chats, outbox

async def main(workdir):
    tz = ZoneInfo("Asia/Jakarta")
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{workdir / 'ngopas.db'}",
        workbook_path=workdir / "ngopas.xlsx",
        data_dir=workdir,
        pseudonym_salt="garam-rahasia-untuk-uji-coba",
    )
    store = await Store.open(settings.database_url)
    clock = FakeClock(datetime(2026, 3, 20, 8, 0, tzinfo=tz))
    rt = Runtime(settings, store, clock)
    async with store.begin() as conn:
        now = clock.now()
        await chats.upsert_chat(conn, chat_id=-100500, type="supergroup", title="Majelis", now=now)
        await chats.set_subscriptions(conn, -100500, ["Bimas Islam"], by=None, now=now)
    values = validate_fields({"title": "Dialog", "section": "Bimas Islam", "when": "20/03/2026 09.00-10.00"}, rt)
    await create_session(rt, values, by=None, source="test")
    clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=tz))
    await sweep(rt)
    async with store.connect() as conn:
        rows = await outbox.due_items(conn, clock.now(), limit=50)
    await store.close()
    print(json.dumps({
        "queued": [{"kind": r.kind, "buttons": r.payload.get("buttons")} for r in rows],
        "telegram_loaded": "telegram" in sys.modules,
    }))

asyncio.run(main(Path(sys.argv[1])))
"""


def test_a_process_without_the_telegram_app_sends_the_survey_invitation(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SWEEP_ALONE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    invitations = [m for m in result["queued"] if m["kind"] == "survey_invite"]
    assert len(invitations) == 1, result
    [[button]] = invitations[0]["buttons"]
    assert button["url"].endswith("?start=sv1")  # the survey's deep link, not a plain session message
    assert not result["telegram_loaded"]  # the domain and the sweep never needed python-telegram-bot


def test_every_schedule_kind_the_planner_writes_has_a_job():
    assert set(jobs.SCHEDULED) == set(ScheduleKind)


def test_a_row_of_an_unknown_kind_is_recognised_as_such():
    now = datetime(2026, 3, 20, 3, 0).astimezone()
    known = ScheduleRow(1, 1, ScheduleKind.reminder(60), 1, now)
    unknown = ScheduleRow(2, 1, "pengingat_baru:5", 1, now + timedelta(minutes=1))
    assert jobs.known(known) and jobs.job_for(known) is jobs.SCHEDULED[ScheduleKind.REMINDER]
    assert not jobs.known(unknown)
