"""The IKM instrument of PermenPAN-RB No. 14/2017: the nine unsur, their answer labels, the grade table.

Answers are stored by stable key, never by position (public sources disagree on the order of U8/U9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

UNSUR: dict[str, str] = {
    "persyaratan": "Persyaratan",
    "prosedur": "Sistem, Mekanisme, dan Prosedur",
    "waktu": "Waktu Penyelesaian",
    "biaya": "Biaya/Tarif",
    "produk": "Produk Spesifikasi Jenis Pelayanan",
    "kompetensi": "Kompetensi Pelaksana",
    "perilaku": "Perilaku Pelaksana",
    "pengaduan": "Penanganan Pengaduan, Saran dan Masukan",
    "sarana": "Sarana dan Prasarana",
}
UNSUR_KEYS = tuple(UNSUR)

# The regulation's typical question per unsur (PermenPAN-RB 14/2017, as offices copy it into a Google Form).
QUESTIONS: dict[str, str] = {
    "persyaratan": "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
    "prosedur": "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
    "waktu": "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
    "biaya": "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
    "produk": (
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
        "pelayanan dengan hasil yang diberikan?"
    ),
    "kompetensi": "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
    "perilaku": (
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?"
    ),
    "pengaduan": "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
    "sarana": "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
}

# The respondent profile the SKM report describes (answered optionally; never linked to a person).
PROFILE_KEYS = ("jenis_kelamin", "umur", "pendidikan", "pekerjaan")

LABELS: dict[str, tuple[str, str, str, str]] = {
    "persyaratan": ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    "prosedur": ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    "waktu": ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    "biaya": ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    "produk": ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    "kompetensi": ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    "perilaku": (
        "Tidak sopan dan ramah",
        "Kurang sopan dan ramah",
        "Sopan dan ramah",
        "Sangat sopan dan ramah",
    ),
    "pengaduan": (
        "Tidak ada",
        "Ada tetapi tidak berfungsi",
        "Berfungsi kurang maksimal",
        "Dikelola dengan baik",
    ),
    "sarana": ("Buruk", "Cukup", "Baik", "Sangat baik"),
}

IPAK: dict[str, str] = {
    "ipak_diskriminasi": "Tidak ada diskriminasi pelayanan",
    "ipak_prosedur": "Tidak ada pelayanan di luar prosedur",
    "ipak_gratifikasi": "Tidak ada gratifikasi",
    "ipak_pungli": "Tidak ada pungutan liar",
    "ipak_calo": "Tidak ada calo",
}
IPAK_LABELS = ("Tidak setuju", "Kurang setuju", "Setuju", "Sangat setuju")


@dataclass(frozen=True)
class Grade:
    nilai_persepsi: int
    mutu: str
    kinerja: str
    lower: Decimal  # lowest converted (×25) value of the interval, inclusive


# Interval konversi IKM (×25): classify the value rounded to 2 decimals, ≥ on the lower bounds.
GRADES = (
    Grade(4, "A", "Sangat baik", Decimal("88.31")),
    Grade(3, "B", "Baik", Decimal("76.61")),
    Grade(2, "C", "Kurang baik", Decimal("65.00")),
    Grade(1, "D", "Tidak baik", Decimal("25.00")),
)
# KepMenPAN 25/2004 (14 unsur, weight 0.071): only for reading old data.
LEGACY_2004_LOWER = {
    "A": Decimal("81.26"),
    "B": Decimal("62.51"),
    "C": Decimal("43.76"),
    "D": Decimal("25.00"),
}


def round2(value: Fraction | float | Decimal) -> Decimal:
    """Round half-up to 2 decimals, exactly (a Fraction never meets binary float surprises)."""
    if isinstance(value, Fraction):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade_for_ikm(value: Fraction | float | Decimal) -> Grade:
    """The grade of an IKM on the 0–100 scale, after rounding it to 2 decimals as it is displayed."""
    shown = round2(value)
    for grade in GRADES:
        if shown >= grade.lower:
            return grade
    return GRADES[-1]


def grade_for_nrr(nrr: Fraction | float) -> Grade:
    """An unsur's NRR (1–4) graded on the same table via its ×25 conversion, so per-unsur grades and the
    overall grade agree at the boundaries (3.5324 × 25 = 88.31)."""
    return grade_for_ikm(Fraction(nrr) * 25 if isinstance(nrr, Fraction) else Decimal(str(nrr)) * 25)


# A suggestion that says nothing ("-", "tidak ada", or what a spreadsheet or pandas leaves for an empty
# cell: "nan", "None") is no suggestion: no ticket, not counted in "Saran masuk", never printed.
_EMPTY_TEXT = re.compile(
    r"^\W*(tidak ada|tdk ada|ga ada|gak ada|nggak ada|nihil|cukup|none|no|n/?a|nan|nat|null)?\W*$", re.I
)


def says_nothing(text: object) -> bool:
    """True for None, blank, "-", "tidak ada", "nan" and the like: a free text that carries nothing."""
    return text is None or bool(_EMPTY_TEXT.match(str(text).strip()))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower())


def label_to_value(key: str, text: object) -> int | None:
    """ "Sangat sesuai" / "4" / 4 → 4 for unsur `key`; None when not a valid answer."""
    if text is None:
        return None
    raw = _norm(str(text))
    if raw in ("1", "2", "3", "4", "1.0", "2.0", "3.0", "4.0"):
        return int(float(raw))
    labels = LABELS.get(key) or (IPAK_LABELS if key in IPAK else None)
    if labels:
        for value, label in enumerate(labels, start=1):
            if raw == _norm(label):
                return value
    return None
