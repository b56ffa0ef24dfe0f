"""A session's closing record as the report prints it (light: the bot builds these without loading pandas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClosingRecord:
    """What staff wrote down after a session: notes, how many photos, the aspirations raised orally."""

    session: str  # "#12 Dialog Kerukunan"
    notes: str
    photos: int
    aspirations: list[str] = field(default_factory=list)  # "ASP-2026-0042 Jalan rusak"

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "notes": self.notes,
            "photos": self.photos,
            "aspirations": list(self.aspirations),
        }
