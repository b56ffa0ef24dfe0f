"""Dates the way an Indonesian report writes them: "3 Desember 2026", "1 Juli – 30 September 2026"."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date


def long_date(day: date) -> str:
    """date(2026, 12, 3) → "3 Desember 2026"."""
    return format_date(day, "d MMMM y", locale="id")


def date_range(start: date, end: date) -> str:
    """ "1 Juli – 30 September 2026", "1–12 Agustus 2026"; one date when start and end are the same day."""
    if start == end:
        return long_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{long_date(end)}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM', locale='id')} – {long_date(end)}"
    return f"{long_date(start)} – {long_date(end)}"
