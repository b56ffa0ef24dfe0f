"""The session a survey benchmark answers: a dialogue that ended an hour ago, its survey open for a week."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store import Connection
from bot.store import sessions as store_sessions
from bot.store.sessions import Session


async def insert_open_survey(conn: Connection, now: datetime, title: str) -> Session:
    """Stored as the office's sheet import stores a session (no announcement queued)."""
    return await store_sessions.insert_session(
        conn,
        {
            "title": title,
            "section": "PHU",
            "venue": "Aula",
            "starts_at": now - timedelta(hours=2),
            "ends_at": now - timedelta(hours=1),
            "survey_closes_at": now + timedelta(days=7),
            "source": "bench",
        },
        now,
    )
