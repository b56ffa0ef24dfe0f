"""Ringkasan from running tallies (issue 17 #4): exactly the figures of every answer, at a bounded write rate.

The summary sheet used to re-read every stored answer on each flush (675 ms of a blocked event loop at 10k
answers) and was rewritten after every flush that brought an answer (up to 36 writes a minute in a live
survey).  Now each stored or replaced answer updates its session's and quarter's tally in the same
transaction, and Ringkasan is rewritten at most once a minute inside a budget of 12 writes a minute."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.delivery.sheets_sync import SheetsSync
from bot.domain import reporting, tally
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import replace_response
from bot.store import Store, meta
from bot.store import schema as s
from bot.store.surveys import Response
from reports.grouping import summarise
from reports.instrument import UNSUR_KEYS
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook
from tests.conftest import BOTH_DATABASES, generated_answer, insert_sessions

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def test_the_store_tallies_the_nine_unsur_of_the_regulation():
    assert s.TALLY_UNSUR == UNSUR_KEYS


async def _runtime(database_url: str, clock: FakeClock) -> Runtime:
    store = await Store.open(database_url)
    return Runtime(Settings(database_url=database_url), store, clock)


async def _sessions(rt: Runtime, specs: list[tuple[str, str, datetime]]) -> list[int]:
    return [session.id for session in await insert_sessions(rt, specs)]


def expected_rows(frame) -> list[tuple]:
    """Ringkasan as it was computed before: `summarise` over every counted answer."""
    out = []
    for level, by in tally.LEVELS:
        for item in summarise(frame, by).to_dict("records"):
            out.append(
                (
                    level,
                    item["kelompok"],
                    item["ikm"],
                    item["mutu"],
                    item["kinerja"],
                    item["responden"],
                    item["unsur_terlemah"],
                )
            )
    return out


def shown(rows: list[dict]) -> list[tuple]:
    return [
        (r["Tingkat"], r["Kelompok"], r["IKM"], r["Mutu"], r["Kinerja"], r["Responden"], r["Unsur Terlemah"])
        for r in rows
    ]


@BOTH_DATABASES
async def test_ringkasan_from_tallies_equals_every_answer_counted_with_gaps_and_replacements(database_url):
    rt = await _runtime(database_url, FakeClock(NOW))
    try:
        defn = definition_for(rt)
        ids = await _sessions(
            rt,
            [
                ("Dialog Moderasi", "Bimas Islam", NOW - timedelta(days=300)),
                ("Haji Ramah", "PHU", NOW - timedelta(days=200)),
                ("Dialog Moderasi", "PHU", NOW - timedelta(days=100)),
                ("Sesi kosong", "PHU", NOW - timedelta(days=50)),
            ],
        )
        rng = random.Random(4)
        # Answers around the quarter's turn in Jakarta (17.00 UTC on the last day is already the next quarter).
        for i in range(300):
            answers, followups = generated_answer(rng, defn, i)
            session = ids[i % 3]
            finished = datetime(2025, 12, 31, 16, 30, tzinfo=UTC) + timedelta(minutes=7 * (i % 20))
            async with rt.store.begin() as conn:
                await replace_response(
                    conn,
                    rt,
                    Response(
                        f"R{i:04d}",
                        session,
                        f"p{i % 240}",
                        defn.id,
                        defn.version,
                        "telegram",
                        answers,
                        followups,
                        None,
                        finished,
                        None,
                    ),
                )
        frame = await reporting.responses_frame(rt)
        sync = SheetsSync(rt, workbook=None)  # type: ignore[arg-type]  # only the rows, no workbook
        rows = await sync.summary_rows()
        assert shown(rows) == expected_rows(frame)
        assert {r[0] for r in shown(rows)} == {"Sesi", "Bidang", "Triwulan"}
        assert {r[1] for r in shown(rows) if r[0] == "Triwulan"} == {"2025-Q4", "2026-Q1"}
        # After the upgrade (no tallies yet) or a change of timezone they are counted again from the answers.
        async with rt.store.begin() as conn:
            await meta.put(conn, tally.BASIS_KEY, "older")
        assert shown(await sync.summary_rows()) == expected_rows(frame)
    finally:
        await rt.store.close()


@pytest.fixture
def fake():
    server = FakeGoogleSheets().start()
    yield server
    server.stop()


async def test_a_live_survey_costs_at_most_12_writes_a_minute_and_ringkasan_ends_right(tmp_path, fake):
    key = tmp_path / "key.json"
    key.write_text(json.dumps(make_service_account_info(fake.token_uri)))
    clock = FakeClock(NOW)
    rt = await _runtime(f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}", clock)
    try:
        defn = definition_for(rt)
        (session,) = await _sessions(rt, [("Dialog", "Bimas Islam", NOW - timedelta(hours=1))])
        ticks = [0.0]
        workbook = GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, sleep=lambda s: None)
        sync = SheetsSync(rt, workbook, clock=lambda: ticks[0])
        await sync.flush()
        writes: list[float] = []
        seen = len(fake.requests_log)
        rng = random.Random(9)
        finished = 0
        while ticks[0] < 600 + 120:  # 200 people finish over 10 minutes; then two more minutes of flushes
            due = min(200, int(ticks[0] / 3) + 1)  # one every 3 s
            while finished < due:
                answers = {k: str(rng.randint(1, 4)) for k in UNSUR_KEYS}
                if finished % 4 == 0:
                    answers["saran"] = f"Saran {finished}"  # also a "Dari survei" row in Aspirasi
                async with rt.store.begin() as conn:
                    await replace_response(
                        conn,
                        rt,
                        Response(
                            f"R{finished:04d}",
                            session,
                            f"p{finished}",
                            defn.id,
                            defn.version,
                            "telegram",
                            answers,
                            {},
                            None,
                            clock.now(),
                            None,
                        ),
                    )
                finished += 1
            await sync.flush()
            for method, path, _ in fake.requests_log[seen:]:
                if method in ("POST", "PUT") and "/token" not in path:
                    writes.append(ticks[0])
            seen = len(fake.requests_log)
            ticks[0] += 5
            clock.advance(timedelta(seconds=5))
        busiest = max(sum(1 for t in writes if start <= t < start + 60) for start in writes)
        assert busiest <= 12
        jawaban = fake.values("Jawaban")[1:]
        assert len({row[0] for row in jawaban}) == len(jawaban) == 200
        ringkasan = [
            dict(zip(fake.values("Ringkasan")[0], row, strict=False)) for row in fake.values("Ringkasan")[1:]
        ]
        frame = await reporting.responses_frame(rt)
        assert [(r["Tingkat"], r["Kelompok"], r["Responden"]) for r in ringkasan] == [
            (row[0], row[1], str(row[5])) for row in expected_rows(frame)
        ]
    finally:
        await rt.store.close()


def test_ringkasan_lines_are_computed_without_importing_pandas():
    """The running bot rewrites Ringkasan on its event loop after the first answer that comes in.  Importing
    pandas and numpy there (once per start) blocked that loop for ~0.5 s: every citizen pressing a survey
    button at that moment waited (bench.updates).  The running tallies need only exact fractions."""
    script = """
import asyncio, sys
from bot.delivery import sheets_sync
from bot.domain import followup, tally
from bot.store.tally import Tally, TallyRow
rows = [TallyRow("Dialog", "PHU", Tally(1, 20261, 2, {"persyaratan": 7}, {"persyaratan": 2}))]
lines = asyncio.run(tally.summary_on_loop(rows))
assert [(line.level, line.result.ikm_rounded) for line in lines] == [
    ("Sesi", 87.5), ("Bidang", 87.5), ("Triwulan", 87.5)
], lines
assert lines[-1].group == "2026-Q1", lines[-1].group
print(sorted(m for m in ("pandas", "numpy") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
