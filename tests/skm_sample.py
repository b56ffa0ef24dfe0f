"""A year of survey answers and a configured office, as the report files' tests render them.

Deterministic (no random numbers): three quarters of answers, a respondent profile, four identical
suggestions written differently, two channels, a logo file, a head of office with NIP.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from PIL import Image

from reports.instrument import UNSUR_KEYS
from reports.office import Office
from reports.periods import filter_period
from reports.report import Report, build_report
from reports.rtl import RtlRow

TZ = ZoneInfo("Asia/Jakarta")
SAME_SUGGESTION = (
    "Lebih sering diadakan",
    "lebih sering  diadakan.",
    "Lebih sering diadakan",
    "LEBIH SERING DIADAKAN",
)
GENERATED = datetime(2026, 10, 5, 9, 0, tzinfo=TZ)


def answers() -> pd.DataFrame:
    rows = []
    for quarter, month in enumerate((2, 5, 8), start=1):
        for i in range(12):
            score = 4 if i % (quarter + 1) else 3  # each quarter a little better
            row = dict.fromkeys(UNSUR_KEYS, score)
            row["sarana"] = 2 if i % 2 else 3  # the weakest unsur
            row["finished_at"] = pd.Timestamp(2026, month, 1 + i, 10, tz=TZ)
            row["channel"] = "telegram" if i % 4 else "import"
            row["section"] = "Bimas Islam" if i % 2 else "PHU"
            row["session_id"] = quarter
            row["session_title"] = f"Dialog triwulan {quarter}"
            row["jenis_kelamin"] = "Perempuan" if i % 3 else "Laki-laki"
            row["umur"] = "25–40 tahun" if i % 2 else "41–60 tahun"
            row["saran"] = (
                SAME_SUGGESTION[i] if i < len(SAME_SUGGESTION) else ("Parkir diperluas" if i == 5 else None)
            )
            rows.append(row)
    return pd.DataFrame(rows)


def office(folder: Path) -> Office:
    logo = folder / "logo.png"
    Image.new("RGB", (120, 120), "#0f5132").save(logo)
    return Office(
        name="Kantor Kementerian Agama Kota Magelang",
        address="Jl. Sunan Kalijaga No. 4, Kota Magelang 56117",
        phone="(0293) 362100",
        website="kemenag-magelangkota.go.id",
        email="kotamagelang@kemenag.go.id",
        logo=logo,
        head_name="Dr. H. Ahmad Muttaqin, M.Ag.",
        head_nip="197005121995031002",
        city="Magelang",
    )


def quarter_report(folder: Path, *, rtl: list[RtlRow] | None = None, profile: bool = True) -> Report:
    """Triwulan III 2026 of `answers()`, with the two earlier quarters as its trend, population 120."""
    history = answers()
    if not profile:
        history[["jenis_kelamin", "umur"]] = None  # asked, never answered: as the store hands it over
    frame = filter_period(history, "2026-Q3")
    return build_report(
        frame,
        title="Survei Kepuasan Masyarakat NGOPAS",
        office_name="Kantor Kementerian Agama Kota Magelang",
        period_label="Triwulan III 2026",
        population=120,
        generated_at=GENERATED,
        office=office(folder),
        period="2026-Q3",
        history=history,
        rtl=rtl,
    )


RTL = [
    RtlRow(
        "Sarana dan Prasarana", "Menambah kursi ruang tunggu PTSP", "Subbag TU", date(2026, 12, 15), "Rencana"
    ),
    RtlRow(
        "Saran: lebih sering diadakan", "Dialog bulanan di tiap kecamatan", "Bimas Islam", None, "Berjalan"
    ),
]
