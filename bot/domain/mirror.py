"""Every row the store says a keyed worksheet (Jadwal, Jawaban, Aspirasi, Tindak Lanjut) holds, rendered as the bot writes
it: what a row missing from the workbook is restored from, and what `ngopas sheets rebuild` writes."""

from __future__ import annotations

from typing import Any

from bot.domain import aspirations, followup
from bot.domain.attendance import attendance_cell
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.worksheets import ASPIRASI, JADWAL, TINDAK_LANJUT, response_row, session_row
from bot.store import aspirations as store_aspirations
from bot.store import attendance as store_attendance
from bot.store import rtl as store_rtl
from bot.store import sessions as store_sessions
from bot.store import surveys


async def database_keys(rt: Runtime, worksheet: str) -> set[str]:
    """The keys of every row the store says a keyed worksheet (Jadwal, Jawaban, Aspirasi) holds."""
    async with rt.store.connect() as conn:
        if worksheet == JADWAL.name:
            return {str(i) for i in await store_sessions.all_ids(conn)}
        if worksheet == "Jawaban":
            return set(await surveys.response_ids(conn))
        if worksheet == ASPIRASI.name:
            return set(await store_aspirations.tickets(conn))
        if worksheet == TINDAK_LANJUT.name:
            return set(await store_rtl.codes(conn))
    raise KeyError(worksheet)


async def database_rows(
    rt: Runtime, worksheet: str, only: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Rows of a keyed worksheet as the bot writes them now (all, or those with a key in `only`), by key:
    what a row missing from the workbook is restored from, and what `ngopas sheets rebuild` writes."""
    wanted = (lambda key: True) if only is None else only.__contains__
    async with rt.store.connect() as conn:
        sessions = await store_sessions.list_sessions(conn, include_cancelled=True)
        if worksheet == JADWAL.name:
            return {
                str(s.id): session_row(
                    s, rt.tz, attendance=attendance_cell(await store_attendance.of_session(conn, s.id))
                )
                for s in sessions
                if wanted(str(s.id))
            }
        if worksheet == "Jawaban":
            defn = definition_for(rt)
            by_id = {session.id: session for session in sessions}
            return {
                response.id: response_row(response, by_id[response.session_id], defn, rt.tz)
                for response in await surveys.responses(conn, include_replaced=True)
                if wanted(response.id) and response.session_id in by_id
            }
        if worksheet == ASPIRASI.name:
            return {
                a.ticket: await aspirations.sheet_row(conn, rt, a)
                for a in await store_aspirations.every(conn)
                if wanted(a.ticket)
            }
        if worksheet == TINDAK_LANJUT.name:
            return {
                row.code: await followup.sheet_row(conn, rt, row)
                for row in await store_rtl.every(conn)
                if wanted(row.code)
            }
    raise KeyError(worksheet)
