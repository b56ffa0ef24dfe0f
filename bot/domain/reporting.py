"""Finished responses from the store as the DataFrame `reports/` expects (one row per respondent).

Only counted responses (not the ones a person replaced) and only what the respondent chose to give; no
Telegram id, name or pseudonym leaves the store.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import select

from bot.domain.runtime import Runtime
from bot.domain.survey.engine import definition_for
from bot.store import schema as s

PROFILE = ("jenis_kelamin", "umur", "pendidikan", "pekerjaan")


async def responses_frame(
    rt: Runtime, *, session_id: int | None = None, section: str | None = None
) -> pd.DataFrame:
    defn = definition_for(rt)
    q = (
        select(s.response, s.session.c.title, s.session.c.section)
        .join(s.session, s.session.c.id == s.response.c.session_id)
        .where(s.response.c.replaced_by.is_(None))
        .order_by(s.response.c.finished_at)
    )
    if session_id is not None:
        q = q.where(s.response.c.session_id == session_id)
    if section:
        q = q.where(s.session.c.section == section)
    async with rt.store.connect() as conn:
        rows = (await conn.execute(q)).all()
    ikm_keys = [qq.key for qq in defn.questions if qq.kind in ("ikm", "scale")]
    records: list[dict[str, Any]] = []
    for row in rows:
        record: dict[str, Any] = {
            "response_id": row.id,
            "session_id": row.session_id,
            "session_title": row.title,
            "section": row.section,
            "finished_at": row.finished_at,
            "channel": row.channel,
        }
        for key in ikm_keys:
            record[key] = defn.numeric_value(key, row.answers.get(key))
        for key in PROFILE:
            value = row.answers.get(key)
            record[key] = defn.question(key).label(value, "id") if value else None
        record["saran"] = row.answers.get("saran")
        for key, text in (row.followups or {}).items():
            record[f"perbaikan_{key}"] = text
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True).dt.tz_convert(rt.tz)
    disabled = set(defn.disabled_unsur)
    for key in ikm_keys:
        frame[key] = frame[key].astype("Int64")
    return frame.drop(columns=[k for k in disabled if k in frame.columns])


async def import_frame(
    rt: Runtime, frame: pd.DataFrame, session_id: int, on_row: Callable[[], None] | None = None
) -> int:
    """Store CSV/paper responses for a session (channel "import"); returns how many were stored."""
    from bot.store import surveys
    from bot.store.surveys import Response

    defn = definition_for(rt)
    keys = [q.key for q in defn.questions if q.kind == "ikm"]
    now = rt.clock.now()
    stored = 0
    async with rt.store.begin() as conn:
        for record in frame.to_dict("records"):
            answers = {k: str(int(record[k])) for k in keys if k in record and pd.notna(record[k])}
            if record.get("saran"):
                answers["saran"] = str(record["saran"])
            finished = record.get("finished_at")
            response = Response(
                id="I" + secrets.token_hex(8),
                session_id=session_id,
                respondent="import:" + secrets.token_hex(12),
                definition_id=defn.id,
                definition_version=defn.version,
                channel="import",
                answers=answers,
                followups={},
                started_at=None,
                finished_at=finished.to_pydatetime() if finished is not None and pd.notna(finished) else now,
                replaced_by=None,
            )
            await surveys.insert_response(conn, response)
            for hook in rt.response_hooks:
                await hook(conn, rt, response)
            stored += 1
            if on_row is not None:
                on_row()
    return stored
