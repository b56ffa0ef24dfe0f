"""The follow-up plan (rencana tindak lanjut): its rows, the tickets each answers, who was told and reminded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import schema as s
from bot.store.aspirations import OPEN_STATUSES, Aspiration, _aspiration

STATUSES = ("Rencana", "Berjalan", "Selesai")
DONE = "Selesai"
RTL_LOCK = 0x72746C31  # PostgreSQL advisory lock taken while numbering a row


@dataclass(frozen=True)
class Rtl:
    id: int
    code: str
    source_key: str
    topic: str
    period: str
    session_id: int | None
    section: str
    unsur: str | None
    issue: str
    basis: str
    program: str
    responsible: str
    target: date | None
    status: str
    evidence: str
    public: bool
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None
    told_at: datetime | None
    reminded_target: date | None


_FIELDS = list(Rtl.__dataclass_fields__)


def _rtl(row: Any) -> Rtl:
    return Rtl(**{name: getattr(row, name) for name in _FIELDS})


def code_for(year: int, seq: int) -> str:
    return f"RTL-{year}-{seq:03d}"


async def create(
    conn: AsyncConnection,
    *,
    source_key: str,
    topic: str,
    period: str,
    section: str,
    issue: str,
    basis: str,
    now: datetime,
    year: int,
    unsur: str | None = None,
    session_id: int | None = None,
) -> Rtl | None:
    """A proposed row numbered next in its year; None when `source_key` was proposed before."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": RTL_LOCK})
    found = await conn.execute(select(s.rtl.c.id).where(s.rtl.c.source_key == source_key))
    if found.first() is not None:
        return None
    seq = (
        await conn.execute(select(func.coalesce(func.max(s.rtl.c.seq), 0)).where(s.rtl.c.year == year))
    ).scalar_one() + 1
    result = await conn.execute(
        s.rtl.insert().values(
            code=code_for(year, seq),
            year=year,
            seq=seq,
            source_key=source_key,
            topic=topic,
            period=period,
            session_id=session_id,
            section=section,
            unsur=unsur,
            issue=issue,
            basis=basis,
            program="",
            responsible="",
            status="Rencana",
            evidence="",
            public=False,
            created_at=now,
            updated_at=now,
        )
    )
    return await get(conn, result.inserted_primary_key[0])


async def get(conn: AsyncConnection, rtl_id: int) -> Rtl | None:
    row = (await conn.execute(select(s.rtl).where(s.rtl.c.id == rtl_id))).first()
    return _rtl(row) if row else None


async def by_code(conn: AsyncConnection, code: str) -> Rtl | None:
    row = (await conn.execute(select(s.rtl).where(s.rtl.c.code == code))).first()
    return _rtl(row) if row else None


async def every(conn: AsyncConnection) -> list[Rtl]:
    return [_rtl(r) for r in await conn.execute(select(s.rtl).order_by(s.rtl.c.id))]


async def codes(conn: AsyncConnection) -> list[str]:
    return [r.code for r in await conn.execute(select(s.rtl.c.code).order_by(s.rtl.c.id))]


async def open_on(conn: AsyncConnection, topic: str) -> Rtl | None:
    """The newest row on `topic` not yet Selesai (new tickets on the topic join it)."""
    row = (
        await conn.execute(
            select(s.rtl).where(s.rtl.c.topic == topic, s.rtl.c.status != DONE).order_by(s.rtl.c.id.desc())
        )
    ).first()
    return _rtl(row) if row else None


