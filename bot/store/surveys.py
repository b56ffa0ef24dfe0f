"""Survey drafts (written through on every step) and finished responses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import String, Text, bindparam, cast, delete, func, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s
from bot.store.sessions import Session, session_from_row


@dataclass(frozen=True)
class Draft:
    session_id: int
    respondent: str
    chat_id: int
    message_id: int | None
    language: str
    definition_id: str
    definition_version: int
    ipak: bool
    current: str
    step: int
    answers: dict[str, str | None]
    followups: dict[str, str]
    history: list[str]
    replaces: str | None
    started_at: datetime
    updated_at: datetime
    reminded_at: datetime | None


_DRAFT_FIELDS = list(Draft.__dataclass_fields__)


def _draft(row: Any) -> Draft:
    return Draft(**{name: getattr(row, name) for name in _DRAFT_FIELDS})


@dataclass(frozen=True)
class Response:
    id: str
    session_id: int
    respondent: str
    definition_id: str
    definition_version: int
    channel: str
    answers: dict[str, str | None]
    followups: dict[str, str]
    started_at: datetime | None
    finished_at: datetime
    replaced_by: str | None
    import_fingerprint: str | None = None  # set on rows imported from a file or sheet


_RESPONSE_FIELDS = list(Response.__dataclass_fields__)


def _response(row: Any) -> Response:
    return Response(**{name: getattr(row, name) for name in _RESPONSE_FIELDS})


async def get_draft(conn: AsyncConnection, session_id: int, respondent: str) -> Draft | None:
    q = select(s.survey_draft).where(
        s.survey_draft.c.session_id == session_id, s.survey_draft.c.respondent == respondent
    )
    row = (await conn.execute(q)).first()
    return _draft(row) if row else None


async def drafts_of(conn: AsyncConnection, respondent: str) -> list[Draft]:
    q = (
        select(s.survey_draft)
        .where(s.survey_draft.c.respondent == respondent)
        .order_by(s.survey_draft.c.updated_at.desc())
    )
    return [_draft(r) for r in await conn.execute(q)]


async def drafts_for(conn: AsyncConnection, keys: list[tuple[int, str]]) -> list[Draft]:
    """The drafts at these (session, respondent) keys, most recently touched first."""
    if not keys:
        return []
    d = s.survey_draft.c
    q = (
        select(s.survey_draft)
        .where(
            or_(
                *[
                    (d.session_id == session_id) & (d.respondent == respondent)
                    for session_id, respondent in keys
                ]
            )
        )
        .order_by(d.updated_at.desc())
    )
    return [_draft(r) for r in await conn.execute(q)]


async def rekey(conn: AsyncConnection, session_id: int, old: str, new: str) -> bool:
    """Move one respondent's draft and responses of one session from pseudonym `old` to `new`; True if
    anything moved.  (Rows written before per-session pseudonyms, see `bot.domain.survey.flow.respondent_of`.)"""
    moved = 0
    for table in (s.survey_draft, s.response):
        result = await conn.execute(
            update(table)
            .where(table.c.session_id == session_id, table.c.respondent == old)
            .values(respondent=new)
        )
        moved += max(result.rowcount, 0)
    return moved > 0


async def insert_draft(conn: AsyncConnection, draft: Draft) -> None:
    await conn.execute(s.survey_draft.insert().values(**{f: getattr(draft, f) for f in _DRAFT_FIELDS}))


_SAVED_FIELDS = [
    f for f in _DRAFT_FIELDS if f not in ("session_id", "respondent", "started_at", "reminded_at")
]
# Built once: a survey press only binds values (constructing the statement each time cost more than running it).
_SAVE_DRAFT = (
    update(s.survey_draft)
    .where(
        s.survey_draft.c.session_id == bindparam("k_session"),
        s.survey_draft.c.respondent == bindparam("k_respondent"),
        s.survey_draft.c.step == bindparam("k_expected_step"),
    )
    .values({f: bindparam(f"v_{f}") for f in _SAVED_FIELDS})
)


def save_draft_statement(draft: Draft, *, expected_step: int) -> tuple[Any, dict[str, Any]]:
    """The conditional UPDATE of `save_draft` and its values, for `Store.write_one` on the hot path."""
    params = {f"v_{f}": getattr(draft, f) for f in _SAVED_FIELDS}
    params.update(k_session=draft.session_id, k_respondent=draft.respondent, k_expected_step=expected_step)
    return _SAVE_DRAFT, params


async def save_draft(conn: AsyncConnection, draft: Draft, *, expected_step: int) -> bool:
    """Write the draft only if nobody moved it on meanwhile (a double press loses, harmlessly)."""
    result = await conn.execute(*save_draft_statement(draft, expected_step=expected_step))
    return result.rowcount == 1


async def delete_draft(
    conn: AsyncConnection, session_id: int, respondent: str, *, step: int | None = None
) -> bool:
    """Drop a draft (only at `step`, when given); True if one was dropped."""
    key = {"session_id": session_id, "respondent": respondent}
    if step is None:
        return (await conn.execute(_DELETE_DRAFT, key)).rowcount == 1
    return (await conn.execute(_DELETE_DRAFT_AT_STEP, {**key, "step": step})).rowcount == 1


# Built once (each survey answer sent runs one): building a statement cost more than running it.
_DELETE_DRAFT = delete(s.survey_draft).where(
    s.survey_draft.c.session_id == bindparam("session_id"),
    s.survey_draft.c.respondent == bindparam("respondent"),
)
_DELETE_DRAFT_AT_STEP = _DELETE_DRAFT.where(s.survey_draft.c.step == bindparam("step"))


async def get_draft_and_session(
    conn: AsyncConnection, session_id: int, respondent: str
) -> tuple[Draft | None, Session | None]:
    """A survey press needs both: one query instead of two."""
    columns = [s.survey_draft.c[name].label(f"d_{name}") for name in _DRAFT_FIELDS]
    q = (
        select(s.session, *columns)
        .select_from(
            s.session.outerjoin(
                s.survey_draft,
                (s.survey_draft.c.session_id == s.session.c.id) & (s.survey_draft.c.respondent == respondent),
            )
        )
        .where(s.session.c.id == session_id)
    )
    row = (await conn.execute(q)).first()
    if row is None:
        return None, None
    session = session_from_row(row)
    values = row._mapping
    if values["d_respondent"] is None:
        return None, session
    return Draft(**{name: values[f"d_{name}"] for name in _DRAFT_FIELDS}), session


async def drafts_to_remind(conn: AsyncConnection, idle_since: datetime, limit: int = 500) -> list[Draft]:
    q = (
        select(s.survey_draft)
        .where(s.survey_draft.c.reminded_at.is_(None), s.survey_draft.c.updated_at <= idle_since)
        .limit(limit)
    )
    return [_draft(r) for r in await conn.execute(q)]


async def mark_reminded(conn: AsyncConnection, session_id: int, respondent: str, now: datetime) -> bool:
    result = await conn.execute(
        update(s.survey_draft)
        .where(
            s.survey_draft.c.session_id == session_id,
            s.survey_draft.c.respondent == respondent,
            s.survey_draft.c.reminded_at.is_(None),
        )
        .values(reminded_at=now)
    )
    return result.rowcount == 1


async def current_response(conn: AsyncConnection, session_id: int, respondent: str) -> Response | None:
    row = (
        await conn.execute(_CURRENT_RESPONSE, {"session_id": session_id, "respondent": respondent})
    ).first()
    return _response(row) if row else None


_CURRENT_RESPONSE = select(s.response).where(  # built once: every answer sent looks for an earlier one
    s.response.c.session_id == bindparam("session_id"),
    s.response.c.respondent == bindparam("respondent"),
    s.response.c.replaced_by.is_(None),
)


async def insert_response(conn: AsyncConnection, response: Response) -> None:
    await conn.execute(s.response.insert(), {f: getattr(response, f) for f in _RESPONSE_FIELDS})


async def imported_fingerprints(conn: AsyncConnection, fingerprints: Iterable[str]) -> set[str]:
    """Which of these import fingerprints are already stored (in any session: a row is imported once)."""
    wanted = list(dict.fromkeys(fingerprints))
    found: set[str] = set()
    column = s.response.c.import_fingerprint
    for start in range(0, len(wanted), 500):  # under every database's limit on bound parameters
        chunk = wanted[start : start + 500]
        found.update(r[0] for r in await conn.execute(select(column).where(column.in_(chunk))))
    return found


async def existing_response_ids(conn: AsyncConnection, ids: Iterable[str]) -> set[str]:
    """Which of these response ids are stored (a Jawaban export read back names the bot's own answers)."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            r[0] for r in await conn.execute(select(s.response.c.id).where(s.response.c.id.in_(chunk)))
        )
    return found


