"""Recurring sessions: a series is a template plus a rule; its occurrences are ordinary sessions, made ahead.

Each occurrence is a session of its own (its own number, announcement, reminders, survey and report line),
made when it comes within `NGOPAS_SERIES_HORIZON_DAYS` of now, by the same `open_session` a single session
uses.  An occurrence remembers the start the rule gave it (`occurrence_at`, unique per series), so expanding
the rule again (the next sweep, a restart, a second worker) never makes it twice, and moving or cancelling
one occurrence (`ngopas session edit|cancel N`) leaves the others and the rule alone.  Changing or
cancelling the whole series changes every occurrence not yet started, and the template for those to come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain import recurrence
from bot.domain.runtime import Runtime
from bot.domain.sessions import Change, SessionNotFound, cancel_in, edit_in, open_session
from bot.store import Connection, series, sessions
from bot.store.series import Series

# The template's fields a whole-series edit may change (a new time or rule is a new series: cancel this one).
TEMPLATE = ("title", "section", "venue", "latitude", "longitude", "zoom_url", "youtube_url", "speaker")


class SeriesNotFound(LookupError):
    pass


@dataclass(frozen=True)
class SeriesChange:
    series: Series
    made: list[Change]  # occurrences made (or changed/cancelled) by this call
    upcoming: list[datetime]  # the next starts the rule gives (what staff are shown)

    @property
    def queued(self) -> int:
        return sum(change.queued for change in self.made)


def _horizon(rt: Runtime) -> datetime:
    return rt.clock.now() + timedelta(days=rt.settings.series_horizon_days)


async def create_series(
    rt: Runtime,
    values: Mapping[str, Any],
    rule: str,
    *,
    repeat: str | None,
    by: int | None,
    source: str,
    external_key: str | None = None,
    lang: str = "id",
) -> SeriesChange:
    """Store a series from a validated session (`values`: its first date and time) and a rule, and make its
    occurrences within the horizon (one transaction).  ParseError when the rule gives no date ahead."""
    first = values["starts_at"]
    upcoming = recurrence.next_starts(rule, first, rt.tz, count=3, lang=lang)
    template = {k: values.get(k) for k in TEMPLATE}
    template["venue"] = template["venue"] or ""
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        made = await series.insert_series(
            conn,
            {
                **template,
                "rule": rule,
                "repeat": repeat,
                "first_starts_at": first,
                "duration_minutes": int((values["ends_at"] - first).total_seconds() // 60),
                "source": source,
                "external_key": external_key,
                "created_by": by,
            },
            now,
        )
        changes = await _make(conn, rt, made, by=by, first=True)
        made = await series.get_series(conn, made.id) or made
    rt.wake_sender()
    return SeriesChange(made, changes, upcoming)


async def _make(
    conn: Connection, rt: Runtime, item: Series, *, by: int | None, first: bool = False
) -> list[Change]:
    """Open every occurrence starting from now to the horizon that was never made (and, when the series is
    new, its first one even beyond the horizon: staff typed that date); remember when to look again (the
    first start beyond the horizon, less the horizon)."""
    now = rt.clock.now()
    horizon = _horizon(rt)
    have = await series.occurrence_starts(conn, item.id)
    duration = timedelta(minutes=item.duration_minutes)
    starts = recurrence.starts_between(item.rule, item.first_starts_at, rt.tz, now, horizon)
    if first and item.first_starts_at > now and item.first_starts_at not in starts:
        starts.insert(0, item.first_starts_at.astimezone(rt.tz))
    changes = []
    for start in starts:
        if start in have:
            continue
        values = {k: getattr(item, k) for k in TEMPLATE}
        values.update(starts_at=start, ends_at=start + duration, series_id=item.id, occurrence_at=start)
        # A series typed as a Jadwal row: that row becomes its first session (its ID is written back).
        typed_row = item.source == "sheet" and start == item.first_starts_at
        changes.append(await open_session(conn, rt, values, by=by, source=item.source, mirror=not typed_row))
    following = recurrence.expand(item.rule, item.first_starts_at, rt.tz).after(
        max(horizon, starts[-1]) if starts else horizon
    )
    look_again = None if following is None else following - timedelta(days=rt.settings.series_horizon_days)
    # `made_until` holds when the sweep next has work; no further date: the series is complete.
    await series.update_series(
        conn,
        item.id,
        {"made_until": look_again, "status": "planned" if following else "done"},
        now,
    )
    return changes


async def make_due(rt: Runtime) -> int:
    """Periodic job: make the occurrences that came within the horizon; returns messages queued."""
    now = rt.clock.now()
    async with rt.store.connect() as conn:
        due = await series.running(conn, made_before=now)
    queued = 0
    for item in due:
        async with rt.store.begin() as conn:
            fresh = await series.get_series(conn, item.id)
            if fresh is None or fresh.cancelled or fresh.made_until is None or fresh.made_until > now:
                continue  # another worker made them meanwhile
            queued += sum(change.queued for change in await _make(conn, rt, fresh, by=None))
    if queued:
        rt.wake_sender()
    return queued


async def series_of(rt: Runtime, session_id: int) -> Series:
    """The series session `session_id` belongs to (staff name a series by any of its sessions' numbers)."""
    async with rt.store.connect() as conn:
        session = await sessions.get_session(conn, session_id)
        if session is None:
            raise SessionNotFound(session_id)
        found = await series.get_series(conn, session.series_id) if session.series_id else None
    if found is None:
        raise SeriesNotFound(session_id)
    return found


async def edit_series(rt: Runtime, series_id: int, changes: Mapping[str, Any]) -> SeriesChange:
    """Change the template and every occurrence not yet started (each told as a change, once)."""
    template = {k: v for k, v in changes.items() if k in TEMPLATE}
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        item = await series.get_series(conn, series_id)
        if item is None:
            raise SeriesNotFound(series_id)
        if template:
            await series.update_series(conn, series_id, template, now)
        made = []
        for occurrence in await series.occurrences(conn, series_id, ends_after=now):
            if not occurrence.cancelled and occurrence.starts_at > now:
                made.append(await edit_in(conn, rt, occurrence.id, template))
        item = await series.get_series(conn, series_id) or item
    rt.wake_sender()
    return SeriesChange(item, made, [])


async def cancel_series(rt: Runtime, series_id: int) -> SeriesChange:
    """Stop the series: no occurrence is made any more, and those not yet started are cancelled (each with
    its own notice)."""
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        item = await series.get_series(conn, series_id)
        if item is None:
            raise SeriesNotFound(series_id)
        await series.update_series(conn, series_id, {"status": "cancelled", "made_until": None}, now)
        made = [
            await cancel_in(conn, rt, occurrence.id)
            for occurrence in await series.occurrences(conn, series_id, ends_after=now)
            if not occurrence.cancelled and occurrence.starts_at > now
        ]
        item = await series.get_series(conn, series_id) or item
    rt.wake_sender()
    return SeriesChange(item, made, [])
