"""Labels of the integer period keys ("2026-Q3" for 20263): plain Python, no pandas.

Apart from `reports.periods` so the running bot can label its live tallies without loading pandas.
"""

from __future__ import annotations


def key_label(key: int, by: str) -> str:
    if by == "month":
        return f"{key // 100}-{key % 100:02d}"
    if by == "quarter":
        return f"{key // 10}-Q{key % 10}"
    if by == "semester":
        return f"{key // 10}-S{key % 10}"
    return str(key)