async def mark_replaced(conn: AsyncConnection, old_id: str, new_id: str) -> None:
    await conn.execute(update(s.response).where(s.response.c.id == old_id).values(replaced_by=new_id))


async def responses(
    conn: AsyncConnection, *, session_id: int | None = None, include_replaced: bool = False
) -> list[Response]:
    q = select(s.response).order_by(s.response.c.finished_at, s.response.c.id)
    if session_id is not None:
        q = q.where(s.response.c.session_id == session_id)
    if not include_replaced:
        q = q.where(s.response.c.replaced_by.is_(None))
    return [_response(r) for r in await conn.execute(q)]


async def response_ids(conn: AsyncConnection) -> list[str]:
    """Every response's id, replaced ones too (each has its Jawaban row)."""
    return [r.id for r in await conn.execute(select(s.response.c.id).order_by(s.response.c.finished_at))]


async def count_responses(conn: AsyncConnection, session_id: int) -> int:
    q = (
        select(func.count())
        .select_from(s.response)
        .where(s.response.c.session_id == session_id, s.response.c.replaced_by.is_(None))
    )
    return int((await conn.execute(q)).scalar_one())


async def forget_drafts(conn: AsyncConnection, chat_id: int) -> list[tuple[int, int]]:
    """/hapus_data: every unfinished survey answered in this (private) chat goes; returns their (session, chat).
    Finished answers stay: they identify no one without the salt."""
    return await _delete_drafts(conn, s.survey_draft.c.chat_id == chat_id)


