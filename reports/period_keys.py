"""Labels of integer period keys ("2026-Q3" for 20263), without pandas: the running bot labels Ringkasan's
quarters with it, and must not import pandas on its event loop to do so (see `reports.ikm_sums`)."""

from __future__ import annotations


def key_label(key: int, by: str) -> str:
    if by == "month":
        return f"{key // 100}-{key % 100:02d}"
    if by == "quarter":
        return f"{key // 10}-Q{key % 10}"
    if by == "semester":
        return f"{key // 10}-S{key % 10}"
    return str(key)
