"""A Google Form's response spreadsheet linked to a session (`ngopas forms link`): its rows become the
session's answers, counted with the chat's in one report.

The bot pulls every linked sheet on its Sheets cadence (bot/delivery/sheets_sync.py reads it; this module
decides what the rows mean).  Each pull reads the whole response sheet through the one reader
(`reports.responses_input`), with the mapping saved for the form when it was linked, and stores the rows it
has not stored before:

- A row is known by its form timestamp (the fingerprint), so pulling again adds nothing, and a correction
  staff make in a row already counted never makes it a second respondent.
- A row with a cell the reader cannot take is left out and the others are stored; a header it cannot place
  stops the pull (nothing is guessed).  Either is told to the staff group once, in one message saying what
  to do, and shown by `ngopas forms list` until it is fixed.
- Pull, storing and the record of what was told are one transaction: a crash or a restart loses nothing
  and stores nothing twice; the next pull simply finds what is new.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.base.i18n import t
from bot.domain.kinds import MessageKind
from bot.domain.response_import import (
    ImportResult,
    reader_hints,
    save_mapping,
    saved_reading,
    store_rows,
)
from bot.domain.runtime import Runtime
from bot.domain.sessions import get_session
from bot.domain.survey.definition import SurveyDefinition, definition_for
from bot.domain.texts import echo, fit_list, shorten
from bot.store import Connection, outbox, surveys
from bot.store import form_links as store
from bot.store.form_links import FormLink
from bot.store.outbox import NewMessage
from sheets.workbook import SheetValues

log = logging.getLogger(__name__)

CHANNEL = "gform"  # the answers' channel: the report's method chapter names Google Forms pulled directly
_URL = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")
ROW_TEXT_LIMIT = 300  # one left-out row in the staff message: its number, column and what is wrong


class FormLinkError(ValueError):
    """Input that cannot be linked: `str()` is one sentence for staff."""


def sheet_id(text: str) -> str:
    """The spreadsheet id in what staff paste: the sheet's address or the id itself."""
    text = text.strip()
    if match := _URL.search(text):
        return match.group(1)
    if _ID.match(text):
        return text
    if "/forms/" in text:
        raise FormLinkError(
            "Itu alamat formulirnya, bukan spreadsheet jawabannya: di Google Form buka Jawaban → Lihat di "
            "Spreadsheet, lalu salin alamat spreadsheet itu."
        )
    raise FormLinkError(
        f"'{echo(text)}' bukan alamat atau ID Google Spreadsheet; salin alamat spreadsheet jawaban formulir "
        "(https://docs.google.com/spreadsheets/d/…/edit)."
    )


def source_name(spreadsheet_id: str, worksheet: str = "") -> str:
    """The name a linked sheet's mapping is saved under, and its rows are fingerprinted by."""
    return f"google-form:{spreadsheet_id}" + (f"/{worksheet}" if worksheet else "")


@dataclass
class PullResult:
    """What one pull of one linked form did."""

    link: FormLink
    imported: ImportResult = field(default_factory=ImportResult)
    problem: str | None = None  # the pull stored nothing: why
    unknown: list[str] = field(default_factory=list)  # headers the reader could not place
    rejected: list[dict[str, Any]] = field(default_factory=list)  # rows left out: {"row", "text"}
    told: int = 0  # staff messages queued by this pull

    def lines(self) -> list[str]:
        """What `ngopas sync` and `ngopas forms link` print about it (Indonesian, for the operator)."""
        head = f"Google Form sesi #{self.link.session_id}"
        if self.problem:
            return [f"{head}: belum dapat ditarik: {self.problem}"]
        out = [f"{head}: {len(self.imported.new)} baru, {len(self.imported.existing)} sudah ada."]
        out += [f"{head}: tidak dimuat: {row['text']}" for row in self.rejected]
        return out


async def _reader(rt: Runtime, values: SheetValues, source: str) -> Any:
    """The sheet's responses (`reports.responses_input.Responses`), bad rows left out, or None for a sheet
    nobody has answered yet; raises `ResponsesInputError` for headers it cannot place."""
    from reports.responses_input import date_order_of, read_responses, table_from_rows

    if not any(str(cell).strip() for row in values.rows for cell in row):
        return None  # a new form's sheet: not even its headers yet
    saved = await saved_reading(rt, source)
    return read_responses(
        table_from_rows(values.rows, source),
        mapping=saved.mapping,
        tz=rt.tz,
        date_order=saved.date_order,
        date_convention=date_order_of(values.locale),  # the sheet shows dates as its locale writes them
        skip_bad_rows=True,
        by_timestamp=True,
        **reader_hints(definition_for(rt), values=True),
    )


def header_problems(
    defn: SurveyDefinition, headers: list[str], mapping: dict[str, str]
) -> tuple[list[str], list[str]]:
    """What stops a form's rows from being read with `mapping`: the headers the reader cannot place, and
    every problem with the headers as sentences (unknown, two columns for one key, no unsur at all)."""
    from reports.responses_input import place_columns

    hints = reader_hints(defn, values=True)
    placed, problems = place_columns(
        headers, aliases=hints["aliases"], mapping=mapping, keys=hints["choices"]
    )
    return [h for i, h in enumerate(headers) if h.strip() and i not in placed], problems


