"""Benchmark: 10,000 survey responses flushed to the fake Google Sheets server through the real gspread.

The responses are stored through the product's own import path (`import_responses`, the code behind
`ngopas import-responses`), which queues each Jawaban row in the same transaction.  The Sheets loop is then
run as the bot runs it: a flush every `NGOPAS_SHEETS_FLUSH_SECONDS` (5 s), on a simulated clock so the
write budget (60 writes a minute) is honoured without waiting minutes of real time.

Run: .venv/bin/python -m bench.sheets_sync [--rows 10000]
Prints write requests per 500 rows (goal <= 1), peak requests in any 60 s (goal <= 60), and that every
row landed exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from bot.base.clock import FakeClock
from bot.delivery.sheets_sync import SheetsSync
from bot.dev.sandbox import sandbox_settings
from bot.domain.response_import import import_responses
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, sheet_rows
from reports.instrument import UNSUR_KEYS
from sheets.fake_google import FakeGoogleSheets, make_service_account_info
from sheets.google import GoogleWorkbook

FLUSH_SECONDS = 5.0


class SimClock:
    """Monotonic seconds for the write budget, moved on by the loop below instead of by waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def is_write(method: str, path: str) -> bool:
    return method in ("POST", "PUT") and "/token" not in path


async def run(rows: int) -> None:
    fake = FakeGoogleSheets().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            key = workdir / "key.json"
            key.write_text(json.dumps(make_service_account_info(fake.token_uri)))
            settings = sandbox_settings(workdir)
            store = await Store.open(settings.database_url)
            clock = FakeClock(datetime.fromisoformat("2026-03-20T08:00:00+07:00"))
            rt = Runtime(settings, store, clock)
            values = validate_fields(
                {"title": "Dialog", "section": "PHU", "when": "20/03/2026 09.00-10.00"}, rt
            )
            session = (await create_session(rt, values, by=None, source="bench")).session
            rng = np.random.default_rng(7)
            frame = pd.DataFrame({key: rng.integers(2, 5, rows) for key in UNSUR_KEYS})
            started = time.perf_counter()
            await import_responses(rt, frame, session.id)
            stored_seconds = time.perf_counter() - started

            sim = SimClock()
            workbook = GoogleWorkbook(key, fake.spreadsheet_id, endpoint=fake.endpoint, timeout=10.0)
            sync = SheetsSync(rt, workbook, clock=sim)
            before = len(fake.requests_log)
            timeline: list[tuple[float, str, str]] = []  # (simulated second, method, path)
            started = time.perf_counter()
            flushes = 0
            while True:
                result = await sync.flush()
                flushes += 1
                for method, path, _ in fake.requests_log[before:]:
                    timeline.append((sim.now, method, path))
                before = len(fake.requests_log)
                if result.error:
                    raise SystemExit(f"flush failed: {result.error}")
                if result.pending == 0:
                    break
                sim.now += FLUSH_SECONDS
            flush_seconds = time.perf_counter() - started
            async with store.connect() as conn:
                waiting, _ = await sheet_rows.lag(conn)
            await store.close()
    finally:
        fake.stop()

    sheet = fake.values("Jawaban")
    keys = Counter(row[0] for row in sheet[1:] if row)
    duplicated = sum(n - 1 for n in keys.values() if n > 1)
    writes = [(t, p) for t, m, p in timeline if is_write(m, p)]
    appends = [p for _, p in writes if ":append" in p]
    api = [(t, m) for t, m, p in timeline if "/token" not in p]

    def peak(events: list) -> int:
        times = sorted(t for t, *_ in events)
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - 60:
                j += 1
            best = max(best, i - j + 1)
        return best

    per_500 = len(writes) / (rows / 500)
    print(f"rows stored (import path)      {rows} in {stored_seconds:.1f} s")
    print(
        f"flushes                        {flushes} over {sim.now:.0f} simulated s ({flush_seconds:.1f} s real)"
    )
    print(
        f"write requests                 {len(writes)} ({len(appends)} appends; the rest: sheet setup, Ringkasan)"
    )
    print(f"write requests per 500 rows    {per_500:.2f}   (goal <= 1) {'OK' if per_500 <= 1 else 'MISSED'}")
    peak_writes, peak_all = peak(writes), peak(api)
    print(
        f"peak write requests / 60 s     {peak_writes}   (goal <= 60) {'OK' if peak_writes <= 60 else 'MISSED'}"
    )
    print(
        f"peak API requests / 60 s       {peak_all}   (reads included; goal <= 60) {'OK' if peak_all <= 60 else 'MISSED'}"
    )
    for path, n in Counter(
        p.split("?")[0].split("/values/")[0] + (" :append" if ":append" in p else "") for _, p in writes
    ).most_common():
        print(f"    {n:3d} x {path}")
    print(
        f"rows in the sheet              {sum(keys.values())}, duplicated {duplicated}, still queued {waiting}"
    )
    if sum(keys.values()) != rows or duplicated or waiting:
        raise SystemExit("MISSED: not every row landed exactly once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    asyncio.run(run(parser.parse_args().rows))


if __name__ == "__main__":
    main()
