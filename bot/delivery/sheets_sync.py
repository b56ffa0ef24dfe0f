"""Mirroring the store to the office spreadsheet, and reading staff edits (Jadwal) back.

Rows are queued in `sheet_outbox` inside the same transaction as the thing they describe (a finished
response, a new session), then flushed in batches: one `append_rows` per worksheet per flush, with the
row key as the sheet's idempotency column, so a retried flush never writes a row twice.  gspread is
blocking, so every workbook call runs in a worker thread; while Google is slow, down or over quota the
rows simply wait in the store and citizens notice nothing.

One bad row never blocks the others: a batch the spreadsheet refuses for its content is halved until the
refused row stands alone, and that row is parked with the reason (/status, `ngopas sync`, `ngopas doctor`
show it).  The store is the truth and the workbook its mirror: rows missing from the workbook (a stale copy
saved over it, rows deleted, a new file) are written again on every read round, and `ngopas sheets rebuild`
writes every worksheet again.  Staff rows sharing one ID or ticket are flagged and applied at most once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.base.i18n import format_when, t
from bot.domain import followup, form_links, recurrence, tally
from bot.domain.aspirations import SheetReadResult, apply_sheet_rows
from bot.domain.mirror import database_keys, database_rows
from bot.domain.parsing import ParseError
from bot.domain.runtime import Runtime
from bot.domain.series import create_series
from bot.domain.session_import import normalise_row
from bot.domain.sessions import SessionInputError, create_session, edit_session, validate_fields
from bot.domain.survey.definition import definition_for
from bot.domain.worksheets import (
    ASPIRASI,
    JADWAL,
    KEYED_WORKSHEETS,
    RINGKASAN,
    TINDAK_LANJUT,
    duplicated_keys,
    jawaban_spec,
    session_row,
)
from bot.store import series as series_store
from bot.store import sessions as store_sessions
from bot.store import sheet_rows
from bot.store.sessions import Session
from sheets.errors import RowRejected, SheetsError, SheetsUnavailable
from sheets.workbook import CellUpdate, SheetRow, SheetValues, Workbook, WorksheetSpec, open_workbook

log = logging.getLogger(__name__)

# Google allows 60 write requests a minute per user.  The running bot plans for 12, so a live survey costs
# at most 12 writes a minute however fast answers come; what an operator asks for now (`ngopas sync`,
# `ngopas sheets rebuild`) may use the whole quota.
GOOGLE_WRITES_PER_MINUTE = 60
WRITES_PER_MINUTE = 12
SUMMARY_SECONDS = 60.0  # Ringkasan is rewritten at most once a minute (two writes: clear, then rows)
SUMMARY_LINES_PER_TURN = 20  # Ringkasan lines made between two turns of the event loop
# What staff type in a Jadwal row (what the bot compares with the session it describes).
JADWAL_FIELDS = ("Judul", "Bidang", "Tanggal", "Jam", "Tempat", "Zoom", "YouTube", "Narasumber", "Koordinat")


@dataclass
class FlushResult:
    written: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    requests: int = 0
    pending: int = 0
    parked: int = 0  # rows the spreadsheet refused on their own in this flush, now waiting aside
    error: str | None = None


class SheetsSync:
    """Owns the workbook; flushes queued rows and reads the Jadwal sheet back."""

    def __init__(
        self, rt: Runtime, workbook: Workbook, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rt = rt
        self.workbook = workbook
        self.clock = clock
        self._write_times: list[float] = []
        self._lock = asyncio.Lock()
        self._ensured = False
        self._repaired = False
        self.writes_per_minute = WRITES_PER_MINUTE
        self._summary_at: float | None = None
        self._summary_stale = False  # answers were written to Jawaban since Ringkasan was

    def specs(self) -> list[WorksheetSpec]:
        return [JADWAL, jawaban_spec(definition_for(self.rt)), ASPIRASI, RINGKASAN, TINDAK_LANJUT]

    def spec(self, name: str) -> WorksheetSpec:
        for spec in self.specs():
            if spec.name == name:
                return spec
        raise KeyError(name)

    async def ensure(self) -> None:
        if not self._ensured:
            await asyncio.to_thread(self.workbook.ensure, self.specs())
            self._ensured = True

    def _budget(self) -> int:
        """Write requests still allowed in the current minute (we pace ourselves below Google's quota)."""
        now = self.clock()
        self._write_times = [t for t in self._write_times if t > now - 60]
        return self.writes_per_minute - len(self._write_times)

    async def flush(self) -> FlushResult:
        """Write every queued row: one request per worksheet (and op), then mark them flushed."""
        async with self._lock:
            result = FlushResult()
            self._repaired = False
            try:
                await self.ensure()
            except SheetsError as exc:
                result.error = str(exc)
                result.pending = await self._waiting()
                return result
            async with self.rt.store.connect() as conn:
                rows = await sheet_rows.pending(conn)
            groups: dict[tuple[str, str], list[sheet_rows.QueuedRow]] = defaultdict(list)
            for row in rows:
                groups[(row.worksheet, row.op)].append(row)
            # Appends first: an update then finds the row its append has just written.
            for (worksheet, op), batch in sorted(groups.items(), key=lambda group: group[0][1] != "append"):
                try:
                    if not await self._write(worksheet, op, batch, result):
                        break  # this minute's write budget is spent: the rest waits for the next round
                except SheetsError as exc:
                    log.warning("Sheets flush of %s failed: %s", worksheet, exc)
                    result.error = str(exc)
                    self._ensured = False  # a worksheet renamed or deleted is made again next round
                    async with self.rt.store.begin() as conn:
                        await sheet_rows.mark_failed(conn, [r.id for r in batch], str(exc))
                    break  # the spreadsheet is unhappy: stop this round, everything stays queued
            if result.written.get("Jawaban"):
                self._summary_stale = True
            if self._summary_stale and self._summary_due() and result.error is None and self._budget() >= 2:
                try:
                    await self.refresh_summary()
                    result.requests += 2
                except SheetsError as exc:  # the summary is made again after the next answers
                    log.warning("Sheets: Ringkasan not refreshed: %s", exc)
            result.pending = await self._waiting()
            return result

    def _summary_due(self) -> bool:
        return self._summary_at is None or self.clock() - self._summary_at >= SUMMARY_SECONDS

    def _reserve(self) -> int:
        """Writes kept back for Ringkasan while it waits to show new answers (appends never starve it)."""
        return 2 if self._summary_stale else 0

    async def _waiting(self) -> int:
        async with self.rt.store.connect() as conn:
            return (await sheet_rows.lag(conn))[0]

    async def _write(
        self, worksheet: str, op: str, batch: list[sheet_rows.QueuedRow], result: FlushResult
    ) -> bool:
        """Write one group in one request and mark it flushed; False when the write budget is spent.

        A group the spreadsheet refuses for its content is halved until the refused row stands alone, and
        that row is parked with the reason: one bad row costs a few requests, never the other rows."""
        try:
            spec = self.spec(worksheet)
        except KeyError:
            for row in batch:
                await self._park(row, f"Lembar {worksheet} tidak dikenal bot.", result)
            return True
        if self._budget() <= self._reserve():
            return False
        self._write_times.append(self.clock())
        result.requests += 1
        try:
            if op == "append":
                outcome = await asyncio.to_thread(self.workbook.append_rows, spec, [r.values for r in batch])
                result.skipped += outcome.skipped
                written = outcome.written
            else:
                await self._apply_updates(spec, batch)
                written = len(batch)
        except RowRejected as exc:
            if not self._repaired:
                # The worksheet itself may be at fault (renamed, its header row cleared): make it again once.
                self._repaired = True
                self._ensured = False
                await self.ensure()
            if len(batch) == 1:
                await self._park(batch[0], str(exc), result)
                return True
            half = len(batch) // 2
            return await self._write(worksheet, op, batch[:half], result) and await self._write(
                worksheet, op, batch[half:], result
            )
        async with self.rt.store.begin() as conn:
            await sheet_rows.mark_flushed(conn, [r.id for r in batch], self.rt.clock.now())
        result.written[worksheet] = result.written.get(worksheet, 0) + written
        return True

    async def _park(self, row: sheet_rows.QueuedRow, reason: str, result: FlushResult) -> None:
        log.warning("Sheets: row %s of %s parked: %s", row.row_key, row.worksheet, reason)
        async with self.rt.store.begin() as conn:
            await sheet_rows.park(conn, row.id, reason, self.rt.clock.now())
        result.parked += 1

    async def refresh_summary(self) -> int:
        """Rewrite Ringkasan: IKM per session, per section and per quarter (staff read it, never edit it).

        Computed from the running tallies (`bot.domain.tally`), a few hundred rows whatever the number of
        answers: the event loop never waits on the history."""
        rows = await self.summary_rows()
        if not rows:
            return 0
        self._write_times += [self.clock()] * 2  # clear, then write (Google)
        self._summary_at = self.clock()
        self._summary_stale = False
        await asyncio.to_thread(self.workbook.replace_rows, RINGKASAN, rows)
        return len(rows)

    async def summary_rows(self) -> list[dict[str, Any]]:
        """The Ringkasan rows as the sheet shows them.

        Made a few lines at a time, the event loop getting its turn in between: each line's grade and
        weakest unsur are exact fractions, about a quarter millisecond each, and a year of sessions has
        hundreds of lines (165 ms in one go at 400 sessions, measured by bench.sheets_lag)."""
        tallies = await tally.rows(self.rt)
        lines = await tally.summary_on_loop(tallies, definition_for(self.rt).disabled_unsur)
        now = self.rt.clock.now().astimezone(self.rt.tz).strftime("%d/%m/%Y %H.%M")
        rows: list[dict[str, Any]] = []
        for start in range(0, len(lines), SUMMARY_LINES_PER_TURN):
            for line in lines[start : start + SUMMARY_LINES_PER_TURN]:
                weakest = line.result.weakest
                grade = line.result.grade
                rows.append(
                    {
                        "Tingkat": line.level,
                        "Kelompok": line.group,
                        "Periode": line.group if line.by == "quarter" else "",
                        "IKM": line.result.ikm_rounded,
                        "Mutu": grade.mutu,
                        "Kinerja": grade.kinerja,
                        "Responden": line.result.respondents,
                        "Unsur Terlemah": weakest.key if weakest else "",
                        "Diperbarui": now,
                    }
                )
            await asyncio.sleep(0)
        return rows

    async def _apply_updates(self, spec: WorksheetSpec, batch: list[sheet_rows.QueuedRow]) -> None:
        existing = await asyncio.to_thread(self.workbook.read_rows, spec)
        where = {r.values.get(spec.key or "", ""): r.row_number for r in existing}
        updates = []
        for row in batch:
            number = where.get(str(row.row_key))
            if number is None:
                continue
            updates += [CellUpdate(number, header, value) for header, value in row.values.items()]
        if updates:
            await asyncio.to_thread(self.workbook.update_cells, spec, updates)

    async def read_jadwal(self) -> list[str]:
        """Create/update sessions from staff rows in Jadwal; write "OK" or the reason per row."""
        await self.ensure()
        rows = await asyncio.to_thread(self.workbook.read_rows, JADWAL)
        duplicates = duplicated_keys(
            rows, _jadwal_key, _jadwal_content, label="ID", hint=t("sheet.hint_jadwal", "id")
        )
        report: list[str] = []
        updates: list[CellUpdate] = []
        for row in rows:
            if row.row_number in duplicates:
                status, session_id = duplicates[row.row_number], None
            else:
                status, session_id = await self._apply_jadwal_row(row.values)
            if session_id is not None and not row.values.get("ID", "").strip():
                updates.append(CellUpdate(row.row_number, "ID", session_id))
            if row.values.get("Status Bot", "") != status:
                updates.append(CellUpdate(row.row_number, "Status Bot", status))
            if status != "OK":
                report.append(f"Jadwal baris {row.row_number}: {status}")
        if updates:
            await asyncio.to_thread(self.workbook.update_cells, JADWAL, updates)
        return report

    async def read_aspirasi(self) -> SheetReadResult:
        """Staff Status/Tanggapan/Publik edits in Aspirasi: citizens hear back once per change."""
        await self.ensure()
        rows = await asyncio.to_thread(self.workbook.read_rows, ASPIRASI)
        result = await apply_sheet_rows(self.rt, rows)
        if result.updates:
            await asyncio.to_thread(self.workbook.update_cells, ASPIRASI, result.updates)
        return result

    async def read_sheet(self, spreadsheet_id: str, worksheet: str | None = None) -> SheetValues:
        """Another spreadsheet's rows as shown (a Google Form's responses), read in a worker thread."""
        return await asyncio.to_thread(self.workbook.read_sheet, spreadsheet_id, worksheet)

    async def pull_forms(self) -> list[form_links.PullResult]:
        """New rows of every linked Google Form's response sheet become their session's answers
        (bot/domain/form_links.py).  Two reads per form, through the same bounded retries as every request;
        Google slow or over quota leaves the rows for the next round, a sheet that cannot be read (access,
        deleted) is recorded and told to staff once."""
        results: list[form_links.PullResult] = []
        for link in await form_links.links(self.rt):
            try:
                values = await self.read_sheet(link.spreadsheet_id, link.worksheet or None)
            except SheetsUnavailable as exc:
                log.warning("Google Form of session %s not pulled now: %s", link.session_id, exc)
                continue
            except SheetsError as exc:
                results.append(await form_links.sheet_failed(self.rt, link, str(exc)))
                continue
            results.append(await form_links.pull_form(self.rt, link, values))
        return results

    async def read_tindak_lanjut(self) -> followup.SheetReadResult:
        """Staff edits in Tindak Lanjut: citizens hear once when a follow-up row becomes Selesai."""
        await self.ensure()
        rows = await asyncio.to_thread(self.workbook.read_rows, TINDAK_LANJUT)
        result = await followup.apply_sheet_rows(self.rt, rows)
        if result.updates:
            await asyncio.to_thread(self.workbook.update_cells, TINDAK_LANJUT, result.updates)
        return result

    async def read_staff_sheets(self) -> list[str]:
        """Every sheet staff edit, read back on the sync cadence: Jadwal, Aspirasi, Tindak Lanjut."""
        problems = await self.read_jadwal()
        problems += (await self.read_aspirasi()).problems
        problems += (await self.read_tindak_lanjut()).problems
        return problems

    async def restore_missing(self) -> dict[str, int]:
        """Queue again, as they are now, the rows the store has and the workbook lacks: a stale copy saved
        over the file, rows deleted by hand, a file moved away.  Returns how many per worksheet."""
        await self.ensure()
        restored: dict[str, int] = {}
        for name in KEYED_WORKSHEETS:
            spec = self.spec(name)
            present = {
                row.values.get(spec.key or "", "").strip()
                for row in await asyncio.to_thread(self.workbook.read_rows, spec)
            }
            async with self.rt.store.connect() as conn:
                unwritten = await sheet_rows.unwritten_keys(conn, name)  # on their way, or parked
            missing = (await database_keys(self.rt, name)) - present - unwritten
            if not missing:
                continue
            rows = await database_rows(self.rt, name, only=missing)
            now = self.rt.clock.now()
            async with self.rt.store.begin() as conn:
                for key, values in rows.items():
                    await sheet_rows.requeue(conn, name, key, values, now)
            log.warning("Sheets: %d rows missing from %s are written again", len(rows), name)
            restored[name] = len(rows)
        return restored

    async def rebuild(self) -> dict[str, int]:
        """Write every worksheet again from the store (`ngopas sheets rebuild`).

        Staff edits are read first, so none is lost; rows whose key the store does not know (a staff row
        not yet valid, notes) are kept; every other row is written once, as the store has it now.  The
        operator asked for it: it may use Google's whole write quota."""
        with self.full_quota():
            return await self._rebuild()

    @contextmanager
    def full_quota(self) -> Iterator[None]:
        """While an operator waits (`ngopas sync`, `ngopas sheets rebuild`): Google's quota, not the bot's."""
        before, self.writes_per_minute = self.writes_per_minute, GOOGLE_WRITES_PER_MINUTE
        try:
            yield
        finally:
            self.writes_per_minute = before

    async def _rebuild(self) -> dict[str, int]:
        await self.ensure()
        await self.read_staff_sheets()
        async with self.rt.store.connect() as conn:
            before = await sheet_rows.last_id(conn)
        counts: dict[str, int] = {}
        for name in KEYED_WORKSHEETS:
            spec = self.spec(name)
            known = await database_keys(self.rt, name)
            sheet = await asyncio.to_thread(self.workbook.read_rows, spec)
            kept = [row.values for row in sheet if row.values.get(spec.key or "", "").strip() not in known]
            self._write_times += [self.clock()] * 2  # clear, then write (Google)
            await asyncio.to_thread(self.workbook.replace_rows, spec, kept)
            # Queued only now, so a bot flushing meanwhile cannot write them just before the clearing.
            rows = await database_rows(self.rt, name)
            now = self.rt.clock.now()
            async with self.rt.store.begin() as conn:
                # What waited is in the rows queued afresh here (and flushed below).
                await sheet_rows.settle_before(conn, name, before, now)
                for key, values in rows.items():
                    await sheet_rows.requeue(conn, name, key, values, now)
            counts[name] = len(rows)
        while True:
            result = await self.flush()
            if result.error or not result.pending or not result.requests:
                break
        if await self._waiting() == 0:
            try:
                await self.refresh_summary()
            except SheetsError as exc:
                log.warning("Sheets: Ringkasan not refreshed: %s", exc)
        return counts

    def _as_written(self, values: dict[str, str], session: Session) -> bool:
        """Does this Jadwal row still read as the bot wrote the session?  Then staff changed nothing in it
        (text the workbook could not hold as stored, e.g. a control character, reads back cleaned)."""
        written = session_row(session, self.rt.tz)
        return all(
            str(self.workbook.cell(written[h])).strip() == values.get(h, "").strip() for h in JADWAL_FIELDS
        )

    async def _apply_jadwal_row(self, values: dict[str, str]) -> tuple[str, int | None]:
        raw = normalise_row({k: v for k, v in values.items() if k not in ("Status Bot", "Status Sesi")})
        if not any(raw.get(k) for k in ("title", "when", "section")):
            return values.get("Status Bot", ""), None
        fields = {
            k: raw.get(k, "")
            for k in ("title", "section", "when", "venue", "coords", "zoom", "youtube", "speaker")
        }
        try:
            parsed = validate_fields(fields, self.rt)
        except SessionInputError as exc:
            return "; ".join(exc.errors.values()), None
        ident = values.get("ID", "").strip()
        if ident.isdigit():
            async with self.rt.store.connect() as conn:
                session = await store_sessions.get_session(conn, int(ident))
            if session is None:
                return f"ID sesi tidak dikenal: {ident}", None
            if session.status == "cancelled" or self._as_written(values, session):
                return "OK", session.id
            await edit_session(self.rt, session.id, parsed, by=None)
            return "OK", session.id
        if ident:
            return f"ID sesi tidak dikenal: {ident}", None
        # A new row: key it by its content so a crash before the ID is written back never creates it twice.
        digest = hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()[:20]
        key = f"jadwal:{digest}"
        async with self.rt.store.connect() as conn:
            existing = await store_sessions.get_by_external_key(conn, key)
        if existing is not None:
            return "OK", existing.id
        if parsed["starts_at"] <= self.rt.clock.now():
            return f"Waktu sudah lewat: {format_when(parsed['starts_at'], 'id', self.rt.tz)}", None
        repeat = raw.get("repeat", "")
        if repeat.strip() not in ("", "-"):
            return await self._jadwal_series(parsed, repeat, key)
        change = await create_session(self.rt, parsed, by=None, source="sheet", external_key=key)
        return "OK", change.session.id

    async def _jadwal_series(self, parsed: dict[str, Any], repeat: str, key: str) -> tuple[str, int | None]:
        """A new Jadwal row with "Ulangi": a series whose first session is this row (its ID written back);
        the next dates get rows of their own as they are made."""
        async with self.rt.store.connect() as conn:
            made = await series_store.get_by_external_key(conn, key)
            first = await series_store.occurrences(conn, made.id) if made else []
        if first:
            return "OK", first[0].id
        try:
            is_rrule = repeat.strip().upper().startswith(("FREQ=", "RRULE:"))
            rule = recurrence.parse_rrule(repeat) if is_rrule else recurrence.parse_repeat(repeat)
            change = await create_series(
                self.rt,
                parsed,
                rule,
                repeat=None if is_rrule else repeat.strip(),
                by=None,
                source="sheet",
                external_key=key,
            )
        except ParseError as exc:
            return str(exc), None
        return "OK", change.made[0].session.id


def _jadwal_key(row: SheetRow) -> str:
    ident = row.values.get("ID", "").strip()
    return str(int(ident)) if ident.isdigit() else ident


def _jadwal_content(row: SheetRow) -> tuple[str, ...]:
    return tuple(row.values.get(h, "").strip() for h in JADWAL_FIELDS)


def open_sheets_sync(rt: Runtime) -> SheetsSync:
    """The office workbook: Google Sheets when both Google settings are set, else the local .xlsx."""
    s = rt.settings
    workbook = open_workbook(
        service_account_file=s.google_service_account_file,
        spreadsheet_id=s.google_spreadsheet_id,
        local_path=s.workbook_path,
    )
    return SheetsSync(rt, workbook)


@dataclass
class SyncReport:
    """What `ngopas sync` did: rows written per worksheet, lines for staff, and what is still waiting."""

    written: dict[str, int]
    problems: list[str]
    pending: int
    error: str | None
    parked: int = 0


SYNC_STEPS = (
    "Mengirim baris yang menunggu",
    "Membaca lembar Jadwal",
    "Membaca lembar Aspirasi",
    "Membaca lembar Tindak Lanjut",
    "Menarik jawaban Google Form",
    "Memeriksa baris yang hilang",
    "Mengirim hasilnya",
)


async def sync_now(sheets: SheetsSync, on_step: Callable[[int], None] | None = None) -> SyncReport:
    """One full round now: flush what waits (parked rows are tried again), read staff edits in Jadwal and
    Aspirasi, pull linked Google Forms, queue rows missing from the workbook again, flush what all that
    caused.

    `on_step(i)` is called before step i of `SYNC_STEPS` (and with len(SYNC_STEPS) at the end)."""

    def step(i: int) -> None:
        if on_step is not None:
            on_step(i)

    with sheets.full_quota():
        return await _sync_now(sheets, step)


async def _sync_now(sheets: SheetsSync, step: Callable[[int], None]) -> SyncReport:
    step(0)
    async with sheets.rt.store.begin() as conn:
        await sheet_rows.unpark(conn)
    first = await sheets.flush()
    step(1)
    problems = await sheets.read_jadwal()
    step(2)
    heard = await sheets.read_aspirasi()
    step(3)
    plan = await sheets.read_tindak_lanjut()
    step(4)
    pulled = await sheets.pull_forms()
    step(5)
    restored = await sheets.restore_missing()
    step(6)
    second = await sheets.flush()
    step(len(SYNC_STEPS))
    if heard.notified:
        problems.append(f"Aspirasi: {heard.notified} tanggapan baru akan dikirim ke warga oleh bot.")
    if plan.told:
        problems.append(f"Tindak Lanjut: {plan.told} warga akan diberi tahu tindak lanjut yang selesai.")
    for pull in pulled:
        problems += pull.lines()
    for worksheet, count in sorted(restored.items()):
        problems.append(f"{worksheet}: {count} baris yang hilang dari spreadsheet ditulis ulang.")
    async with sheets.rt.store.connect() as conn:
        parked = await sheet_rows.parked(conn)
    problems += [f"{row.worksheet} {row.row_key}: ditahan, {row.error}" for row in parked]
    written = {
        k: first.written.get(k, 0) + second.written.get(k, 0) for k in {*first.written, *second.written}
    }
    return SyncReport(
        written,
        problems + heard.problems + plan.problems,
        second.pending,
        second.error or first.error,
        len(parked),
    )
