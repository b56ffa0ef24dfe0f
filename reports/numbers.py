"""Numbers the way the office writes them: "91,48" in Indonesian, "91.48" in English (Babel, no pandas)."""

from __future__ import annotations

from babel.numbers import format_decimal


def number(value: float, lang: str = "id", places: int = 2) -> str:
    """91.48 → "91,48" in Indonesian, "91.48" in English."""
    pattern = "#,##0." + "0" * places
    return format_decimal(value, pattern, locale="id" if lang == "id" else "en")
