"""The staff-facing worksheet layouts the bot writes (Indonesian headers), shared by sessions and sync."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.store.sessions import Session
from sheets.workbook import WorksheetSpec

JADWAL = WorksheetSpec(
    "Jadwal",
    (
        "ID",
        "Judul",
        "Bidang",
        "Tanggal",
        "Jam",
        "Tempat",
        "Zoom",
        "YouTube",
        "Narasumber",
        "Status Sesi",
        "Status Bot",
    ),
    key="ID",
)


def session_row(session: Session, tz: ZoneInfo, status: str = "OK") -> dict[str, Any]:
    local = session.starts_at.astimezone(tz)
    end = session.ends_at.astimezone(tz)
    return {
        "ID": session.id,
        "Judul": session.title,
        "Bidang": session.section,
        "Tanggal": f"{local:%d/%m/%Y}",
        "Jam": f"{local:%H.%M}-{end:%H.%M}",
        "Tempat": session.venue,
        "Zoom": session.zoom_url or "",
        "YouTube": session.youtube_url or "",
        "Narasumber": session.speaker or "",
        "Status Sesi": {"planned": "Terjadwal", "cancelled": "Dibatalkan"}.get(
            session.status, session.status
        ),
        "Status Bot": status,
    }


# Aspiration tickets: staff set Status (Baru/Diproses/Selesai/Ditolak), write Tanggapan and Publik (Ya/Tidak);
# the bot reads them back and tells the citizen (see bot/domain/aspirations.py).
ASPIRASI = WorksheetSpec(
    "Aspirasi",
    (
        "Tiket",
        "Tanggal",
        "Bidang",
        "Sesi",
        "Kategori",
        "Isi",
        "Pengirim",
        "Status",
        "Tanggapan",
        "Publik",
        "Status Bot",
    ),
    key="Tiket",
)

# Rewritten by the bot after each sync: IKM per session, section and quarter.
RINGKASAN = WorksheetSpec(
    "Ringkasan",
    ("Tingkat", "Kelompok", "Periode", "IKM", "Mutu", "Kinerja", "Responden", "Unsur Terlemah", "Diperbarui"),
)
