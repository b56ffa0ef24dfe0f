"""Benchmark: how long a Sheets flush that refreshes Ringkasan blocks the bot's event loop, with 100,000
answers stored, and how many writes a live survey costs.

100,000 responses are bulk-loaded into the real store (set-up), the running tallies are built once (what the
first flush after the upgrade does), then one more person finishes the survey and the flush that writes
their Jawaban row and rewrites Ringkasan runs against the fake Google Sheets server (in a process of its own,
as Google is) while a 1 ms ticker
measures how late the event loop answers (the lag every citizen pressing a button would feel).  For
comparison, the same ticker during the old refresh (every answer read and summarised on the loop).

The process is the bot's as far as the timed flush can tell: pandas is not loaded before it (the bot never
loads it), and the heap after start-up is set aside from garbage collection as `ngopas run` sets it aside
(bot.base.heap); a full collection over a heap that holds pandas took 180 ms of the flush otherwise.

Then a live survey on a simulated clock: 200 people finishing over 10 minutes, a flush every 5 s, write
requests counted on the fake server.

Run: .venv/bin/python -m bench.sheets_lag [--rows 100000]
Goals: loop stall during a flush < 20 ms; at most 12 write requests in any minute of the live survey.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.base import heap
from bot.base.clock import FakeClock
from bot.delivery.sheets_sync import SheetsSync
from bot.dev.sandbox import sandbox_settings
from bot.domain import reporting, tally
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.domain.survey.definition import definition_for, load_definition
from bot.domain.survey.flow import replace_response
from bot.domain.worksheets import RINGKASAN
from bot.store import Store
from bot.store.surveys import Response
from reports.instrument import UNSUR_KEYS
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook

from .report_db import seed


async def worst_lag(work: Awaitable[Any]) -> tuple[float, float]:
    """Run `work` while a 1 ms ticker measures the event loop's worst lateness; (worst ms, seconds taken)."""
    worst = 0.0
    done = False

    async def tick() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not done:
            before = loop.time()
            await asyncio.sleep(0.001)
            worst = max(worst, loop.time() - before - 0.001)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    t0 = time.perf_counter()
    await work
    seconds = time.perf_counter() - t0
    done = True
    await ticker
    return worst * 1000, seconds


async def old_refresh(rt: Runtime) -> None:
    """What every flush with an answer did before: every answer read, then summarised, on the loop."""
    from reports.grouping import summarise  # noqa: PLC0415 - pandas, loaded only after the flush is timed

    frame = await reporting.responses_frame(rt)
    for by in ("session", "section", "quarter"):
        summarise(frame, by)


def workbook(workdir: Path, endpoint: str, spreadsheet_id: str) -> GoogleWorkbook:
    key = workdir / "key.json"
    key.write_text(json.dumps(make_service_account_info(f"{endpoint}/token")))
    return GoogleWorkbook(key, spreadsheet_id, endpoint=endpoint, timeout=10.0)


@contextlib.contextmanager
def google_process() -> Iterator[tuple[str, str]]:
    """The fake Google Sheets server in a process of its own (endpoint, spreadsheet id): in this process its
    request handling would take the interpreter's lock from the event loop being timed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "sheets.fake_google"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        endpoint, spreadsheet_id = child.stdout.readline().split()
        yield endpoint, spreadsheet_id
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


async def stall(rows: int) -> None:
    with google_process() as (endpoint, spreadsheet_id), tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = sandbox_settings(workdir)
        print(
            f"set-up: {rows:,} responses bulk-loaded in {await seed(settings.database_url, rows, load_definition('ngopas')):.1f} s"
        )
        store = await Store.open(settings.database_url)
        rt = Runtime(settings, store, FakeClock(datetime.fromisoformat("2026-12-01T10:00:00+07:00")))
        heap.settle()  # as `ngopas run` does once it runs (bot.base.heap)
        t0 = time.perf_counter()
        counted = await tally.rebuild(rt)
        print(
            f"tallies built once from {counted:,} answers in {time.perf_counter() - t0:.1f} s (first flush after the upgrade)"
        )
        book = workbook(workdir, endpoint, spreadsheet_id)
        sync = SheetsSync(rt, book)
        await sync.flush()
        defn = definition_for(rt)
        async with store.begin() as conn:
            await replace_response(
                conn,
                rt,
                Response(
                    "Rlast",
                    1,
                    "last",
                    defn.id,
                    defn.version,
                    "telegram",
                    {k: "3" for k in UNSUR_KEYS},
                    {},
                    None,
                    rt.clock.now(),
                    None,
                ),
            )
        sync._summary_at = None  # due now: this flush rewrites Ringkasan
        lag, seconds = await worst_lag(sync.flush())
        idle_lag, _ = await worst_lag(asyncio.sleep(max(seconds, 0.2)))  # the machine's own noise
        assert await asyncio.to_thread(book.read_rows, RINGKASAN), "Ringkasan not written"
        old_lag, old_seconds = await worst_lag(old_refresh(rt))
        await store.close()
    print(
        f"flush with Ringkasan refresh: worst event-loop stall {lag:6.1f} ms (goal < 20 ms) {'OK' if lag < 20 else 'MISSED'}; flush took {seconds:.2f} s"
    )
    print(
        f"the same ticker with nothing to do: worst {idle_lag:6.1f} ms (what a loaded machine adds by itself)"
    )
    print(
        f"old refresh (every answer read on the loop): stall {old_lag:6.1f} ms over {old_seconds:.2f} s (for comparison)"
    )


async def live_survey() -> None:
    fake = FakeGoogleSheets().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            settings = sandbox_settings(workdir)
            store = await Store.open(settings.database_url)
            clock = FakeClock(datetime.fromisoformat("2026-03-20T10:00:00+07:00"))
            rt = Runtime(settings, store, clock)
            values = validate_fields(
                {"title": "Dialog", "section": "PHU", "when": "20/03/2026 09.00-10.00"}, rt
            )
            session = (await create_session(rt, values, by=None, source="bench")).session
            ticks = [0.0]
            sync = SheetsSync(
                rt, workbook(workdir, fake.endpoint, fake.spreadsheet_id), clock=lambda: ticks[0]
            )
            defn = definition_for(rt)
            writes: list[float] = []
            seen = len(fake.requests_log)
            done = 0
            while ticks[0] < 720:
                while done < min(200, int(ticks[0] / 3) + 1):
                    answers = {k: str(1 + (done * 7 + i) % 4) for i, k in enumerate(UNSUR_KEYS)}
                    if done % 4 == 0:
                        answers["saran"] = f"Saran {done}"
                    async with store.begin() as conn:
                        await replace_response(
                            conn,
                            rt,
                            Response(
                                f"R{done:04d}",
                                session.id,
                                f"p{done}",
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
                    done += 1
                await sync.flush()
                writes += [
                    ticks[0]
                    for m, p, _ in fake.requests_log[seen:]
                    if m in ("POST", "PUT") and "/token" not in p
                ]
                seen = len(fake.requests_log)
                ticks[0] += 5
                clock.advance(timedelta(seconds=5))
            await store.close()
    finally:
        fake.stop()
    busiest = max(sum(1 for t in writes if s <= t < s + 60) for s in writes)
    rows = len(fake.values("Jawaban")) - 1
    print(
        f"live survey, 200 people over 10 min: {len(writes)} write requests, busiest minute {busiest} (goal <= 12) {'OK' if busiest <= 12 else 'MISSED'}; {rows} Jawaban rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(stall(args.rows))
    asyncio.run(live_survey())


if __name__ == "__main__":
    main()
