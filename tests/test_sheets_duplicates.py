"""A key copied in a staff sheet (a Jadwal row with its ID, an Aspirasi row with its ticket) is flagged in
Status Bot and applied at most once: no staff edit makes the bot send one kind of message to a chat more
than once per real change (issue 15 #10, #11)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.base.clock import FakeClock
from bot.dev.sandbox import running_sandbox
from bot.domain.sessions import create_session, validate_fields
from bot.domain.worksheets import ASPIRASI, JADWAL
from bot.store import chats
from bot.store import sessions as store_sessions
from sheets.workbook import CellUpdate

from .conftest import TZ

GROUP = -1003301
OTHER_GROUP = -1003302
SITI = 3301
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=TZ)


@pytest.fixture
def clock():
    return FakeClock(NOW)


@pytest.fixture
async def sb(tmp_path, tg, clock, migrated_database_url):
    tg.add_group(GROUP, "Masjid Agung", supergroup=True)
    tg.add_group(OTHER_GROUP, "KBIHU", supergroup=True)
    tg.add_user(SITI, "Siti")
    async with running_sandbox(tmp_path, clock=clock, tg=tg, database_url=migrated_database_url) as sandbox:
        for chat_id in (GROUP, OTHER_GROUP):
            async with sandbox.rt.store.begin() as conn:
                await chats.upsert_chat(conn, chat_id=chat_id, type="supergroup", title="t", now=NOW)
                await chats.set_subscriptions(conn, chat_id, [chats.ALL_SECTIONS], by=None, now=NOW)
        yield sandbox


async def _round(sb) -> list[str]:
    """What the running bot does every few minutes: flush, read the staff sheets, send what they caused."""
    sync = sb.running.sheets
    await sync.flush()
    problems = await sync.read_jadwal()
    problems += (await sync.read_aspirasi()).problems
    await sync.flush()
    sb.rt.wake_sender()
    await sb.outbox_idle()
    return problems


def _copy_row(sb, spec, row_number: int, **changes: str) -> int:
    """A staff member copies a row (every cell, the key too) to the end of the sheet and edits the copy."""
    workbook = sb.running.sheets.workbook
    rows = workbook.read_rows(spec)
    [source] = [r for r in rows if r.row_number == row_number]
    target = max(r.row_number for r in rows) + 1
    values = {**source.values, **changes}
    workbook.update_cells(spec, [CellUpdate(target, h, v) for h, v in values.items()])
    return target


def _edit(sb, spec, row_number: int, **cells: str) -> None:
    sb.running.sheets.workbook.update_cells(spec, [CellUpdate(row_number, h, v) for h, v in cells.items()])


def _status(sb, spec) -> dict[int, str]:
    return {r.row_number: r.values.get("Status Bot", "") for r in sb.running.sheets.workbook.read_rows(spec)}


def _count(sb, chat: int, marker: str) -> int:
    return sum(marker in text for text in sb.texts(chat))


async def test_a_jadwal_row_copied_with_its_id_broadcasts_nothing(sb):
    values = validate_fields(
        {"title": "Dialog Kerukunan", "section": "Bimas Islam", "when": "01/05/2026 09.00-11.00"}, sb.rt
    )
    session = (await create_session(sb.rt, values, by=None, source="test")).session
    await _round(sb)
    assert _count(sb, GROUP, "Sesi NGOPAS baru") == 1
    # Staff copy the row, ID included, and give the copy another date (meaning a second session).
    copy = _copy_row(sb, JADWAL, 2, Tanggal="08/05/2026")
    for _ in range(3):  # fifteen minutes of the bot reading the sheet
        problems = await _round(sb)
    for chat in (GROUP, OTHER_GROUP):
        assert _count(sb, chat, "Perubahan sesi") == 0
    status = _status(sb, JADWAL)
    for row in (2, copy):
        assert f"ID {session.id}" in status[row] and f"2, {copy}" in status[row], status
        assert "kosongkan ID" in status[row]
    assert any(f"Jadwal baris {copy}" in line for line in problems)
    async with sb.rt.store.connect() as conn:
        unchanged = await store_sessions.get_session(conn, session.id)
    assert unchanged.starts_at == session.starts_at and unchanged.version == session.version

    _edit(sb, JADWAL, copy, ID="")  # as the flag says: the copy is a new session
    for _ in range(2):
        await _round(sb)
    for chat in (GROUP, OTHER_GROUP):
        assert _count(sb, chat, "Sesi NGOPAS baru") == 2 and _count(sb, chat, "Perubahan sesi") == 0
    assert set(_status(sb, JADWAL).values()) == {"OK"}
    ids = {r.values["Tanggal"]: r.values["ID"] for r in sb.running.sheets.workbook.read_rows(JADWAL)}
    assert ids["01/05/2026"] == str(session.id) and ids["08/05/2026"] not in ("", str(session.id))

    # Copies that say the same thing are applied once: a real change, one notice.
    _edit(sb, JADWAL, 2, Tempat="Aula KUA")
    twin = _copy_row(sb, JADWAL, 2)
    for _ in range(3):
        await _round(sb)
    assert _count(sb, GROUP, "Perubahan sesi") == 1
    assert "sama dengan baris 2" in _status(sb, JADWAL)[twin]


async def _write(sb, user, text):
    await sb.say(user, "/aspirasi")
    await sb.press(user, user, "Bimas Islam")
    await sb.say(user, text)
    await sb.press(user, user, "🙈")


async def test_an_aspirasi_row_copied_never_tells_the_citizen_twice(sb):
    await _write(sb, SITI, "Lampu aula KUA mati, mohon diperbaiki.")
    await _round(sb)
    [row] = sb.running.sheets.workbook.read_rows(ASPIRASI)
    # One staff member copies the ticket's row; two of them answer, one in each row.
    copy = _copy_row(sb, ASPIRASI, row.row_number)
    _edit(sb, ASPIRASI, row.row_number, Status="Diproses", Tanggapan="Sudah kami teruskan ke bagian umum.")
    _edit(sb, ASPIRASI, copy, Status="Selesai", Tanggapan="Lampu sudah diganti.")
    for _ in range(3):
        problems = await _round(sb)
    assert _count(sb, SITI, "Kabar untuk tiket") == 0
    status = _status(sb, ASPIRASI)
    for number in (row.row_number, copy):
        assert "ASP-2026-0001" in status[number] and f"{row.row_number}, {copy}" in status[number]
    assert any(f"Aspirasi baris {copy}" in line for line in problems)

    _edit(sb, ASPIRASI, copy, **{h: "" for h in row.values})  # the copy deleted: the reply goes, once
    for _ in range(3):
        await _round(sb)
    updates = [m for m in sb.texts(SITI) if "Kabar untuk tiket ASP-2026-0001" in m]
    assert len(updates) == 1 and "bagian umum" in updates[0]

    twin = _copy_row(sb, ASPIRASI, row.row_number)  # an identical copy: nothing new, nothing sent
    for _ in range(3):
        await _round(sb)
    assert _count(sb, SITI, "Kabar untuk tiket") == 1
    assert "sama dengan baris" in _status(sb, ASPIRASI)[twin]