async def drafts_past_window(conn: AsyncConnection, now: datetime) -> bool:
    """Whether any unfinished survey belongs to a session whose survey closed or was cancelled (a cheap read)."""
    q = select(s.survey_draft.c.session_id).where(_past_window(now)).limit(1)
    return (await conn.execute(q)).first() is not None


async def delete_drafts_past_window(conn: AsyncConnection, now: datetime) -> list[tuple[int, int]]:
    """Unfinished surveys of sessions whose survey closed or was cancelled: nobody can finish them, and each
    ties a pseudonym to a chat.  Deleted; returns their (session, chat)."""
    return await _delete_drafts(conn, _past_window(now))


def _past_window(now: datetime) -> Any:
    closed = select(s.session.c.id).where(
        (s.session.c.survey_closes_at < now) | (s.session.c.status == "cancelled")
    )
    return s.survey_draft.c.session_id.in_(closed)


async def _delete_drafts(conn: AsyncConnection, condition: Any) -> list[tuple[int, int]]:
    d = s.survey_draft.c
    gone = [
        (r.session_id, r.chat_id)
        for r in await conn.execute(select(d.session_id, d.chat_id).where(condition))
    ]
    if gone:
        await conn.execute(delete(s.survey_draft).where(condition))
    return gone


class CountedResponse(NamedTuple):
    """A response that counts (not replaced), with its session's title and section, for reports."""

    id: str
    session_id: int
    title: str
    section: str
    finished_at: datetime
    channel: str
    answers: dict[str, str | None]
    followups: dict[str, str]


async def counted_responses(
    conn: AsyncConnection, *, session_id: int | None = None, section: str | None = None
) -> list[CountedResponse]:
    """Every counted response (of one session or section), oldest first: what the IKM is computed from."""
    r = s.response.c
    q = (
        select(r.id, r.session_id, s.session.c.title, s.session.c.section, r.finished_at, r.channel)
        .add_columns(r.answers, r.followups)
        .join(s.session, s.session.c.id == r.session_id)
        .where(r.replaced_by.is_(None))
        .order_by(r.finished_at, r.id)
    )
    if session_id is not None:
        q = q.where(r.session_id == session_id)
    if section:
        q = q.where(s.session.c.section == section)
    return [CountedResponse(*row) for row in await conn.execute(q)]


async def sessions_answered_since(
    conn: AsyncConnection, since: datetime | None
) -> tuple[list[int], datetime | None]:
    """Sessions with a counted response finished after `since`, and the latest such finish time."""
    q = select(s.response.c.session_id, func.max(s.response.c.finished_at)).where(
        s.response.c.replaced_by.is_(None)
    )
    if since is not None:
        q = q.where(s.response.c.finished_at > since)
    rows = (await conn.execute(q.group_by(s.response.c.session_id))).all()
    latest = max((row[1] for row in rows), default=None)
    if latest is not None and latest.tzinfo is None:  # max() of a UTCDateTime comes back naive on SQLite
        latest = latest.replace(tzinfo=UTC)
    return sorted(row[0] for row in rows), latest


READ_CHUNK = 10_000  # rows per fetch when a report reads every answer: memory stays flat at a million


async def counted_columns(
    conn: AsyncConnection,
    *,
    answer_keys: list[str],
    followup_keys: list[str],
    session_id: int | None = None,
    section: str | None = None,
    chunk: int = READ_CHUNK,
) -> AsyncIterator[dict[str, tuple[Any, ...]]]:
    """The counted responses (of one session or section), oldest first, column by column in chunks.

    What a report computes from: `response_id`, `session_id`, `finished_at`, `channel`, `answers` (per row
    a list of the values of `answer_keys`, in that order, then one more to ignore) and each of
    `followup_keys` from the follow-ups (as `perbaikan_<key>`); None where a response has no such key.  The
    database takes the answers out of their JSON in one call per row, as a JSON array (a call per answer
    costs more than reading the whole row on SQLite), parsed with orjson; follow-ups, rare, are parsed only
    where given.
    `finished_at` comes as the driver gives it (an ISO string on SQLite, a naive-UTC datetime on PostgreSQL)."""
    q = counted_columns_query(conn.dialect.name, answer_keys, session_id=session_id, section=section)
    result = await conn.stream(q, execution_options={"yield_per": chunk})
    async for rows in result.partitions(chunk):
        ids, sessions, finished, channels, arrays, followups_text = zip(*rows, strict=True)
        columns: dict[str, tuple[Any, ...]] = {
            "response_id": ids,
            "session_id": sessions,
            "finished_at": finished,
            "channel": channels,
        }
        columns["answers"] = _load_all(arrays)  # one list per row, in `answer_keys` order (and one more)
        given = [(i, _loads(text)) for i, text in enumerate(followups_text) if text != "{}"]
        for key in followup_keys:
            column: list[Any] = [None] * len(rows)
            for i, followups in given:
                column[i] = followups.get(key)
            columns[f"perbaikan_{key}"] = tuple(column)
        yield columns


