"""Aspiration tickets, the private routes back to their writers, and unfinished /aspirasi drafts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s

# "Diteruskan": staff forwarded it to SP4N-LAPOR! because the office cannot resolve it itself.
STATUSES = ("Baru", "Diproses", "Selesai", "Ditolak", "Diteruskan")
OPEN_STATUSES = ("Baru", "Diproses")
CLOSED_STATUSES = ("Selesai", "Ditolak", "Diteruskan")
CATEGORY_DIRECT = "langsung"
CATEGORY_SURVEY = "survei"
CATEGORY_SESSION = "sesi"  # raised orally at a session, typed by staff in its closing record
TICKET_LOCK = 0x61737069  # PostgreSQL advisory lock taken while numbering a ticket


@dataclass(frozen=True)
class Aspiration:
    id: int
    ticket: str
    category: str
    section: str
    session_id: int | None
    text: str
    photo_file_id: str | None
    sender_name: str | None
    status: str
    response: str
    public: bool
    version: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    classification: str | None = None
    first_response_at: datetime | None = None
    forwarded_at: datetime | None = None
    lapor_consent: bool | None = None


_FIELDS = list(Aspiration.__dataclass_fields__)


def _aspiration(row: Any) -> Aspiration:
    return Aspiration(**{name: getattr(row, name) for name in _FIELDS})


@dataclass(frozen=True)
class Route:
    aspiration_id: int
    person: str
    chat_id: int
    language: str


@dataclass(frozen=True)
class AspirationDraft:
    person: str
    chat_id: int
    language: str
    step: str
    section: str | None
    text: str | None
    photo_file_id: str | None
    sender_name: str | None
    updated_at: datetime


def ticket_number(year: int, seq: int) -> str:
    return f"ASP-{year}-{seq:04d}"


async def create(
    conn: AsyncConnection,
    *,
    category: str,
    section: str,
    text: str,
    now: datetime,
    year: int,
    session_id: int | None = None,
    photo_file_id: str | None = None,
    sender_name: str | None = None,
    source_key: str | None = None,
    route: tuple[str, int, str] | None = None,
    classification: str | None = None,
) -> Aspiration | None:
    """Insert a ticket (and its route) numbered next in its year; None if `source_key` already exists.

    Runs inside the caller's write transaction: SQLite serialises writers, and on PostgreSQL the unique
    (year, seq) constraint turns a rare race into an error the caller's retry handles.
    """
    if conn.dialect.name == "postgresql":
        # Ticket numbers are max+1 per year: serialise their allocation between workers (SQLite already does).
        await conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": TICKET_LOCK})
    if source_key is not None:
        found = await conn.execute(select(s.aspiration.c.id).where(s.aspiration.c.source_key == source_key))
        if found.first() is not None:
            return None
    seq = (
        await conn.execute(
            select(func.coalesce(func.max(s.aspiration.c.seq), 0)).where(s.aspiration.c.year == year)
        )
    ).scalar_one() + 1
    result = await conn.execute(
        s.aspiration.insert().values(
            ticket=ticket_number(year, seq),
            year=year,
            seq=seq,
            category=category,
            section=section,
            session_id=session_id,
            text=text,
            photo_file_id=photo_file_id,
            sender_name=sender_name,
            status="Baru",
            response="",
            public=False,
            version=0,
            source_key=source_key,
            classification=classification,
            created_at=now,
            updated_at=now,
        )
    )
    new_id = result.inserted_primary_key[0]
    if route is not None:
        person, chat_id, language = route
        await conn.execute(
            s.aspiration_route.insert().values(
                aspiration_id=new_id, person=person, chat_id=chat_id, language=language
            )
        )
    return await get(conn, new_id)


async def get(conn: AsyncConnection, aspiration_id: int) -> Aspiration | None:
    row = (await conn.execute(select(s.aspiration).where(s.aspiration.c.id == aspiration_id))).first()
    return _aspiration(row) if row else None


async def by_ticket(conn: AsyncConnection, ticket: str) -> Aspiration | None:
    row = (await conn.execute(select(s.aspiration).where(s.aspiration.c.ticket == ticket))).first()
    return _aspiration(row) if row else None


async def tickets(conn: AsyncConnection) -> list[str]:
    return [r.ticket for r in await conn.execute(select(s.aspiration.c.ticket).order_by(s.aspiration.c.id))]


async def every(conn: AsyncConnection) -> list[Aspiration]:
    """Every ticket, oldest first (the Aspirasi sheet written again from the store)."""
    return [_aspiration(r) for r in await conn.execute(select(s.aspiration).order_by(s.aspiration.c.id))]


async def of_session(conn: AsyncConnection, session_id: int, category: str) -> list[Aspiration]:
    """The tickets of one category that came from a session (e.g. those raised orally there)."""
    q = (
        select(s.aspiration)
        .where(s.aspiration.c.session_id == session_id, s.aspiration.c.category == category)
        .order_by(s.aspiration.c.id)
    )
    return [_aspiration(r) for r in await conn.execute(q)]


async def route_of(conn: AsyncConnection, aspiration_id: int) -> Route | None:
    row = (
        await conn.execute(
            select(s.aspiration_route).where(s.aspiration_route.c.aspiration_id == aspiration_id)
        )
    ).first()
    return Route(row.aspiration_id, row.person, row.chat_id, row.language) if row else None


async def of_person(conn: AsyncConnection, person: str, limit: int = 10) -> list[Aspiration]:
    q = (
        select(s.aspiration)
        .join(s.aspiration_route, s.aspiration_route.c.aspiration_id == s.aspiration.c.id)
        .where(s.aspiration_route.c.person == person)
        .order_by(s.aspiration.c.id.desc())
        .limit(limit)
    )
    return [_aspiration(r) for r in await conn.execute(q)]


async def quota_used(conn: AsyncConnection, key: str) -> int:
    """Tickets counted today under `key` (see bot.domain.aspirations.quota_key)."""
    row = (
        await conn.execute(select(s.aspiration_quota.c.used).where(s.aspiration_quota.c.key == key))
    ).first()
    return int(row.used) if row else 0


async def use_quota(conn: AsyncConnection, key: str, day: date) -> None:
    """One more ticket today under `key`; rows of earlier days are deleted on the way (they count nothing)."""
    await conn.execute(delete(s.aspiration_quota).where(s.aspiration_quota.c.day < day))
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(s.aspiration_quota).values(key=key, day=day, used=1)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"used": s.aspiration_quota.c.used + 1})
    )


async def apply_staff_change(
    conn: AsyncConnection,
    aspiration_id: int,
    *,
    status: str,
    response: str,
    public: bool,
    now: datetime,
    classification: str | None = None,
) -> Aspiration | None:
    """Record what staff set in the sheet; bumps the version only when status or reply changed.

    Returns the updated ticket when the citizen has something new to hear, else None.  The first change the
    citizen hears of is the ticket's first response; a closing status (Selesai, Ditolak, Diteruskan) its
    follow-up; both are kept once, for the deadlines.  A new classification alone tells nobody anything.
    """
    current = await get(conn, aspiration_id)
    if current is None:
        return None
    classification = classification or current.classification
    told_changed = current.status != status or current.response != response
    if not told_changed and current.public == public and current.classification == classification:
        return None
    values: dict[str, Any] = {
        "status": status,
        "response": response,
        "public": public,
        "classification": classification,
        "updated_at": now,
    }
    if told_changed:
        values["version"] = current.version + 1
        if current.first_response_at is None:
            values["first_response_at"] = now
    if status in CLOSED_STATUSES and current.resolved_at is None:
        values["resolved_at"] = now
    elif status in OPEN_STATUSES:
        values["resolved_at"] = None
    if status == "Diteruskan" and current.forwarded_at is None:
        values["forwarded_at"] = now
    await conn.execute(update(s.aspiration).where(s.aspiration.c.id == aspiration_id).values(**values))
    return await get(conn, aspiration_id) if told_changed else None


async def waiting(conn: AsyncConnection, older_than: datetime) -> list[Aspiration]:
    q = (
        select(s.aspiration)
        .where(s.aspiration.c.status.in_(OPEN_STATUSES), s.aspiration.c.created_at < older_than)
        .order_by(s.aspiration.c.created_at)
    )
    return [_aspiration(r) for r in await conn.execute(q)]


async def watched(conn: AsyncConnection, since: datetime) -> list[Aspiration]:
    """Tickets created since `since` still waiting for their first response or their follow-up (the ones
    whose deadlines the staff group is reminded of)."""
    a = s.aspiration
    q = (
        select(a)
        .where(a.c.created_at >= since, a.c.first_response_at.is_(None) | a.c.resolved_at.is_(None))
        .order_by(a.c.id)
    )
    return [_aspiration(r) for r in await conn.execute(q)]


async def claim_notices(conn: AsyncConnection, keys: list[tuple[str, int]], now: datetime) -> set[str]:
    """Record deadline notices (key, ticket id) as given; returns the keys not given before (those to send).
    Conditional inserts, so two workers never both claim one."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    new = set()
    for key, aspiration_id in keys:
        result = await conn.execute(
            insert(s.aspiration_notice)
            .values(key=key, aspiration_id=aspiration_id, created_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        if result.rowcount:
            new.add(key)
    return new


async def created_between(conn: AsyncConnection, start: datetime, end: datetime) -> list[Aspiration]:
    a = s.aspiration
    q = select(a).where(a.c.created_at >= start, a.c.created_at < end).order_by(a.c.id)
    return [_aspiration(r) for r in await conn.execute(q)]


async def record_lapor_consent(conn: AsyncConnection, aspiration_id: int, consent: bool) -> Aspiration | None:
    """The citizen's answer about their name in the SP4N-LAPOR! report: kept once, only for a forwarded
    ticket (a second press, or a press on a ticket not forwarded, changes nothing and returns None)."""
    a = s.aspiration
    result = await conn.execute(
        update(a)
        .where(a.c.id == aspiration_id, a.c.forwarded_at.is_not(None), a.c.lapor_consent.is_(None))
        .values(lapor_consent=consent)
    )
    return await get(conn, aspiration_id) if result.rowcount else None


async def in_period(conn: AsyncConnection, start: datetime, end: datetime) -> list[Aspiration]:
    """Tickets created in [start, end) or resolved in it (what a monthly summary talks about)."""
    a = s.aspiration
    q = (
        select(a)
        .where(
            ((a.c.created_at >= start) & (a.c.created_at < end))
            | ((a.c.resolved_at >= start) & (a.c.resolved_at < end))
        )
        .order_by(a.c.id)
    )
    return [_aspiration(r) for r in await conn.execute(q)]


@dataclass(frozen=True)
class Forgot:
    """What /hapus_data changed on a person's tickets: all of them (`tickets`), and those that showed a name."""

    tickets: list[str]
    named: list[str]
    ids: list[int] = field(default_factory=list)


async def forget_person(conn: AsyncConnection, person: str) -> Forgot:
    """/hapus_data: drop routes and drafts, blank the sender name; the tickets stay (without both)."""
    rows = (
        await conn.execute(
            select(s.aspiration.c.id, s.aspiration.c.ticket, s.aspiration.c.sender_name)
            .join(s.aspiration_route, s.aspiration_route.c.aspiration_id == s.aspiration.c.id)
            .where(s.aspiration_route.c.person == person)
            .order_by(s.aspiration.c.id)
        )
    ).all()
    if rows:
        ids = [r.id for r in rows]
        await conn.execute(update(s.aspiration).where(s.aspiration.c.id.in_(ids)).values(sender_name=None))
        await conn.execute(delete(s.aspiration_route).where(s.aspiration_route.c.person == person))
    await conn.execute(delete(s.aspiration_draft).where(s.aspiration_draft.c.person == person))
    return Forgot(
        [r.ticket for r in rows], [r.ticket for r in rows if r.sender_name is not None], [r.id for r in rows]
    )


# --- drafts ---------------------------------------------------------------------------------------------


async def get_draft(conn: AsyncConnection, person: str) -> AspirationDraft | None:
    row = (
        await conn.execute(select(s.aspiration_draft).where(s.aspiration_draft.c.person == person))
    ).first()
    if row is None:
        return None
    return AspirationDraft(**{name: getattr(row, name) for name in AspirationDraft.__dataclass_fields__})


async def save_draft(conn: AsyncConnection, draft: AspirationDraft) -> None:
    values = {name: getattr(draft, name) for name in AspirationDraft.__dataclass_fields__}
    await conn.execute(delete(s.aspiration_draft).where(s.aspiration_draft.c.person == draft.person))
    await conn.execute(s.aspiration_draft.insert().values(**values))


async def delete_draft(conn: AsyncConnection, person: str) -> bool:
    result = await conn.execute(delete(s.aspiration_draft).where(s.aspiration_draft.c.person == person))
    return bool(result.rowcount)


async def delete_drafts_untouched_since(conn: AsyncConnection, before: datetime) -> int:
    """Unfinished /aspirasi conversations nobody touched since `before`: they hold a chat, a text and maybe
    a name, for a ticket that will never be sent."""
    result = await conn.execute(delete(s.aspiration_draft).where(s.aspiration_draft.c.updated_at < before))
    return max(result.rowcount, 0)
