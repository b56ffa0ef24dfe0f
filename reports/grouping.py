"""IKM per session, section or period, with the change against the previous period.

Computed from the answers' counts (`reports.counts`, rows are reduced to them first): the groups of the
counts (session × month × channel: hundreds, not millions) are mapped to the chosen grouping and summed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .counts import Counts, to_counts
from .ikm import NoAnswers, from_sums
from .instrument import UNSUR
from .periods import key_label

BY = ("session", "section", "month", "quarter", "semester", "year")
COLUMNS = ["kelompok", "ikm", "mutu", "kinerja", "responden", "unsur_terlemah", "perubahan"]


def _keys(counts: Counts, by: str) -> pd.Series:
    """The grouping key of each group of `counts` (None where it has none: such answers are in no row)."""
    groups = counts.groups
    if by == "session":
        ids = groups["session_id"]
        titles = groups["session_title"] if "session_title" in counts.columns else ids
        return pd.Series(
            [None if i is None else f"{i} · {t}" for i, t in zip(ids, titles, strict=True)], dtype=object
        )
    if by == "section":
        return pd.Series(groups["section"].to_numpy(dtype=object))
    month = pd.to_numeric(groups["month"], errors="coerce").to_numpy(dtype="float64")
    year, mon = month // 100, month % 100
    key = {
        "month": month,
        "quarter": year * 10 + (mon - 1) // 3 + 1,
        "semester": year * 10 + (mon > 6) + 1,
        "year": year,
    }[by]
    return pd.Series(key).astype("Int64")


def _answer_sums(
    counts: Counts, codes: np.ndarray, of_group: pd.Series, keys: list[str], size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sum and number of answers per (row of the table, unsur), adding every counted pair in table order:
    for values that are not whole numbers, whose sums depend on the order of adding."""
    answers = counts.answers
    key_codes = counts.key_positions(keys)  # -1: not an unsur of this report
    index = counts.groups.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        target = codes[answers["group"].to_numpy()]  # the counts as reduced: group numbers are positions
    else:
        target = of_group.reindex(answers["group"]).to_numpy()
    kept = (target >= 0) & (key_codes >= 0)
    every = bool(kept.all())  # nothing to leave out (one report's unsur, every group in a row): no copies

    def pick(column: np.ndarray) -> np.ndarray:
        return column if every else column[kept]

    weights = pick(answers["n"].to_numpy(dtype="float64"))
    slot = pick(target) * len(keys) + pick(key_codes)  # (group, unsur) as one integer: one bincount
    values = pick(answers["value"].to_numpy()).astype("float64")
    sum_table = np.bincount(slot, weights=values * weights, minlength=size * len(keys)).reshape(size, -1)
    n_table = np.bincount(slot, weights=weights, minlength=size * len(keys)).reshape(size, -1)
    return sum_table, n_table


def summarise(
    df: pd.DataFrame | Counts, by: str = "quarter", *, disabled_unsur: tuple[str, ...] = ()
) -> pd.DataFrame:
    """One row per group: kelompok, ikm (0–100, 2 decimals), mutu, kinerja, responden, unsur_terlemah, perubahan."""
    if by not in BY:
        raise ValueError(f"Pengelompokan tidak dikenal: {by}. Pilihan: {', '.join(BY)}.")
    if isinstance(df, pd.DataFrame):
        gone = [k for k in disabled_unsur if k in df.columns]
        counts = to_counts(df.drop(columns=gone) if gone else df)
    else:
        counts = df.without(disabled_unsur)
    names = {k: v for k, v in UNSUR.items() if k in counts.columns}
    if counts.empty or not names:
        return pd.DataFrame(columns=COLUMNS)
    codes, uniques = pd.factorize(_keys(counts, by), sort=True)
    size = len(uniques)
    of_group = pd.Series(codes, index=counts.groups.index)
    respondents = np.bincount(
        codes[codes >= 0], weights=counts.groups["respondents"].to_numpy()[codes >= 0], minlength=size
    )
    keys = list(names)
    per_group = counts.group_sums(keys)
    if per_group is not None:
        # whole sums: each group's sums added to its row of the table, exact in any order of adding
        in_row = codes >= 0
        sum_table, n_table = (
            np.column_stack(
                [np.bincount(codes[in_row], weights=column[in_row], minlength=size) for column in table.T]
            )
            for table in per_group
        )
    else:
        sum_table, n_table = _answer_sums(counts, codes, of_group, keys, size)
    sums = {(i, k): sum_table[i, j] for i in range(size) for j, k in enumerate(keys)}
    numbers = {(i, k): n_table[i, j] for i in range(size) for j, k in enumerate(keys)}
    rows = []
    for i, group in enumerate(uniques):
        try:
            result = from_sums(
                {k: int(round(sums.get((i, k), 0.0))) for k in names},
                {k: int(numbers.get((i, k), 0.0)) for k in names},
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
