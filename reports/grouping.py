"""IKM per session, section or period, with the change against the previous period.

Per-unsur sums and counts are computed for all groups at once (one groupby); only the groups themselves
(sessions, quarters: tens, not millions) are walked in Python.
"""

from __future__ import annotations

import pandas as pd

from .ikm import NoAnswers, from_sums
from .instrument import UNSUR
from .periods import period_label

BY = ("session", "section", "month", "quarter", "semester", "year")


def summarise(df: pd.DataFrame, by: str = "quarter", *, disabled_unsur: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per group: kelompok, ikm (0–100, 2 decimals), mutu, kinerja, responden, unsur_terlemah, perubahan."""
    if by not in BY:
        raise ValueError(f"Pengelompokan tidak dikenal: {by}. Pilihan: {', '.join(BY)}.")
    names = {k: v for k, v in UNSUR.items() if k in df.columns and k not in disabled_unsur}
    columns = ["kelompok", "ikm", "mutu", "kinerja", "responden", "unsur_terlemah", "perubahan"]
    if df.empty or not names:
        return pd.DataFrame(columns=columns)
    if by == "session":
        keys = df["session_id"].astype(str) + " · " + df.get("session_title", df["session_id"]).astype(str)
    elif by == "section":
        keys = df["section"].astype(str)
    else:
        keys = period_label(df["finished_at"], by)
    values = df[list(names)].apply(pd.to_numeric, errors="coerce")
    grouped = values.groupby(keys.to_numpy(), sort=True)
    sums, counts = grouped.sum(), grouped.count()
    answered = values.notna().any(axis=1).groupby(keys.to_numpy(), sort=True).sum()
    rows = []
    for group in sums.index:
        try:
            result = from_sums(
                sums.loc[group].astype(int).to_dict(),
                counts.loc[group].astype(int).to_dict(),
                int(answered.loc[group]),
                names,
            )
        except NoAnswers:
            continue
        weakest = result.weakest
        rows.append(
            [
                group,
                result.ikm_rounded,
                result.grade.mutu,
                result.grade.kinerja,
                result.respondents,
                weakest.key if weakest else "",
                None,
            ]
        )
    out = pd.DataFrame(rows, columns=columns)
    if by in ("month", "quarter", "semester", "year") and len(out) > 1:
        out["perubahan"] = out["ikm"].diff().round(2)
    return out
