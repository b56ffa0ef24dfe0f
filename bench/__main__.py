"""Run every benchmark, one after the other: python -m bench (or `make bench`), about fifteen minutes.

Each one can also run alone: python -m bench.<name> (see its docstring for options).
"""

import asyncio

from . import broadcast, footprint, report_1m, report_db, sheets_lag, sheets_sync, updates

if __name__ == "__main__":
    print("== broadcast: 5,000 chats ==")
    asyncio.run(broadcast.main(5000, False))
    print("\n== broadcast: 5,000 chats, SIGKILL at 50 % and restart ==")
    asyncio.run(broadcast.main(5000, True))
    print("\n== update handling: 2,000 survey presses, 200 respondents ==")
    asyncio.run(updates.main())
    print("\n== Sheets sync: 10,000 responses ==")
    asyncio.run(sheets_sync.run(10_000))
    print("\n== Sheets: event-loop stall of a flush at 100,000 answers; writes of a live survey ==")
    asyncio.run(sheets_lag.stall(100_000))
    asyncio.run(sheets_lag.live_survey())
    print("\n== report over 1,000,000 responses (pure computation floor: a pickle) ==")
    report_1m.main()
    print("\n== ngopas report over 1,000,000 stored responses ==")
    report_db.main()
    print("\n== footprint ==")
    # Its broadcast/survey driver does not work yet (issue 17 #6): only the idle figure is valid.
    asyncio.run(footprint.main(footprint.CHATS, 60.0))
