"""Who signs the report: the office's letterhead and its head, as the SKM report's cover and signature show.

Plain data (the bot fills it from settings); every field may be empty, and the renderers leave out what is
not known instead of printing placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Office:
    name: str
    address: str = ""
    phone: str = ""
    website: str = ""
    email: str = ""
    logo: Path | None = None  # PNG or JPEG, shown on the letterhead and the infographic
    head_title: str = "Kepala Kantor"
    head_name: str = ""
    head_nip: str = ""
    city: str = ""  # the place on the signature line ("Magelang, 3 Desember 2026")

    @property
    def contacts(self) -> str:
        """ "Telp. 0293-362… · www… · kemenag…@…": the letterhead's second line, without empty parts."""
        parts = [f"Telp. {self.phone}" if self.phone else "", self.website, self.email]
        return " · ".join(p for p in parts if p)

    def logo_file(self) -> Path | None:
        """The logo when the file is really there (a moved file leaves the letterhead without it, not broken)."""
        return self.logo if self.logo is not None and self.logo.is_file() else None
