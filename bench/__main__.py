"""Run every benchmark, one after the other: python -m bench (or `make bench`), about fifteen minutes.

Each one can also run alone: python -m bench.<name> (see its docstring for options).
"""

import asyncio

from . import broadcast, footprint, report_1m, sheets_sync, updates

if __name__ == "__main__":
    print("== broadcast: 5,000 chats ==")
    asyncio.run(broadcast.main(5000, False))
    print("\n== broadcast: 5,000 chats, SIGKILL at 50 % and restart ==")
    asyncio.run(broadcast.main(5000, True))
    print("\n== update handling: 2,000 survey presses, 200 respondents ==")
    asyncio.run(updates.main())
    print("\n== Sheets sync: 10,000 responses ==")
    asyncio.run(sheets_sync.run(10_000))
    print("\n== report over 1,000,000 responses ==")
    report_1m.main()
    print("\n== footprint ==")
    asyncio.run(footprint.main())
