"""The staff-facing worksheet layouts the bot writes (Indonesian headers), shared by sessions and sync;
duplicated keys in the rows staff edit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import Any
from zoneinfo import ZoneInfo

from bot.base.i18n import t
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import SurveyDefinition
from bot.store import Connection, sheet_rows
from bot.store import sessions as store_sessions
from bot.store.sessions import Session
from bot.store.surveys import Response
from sheets.workbook import SheetRow, WorksheetSpec

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
        # Revision 0014: the venue's map pin ("-7.4797, 110.2177") and a repeat pattern staff may type in a
        # new row ("setiap Jumat pertama"); the bot writes "berulang (seri N)" on each occurrence's row.
        "Koordinat",
        "Ulangi",
        # Written by the bot: check-ins and staff headcounts (bot.domain.attendance.attendance_cell).
        "Kehadiran",
    ),
    key="ID",
)


def session_row(
    session: Session, tz: ZoneInfo, status: str = "OK", *, attendance: str | None = None
) -> dict[str, Any]:
    """The session's Jadwal row; "Kehadiran" only when given (an edit must not blank the count)."""
    local = session.starts_at.astimezone(tz)
    end = session.ends_at.astimezone(tz)
    extra = {"Kehadiran": attendance} if attendance is not None else {}
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
        "Koordinat": "" if session.pin is None else f"{session.latitude}, {session.longitude}",
        "Ulangi": f"berulang (seri {session.series_id})" if session.series_id else "",
        **extra,
    }


# Aspiration tickets: staff set Status (Baru/Diproses/Selesai/Ditolak/Diteruskan), Klasifikasi (Informasi,
# Keluhan, Saran, Sengketa, Pengaduan perlu peninjauan lapangan), write Tanggapan and Publik (Ya/Tidak); the bot
# reads them back, tells the citizen, and keeps the two deadlines current (bot/domain/aspirations.py,
# bot/domain/deadlines.py).  A workbook made before the deadlines gets the three new columns at its end.
ASPIRASI = WorksheetSpec(
    "Aspirasi",
    (
        "Tiket",
        "Tanggal",
        "Bidang",
        "Sesi",
        "Kategori",
        "Klasifikasi",
        "Isi",
        "Pengirim",
        "Status",
        "Batas tanggapan",
        "Batas tindak lanjut",
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

# The follow-up plan (rencana tindak lanjut): the bot proposes rows (Prioritas, Dasar, Tiket); staff fill
# Program/Kegiatan, Penanggung jawab, Target, Status (Rencana/Berjalan/Selesai), Bukti and Publik; the bot
# reads them back (bot/domain/followup.py).
TINDAK_LANJUT = WorksheetSpec(
    "Tindak Lanjut",
    (
        "ID",
        "Dibuat",
        "Periode",
        "Bidang",
        "Prioritas",
        "Dasar",
        "Tiket",
        "Program/Kegiatan",
        "Penanggung jawab",
        "Target",
        "Status",
        "Bukti",
        "Publik",
        "Status Bot",
    ),
    key="ID",
)

# The worksheets whose rows carry a key: a row missing from one is written again, `ngopas sheets rebuild`
# writes them again from the store (bot/domain/mirror.py).
KEYED_WORKSHEETS = (JADWAL.name, "Jawaban", ASPIRASI.name, TINDAK_LANJUT.name)


# A Jawaban row's Status: the answer counts, or the person replaced it with a later one (which counts
# instead).  A report made from the sheet (`report --input`) reads only the rows that count.
STATUS_COUNTED = "Dihitung"
STATUS_REPLACED = "Diganti"


def jawaban_spec(defn: SurveyDefinition) -> WorksheetSpec:
    """One column per question (readable Indonesian header), plus follow-ups for every unsur."""
    headers = ["ID Jawaban", "Sesi", "Judul Sesi", "Bidang", "Tanggal Isi"]
    for q in defn.questions:
        headers.append(column_header(q.key, defn))
    for q in defn.questions:
        if q.followup_on_low:
            headers.append(f"Perbaikan: {column_header(q.key, defn)}")
    headers += ["Saluran", "Versi Kuesioner", "Status"]
    return WorksheetSpec("Jawaban", tuple(headers), key="ID Jawaban")


def column_header(key: str, defn: SurveyDefinition) -> str:
    names = getattr(defn, "column_names", None) or {}
    return names.get(key) or key.replace("_", " ").capitalize()


def response_row(
    response: Response, session: Session, defn: SurveyDefinition, tz: ZoneInfo
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ID Jawaban": response.id,
        "Sesi": session.id,
        "Judul Sesi": session.title,
        "Bidang": session.section,
        "Tanggal Isi": response.finished_at.astimezone(tz).strftime("%d/%m/%Y %H.%M"),
        "Saluran": response.channel,  # telegram or import: the report's channels, also when read back
        "Versi Kuesioner": f"{response.definition_id} v{response.definition_version}",
        "Status": STATUS_REPLACED if response.replaced_by else STATUS_COUNTED,
    }
    by_key = {q.key: q for q in defn.questions}
    for key, value in response.answers.items():
        q = by_key.get(key)
        if q is None or value is None:
            continue
        numeric = defn.numeric_value(key, value) if q.kind in ("ikm", "scale") else None
        row[column_header(key, defn)] = (
            numeric if numeric is not None else (q.label(value, "id") if q.kind != "text" else value)
        )
    for key, text in response.followups.items():
        row[f"Perbaikan: {column_header(key, defn)}"] = text
    return row


async def queue_replaced(conn: Connection, rt: Runtime, response_id: str) -> None:
    """The Jawaban row of a replaced answer now says so, queued in the transaction that replaces it."""
    await sheet_rows.queue(
        conn, "Jawaban", response_id, {"Status": STATUS_REPLACED}, rt.clock.now(), op="update"
    )


async def queue_response(conn: Connection, rt: Runtime, response: Response, defn: SurveyDefinition) -> None:
    """The Jawaban row, queued in the same transaction that stores the answer."""
    session = await store_sessions.get_session(conn, response.session_id)
    if session is None:
        return
    await sheet_rows.queue(
        conn, "Jawaban", response.id, response_row(response, session, defn, rt.tz), rt.clock.now()
    )


# --- staff rows -----------------------------------------------------------------------------------------


def duplicated_keys(
    rows: list[SheetRow],
    key: Callable[[SheetRow], str],
    content: Callable[[SheetRow], Hashable],
    *,
    label: str,
    hint: str,
) -> dict[int, str]:
    """Staff rows sharing one key (a row copied with its ID or ticket): the Status Bot text of each row
    that must not be applied, by row number.

    Copies that say the same thing are applied once, through the first; copies that disagree are none of
    them applied, since applying each in turn would flip the record (and message people) on every read.
    """
    by_key: dict[str, list[SheetRow]] = defaultdict(list)
    for row in rows:
        value = key(row)
        if value:
            by_key[value].append(row)
    skip: dict[int, str] = {}
    for value, group in by_key.items():
        if len(group) < 2:
            continue
        numbers = ", ".join(str(row.row_number) for row in group)
        if len({content(row) for row in group}) == 1:
            for row in group[1:]:
                skip[row.row_number] = t(
                    "sheet.duplicate_same", "id", label=label, key=value, first=group[0].row_number
                )
        else:
            for row in group:
                skip[row.row_number] = t(
                    "sheet.duplicate_conflict", "id", label=label, key=value, rows=numbers, hint=hint
                )
    return skip
