"""IKM from per-unsur sums and answer counts, and its result types: plain Python, no pandas.

Split from `reports.ikm` so the running bot can keep its live tallies (`bot.domain.tally`, the follow-up
proposals) without loading pandas and numpy, some 40 MB it would otherwise keep for good (bench.footprint);
`reports.ikm` computes the sums from a table and re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .instrument import UNSUR_KEYS, Grade, grade_for_ikm, grade_for_nrr, round2


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
