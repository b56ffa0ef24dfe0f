"""IKM per PermenPAN-RB 14/2017, computed exactly.

NRR per unsur = sum of answers / number of answers to that unsur; weight = 1 / number of active unsur
(the regulation prints 0.11 for nine; we use the exact fraction); IKM unit = Σ NRR × weight; IKM = unit × 25.
Sums and counts come from vectorised pandas operations; only the nine per-unsur fractions are Python.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .counts import Counts, numeric, to_counts
from .ikm_sums import IkmResult as IkmResult
from .ikm_sums import NoAnswers as NoAnswers
from .ikm_sums import UnsurResult as UnsurResult
from .ikm_sums import from_sums as from_sums
from .instrument import IPAK, UNSUR


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


def compute_ikm(df: pd.DataFrame | Counts, *, disabled_unsur: Iterable[str] = ()) -> IkmResult:
    """IKM over every answer of `df` (rows, or their counts); an unsur column that is absent, or named in
    `disabled_unsur`, is disabled."""
    return ikm_of(_without(df, disabled_unsur))


def compute_ipak(df: pd.DataFrame | Counts) -> IkmResult | None:
    """IPAK (five anti-corruption statements, weight 1/5), reported apart from the IKM."""
    return ipak_of(to_counts(df))


def _without(df: pd.DataFrame | Counts, disabled: Iterable[str]) -> Counts:
    """Counts of `df` with the `disabled` unsur left out before respondents are counted."""
    gone = [k for k in disabled if k in df.columns]
    if isinstance(df, Counts):
        return df.without(gone)
    return to_counts(df.drop(columns=gone) if gone else df)


def counted_sums(counts: Counts, keys: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Per key the sum and number of valid answers, from the per-value counts."""
    keys = list(keys)
    positions = counts.key_positions(keys)
    per_group = counts.group_sums(keys)
    if per_group is not None:  # whole sums per group, exact in any order of adding: added up per key
        starts = np.flatnonzero(np.diff(positions)) + 1
        runs = [*positions[:1].tolist(), *positions[starts].tolist()]
        present = dict.fromkeys(c for c in runs if c >= 0)  # keys in order of first appearance, as below
        sums, given = (table.sum(axis=0) for table in per_group)
        return {keys[c]: int(round(sums[c])) for c in present}, {keys[c]: int(given[c]) for c in present}
    kept = positions >= 0
    if not kept.any():
        return {}, {}
    every = bool(kept.all())  # only these keys were counted: no copies
    values = counts.answers["value"].to_numpy()
    values = (values if every else values[kept]).astype("float64")
    weights = counts.answers["n"].to_numpy(dtype="int64")
    weights = weights if every else weights[kept]
    products = values * weights
    codes = positions if every else positions[kept]
    if (products == np.round(products)).all() and np.abs(products).sum() < 2**53 and weights.sum() < 2**53:
        # whole numbers below 2**53: every sum is exact whatever the order, so one bincount per column
        # gives what the groupby below gives, keys in order of first appearance as there
        sums = np.bincount(codes, weights=products, minlength=len(keys))
        numbers = np.bincount(codes, weights=weights, minlength=len(keys))
        runs = codes[np.flatnonzero(np.diff(codes)) + 1] if len(codes) > 1 else codes[:0]
        present = dict.fromkeys([*codes[:1].tolist(), *runs.tolist()])  # first appearance, as the groupby
        return (
            {keys[c]: int(round(sums[c])) for c in present},
            {keys[c]: int(numbers[c]) for c in present},
        )
    frame = pd.DataFrame({"key": np.asarray(keys, dtype=object)[codes], "sum": products, "n": weights})
    totals = frame.groupby("key", sort=False)[["sum", "n"]].sum()
    return (
        {k: int(round(v)) for k, v in totals["sum"].items()},
        {k: int(v) for k, v in totals["n"].items()},
    )


def ikm_of(counts: Counts) -> IkmResult:
    """IKM over every group of `counts` (an unsur column absent from the answers is switched off)."""
    names = {k: v for k, v in UNSUR.items() if k in counts.columns}
    sums, answered = counted_sums(counts, names)
    return from_sums(sums, answered, int(counts.groups["respondents"].sum()), names)


def ipak_of(counts: Counts) -> IkmResult | None:
    """IPAK over every group of `counts`, None when nobody gave an IPAK answer."""
    names = {k: v for k, v in IPAK.items() if k in counts.columns}
    sums, answered = counted_sums(counts, names)
    if not any(answered.values()):
        return None
    return from_sums(sums, answered, int(counts.groups["ipak_respondents"].sum()), names)
