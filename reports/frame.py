"""Between plain records and the DataFrame every analysis here takes (one row per respondent).

The bot gathers answers as plain dicts (it never imports pandas itself); these two functions are the
only crossing, in both directions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

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
