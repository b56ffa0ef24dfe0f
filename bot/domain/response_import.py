"""Survey answers from outside the chat (a Google Form, paper typed into Excel, another system), read with the
survey's own texts and stored once.

`reports.responses_input` reads any table; this module gives it what only the bot knows (the survey
definition's question texts in every language, its answer labels, the Jawaban worksheet's headers), keeps the
user's `--map` for each source, and stores each new row through the same path as a chat answer (Jawaban row,
tickets from its suggestions) with its fingerprint, so a row imported again is recognised and skipped.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.runtime import Runtime
from bot.domain.survey.definition import SurveyDefinition, definition_for
from bot.domain.survey.flow import store_response
from bot.domain.worksheets import column_header
from bot.store import Connection, meta, surveys
from bot.store.surveys import Response

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_OPEN_RANGE = re.compile(r"^(\d+)\+$")


def reader_hints(defn: SurveyDefinition, *, values: bool) -> dict[str, Any]:
    """The `aliases`, `choices` and `scored` keywords of `reports.responses_input.read_responses` for `defn`.

    Headers: every question's text in every language, its Jawaban column and follow-up column.  Answers:
    each option's label in every language and its value; an age written as a number falls in its band.
    `values`: choices come back as option values (to store) instead of Indonesian labels (to report)."""
    aliases: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}
    scored: list[str] = []
    for q in defn.questions:
        for text in q.text.values():
            aliases[text] = q.key
        aliases[column_header(q.key, defn)] = q.key
        if q.followup_on_low:
            aliases[f"Perbaikan: {column_header(q.key, defn)}"] = f"perbaikan_{q.key}"
            aliases[f"Perbaikan {q.key}"] = f"perbaikan_{q.key}"
        if q.kind == "scale":
            scored.append(q.key)
        if not q.options:
            continue
        options: dict[str, str] = {}
        for option in q.options:
            kept = option.value if values or q.kind in ("ikm", "scale") else q.label(option.value, "id")
            options[option.value] = kept
            for label in option.label.values():
                options[label] = kept
            low_high = _RANGE.match(option.value) or _OPEN_RANGE.match(option.value)
            if low_high:  # "17-25" or "66+": ages typed as numbers
                low = int(low_high.group(1))
                high = int(low_high.group(2)) if low_high.re is _RANGE else 120
                options.update({str(age): kept for age in range(low, high + 1)})
        choices[q.key] = options
    return {"aliases": aliases, "choices": choices, "scored": scored}


def _mapping_key(source: str) -> str:
    from reports.responses_input import normalise

    return "import_map:" + hashlib.sha256(normalise(source).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SavedReading:
    """What the user settled for a source on an earlier import: `--map` and `--date-format`."""

    mapping: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None  # "dmy" / "mdy" (reports.responses_input), None: decided per read


async def saved_reading(rt: Runtime, source: str) -> SavedReading:
    """The `--map` and `--date-format` given for this source (a file's name, a linked form) before."""
    async with rt.store.connect() as conn:
        saved = await meta.get(conn, _mapping_key(source)) or {}
    return SavedReading(dict(saved.get("map") or {}), saved.get("date_order"))


async def saved_mapping(rt: Runtime, source: str) -> dict[str, str]:
    """The `--map` given for this source (a file's name, a sheet) on an earlier import."""
    return (await saved_reading(rt, source)).mapping


async def save_mapping(
    rt: Runtime, source: str, mapping: Mapping[str, str], *, date_order: str | None = None
) -> None:
    """Remember `mapping` for `source` (merged over what was saved) and the date order when given, so its next
    import needs neither --map nor --date-format."""
    if not mapping and date_order is None:
        return
    saved = await saved_reading(rt, source)
    value: dict[str, Any] = {"source": source, "map": saved.mapping | dict(mapping)}
    if date_order or saved.date_order:
        value["date_order"] = date_order or saved.date_order
    async with rt.store.begin() as conn:
        await meta.put(conn, _mapping_key(source), value)


@dataclass(frozen=True)
class ImportRow:
    row: int | None  # the row number the user sees in the file, when known
    summary: str


@dataclass
class ImportResult:
    new: list[ImportRow] = field(default_factory=list)
    existing: list[ImportRow] = field(default_factory=list)


def _summary(record: dict[str, Any], defn: SurveyDefinition, answers: dict[str, str], tz: Any) -> str:
    when = record.get("finished_at")
    scored = sum(1 for q in defn.questions if q.kind == "ikm" and answers.get(q.key))
    local = when.astimezone(tz) if when else None
    shown = "%d/%m/%Y" if local and (local.hour, local.minute) == (0, 0) else "%d/%m/%Y %H.%M"
    parts = [local.strftime(shown) if local else "tanpa tanggal"]
    parts.append(f"{scored} unsur dijawab")
    if answers.get("saran"):
        parts.append("ada saran")
    return ", ".join(parts)


async def import_responses(
    rt: Runtime,
    frame: Any,
    session_id: int,
    on_row: Callable[[], None] | None = None,
    *,
    dry_run: bool = False,
) -> ImportResult:
    """Store the rows of `frame` (from `reports.responses_input`) as responses of `session_id` (channel
    "import"): answers, profile, follow-ups and the file's own date.  A row whose fingerprint (or, for a
    Jawaban export, whose response id) is already stored is left out; `dry_run` stores nothing."""
    async with rt.store.begin() as conn:
        return await store_rows(conn, rt, frame, session_id, on_row, dry_run=dry_run)


async def store_rows(
    conn: Connection,
    rt: Runtime,
    frame: Any,
    session_id: int,
    on_row: Callable[[], None] | None = None,
    *,
    dry_run: bool = False,
    channel: str = "import",
) -> ImportResult:
    """`import_responses` in the caller's transaction (a linked form's pull records what it did in the same
    one, with its own `channel`)."""
    from reports.frame import records

    defn = definition_for(rt)
    by_key = {q.key: q for q in defn.questions}
    now = rt.clock.now()
    rows = records(frame)
    result = ImportResult()
    known = await surveys.imported_fingerprints(
        conn, [r["fingerprint"] for r in rows if r.get("fingerprint")]
    )
    known_ids = await surveys.existing_response_ids(
        conn, [str(r["id_jawaban"]) for r in rows if r.get("id_jawaban")]
    )
    for record in rows:
        answers: dict[str, str] = {}
        for key, q in by_key.items():
            value = record.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            answers[key] = str(int(value)) if q.kind in ("ikm", "scale") else str(value).strip()
        followups = {
            key: str(record[f"perbaikan_{key}"]).strip()
            for key in by_key
            if record.get(f"perbaikan_{key}") and str(record[f"perbaikan_{key}"]).strip()
        }
        line = ImportRow(record.get("row"), _summary(record, defn, answers, rt.tz))
        fingerprint = record.get("fingerprint")
        if fingerprint in known or (record.get("id_jawaban") and str(record["id_jawaban"]) in known_ids):
            result.existing.append(line)
            continue
        result.new.append(line)
        if dry_run:
            continue
        response = Response(
            id="I" + secrets.token_hex(8),
            session_id=session_id,
            respondent="import:" + secrets.token_hex(12),
            definition_id=defn.id,
            definition_version=defn.version,
            channel=channel,
            answers=answers,
            followups=followups,
            started_at=None,
            finished_at=record.get("finished_at") or now,
            replaced_by=None,
            import_fingerprint=fingerprint,
        )
        await store_response(conn, rt, response)
        if fingerprint:
            known.add(fingerprint)
        if on_row is not None:
            on_row()
    return result
