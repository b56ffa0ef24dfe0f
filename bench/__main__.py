"""Run every benchmark, one after the other: python -m bench (or `make bench`); 35 minutes end to end on a quiet 2-core machine (3 December 2026), longer on a shared one.

Each one can also run alone: python -m bench.<name> (see its docstring for options).
"""

import asyncio

from . import broadcast, footprint, report_1m, report_db, sheets_lag, sheets_sync, updates


def section(title: str) -> None:
    """Each benchmark's heading, with the machine's load as it starts (the machine may be shared)."""
    print(f"\n== {title} ==\n   load: {broadcast.uptime()}", flush=True)


if __name__ == "__main__":
    section("broadcast: 5,000 chats at a 100 ms and a 300 ms round trip (jitter +-5 % per leg)")
    asyncio.run(broadcast.main(5000, False, rtts=(0.1, 0.3)))
    section("broadcast: 5,000 chats, 300 ms, SIGKILL at 50 % and restart")
    asyncio.run(broadcast.main(5000, True, rtts=(0.3,)))
    section("broadcast: emulator floor (no network delay)")
    asyncio.run(broadcast.main(5000, False, rtts=(0.0,)))
    section("broadcast: paid broadcast, ceiling raised to 1,000 msg/s, one process")
    asyncio.run(broadcast.main(5000, False, rtts=(0.1,), ceiling=1000))
    section("broadcast: 200 groups x 25 announcements (20 a minute per group), paid ceiling")
    asyncio.run(broadcast.main(rtts=(0.1,), ceiling=1000, groups=200, per_group=25))
    section("broadcast: two workers vs one on PostgreSQL, raised ceiling")
    asyncio.run(broadcast.scaling(5000, 200, 0.1, 0.05))
    section(
        "update handling: 200 respondents spread over the survey, about half finishing inside the measurement"
    )
    asyncio.run(updates.main())
    section("Sheets sync: 10,000 responses")
    asyncio.run(sheets_sync.run(10_000))
    section("Sheets: event-loop stall of a flush at 100,000 answers; writes of a live survey")
    asyncio.run(sheets_lag.stall(100_000))
    asyncio.run(sheets_lag.live_survey())
    section("report over 1,000,000 responses (pure computation floor: a pickle)")
    report_1m.main()
    section("ngopas report over 1,000,000 stored responses")
    report_db.main()
    section("footprint")
    # Each phase says whether the bot really worked in it (messages sent, answers stored).
    asyncio.run(footprint.main(footprint.CHATS, 60.0))
