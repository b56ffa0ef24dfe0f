"""One stored answer counted in plain Python: what `reports.counts.CountsBuilder` gives for a chunk of one.

The running bot counts each answer as it stores it (the report's kept counts).  `CountsBuilder` counts a chunk
with numpy and pandas, which the bot would then load on its event loop at the first answer after a start (half
a second every citizen pressing a button waits) and keep for good (some 40 MB, bench.footprint).  This module
follows the builder's rules one answer at a time; tests/test_report_counts_kept.py checks that the counts kept
this way equal a recount by the builder.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .instrument import IPAK, UNSUR, says_nothing

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _missing(value: Any) -> bool:
    """What pandas counts as no answer: None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _nanos(when: datetime) -> int:
    """UTC nanoseconds (a time without a zone is UTC, as the builder reads it)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    delta = aware.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


class OneAnswer:
    """Counts of a single answer, in the shape of `CountsBuilder.state()`."""

    def __init__(
        self,
        *,
        translate: Mapping[str, Callable[[Any], Any]],
        scored: Iterable[str],
        profile: Iterable[str],
        tz: Any,
        drop: Iterable[str] = (),
    ) -> None:
        self.translate = translate
        dropped = frozenset(drop)
        self.every_scored = list(
            scored
        )  # follow-ups of a switched-off unsur are still kept, as the builder does
        self.scored = [k for k in self.every_scored if k not in dropped]
        self.profile = list(profile)
        self.tz = tz

    def _named(self, key: str, value: Any) -> Any:
        rule = self.translate.get(key)
        named = rule(value) if rule else value
        return named if named is None or key in self.scored else str(named)

    def count(
        self,
        *,
        response_id: Any,
        session_id: int,
        finished_at: datetime,
        channel: str | None,
        answers: Mapping[str, Any],
        followups: Mapping[str, Any] | None,
    ) -> tuple[dict[Any, list[int]], dict[Any, int], list[tuple[Any, ...]]]:
        """(groups, answers, texts) as `CountsBuilder.state()` gives them after adding this one answer."""
        aware = finished_at if finished_at.tzinfo is not None else finished_at.replace(tzinfo=UTC)
        local = aware.astimezone(self.tz)
        group = (int(session_id), local.year * 100 + local.month, None if _missing(channel) else channel)
        nanos = _nanos(aware)
        counted: dict[Any, int] = {}
        answered = ipak_answered = False
        for key in [*self.scored, *self.profile]:
            value = answers.get(key)
            if _missing(value):
                continue
            named = self._named(key, value)
            if named is None:
                continue
            counted[(group, key, named)] = counted.get((group, key, named), 0) + 1
            if key in UNSUR:
                answered = True
            elif key in IPAK:
                ipak_answered = True
        texts: list[tuple[Any, ...]] = []
        saran = answers.get("saran")
        if not _missing(saran) and not says_nothing(saran):
            texts.append((nanos, str(response_id), group, "saran", saran))
        for key, text in (followups or {}).items():
            if key in self.every_scored and text is not None and not says_nothing(text):
                texts.append((nanos, str(response_id), group, f"perbaikan_{key}", text))
        groups = {group: [1, int(answered), int(ipak_answered), nanos, nanos]}
        return groups, counted, texts