async def link(conn: AsyncConnection, rtl_id: int, aspiration_ids: list[int]) -> list[int]:
    """Link tickets to a row; returns those not linked to it before."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    added = []
    for aspiration_id in aspiration_ids:
        result = await conn.execute(
            insert(s.rtl_ticket)
            .values(rtl_id=rtl_id, aspiration_id=aspiration_id)
            .on_conflict_do_nothing(index_elements=["rtl_id", "aspiration_id"])
        )
        if result.rowcount:
            added.append(aspiration_id)
    return added


async def tickets_of(conn: AsyncConnection, rtl_id: int) -> list[Aspiration]:
    q = (
        select(s.aspiration)
        .join(s.rtl_ticket, s.rtl_ticket.c.aspiration_id == s.aspiration.c.id)
        .where(s.rtl_ticket.c.rtl_id == rtl_id)
        .order_by(s.aspiration.c.id)
    )
    return [_aspiration(r) for r in await conn.execute(q)]


async def ticket_numbers(conn: AsyncConnection) -> dict[int, list[str]]:
    """Every row's ticket numbers, by row id (the sheet's Tiket column)."""
    q = (
        select(s.rtl_ticket.c.rtl_id, s.aspiration.c.ticket)
        .join(s.aspiration, s.aspiration.c.id == s.rtl_ticket.c.aspiration_id)
        .order_by(s.rtl_ticket.c.rtl_id, s.aspiration.c.id)
    )
    found: dict[int, list[str]] = {}
    for row in await conn.execute(q):
        found.setdefault(row.rtl_id, []).append(row.ticket)
    return found


@dataclass(frozen=True)
class Candidate:
    """A ticket no follow-up row answers yet, with its source (`survey:<response>:<unsur>` for a survey's
    follow-up) so it can be grouped by unsur."""

    ticket: Aspiration
    source_key: str | None


async def unlinked_open(
    conn: AsyncConnection,
    *,
    since: datetime | None,
    until: datetime | None = None,
    section: str | None = None,
) -> list[Candidate]:
    """Tickets still open (Baru, Diproses), created in [since, until), that no follow-up row answers."""
    a = s.aspiration
    linked = select(s.rtl_ticket.c.aspiration_id)
    q = select(a).where(a.c.status.in_(OPEN_STATUSES), a.c.id.not_in(linked))
    if since is not None:
        q = q.where(a.c.created_at >= since)
    if until is not None:
        q = q.where(a.c.created_at < until)
    if section is not None:
        q = q.where(a.c.section == section)
    return [Candidate(_aspiration(r), r.source_key) for r in await conn.execute(q.order_by(a.c.id))]


async def apply_staff_change(
    conn: AsyncConnection,
    rtl_id: int,
    *,
    program: str,
    responsible: str,
    target: date | None,
    status: str,
    evidence: str,
    public: bool,
    now: datetime,
) -> Rtl | None:
    """Record what staff set in the sheet; returns the row as it is now (None if unknown)."""
    current = await get(conn, rtl_id)
    if current is None:
        return None
    values: dict[str, Any] = {
        "program": program,
        "responsible": responsible,
        "target": target,
        "status": status,
        "evidence": evidence,
        "public": public,
    }
    if all(getattr(current, k) == v for k, v in values.items()):
        return current
    values["updated_at"] = now
    if status == DONE and current.done_at is None:
        values["done_at"] = now
    await conn.execute(update(s.rtl).where(s.rtl.c.id == rtl_id).values(**values))
    return await get(conn, rtl_id)


async def claim_telling(conn: AsyncConnection, rtl_id: int, now: datetime) -> bool:
    """Mark a row's citizens as told; True only for the first caller ever (conditional, so two workers or a
    status set back and forth never tell anyone twice)."""
    result = await conn.execute(
        update(s.rtl).where(s.rtl.c.id == rtl_id, s.rtl.c.told_at.is_(None)).values(told_at=now)
    )
    return bool(result.rowcount)


async def due_for_reminder(conn: AsyncConnection, until: date) -> list[Rtl]:
    """Rows not Selesai whose target is on or before `until` and not yet reminded for that target."""
    r = s.rtl
    q = select(r).where(
        r.c.status != DONE,
        r.c.target.is_not(None),
        r.c.target <= until,
        r.c.reminded_target.is_(None) | (r.c.reminded_target != r.c.target),
    )
    return [_rtl(row) for row in await conn.execute(q.order_by(r.c.target, r.c.id))]


async def claim_reminder(conn: AsyncConnection, row: Rtl) -> bool:
    """Record that the staff group was reminded of `row`'s target; True for the first caller only."""
    r = s.rtl
    result = await conn.execute(
        update(r)
        .where(
            r.c.id == row.id,
            r.c.target == row.target,
            r.c.reminded_target.is_(None) | (r.c.reminded_target != r.c.target),
        )
        .values(reminded_target=row.target)
    )
    return bool(result.rowcount)


async def overdue(conn: AsyncConnection, today: date) -> list[Rtl]:
    """Rows not Selesai whose target date has passed."""
    r = s.rtl
    q = select(r).where(r.c.status != DONE, r.c.target.is_not(None), r.c.target < today)
    return [_rtl(row) for row in await conn.execute(q.order_by(r.c.target, r.c.id))]


async def public_done_between(conn: AsyncConnection, start: datetime, end: datetime) -> list[Rtl]:
    """Rows staff marked Publik that became Selesai in [start, end) (the monthly post)."""
    r = s.rtl
    q = select(r).where(r.c.public.is_(True), r.c.status == DONE, r.c.done_at >= start, r.c.done_at < end)
    return [_rtl(row) for row in await conn.execute(q.order_by(r.c.done_at, r.c.id))]
