"""IKM per session, section or period, with the change against the previous period.

Keys are factorised once and per-unsur sums and counts come from `np.bincount` (one pass per column over a
million rows); only the groups themselves (sessions, quarters: tens, not millions) are walked in Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ikm import NoAnswers, from_sums, numeric
from .instrument import UNSUR
from .periods import key_label, period_key

BY = ("session", "section", "month", "quarter", "semester", "year")
COLUMNS = ["kelompok", "ikm", "mutu", "kinerja", "responden", "unsur_terlemah", "perubahan"]


def _keys(df: pd.DataFrame, by: str) -> pd.Series:
    if by == "session":
        titles = df["session_title"] if "session_title" in df.columns else df["session_id"]
        return df["session_id"].astype(str) + " · " + titles.astype(str)
    if by == "section":
        return df["section"]  # factorised as is: no million-string copy
    return period_key(df["finished_at"], by)


def summarise(df: pd.DataFrame, by: str = "quarter", *, disabled_unsur: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per group: kelompok, ikm (0–100, 2 decimals), mutu, kinerja, responden, unsur_terlemah, perubahan."""
    if by not in BY:
        raise ValueError(f"Pengelompokan tidak dikenal: {by}. Pilihan: {', '.join(BY)}.")
    names = {k: v for k, v in UNSUR.items() if k in df.columns and k not in disabled_unsur}
    if df.empty or not names:
        return pd.DataFrame(columns=COLUMNS)
    ids, uniques = pd.factorize(_keys(df, by), sort=True)
    size = len(uniques)
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    answered = np.zeros(len(df), dtype=bool)
    group_sizes: np.ndarray | None = None
    for key in names:
        column = df[key]
        # Every row answered this unsur: integers (plain, or nullable Int64 as the store and files give them)
        # with no blank.  A blank would become NaN in the sums, so a column with one takes the path below.
        if column.dtype.kind in "iu" and not column.hasnans:
            if group_sizes is None:
                group_sizes = np.bincount(ids, minlength=size).astype("float64")
            answered[:] = True
            sums[key] = np.bincount(ids, weights=column.to_numpy(dtype="float64"), minlength=size)
            counts[key] = group_sizes
            continue
        values = numeric(column)
        valid = ~np.isnan(values)
        answered |= valid
        sums[key] = np.bincount(ids, weights=np.where(valid, values, 0.0), minlength=size)
        counts[key] = np.bincount(ids, weights=valid, minlength=size)
    respondents = np.bincount(ids, weights=answered, minlength=size)
    rows = []
    for i, group in enumerate(uniques):
        try:
            result = from_sums(
                {k: int(round(sums[k][i])) for k in names},
                {k: int(counts[k][i]) for k in names},
                int(respondents[i]),
                names,
            )
        except NoAnswers:
            continue
        weakest = result.weakest
        label = key_label(int(group), by) if by not in ("session", "section") else str(group)
        rows.append(
            [
                label,
                result.ikm_rounded,
                result.grade.mutu,
                result.grade.kinerja,
                result.respondents,
                weakest.key if weakest else "",
                None,
            ]
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    if by in ("month", "quarter", "semester", "year") and len(out) > 1:
        out["perubahan"] = out["ikm"].diff().round(2)
    return out
