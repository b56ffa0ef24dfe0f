"""IKM per PermenPAN-RB 14/2017, computed exactly.

NRR per unsur = sum of answers / number of answers to that unsur; weight = 1 / number of active unsur
(the regulation prints 0.11 for nine; we use the exact fraction); IKM unit = Σ NRR × weight; IKM = unit × 25.
Sums and counts come from vectorised pandas operations; only the nine per-unsur fractions are Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from .instrument import IPAK, UNSUR, UNSUR_KEYS, Grade, grade_for_ikm, grade_for_nrr, round2


@dataclass(frozen=True)
class UnsurResult:
    key: str
    name: str
    nrr: Fraction
    weighted: Fraction
    answers: int
    grade: Grade

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "nrr": float(round(self.nrr, 4)),
            "nrr_weighted": float(round(self.weighted, 4)),
            "mutu": self.grade.mutu,
            "kinerja": self.grade.kinerja,
            "answers": self.answers,
        }


@dataclass(frozen=True)
class IkmResult:
    unit: Fraction  # 1–4
    respondents: int
    unsur: dict[str, UnsurResult]

    @property
    def ikm(self) -> Fraction:
        return self.unit * 25

    @property
    def ikm_rounded(self) -> float:
        return float(round2(self.ikm))

    @property
    def grade(self) -> Grade:
        return grade_for_ikm(self.ikm)

    @property
    def weakest(self) -> UnsurResult | None:
        return min(
            self.unsur.values(),
            key=lambda u: (u.nrr, UNSUR_KEYS.index(u.key) if u.key in UNSUR_KEYS else 99),
            default=None,
        )

    def to_dict(self) -> dict[str, Any]:
        weakest = self.weakest
        return {
            "ikm": self.ikm_rounded,
            "ikm_unit": float(round(self.unit, 4)),
            "mutu": self.grade.mutu,
            "kinerja": self.grade.kinerja,
            "respondents": self.respondents,
            "weakest_unsur": weakest.key if weakest else None,
            "unsur": {k: u.to_dict() for k, u in self.unsur.items()},
        }


class NoAnswers(ValueError):
    """Nothing to compute: no respondent answered any active unsur."""


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


def from_sums(
    sums: Mapping[str, int], counts: Mapping[str, int], respondents: int, names: Mapping[str, str]
) -> IkmResult:
    """IKM from per-unsur sums and answer counts (an unsur nobody answered is left out of the weights)."""
    active = [k for k in names if counts.get(k, 0) > 0]
    if not active:
        raise NoAnswers("Belum ada jawaban untuk dihitung.")
    weight = Fraction(1, len(active))
    unsur = {}
    for key in active:
        nrr = Fraction(sums[key], counts[key])
        unsur[key] = UnsurResult(key, names[key], nrr, nrr * weight, counts[key], grade_for_nrr(nrr))
    return IkmResult(sum((u.weighted for u in unsur.values()), Fraction(0)), respondents, unsur)


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
