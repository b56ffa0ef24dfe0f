"""Run every benchmark, one after the other: python -m bench (or `make bench`), about fifteen minutes.

Each one can also run alone: python -m bench.<name> (see its docstring for options).
"""

import asyncio

from . import broadcast, footprint, report_1m, sheets_sync, updates

if __name__ == "__main__":
    print("== broadcast: 5,000 chats at a 100 ms and a 300 ms round trip (jitter +-5 % per leg) ==")
    asyncio.run(broadcast.main(5000, False, rtts=(0.1, 0.3)))
    print("\n== broadcast: 5,000 chats, 300 ms, SIGKILL at 50 % and restart ==")
    asyncio.run(broadcast.main(5000, True, rtts=(0.3,)))
    print("\n== broadcast: emulator floor (no network delay) ==")
    asyncio.run(broadcast.main(5000, False, rtts=(0.0,)))
    print("\n== broadcast: paid broadcast, ceiling raised to 1,000 msg/s, one process ==")
    asyncio.run(broadcast.main(5000, False, rtts=(0.1,), ceiling=1000))
    print("\n== broadcast: 200 groups x 25 announcements (20 a minute per group), paid ceiling ==")
    asyncio.run(broadcast.main(rtts=(0.1,), ceiling=1000, groups=200, per_group=25))
    print("\n== broadcast: two workers vs one on PostgreSQL, raised ceiling ==")
    asyncio.run(broadcast.scaling(5000, 200, 0.1, 0.05))
    print("\n== update handling: 2,000 survey presses, 200 respondents ==")
    asyncio.run(updates.main())
    print("\n== Sheets sync: 10,000 responses ==")
    asyncio.run(sheets_sync.run(10_000))
    print("\n== report over 1,000,000 responses ==")
    report_1m.main()
    print("\n== footprint ==")
    asyncio.run(footprint.main())
