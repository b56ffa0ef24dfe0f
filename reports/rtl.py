"""The follow-up plan (rencana tindak lanjut, RTL) as the report prints it.

The rows come from elsewhere (the office's follow-up loop); this module only says how a list of them reads,
so the PDF and the Word report show the same table, or the one sentence that there is no plan yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .dates import long_date

EMPTY = "Belum ada rencana tindak lanjut untuk periode ini."
HEADER = ("No", "Prioritas unsur / masalah", "Program / kegiatan", "Penanggung jawab", "Target", "Status")
WIDTHS = (6, 24, 30, 18, 12, 10)


@dataclass(frozen=True)
class RtlRow:
    issue: str  # the unsur or the recurring complaint it answers
    program: str
    responsible: str
    target: date | None
    status: str  # Rencana / Berjalan / Selesai


def rtl_rows(rows: list[RtlRow]) -> list[list[str]]:
    """Table cells for `rows` (numbered, dates in Indonesian); an empty list when there is no plan."""
    return [
        [
            str(i),
            row.issue,
            row.program,
            row.responsible,
            long_date(row.target) if row.target else "–",
            row.status,
        ]
        for i, row in enumerate(rows, start=1)
    ]
