"""Between plain records and the DataFrame every analysis here takes (one row per respondent).

The bot gathers answers as plain dicts (it never imports pandas itself); these two functions are the
only crossing, in both directions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd


def responses_frame(
    records: Sequence[dict[str, Any]], *, scored: Iterable[str], tz: ZoneInfo, drop: Iterable[str] = ()
) -> pd.DataFrame:
    """Records with aware `finished_at` times and 1–4 (or None) in the `scored` columns, as the frame the
    IKM is computed from: times in the office's zone, scores as nullable integers, `drop` columns left out
    (unsur the office switched off)."""
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True).dt.tz_convert(tz)
    for key in scored:
        frame[key] = frame[key].astype("Int64")
    return frame.drop(columns=[k for k in drop if k in frame.columns])


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts: missing cells become None, timestamps become aware `datetime`s."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                clean[key] = None if pd.isna(value) else value.to_pydatetime()
            elif not isinstance(value, (list, dict)) and pd.isna(value):
                clean[key] = None
            else:
                clean[key] = value
        out.append(clean)
    return out


class ColumnFrame:
    """The frame of `responses_frame`, built from column chunks as a store reads them (a million answers
    read in one SQL query, never a dict per answer): a report from the database costs little more than a
    bare `pandas.read_sql` of the same columns, in a few hundred MB.

    `translate` maps a column's raw values (as stored) to what the frame holds, one call per distinct value:
    the bot's own rules (a 1–4 answer, an option's label) without a Python call per row.  `scored` columns
    become nullable integers; `labels` adds columns from a small lookup keyed by another column (a session's
    title by its id); `optional` columns are left out when no row has a value, as a record without the key.
    Columns are kept as arrays per chunk and joined once at the end: no copy of the whole frame."""

    def __init__(
        self,
        *,
        translate: Mapping[str, Callable[[Any], Any]],
        scored: Iterable[str],
        labels: Mapping[str, tuple[str, Mapping[Any, Any]]],
        order: Sequence[str],
        optional: Iterable[str],
        tz: ZoneInfo,
        drop: Iterable[str] = (),
        shared: Iterable[str] = (),
    ) -> None:
        self.translate = translate
        self.scored = set(scored)
        self.labels = labels
        self.order = list(order)
        self.optional = set(optional)
        self.tz = tz
        self.drop = set(drop)
        self.shared = set(shared)  # few distinct values (a channel): one object each, not one per row
        self._chunks: dict[str, list[Any]] = {}
        self._present: set[str] = set()

    def add(
        self, columns: Mapping[str, Sequence[Any]], wide: tuple[Sequence[str], list[list[Any]]] | None = None
    ) -> None:
        """Add a chunk: `columns` by name, and `wide` columns as (names, one list per row)."""
        first = next(iter(columns.values()), ())
        if not len(first):
            return
        named = dict(columns)
        if wide is not None:
            names, rows = wide
            table = np.array(rows, dtype=object)  # one C pass instead of a tuple per column
            if table.ndim != 2 or table.shape[1] < len(names):  # a value that is itself a list
                table = np.empty((len(rows), len(names)), dtype=object)
                for i, row in enumerate(rows):
                    table[i, :] = row[: len(names)]
            named.update((name, table[:, i]) for i, name in enumerate(names))
        for name, values in named.items():
            if name in self.drop:
                continue
            self._chunks.setdefault(name, []).append(self._convert(name, values))

    def _convert(self, name: str, values: Sequence[Any]) -> Any:
        """A chunk of one column as the frame holds it (or, for an optional column without any value in
        this chunk, just its length)."""
        raw = np.array(values, dtype=object)
        if name == "finished_at":
            sample = raw[0]
            stamps = pd.to_datetime(raw, utc=True, format="ISO8601" if isinstance(sample, str) else None)
            return stamps.tz_convert(None).to_numpy()  # naive UTC: zoned once, at the end
        if name == "session_id":
            return raw.astype("int64")
        rule = self.translate.get(name)
        if rule is None and name not in self.shared:
            if name in self.optional and not any(v is not None for v in values):
                return len(raw)  # nothing here (the usual case for follow-ups): only the length is kept
            self._present.add(name)
            return raw
        # One call of the bot's rule per distinct stored value, then a vectorised take.
        codes, uniques = pd.factorize(raw)
        translated = [rule(value) for value in uniques] if rule else list(uniques)
        if name in self.scored:
            numbers = np.array([-1 if v is None else v for v in translated] + [-1], dtype="int64")[codes]
            return pd.arrays.IntegerArray(np.maximum(numbers, 0), numbers < 0)
        return np.array([*translated, None], dtype=object)[codes]

    def frame(self) -> pd.DataFrame:
        if not self._chunks:
            return pd.DataFrame()
        data: dict[str, Any] = {}
        for name in self.order:
            if name in self.labels:
                source, lookup = self.labels[name]
                data[name] = pd.Series(data[source]).map(lookup).to_numpy(dtype=object)
                continue
            parts = self._chunks.pop(name, None)
            if parts is None or (name in self.optional and name not in self._present):
                continue
            if isinstance(parts[0], pd.arrays.IntegerArray):
                data[name] = parts[0] if len(parts) == 1 else pd.arrays.IntegerArray._concat_same_type(parts)
            elif name == "finished_at":
                data[name] = pd.DatetimeIndex(np.concatenate(parts)).tz_localize("UTC").tz_convert(self.tz)
            elif name in self.optional:
                data[name] = np.concatenate(
                    [np.full(part, None, dtype=object) if isinstance(part, int) else part for part in parts]
                )
            else:
                data[name] = parts[0] if len(parts) == 1 else np.concatenate(parts)
            parts.clear()
        return pd.DataFrame(data, copy=False)
