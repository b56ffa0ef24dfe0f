"""Benchmark: resident memory of the running bot with 10,000 subscribed chats and 100 sessions, and the
wall time of `ngopas --help`.

The bot runs as a real process (`ngopas run`) against the local Telegram emulator, with a database holding
10,000 subscribed chats (half private, half groups) and 100 sessions (with their reminder schedule).  Its
memory is read from /proc after it has answered /jadwal and its sweeps ran over all of that data.

Run: .venv/bin/python -m bench.footprint
Prints RSS and peak RSS in MB (goal <= 150 MB) and `ngopas --help` best of 5 (goal < 0.5 s).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.base.clock import Clock
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, sandbox_settings
from bot.domain.runtime import Runtime
from bot.store import Store, chats
from bot.store import sessions as store_sessions

from .broadcast import spawn

CHATS = 10_000
SESSIONS = 100
SECTIONS = ["TU/Kerukunan Umat Beragama", "Bimas Islam", "PHU", "Pendidikan Islam"]


async def prepare(workdir: Path, tg: FakeTelegram) -> Runtime:
    settings = sandbox_settings(workdir)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    now = rt.clock.now()
    async with store.begin() as conn:
        for i in range(CHATS):
            cid = 100_000 + i if i % 2 else -2_000_000 - i
            kind = "private" if cid > 0 else "supergroup"
            await chats.upsert_chat(
                conn, chat_id=cid, type=kind, title=None if cid > 0 else f"Grup {i}", now=now
            )
            await chats.set_subscriptions(conn, cid, [SECTIONS[i % 4]], by=None, now=now)
        for i in range(SESSIONS):
            # Sessions spread over the coming months, stored as the office's sheet import stores them; their
            # announcements are assumed sent (a million outbox rows is a broadcast benchmark, not this one).
            starts = now + timedelta(days=7 + i, hours=1)
            session = await store_sessions.insert_session(
                conn,
                {
                    "title": f"Dialog NGOPAS {i + 1}",
                    "section": SECTIONS[i % 4],
                    "venue": "Aula Kantor Kemenag Kota Magelang",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "zoom_url": "https://zoom.us/j/123456789",
                    "youtube_url": "https://youtube.com/live/abc",
                    "speaker": "Narasumber",
                    "survey_closes_at": starts + timedelta(days=9),
                    "source": "bench",
                },
                now,
            )
            for minutes in (1440, 60):
                await store_sessions.add_schedule(
                    conn, session.id, f"reminder:{minutes}", 1, starts - timedelta(minutes=minutes)
                )
    return rt


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def help_seconds() -> float:
    ngopas = Path(sys.executable).with_name("ngopas")
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([str(ngopas), "--help"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        async with FakeTelegram(token=SANDBOX_TOKEN) as tg:
            rt = await prepare(workdir, tg)
            proc = spawn(workdir, tg, rt)
            try:
                user = 999_001
                tg.add_user(user, "Warga")
                await tg.wait_for(lambda: tg.count("getUpdates") > 0, timeout=60)
                tg.send_text(user, "/jadwal")
                await tg.wait_for(lambda: bool(tg.messages(user)), timeout=60)
                await asyncio.sleep(20)  # a sweep over the schedule and the first outbox/sheets rounds
                assert proc.poll() is None, (workdir / "bot.log").read_text()[-2000:]
                rss, peak = rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(30)
            await rt.store.close()
    seconds = help_seconds()
    print(f"chats / sessions         {CHATS} / {SESSIONS}")
    print(
        f"resident memory          {rss:6.1f} MB (peak {peak:.1f} MB)  goal <= 150 MB {'OK' if peak <= 150 else 'MISSED'}"
    )
    print(
        f"ngopas --help            {seconds:6.3f} s  best of 5     goal < 0.5 s  {'OK' if seconds < 0.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    asyncio.run(main())
