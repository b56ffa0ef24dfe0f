"""Benchmark: resident memory of the running bot while it works, and the wall time of `ngopas --help`.

The bot runs as a real process (`ngopas run`) against the local Telegram emulator, with a database holding
50,000 subscribed chats (half private, half groups) and 100 upcoming sessions.  Its memory is read from
/proc (VmRSS, and the peak VmHWM) in three phases:
  idle       after it answered /jadwal and its sweeps ran over all of that data;
  broadcast  while it announces a new session to all 50,000 chats (sampled for --broadcast-seconds);
  survey     while 200 people answer the whole satisfaction survey at once (their answers reach the sheet).

The survey driver (`answer_survey`) answers as a person does: it reads the newest message carrying survey
buttons (not the intro or a reminder below it), types a sentence where the question asks for typing, presses
"Kirim", "Lewati" or the best rating otherwise, and waits for the bot before answering again.  Every 10 s it
prints buttons pressed, texts typed, surveys finished and responses stored, and what a waiting person sees.

Where the bot's memory goes (Dec 2026): openpyxl for the local workbook 8.5 MB plus Pillow 2.4 MB (numpy,
10.5 MB, is kept out: sheets/local_xlsx.py); Alembic loads only for a database below the head revision;
`holidays` loads Indonesia alone (all 279 countries were 8 MB, from the first survey suggestion's ticket on).
The survey phase still adds ~15-20 MB over idle.  Writers queued for SQLite's lock no longer hold pool
connections (Store.begin), so the bot stays at 8-9 threads instead of 18, yet RSS is about the same; a 512 KiB
page cache per connection plus malloc_trim when a pool connection closes gave no clear gain either.  Measured
(5,000 chats, 3 Dec 2026: idle 137.3 MB, answering 152.8-153.8): CPython's small-object arenas grow by ~7 MB
(sys._debugmallocstats: 68 -> 75 arenas, of which ~4 MB live objects and ~3 MB free blocks kept by
fragmentation); the new live objects are mostly the pacer's per-chat windows (bot/delivery/pacing.py, a
deque per chat, up to 10,000 chats), the coroutines of updates in flight, outbox items and messages; the rest
(~6 MB) is malloc's (SQLite, buffers, objects over 512 bytes).
pandas (43 MB) loads only for reports.

Run: .venv/bin/python -m bench.footprint [--chats 50000] [--broadcast-seconds 60] [--respondents 200] [--keep]
Prints RSS per phase and the peak in MB (goal <= 150 MB), and `ngopas --help` best of 5 (goal < 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.base.clock import Clock
from bot.base.i18n import t
from bot.dev.emulator import FakeTelegram, SentMessage
from bot.dev.sandbox import SANDBOX_TOKEN, sandbox_settings
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, chats, surveys
from bot.store import sessions as store_sessions
from bot.store.chats import ALL_SECTIONS

from .broadcast import spawn, uptime
from .survey_session import insert_open_survey

CHATS = 50_000
RESPONDENTS = 200
SESSIONS = 100
RETAP_SECONDS = 20.0  # a person taps again when nothing happened for this long
SURVEY_SECONDS = 600.0
THANKS = "Terima kasih atas penilaian"  # the survey's closing words (definitions/ngopas.yaml)
TYPE_PROMPT = t("survey.type_answer", "id")  # a question answered by typing
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


@dataclass
class Respondent:
    """One simulated person: what they last acted on, so they act once per question (as a person reads the
    new question before pressing), and again only if nothing changed for a long while (a lost tap)."""

    user: int
    seen: tuple[int, str, str] | None = None  # (message id, text, buttons) of what they last answered
    acted_at: float = 0.0
    presses: int = 0
    typed: int = 0
    finished: bool = False
    last: str = ""


def survey_message(tg: FakeTelegram, user: int) -> tuple[SentMessage | None, list[dict[str, Any]]]:
    """The question a person sees: the newest message carrying survey buttons (`sv:` callbacks), not the
    intro or a reminder below it, which have none."""
    for msg in reversed(tg.messages(user)):
        buttons = [b for row in tg.buttons(msg) for b in row if b.get("callback_data", "").startswith("sv:")]
        if buttons:
            return msg, buttons
    return None, []


def act(tg: FakeTelegram, person: Respondent, now: float) -> None:
    """Read the current question and answer it as a person does: type a sentence where it asks for typing,
    press "Kirim" on the summary, "Lewati" on an optional question, the best rating otherwise."""
    if any(THANKS in (m.text or "") for m in tg.messages(person.user)[-2:]):
        person.finished = True
        return
    question, buttons = survey_message(tg, person.user)
    if question is None:
        return  # the question has not arrived yet
    text = question.text or ""
    person.last = f"{text[-70:]!r} {[b['callback_data'] for b in buttons]}"
    state = (question.message_id, text, " ".join(b["callback_data"] for b in buttons))
    if state == person.seen and now - person.acted_at < RETAP_SECONDS:
        return  # the bot has not answered the last answer yet: a person waits
    person.seen, person.acted_at = state, now
    if TYPE_PROMPT in text:
        tg.send_text(person.user, "Sudah baik, terima kasih. Semoga dialognya rutin diadakan.")
        person.typed += 1
        return
    codes = {b["callback_data"].rsplit(":", 1)[-1]: b for b in buttons}
    choices = [b for code, b in codes.items() if code.startswith("o")]
    target = codes.get("k") or codes.get("s") or (choices[-1] if choices else None)
    if target is not None:
        tg.press_button(person.user, person.user, question.message_id, target["callback_data"])
        person.presses += 1


async def answer_survey(rt: Runtime, tg: FakeTelegram, users: list[int], session_id: int) -> int:
    """Every user answers until the survey thanks them; prints progress every few seconds (a stall shows);
    returns how many finished."""
    people = [Respondent(u) for u in users]
    loop = asyncio.get_running_loop()
    started = next_report = loop.time()
    while loop.time() - started < SURVEY_SECONDS:
        now = loop.time()
        for person in people:
            if not person.finished:
                act(tg, person, now)
        done = sum(p.finished for p in people)
        if done == len(people) or now >= next_report:
            async with rt.store.connect() as conn:
                stored = len(await surveys.responses(conn, session_id=session_id))
            print(
                f"  {now - started:5.0f} s: {sum(p.presses for p in people)} buttons pressed,"
                f" {sum(p.typed for p in people)} texts typed, {done}/{len(people)} finished,"
                f" {stored} responses stored",
                flush=True,
            )
            stalled = [
                p for p in people if not p.finished and p.seen and now - p.acted_at > RETAP_SECONDS / 2
            ]
            if stalled:
                print(f"         {len(stalled)} waiting; one of them sees: {stalled[0].last}", flush=True)
            next_report = now + 10
        if done == len(people):
            break
        await asyncio.sleep(0.2)
    stuck = [p for p in people if not p.finished]
    if stuck:
        print(f"  {len(stuck)} did not finish; one of them last saw: {stuck[0].last}")
    return len(people) - len(stuck)


@contextlib.contextmanager
def work_directory(keep: bool) -> Iterator[Path]:
    """A temporary directory for the database and the bot's log; with `keep` it stays for reading after."""
    path = Path(tempfile.mkdtemp(prefix="footprint-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def stall_report(tg: FakeTelegram, user: int) -> str:
    """What the emulator saw for one chat: calls per method and status (a stalled person's story)."""
    seen: dict[str, int] = {}
    for r in tg.requests:
        if r.params.get("chat_id") == user or r.params.get("user_id") == user:
            key = f"{r.method}/{r.status}"
            seen[key] = seen.get(key, 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in sorted(seen.items()))


async def main(
    n_chats: int, broadcast_seconds: float, respondents: int = RESPONDENTS, keep: bool = False
) -> None:
    print(f"uptime: {uptime()}")
    with work_directory(keep) as workdir:
        print(f"bot log: {workdir / 'bot.log'}{'' if keep else ' (removed at the end; --keep keeps it)'}")
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
                print(f"  idle: {idle:.1f} MB", flush=True)

                # Broadcast: a new session announced to every chat.
                values = validate_fields(
                    {"title": "Dialog Akbar", "section": "Bimas Islam", "when": "23/03/2030 09.00"}, rt
                )
                before = tg.count("sendMessage")
                await create_session(rt, values, by=None, source="bench")
                broadcast, _ = await sample(proc.pid, broadcast_seconds)
                sent = tg.count("sendMessage") - before
                print(f"  broadcasting: {broadcast:.1f} MB, {sent} sent", flush=True)

                # Survey: a session that ended an hour ago, `respondents` people answering at once.
                now = rt.clock.now()
                async with rt.store.begin() as conn:
                    session = await insert_open_survey(conn, now, "Dialog Selesai")
                users = list(range(900_000, 900_000 + respondents))
                for u in users:
                    tg.add_user(u, "Responden")
                    tg.send_text(u, f"/start sv{session.id}")
                answering = asyncio.create_task(answer_survey(rt, tg, users, session.id))
                survey, _ = await sample(proc.pid, SURVEY_SECONDS + 30, until=answering.done)
                finished = await answering
                if finished < respondents:
                    stuck = next(
                        u for u in users if "Terima kasih" not in (tg.messages(u) or [None])[-1].text
                    )  # type: ignore[union-attr]
                    print(f"  emulator calls for {stuck}: {stall_report(tg, stuck)}")
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
    survey_ok = finished == respondents and stored == respondents
    goal = "goal <= 150 MB"
    print(f"chats / sessions         {n_chats} / {SESSIONS}")
    print(f"idle                     {idle:6.1f} MB RSS             {goal} {verdict(idle)}")
    print(
        f"broadcasting             {broadcast:6.1f} MB RSS at most     {goal} {verdict(broadcast)}"
        f"  ({sent} of {n_chats} sent in {broadcast_seconds:.0f} s)"
    )
    print(
        f"{respondents} answering{' ' * (15 - len(str(respondents)))}{survey:6.1f} MB RSS at most     {goal} {verdict(survey)}"
        f"  ({finished} finished the survey, {stored} responses stored)"
    )
    if not broadcast_ok:
        print(f"  broadcast phase NOT VALID: only {sent} messages sent")
    if not survey_ok:
        print(f"  survey phase NOT VALID: {finished} of {respondents} finished, {stored} responses stored")
    print(f"peak (VmHWM)             {peak:6.1f} MB                 {goal} {verdict(peak)}")
    print(
        f"ngopas --help            {seconds:6.3f} s  best of 5         goal < 0.5 s   {'OK' if seconds < 0.5 else 'MISSED'}"
    )
    print(f"uptime: {uptime()}")


def verdict(mb: float) -> str:
    return "OK" if mb <= 150 else "MISSED"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=CHATS)
    parser.add_argument("--broadcast-seconds", type=float, default=60.0)
    parser.add_argument("--respondents", type=int, default=RESPONDENTS)
    parser.add_argument("--keep", action="store_true", help="keep the work directory and the bot's log")
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.broadcast_seconds, args.respondents, args.keep))
