"""Benchmark: resident memory of the running bot while it works, and the wall time of `ngopas --help`.

The bot runs as a real process (`ngopas run`) against the local Telegram emulator, with a database holding
50,000 subscribed chats (half private, half groups) and 100 upcoming sessions.  Its memory is read from
/proc (VmRSS, and the peak VmHWM) in three phases:
  idle       after it answered /jadwal and its sweeps ran over all of that data;
  broadcast  while it announces a new session to all 50,000 chats (sampled for --broadcast-seconds);
  survey     while 200 people answer the whole satisfaction survey at once (their answers reach the sheet).

Run: .venv/bin/python -m bench.footprint [--chats 50000] [--broadcast-seconds 60]
Prints RSS per phase and the peak in MB (goal <= 150 MB), and `ngopas --help` best of 5 (goal < 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.base.clock import Clock
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, sandbox_settings
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, chats, surveys
from bot.store import sessions as store_sessions
from bot.store.chats import ALL_SECTIONS

from .broadcast import spawn

CHATS = 50_000
RESPONDENTS = 200
SESSIONS = 100
SECTIONS = ["TU/Kerukunan Umat Beragama", "Bimas Islam", "PHU", "Pendidikan Islam"]


async def prepare(workdir: Path, tg: FakeTelegram, n_chats: int) -> Runtime:
    settings = sandbox_settings(workdir)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    now = rt.clock.now()
    async with store.begin() as conn:
        for i in range(n_chats):
            cid = 100_000 + i if i % 2 else -2_000_000 - i
            kind = "private" if cid > 0 else "supergroup"
            tg.add_user(cid, f"Warga {i}") if cid > 0 else tg.add_group(cid, f"Grup {i}", supergroup=True)
            await chats.upsert_chat(
                conn, chat_id=cid, type=kind, title=None if cid > 0 else f"Grup {i}", now=now
            )
            await chats.set_subscriptions(conn, cid, [ALL_SECTIONS], by=None, now=now)
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


async def sample(pid: int, seconds: float, until: Callable[[], bool] = lambda: False) -> tuple[float, float]:
    """Largest RSS seen while sampling every 0.5 s for `seconds` (or until `until()`), and the peak (VmHWM)."""
    worst = 0.0
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end and not until():
        worst = max(worst, rss_mb(pid)[0])
        await asyncio.sleep(0.5)
    rss, peak = rss_mb(pid)
    return max(worst, rss), peak


async def answer_survey(tg: FakeTelegram, users: list[int]) -> int:
    """Every user answers as people do: the newest message's buttons (keep the suggested answer, skip an
    optional question, else the last option), or a typed sentence where text is asked, until the survey
    thanks them; returns how many finished."""
    finished: set[int] = set()
    for _ in range(120):
        for user in users:
            if user in finished:
                continue
            msgs = tg.messages(user)
            if not msgs:
                continue
            last = msgs[-1]
            text = last.text or ""
            if "sudah kami terima" in text or "Terima kasih atas penilaian" in text:
                finished.add(user)
                continue
            options = [
                b
                for row in tg.buttons(last)
                for b in row
                if b.get("callback_data", "").split(":")[-1].startswith(("o", "k", "s"))
            ]
            if options:
                target = next((b for b in options if b["callback_data"].endswith(":k")), None) or next(
                    (b for b in options if b["callback_data"].endswith(":s")), options[-1]
                )
                tg.press_button(user, user, last.message_id, target["callback_data"])
            elif not tg.buttons(last):
                tg.send_text(user, "Sudah baik, terima kasih.")
        if len(finished) == len(users):
            break
        await asyncio.sleep(0.5)
    stuck = [u for u in users if u not in finished]
    if stuck:
        last = tg.messages(stuck[0])
        print(
            f"  ({len(stuck)} did not finish; one of them last saw: {(last[-1].text or '')[:60]!r} {[b.get('callback_data') for row in tg.buttons(last[-1]) for b in row]})"
            if last
            else f"  ({len(stuck)} did not finish; one got no message)"
        )
    return len(finished)


async def main(n_chats: int, broadcast_seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        async with FakeTelegram(token=SANDBOX_TOKEN) as tg:
            rt = await prepare(workdir, tg, n_chats)
            proc = spawn(workdir, tg, rt)
            try:
                user = 999_001
                tg.add_user(user, "Warga")
                await tg.wait_for(lambda: tg.count("getUpdates") > 0, timeout=60)
                tg.send_text(user, "/jadwal")
                await tg.wait_for(lambda: bool(tg.messages(user)), timeout=60)
                await asyncio.sleep(20)  # a sweep over the schedule and the first outbox/sheets rounds
                assert proc.poll() is None, (workdir / "bot.log").read_text()[-2000:]
                idle, _ = rss_mb(proc.pid)

                # Broadcast: a new session announced to every chat.
                values = validate_fields(
                    {"title": "Dialog Akbar", "section": "Bimas Islam", "when": "23/03/2030 09.00"}, rt
                )
                before = tg.count("sendMessage")
                await create_session(rt, values, by=None, source="bench")
                broadcast, _ = await sample(proc.pid, broadcast_seconds)
                sent = tg.count("sendMessage") - before

                # Survey: a session that ended an hour ago, 200 people answering at once.
                now = rt.clock.now()
                async with rt.store.begin() as conn:
                    session = await store_sessions.insert_session(
                        conn,
                        {
                            "title": "Dialog Selesai",
                            "section": "PHU",
                            "venue": "Aula",
                            "starts_at": now - timedelta(hours=2),
                            "ends_at": now - timedelta(hours=1),
                            "survey_closes_at": now + timedelta(days=7),
                            "source": "bench",
                        },
                        now,
                    )
                users = list(range(900_000, 900_000 + RESPONDENTS))
                for u in users:
                    tg.add_user(u, "Responden")
                    tg.send_text(u, f"/start sv{session.id}")
                answering = asyncio.create_task(answer_survey(tg, users))
                survey, _ = await sample(proc.pid, 600, until=answering.done)
                finished = await answering
                async with rt.store.connect() as conn:
                    stored = len(await surveys.responses(conn, session_id=session.id))
                assert proc.poll() is None, (workdir / "bot.log").read_text()[-2000:]
                _, peak = rss_mb(proc.pid)
            finally:
                proc.terminate()
                try:  # in a thread: the bot says goodbye to the emulator, which runs on this loop
                    await asyncio.to_thread(proc.wait, 30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            await rt.store.close()
    seconds = help_seconds()
    # A phase's figure means something only if the bot really worked in it.
    broadcast_ok = sent >= min(n_chats, broadcast_seconds * 30) * 0.5
    survey_ok = finished == RESPONDENTS and stored == RESPONDENTS
    print(f"chats / sessions         {n_chats} / {SESSIONS}")
    print(f"idle                     {idle:6.1f} MB RSS")
    print(
        f"broadcasting             {broadcast:6.1f} MB RSS at most ({sent} of {n_chats} sent in {broadcast_seconds:.0f} s)"
    )
    print(
        f"{RESPONDENTS} answering          {survey:6.1f} MB RSS at most ({finished} finished the survey,"
        f" {stored} responses stored)"
    )
    if not broadcast_ok:
        print(f"  broadcast phase NOT VALID: only {sent} messages sent")
    if not survey_ok:
        print(f"  survey phase NOT VALID: {finished} of {RESPONDENTS} finished, {stored} responses stored")
    print(f"peak (VmHWM)             {peak:6.1f} MB      goal <= 150 MB {'OK' if peak <= 150 else 'MISSED'}")
    print(
        f"ngopas --help            {seconds:6.3f} s  best of 5     goal < 0.5 s  {'OK' if seconds < 0.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=CHATS)
    parser.add_argument("--broadcast-seconds", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.broadcast_seconds))
