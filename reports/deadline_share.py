"""Aspirations answered within their deadline, per section and month, as the SKM report prints it.

The figures come from the office's aspiration loop (working-day deadlines, SP4N-LAPOR!); this module only
says how they read, so the PDF and the Word report show the same table or the one sentence that no
deadline fell in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

EMPTY = "Belum ada aspirasi yang batas waktunya jatuh pada periode ini."
CAPTION = "Aspirasi dijawab dalam batas waktu, per bidang dan bulan"
HEADER = ("Bulan", "Bidang", "Tepat waktu", "Jatuh tempo", "Persentase")
WIDTHS = (22, 36, 14, 14, 14)
NUMERIC = (2, 3, 4)


@dataclass(frozen=True)
class DeadlineShare:
    month: date  # the first day of the month the follow-up deadlines fell in
    section: str
    on_time: int  # answered by the deadline
    due: int  # deadline passed, or answered


def share_rows(shares: list[DeadlineShare]) -> list[list[str]]:
    """Table cells, months in order and sections by name; "75%" with no decimals, like /status."""
    return [
        [
            format_date(s.month, "MMMM y", locale="id"),
            s.section,
            str(s.on_time),
            str(s.due),
            f"{100 * s.on_time / s.due:.0f}%" if s.due else "–",
        ]
        for s in sorted(shares, key=lambda s: (s.month, s.section))
    ]
