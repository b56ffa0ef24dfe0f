"""Sample size (Krejcie & Morgan, as the regulation points to) and progress toward it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CHI2 = Decimal("3.841")
P = Decimal("0.5")
D = Decimal("0.05")


def krejcie_morgan(population: int) -> int:
    """S = χ²·N·P(1−P) / (d²·(N−1) + χ²·P(1−P)), rounded to the nearest respondent, never more than N."""
    if population <= 0:
        return 0
    n = Decimal(population)
    s = CHI2 * n * P * (1 - P) / (D * D * (n - 1) + CHI2 * P * (1 - P))
    return min(population, int(s.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


@dataclass(frozen=True)
class Progress:
    respondents: int
    population: int
    target: int

    @property
    def response_rate(self) -> float:
        return self.respondents / self.population if self.population else 0.0

    @property
    def toward_target(self) -> float:
        return min(1.0, self.respondents / self.target) if self.target else 1.0


def progress(respondents: int, population: int) -> Progress:
    return Progress(respondents, population, krejcie_morgan(population))