def _load_all(texts: tuple[str, ...]) -> list[Any]:
    try:
        return list(map(orjson.loads, texts))
    except orjson.JSONDecodeError:
        return [_loads(text) for text in texts]


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # a lone surrogate escaped by json.dumps: orjson refuses it, json does not
        return json.loads(text)


def counted_columns_query(
    dialect: str, answer_keys: list[str], *, session_id: int | None = None, section: str | None = None
) -> Any:
    """The SELECT of `counted_columns` (`bench.report_db` gives it to a bare `pandas.read_sql` too)."""
    r = s.response.c
    paths = [*answer_keys, *answer_keys[:1]]  # two paths at least: one would return the bare value
    if dialect == "postgresql":
        array = cast(func.json_build_array(*[r.answers.op("->")(key) for key in paths]), Text)
    else:
        array = func.json_extract(r.answers, *[f'$."{key}"' for key in paths])
    q = (
        select(
            r.id.label("response_id"),
            r.session_id,
            type_coerce(r.finished_at, String).label("finished_at"),
            r.channel,
            array.label("answers"),
            cast(r.followups, Text).label("followups"),
        )
        .where(r.replaced_by.is_(None))
        .order_by(r.finished_at, r.id)
    )
    if session_id is not None:
        q = q.where(r.session_id == session_id)
    if section:
        q = q.where(r.session_id.in_(select(s.session.c.id).where(s.session.c.section == section)))
    return q


class RawChunk(NamedTuple):
    """A chunk of counted responses as stored: `answers` parsed (one dict per response), `followups` parsed
    only where given (None elsewhere), `finished_at` as the driver gives it (an ISO string on SQLite, a
    naive-UTC datetime on PostgreSQL)."""

    response_id: tuple[str, ...]
    session_id: tuple[int, ...]
    finished_at: tuple[Any, ...]
    channel: tuple[str, ...]
    answers: list[dict[str, Any]]
    followups: list[dict[str, Any] | None]


async def counted_raw(
    conn: AsyncConnection,
    *,
    session_id: int | None = None,
    section: str | None = None,
    chunk: int = READ_CHUNK,
) -> AsyncIterator[RawChunk]:
    """The counted responses (of one session or section) in chunks, in storage order (no sort of a million
    rows: a report orders only its few texts).  The answers leave the database as their stored JSON text
    and are parsed here with orjson: SQLite's own JSON functions parse the text again for every call and
    cost more than the whole read."""
    q = counted_raw_query(session_id=session_id, section=section)
    result = await conn.stream(q, execution_options={"yield_per": chunk})
    async for rows in result.partitions(chunk):
        ids, sessions, finished, channels, answers, followups = zip(*rows, strict=True)
        yield RawChunk(
            ids,
            sessions,
            finished,
            channels,
            _load_all(answers),
            [None if text == "{}" else _loads(text) for text in followups],
        )


def counted_raw_query(*, session_id: int | None = None, section: str | None = None) -> Any:
    """The SELECT of `counted_raw` (`bench.report_db` gives it to a bare `pandas.read_sql` too)."""
    r = s.response.c
    q = select(
        r.id.label("response_id"),
        r.session_id,
        type_coerce(r.finished_at, String).label("finished_at"),
        r.channel,
        cast(r.answers, Text).label("answers"),
        cast(r.followups, Text).label("followups"),
    ).where(r.replaced_by.is_(None))
    if session_id is not None:
        q = q.where(r.session_id == session_id)
    if section:
        q = q.where(r.session_id.in_(select(s.session.c.id).where(s.session.c.section == section)))
    return q


async def session_titles(conn: AsyncConnection) -> dict[int, tuple[str, str]]:
    """Every session's (title, section) by id: joined to answers in memory, not once per answer row."""
    q = select(s.session.c.id, s.session.c.title, s.session.c.section)
    return {row.id: (row.title, row.section) for row in await conn.execute(q)}
