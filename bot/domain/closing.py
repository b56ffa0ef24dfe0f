"""The closing record of a session (/tutup_sesi N, `ngopas session close N`): what staff write down after it.

Notes and photos are kept with the session and printed on its page of the SKM report (the documentation the
report's appendix asks for); every aspiration raised orally becomes a "Dari sesi" ticket, answered and
tracked like the others.  Each addition is committed at once, so a conversation cut short loses nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.aspirations import tickets_from_session
from bot.domain.runtime import Runtime
from bot.domain.sessions import SessionNotFound
from bot.store import attendance
from bot.store import sessions as store_sessions
from bot.store.attendance import Record

# A line staff start with "-", "•", "*" or "aspirasi:" is an aspiration; every other line is a note.
_ASPIRATION = re.compile(r"^\s*(?:[-•*]\s+|aspirasi\s*:\s*)(?P<text>.+)$", re.IGNORECASE)
NOTES_MAX = 20_000
PHOTOS_MAX = 30


@dataclass(frozen=True)
class Added:
    record: Record
    tickets: list[str]  # the tickets the aspirations became (one already made for a text is not repeated)


def split_text(text: str) -> tuple[str, list[str]]:
    """Staff's message → (notes, aspirations)."""
    notes, raised = [], []
    for line in (text or "").splitlines():
        match = _ASPIRATION.match(line)
        if match:
            raised.append(match["text"].strip())
        elif line.strip():
            notes.append(line.strip())
    return "\n".join(notes), raised


async def add(
    rt: Runtime,
    session_id: int,
    *,
    notes: str = "",
    photos: list[str] | None = None,
    aspirations: list[str] | None = None,
) -> Added:
    """Add to the session's record and turn the aspirations into tickets, in one transaction."""
    async with rt.store.begin() as conn:
        session = await store_sessions.get_session(conn, session_id)
        if session is None:
            raise SessionNotFound(session_id)
        before = await attendance.get_record(conn, session_id)
        kept = list(before.photos) if before else []
        room = max(0, PHOTOS_MAX - len(kept))
        record = await attendance.add_to_record(
            conn,
            session_id,
            notes=notes.strip()[:NOTES_MAX],
            photos=[p for p in photos or [] if p not in kept][:room],
            now=rt.clock.now(),
        )
        made = await tickets_from_session(conn, rt, session, [a for a in aspirations or [] if a.strip()])
    if made:
        rt.wake_sender()
    return Added(record, [a.ticket for a in made])


async def record_of(rt: Runtime, session_id: int) -> Record | None:
    async with rt.store.connect() as conn:
        return await attendance.get_record(conn, session_id)
