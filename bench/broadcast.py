"""Benchmark: one announcement to N subscribed chats (half private, half groups) through the emulator,
which enforces Telegram's limits.  The bot runs as a real process (`ngopas run`); with --kill it is
SIGKILLed at 50 % and restarted.

Run: .venv/bin/python -m bench.broadcast [--chats 5000] [--kill]
Prints achieved msg/s as a ratio to Telegram's 30 msg/s (goal >= 0.95), 429s (goal 0), lost and duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.base.clock import Clock
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, empty_env_file, sandbox_settings
from bot.domain.runtime import Runtime
from bot.domain.sessions import create_session, validate_fields
from bot.store import Store, chats, outbox


def chat_id(i: int) -> int:
    return 10_000 + i if i % 2 else -1_000_000 - i


async def prepare(workdir: Path, tg: FakeTelegram, n: int) -> Runtime:
    settings = sandbox_settings(workdir)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    now = rt.clock.now()
    async with store.begin() as conn:
        for i in range(n):
            cid = chat_id(i)
            tg.add_user(cid, f"Warga {i}") if cid > 0 else tg.add_group(cid, f"Grup {i}", supergroup=True)
            await chats.upsert_chat(
                conn, chat_id=cid, type="private" if cid > 0 else "supergroup", title=None, now=now
            )
            await chats.set_subscriptions(conn, cid, ["Bimas Islam"], by=None, now=now)
    values = validate_fields(
        {"title": "Dialog Akbar", "section": "Bimas Islam", "when": "23/03/2030 09.00"}, rt
    )
    await create_session(rt, values, by=None, source="bench")
    return rt


def spawn(workdir: Path, tg: FakeTelegram, rt: Runtime) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NGOPAS_BOT_TOKEN": tg.token,
        "NGOPAS_BOT_API_BASE_URL": tg.base_url,
        "NGOPAS_DATABASE_URL": rt.settings.database_url,
        "NGOPAS_PSEUDONYM_SALT": rt.settings.pseudonym_salt.get_secret_value(),
        "NGOPAS_WORKBOOK_PATH": str(workdir / "wb.xlsx"),
    }
    log = (workdir / "bot.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--env-file", str(empty_env_file(workdir))],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def main(n: int, kill: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        async with FakeTelegram(token=SANDBOX_TOKEN) as tg:
            rt = await prepare(workdir, tg, n)
            proc = spawn(workdir, tg, rt)
            sent = lambda: tg.count("sendMessage")  # noqa: E731
            killed_at = None
            try:
                while True:
                    async with rt.store.connect() as conn:
                        stats = await outbox.stats(conn)
                    if not stats.by_state.get("pending") and not stats.by_state.get("sending"):
                        break
                    if kill and killed_at is None and sent() >= n // 2:
                        proc.send_signal(signal.SIGKILL)
                        proc.wait()
                        killed_at = sent()
                        print(
                            f"killed at +{tg.clock() - min(r.time for r in tg.requests if r.method == 'sendMessage'):.2f} s"
                        )
                        proc = spawn(workdir, tg, rt)
                    await asyncio.sleep(0.05)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
            times = [r.time for r in tg.requests if r.method == "sendMessage" and r.status == 200]
            counts = [len(tg.messages(chat_id(i))) for i in range(n)]
            async with rt.store.connect() as conn:
                stats = await outbox.stats(conn)
            await rt.store.close()
    span = times[-1] - times[0] if len(times) > 1 else 1.0
    rate = (len(times) - 1) / span
    print(f"chats                    {n:>8}")
    print(f"killed at                {killed_at if killed_at is not None else '-':>8}")
    print(
        f"achieved                 {rate:>8.2f} msg/s  ratio to 30 msg/s: {rate / 30:.3f} (goal >= 0.95) {'OK' if rate / 30 >= 0.95 else 'MISSED'}"
    )
    if killed_at is not None and len(times) > 1:
        gap = max(b - a for a, b in zip(times, times[1:], strict=False))
        print(f"restart gap              {gap:>8.2f} s  (SIGKILL to the new process's first send)")
    print(f"429 received             {tg.rate_limited:>8}  (goal 0)")
    ok_times = sorted(r.time for r in tg.requests if r.method == "sendMessage" and r.status == 200)
    for r in (r for r in tg.requests if r.status == 429):
        before = sum(1 for t in ok_times if r.time - 1.0 < t <= r.time)
        since_start = r.time - ok_times[0] if ok_times else 0.0
        print(
            f"    429 to chat {r.params.get('chat_id')} at +{since_start:.2f} s, {before} sends in the second before"
        )
    print(
        f"lost                     {sum(1 for c in counts if c == 0):>8}  (goal 0; 'uncertain' rows: {stats.by_state.get('uncertain', 0)})"
    )
    print(f"duplicated               {sum(1 for c in counts if c > 1):>8}  (goal 0)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--kill", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.kill))