async def link_form(
    rt: Runtime,
    session_id: int,
    spreadsheet_id: str,
    worksheet: str,
    values: SheetValues,
    *,
    mapping: dict[str, str],
    date_order: str | None,
) -> tuple[FormLink, bool]:
    """Link the sheet to `session_id` (raises SessionNotFound), or point its link at that session; saves the
    mapping and date order for it.  Returns the link and whether it is new.  The caller has read `values`
    and checked its headers (`unknown_headers`)."""
    await get_session(rt, session_id)
    await save_mapping(rt, source_name(spreadsheet_id, worksheet), mapping, date_order=date_order)
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        existing = await store.find(conn, spreadsheet_id, worksheet)
        if existing is not None:
            if existing.session_id != session_id:
                await store.move(conn, existing.id, session_id)
            link = await store.get(conn, existing.id)
            assert link is not None
            return link, False
        return await store.insert(conn, session_id, spreadsheet_id, worksheet, values.title, now), True


async def links(rt: Runtime) -> list[FormLink]:
    async with rt.store.connect() as conn:
        return await store.every(conn)


async def unlink_form(rt: Runtime, link_id: int) -> FormLink | None:
    """Stop pulling a linked sheet; the answers it brought stay counted.  None: no such link."""
    async with rt.store.begin() as conn:
        link = await store.get(conn, link_id)
        if link is not None:
            await store.remove(conn, link_id)
    return link


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


async def pull_form(rt: Runtime, link: FormLink, values: SheetValues) -> PullResult:
    """Store the linked sheet's new rows (see the module docstring), in one transaction with what it found."""
    from reports.responses_input import ResponsesInputError

    source = source_name(link.spreadsheet_id, link.worksheet)
    result = PullResult(link)
    try:
        responses = await _reader(rt, values, source)
    except ResponsesInputError as exc:
        result.problem = " ".join(exc.problems)
        headers = [str(h).strip() for h in next((r for r in values.rows if any(r)), [])]
        saved = await saved_reading(rt, source)
        result.unknown = header_problems(definition_for(rt), headers, saved.mapping)[0] if headers else []
        responses = None
    async with rt.store.begin() as conn:
        if responses is not None:
            result.imported = await store_rows(conn, rt, responses.frame, link.session_id, channel=CHANNEL)
            # A row counted before and edited since into something unreadable is no news: it still counts.
            counted = await surveys.imported_fingerprints(conn, [r.fingerprint for r in responses.rejected])
            result.rejected = [
                {"row": r.row, "text": " ".join(r.problems), "key": _key("row", r.fingerprint, r.problems)}
                for r in responses.rejected
                if r.fingerprint not in counted
            ]
        told = await _tell(conn, rt, link, result)
        await store.record_pull(
            conn,
            link.id,
            now=rt.clock.now(),
            title=values.title,
            added=len(result.imported.new),
            problem=result.problem,
            rejected=[{"row": r["row"], "text": r["text"]} for r in result.rejected],
            told=told,
        )
    if result.told:
        rt.wake_sender()  # committed: the staff group hears it now, not at the sender's next poll
    if result.problem or result.rejected:
        log.warning(
            "Google Form of session %s: %s",
            link.session_id,
            result.problem or f"{len(result.rejected)} rows left out",
        )
    return result


async def sheet_failed(rt: Runtime, link: FormLink, problem: str) -> PullResult:
    """The sheet could not be read at all (no access, deleted): kept and told once, like any problem."""
    result = PullResult(link, problem=problem)
    async with rt.store.begin() as conn:
        told = await _tell(conn, rt, link, result)
        await store.record_failure(conn, link.id, problem, told)
    if result.told:
        rt.wake_sender()
    return result


async def _tell(conn: Connection, rt: Runtime, link: FormLink, result: PullResult) -> list[str]:
    """Queue for the staff group what this pull found that it was not told before; returns the keys of
    everything currently wrong (what is fixed is forgotten, so it is told again should it come back)."""
    lang = rt.settings.language
    current: list[str] = []
    texts: list[tuple[str, str]] = []
    if result.problem:
        key = _key("problem", result.problem)
        current.append(key)
        if key not in link.told:
            if result.unknown:
                text = t(
                    "forms.staff_headers",
                    lang,
                    session=link.session_id,
                    headers=html.escape(", ".join(f"'{echo(h)}'" for h in result.unknown)),
                    sheet=html.escape(link.spreadsheet_id),
                    header=html.escape(echo(result.unknown[0])),
                )
            else:
                text = t(
                    "forms.staff_problem", lang, session=link.session_id, problem=html.escape(result.problem)
                )
            texts.append((key, text))
    fresh = [r for r in result.rejected if r["key"] not in link.told]
    current += [r["key"] for r in result.rejected]
    if fresh:
        text = fit_list(
            lambda rows: t("forms.staff_rows", lang, session=link.session_id, count=len(fresh), rows=rows),
            [html.escape(shorten(r["text"], ROW_TEXT_LIMIT)) for r in fresh],
        )
        texts.append((_key("rows", *(r["key"] for r in fresh)), text))
    chat_id = rt.settings.staff_chat_id
    if chat_id is not None and texts:
        now = rt.clock.now()
        result.told = await outbox.enqueue(
            conn,
            [
                NewMessage(
                    key=f"form:{link.id}:{key}",
                    kind=MessageKind.STAFF_ALERT,
                    chat_id=chat_id,
                    session_id=link.session_id,
                    payload={"text": text, "parse_mode": "HTML", "buttons": []},
                    due_at=now,
                )
                for key, text in texts
            ],
            now,
        )
    return current
