"""IKM per PermenPAN-RB 14/2017, computed exactly.

NRR per unsur = sum of answers / number of answers to that unsur; weight = 1 / number of active unsur
(the regulation prints 0.11 for nine; we use the exact fraction); IKM unit = Σ NRR × weight; IKM = unit × 25.
Sums and counts come from vectorised pandas operations; only the nine per-unsur fractions are Python.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .ikm_sums import IkmResult, NoAnswers, UnsurResult, from_sums
from .instrument import IPAK, UNSUR

__all__ = [
    "IkmResult",
    "NoAnswers",
    "UnsurResult",
    "compute_ikm",
    "compute_ipak",
    "from_sums",
    "numeric",
    "sums_and_counts",
]


def sums_and_counts(df: pd.DataFrame, keys: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    cols = [k for k in keys if k in df.columns]
    if not cols:
        return {}, {}
    sums, counts = {}, {}
    for key in cols:
        values = numeric(df[key])
        sums[key] = int(np.nansum(values))
        counts[key] = int(np.count_nonzero(~np.isnan(values)))
    return sums, counts


def numeric(column: pd.Series) -> np.ndarray:
    """A column of answers as float64 with NaN for missing (no conversion pass when already numeric)."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def compute_ikm(df: pd.DataFrame, *, disabled_unsur: Iterable[str] = ()) -> IkmResult:
    """IKM over every row of `df`; an unsur column that is absent, or named in `disabled_unsur`, is disabled."""
    disabled = set(disabled_unsur)
    names = {k: v for k, v in UNSUR.items() if k in df.columns and k not in disabled}
    sums: dict[str, int] = {}
    counts: dict[str, int] = {}
    answered = np.zeros(len(df), dtype=bool)
    for key in names:
        values = numeric(df[key])
        valid = ~np.isnan(values)
        answered |= valid
        sums[key] = int(values[valid].sum())
        counts[key] = int(valid.sum())
    return from_sums(sums, counts, int(answered.sum()), names)


def compute_ipak(df: pd.DataFrame) -> IkmResult | None:
    """IPAK (five anti-corruption statements, weight 1/5), reported apart from the IKM."""
    names = {k: v for k, v in IPAK.items() if k in df.columns}
    sums, counts = sums_and_counts(df, names)
    if not any(counts.values()):
        return None
    answered = int(df[list(names)].notna().any(axis=1).sum())
    return from_sums(sums, counts, answered, names)
