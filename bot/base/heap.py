"""The running bot's memory: its start-up heap set aside from the garbage collector, and few malloc arenas.

After its imports (python-telegram-bot, SQLAlchemy, aiohttp, pydantic...) the bot holds some 155,000 objects
the collector tracks, and nearly all of them live as long as the process.  Python's full collection scans
every one of them each time it runs: 130-260 ms measured on the office's two-core machine, with the event
loop and every citizen's button press waiting.  `gc.freeze()` (the standard library's answer, made for
exactly this) moves the objects alive after start-up to a permanent generation that collections skip; what
the bot allocates afterwards is collected as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

M_ARENA_MAX = -8  # glibc's mallopt(3) parameter
MALLOC_ARENAS = 2


def settle() -> int:
    """Collect the start-up garbage, then freeze what is left; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Let glibc's malloc keep at most `arenas` arenas (mallopt M_ARENA_MAX, as MALLOC_ARENA_MAX would);
    True when it was set.

    By default every thread that allocates may get an arena of its own, up to eight per core, and an arena
    keeps what was freed in it.  The bot's threads are many and short of work (one per SQLite connection:
    up to 16 while 200 people answer at once, and the workers of `asyncio.to_thread`), so each kept a few
    megabytes: about 10 MB of the 200-respondent survey's memory (bench.footprint).  Two arenas is what the
    Python web servers' guides advise; the bot's threads wait on SQLite and the network, not on malloc.
    Called first thing, before any thread starts; elsewhere than glibc (Windows, macOS, musl) it does nothing.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
