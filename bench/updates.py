"""Benchmark: survey button presses from 200 concurrent respondents, against a bare python-telegram-bot
handler that makes the same two API calls per press (answer the query, edit the message), on the same emulator.

Run: .venv/bin/python -m bench.updates
Prints throughput as a ratio to the bare handler (goal >= 0.8x, median of three alternating runs each), p50/p95
latency from a press to its edited reply at a steady rate of half the bare handler's burst throughput (goal
p95 < 20 ms), and whether every answer was stored exactly once.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bot.base.clock import FakeClock
from bot.delivery.service import SWEEP_SECONDS
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, running_sandbox
from bot.domain.sessions import create_session, validate_fields
from bot.store import schema, surveys

USERS = 200
ROUNDS = 10
TZ = ZoneInfo("Asia/Jakarta")


def option(tg: FakeTelegram, user: int) -> tuple[int, str]:
    msg = tg.messages(user)[-1]
    buttons = [
        b for row in tg.buttons(msg) for b in row if b.get("callback_data", "").split(":")[-1].startswith("o")
    ]
    return msg.message_id, buttons[-1]["callback_data"]


async def wait_edits(tg: FakeTelegram, expected: int) -> None:
    while tg.count("editMessageText") < expected:  # noqa: ASYNC110 - polling the emulator's counter
        await asyncio.sleep(0.002)


async def press_rounds(
    tg: FakeTelegram, users: list[int], rounds: int, rate: float | None
) -> tuple[float, list[float]]:
    """Inject presses (all at once per round, or paced at `rate`/s); returns (seconds, latencies in ms).

    Latencies of the first round are left out as warm-up (for both bots): in it, presses took ~100 ms in
    the handler while the same calls took ~15 ms a few seconds later, with the event loop not blocked; a bot
    that has been running for a minute is past that (HTTP connections opened, caches and code paths warm)."""
    latencies: list[float] = []
    start = time.perf_counter()
    for round_ in range(rounds):
        base = tg.count("editMessageText")
        injected = {}
        for user in users:
            message_id, data = option(tg, user)
            injected[user] = tg.clock()
            tg.press_button(user, user, message_id, data)
            if rate:
                await asyncio.sleep(1 / rate)
        await wait_edits(tg, base + len(users))
        edits = [r for r in tg.requests if r.method == "editMessageText"][base:]
        for r in edits:
            user = r.params["chat_id"]
            if user in injected:
                latency = (r.time - injected.pop(user)) * 1000
                if round_ > 0:
                    latencies.append(latency)
    return time.perf_counter() - start, latencies


async def ngopas(rate: float | None) -> tuple[float, list[float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(datetime(2026, 3, 20, 8, 0, tzinfo=TZ))
        # As deployed: the schedule swept every 15 s and the Sheets loop running, not the tests' fast cadence.
        async with running_sandbox(
            Path(tmp), clock=clock, sweep_seconds=SWEEP_SECONDS, sheets_loop=True
        ) as sb:
            values = validate_fields(
                {"title": "Dialog", "section": "PHU", "when": "20/03/2026 09.00-10.00"}, sb.rt
            )
            session = (await create_session(sb.rt, values, by=None, source="bench")).session
            clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
            users = list(range(30_000, 30_000 + USERS))
            for u in users:
                sb.tg.add_user(u, "Warga")
                sb.tg.send_text(u, f"/start sv{session.id}")
            await sb.settle()
            seconds, latencies = await press_rounds(sb.tg, users, ROUNDS, rate)
            await sb.settle()
            async with sb.rt.store.connect() as conn:
                drafts = [
                    await surveys.get_draft(conn, session.id, r)
                    for r in {d.respondent for d in await _all_drafts(conn)}
                ]
            stored_once = sum(1 for d in drafts if d and len(d.answers) == ROUNDS)
    return seconds, latencies, stored_once


async def _all_drafts(conn):  # noqa: ANN001, ANN202

    rows = await conn.execute(select(schema.survey_draft.c.respondent))
    return [type("D", (), {"respondent": r.respondent}) for r in rows]


async def echo(rate: float | None) -> tuple[float, list[float]]:
    async with FakeTelegram(token=SANDBOX_TOKEN) as tg:

        async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await update.callback_query.answer()
            await update.callback_query.edit_message_text(
                f"ok {update.update_id}",
                reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": "sv:1:1:o0"}]]},
            )

        app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).concurrent_updates(64).build()
        app.add_handler(CallbackQueryHandler(on_press))
        users = list(range(30_000, 30_000 + USERS))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0)
            tg.enforce_limits = False  # setting up the 200 question messages is not what is measured
            for u in users:
                tg.add_user(u, "Warga")
                await app.bot.send_message(
                    u, "q", reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": "sv:1:1:o0"}]]}
                )
            tg.enforce_limits = True
            seconds, latencies = await press_rounds(tg, users, ROUNDS, rate)
            await app.updater.stop()
            await app.stop()
    return seconds, latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


async def main() -> None:
    presses = USERS * ROUNDS
    # Alternate the two, three times, and take each one's median run: on a shared 2-core machine single runs
    # of the same handler vary widely (the bare one: 84, 88 and 123 presses/s in one invocation), and a
    # best-of would hand the ratio to whichever side had the luckiest 20 seconds.
    echo_runs, ours_runs, stored = [], [], 0
    for _ in range(3):
        echo_runs.append(presses / (await echo(None))[0])
        seconds, _, stored = await ngopas(None)
        ours_runs.append(presses / seconds)
    echo_rate, ours_rate = statistics.median(echo_runs), statistics.median(ours_runs)
    # Latency is measured under load the machine can carry: half of what the bare handler manages in a burst
    # (about 100 presses/s on a 2-core developer machine of 2026).  At the saturation point every handler's
    # latency is just its queue length.
    steady = max(10, round(echo_rate / 2 / 5) * 5)
    _, echo_lat = await echo(steady)
    _, ours_lat, _ = await ngopas(steady)
    ratio = ours_rate / echo_rate
    print(f"presses                       {presses}")
    print(
        f"bare PTB handler (burst)      {echo_rate:8.0f} presses/s   runs {', '.join(f'{r:.0f}' for r in echo_runs)}"
    )
    print(
        f"ngopas survey (burst)         {ours_rate:8.0f} presses/s   runs {', '.join(f'{r:.0f}' for r in ours_runs)}"
        f"   ratio {ratio:.2f}x (goal >= 0.8x) {'OK' if ratio >= 0.8 else 'MISSED'}"
    )
    print(
        f"latency at {steady} presses/s      bare p50 {pct(echo_lat, 50):.1f} ms p95 {pct(echo_lat, 95):.1f} ms"
    )
    print(
        f"                              ngopas p50 {pct(ours_lat, 50):.1f} ms p95 {pct(ours_lat, 95):.1f} ms (goal p95 < 20 ms) {'OK' if pct(ours_lat, 95) < 20 else 'MISSED'}"
    )
    print(f"respondents with all {ROUNDS} answers stored once: {stored}/{USERS}")


if __name__ == "__main__":
    asyncio.run(main())
