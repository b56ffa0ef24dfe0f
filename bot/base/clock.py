"""An injectable clock.

Reminders and survey windows are compared against "now"; tests and the time-compressed demo need to move
"now" without sleeping, so every component asks a `Clock` instead of calling `datetime.now()`.
All times are aware; storage is UTC, display is the office's timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Real wall-clock time (UTC, aware)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock(Clock):
    """A clock that only moves when told to (tests, demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)
