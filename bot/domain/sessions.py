"""NGOPAS sessions: create, edit, cancel, and the announcements and reminders they cause.

The same functions serve `/sesi_baru` in Telegram, `ngopas session ...` on the CLI, imports and the Jadwal
sheet, so a session is validated and announced the same way whichever door it came through.  Every change
commits the session, its schedule rows and its outbox messages in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.base.i18n import t
from bot.domain.announcements import session_message, venue_message
from bot.domain.callbacks import Cb, pack
from bot.domain.kinds import MessageKind, ScheduleKind
from bot.domain.links import attend_link, calendar_link
from bot.domain.parsing import (
    ParseError,
    clean_text,
    match_section,
    parse_coordinates,
    parse_optional_url,
    parse_when,
)
from bot.domain.runtime import Runtime
from bot.domain.texts import echo
from bot.domain.worksheets import session_row
from bot.store import Connection, attendance, chats, outbox, sessions, sheet_rows
from bot.store.outbox import NewMessage
from bot.store.sessions import ScheduleRow, Session

TITLE_MAX = 200
VENUE_MAX = 300
SPEAKER_MAX = 200
FIELDS = ("title", "section", "when", "venue", "coords", "zoom", "youtube", "speaker")
# Sent before announcements and reminders waiting in the queue: they change what people plan around.
URGENT = (MessageKind.CANCELLED, MessageKind.CHANGED, MessageKind.START)
# Messages tied to the session's time: withdrawn when the time changes (new ones are planned).
TIMED = (MessageKind.REMINDER, MessageKind.START, MessageKind.SURVEY_INVITE, MessageKind.SURVEY_RESULT)
# Followed by the venue's map pin (sendVenue) when the venue has coordinates.
PINNED = (MessageKind.ANNOUNCE, MessageKind.START)
# Withdrawn when the session is cancelled (the result post of answers already given may still go).
WITHDRAWN_ON_CANCEL = (
    MessageKind.ANNOUNCE,
    MessageKind.VENUE,
    MessageKind.REMINDER,
    MessageKind.START,
    MessageKind.CHANGED,
    MessageKind.SURVEY_INVITE,
)


class SessionInputError(ValueError):
    """One or more fields are invalid; `errors` maps field name -> message in the user's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class SessionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Change:
    session: Session
    queued: int  # messages queued to chats


def validate_field(name: str, raw: str | None, rt: Runtime, lang: str = "id") -> dict[str, Any]:
    """Validate one staff-typed field; returns the store columns it sets.  Raises ParseError(message)."""
    value = raw if raw is not None else ""
    try:
        if name == "title":
            text = clean_text(value, max_length=TITLE_MAX)
            if not text:
                raise ParseError(t("session.empty", lang))
            return {"title": text}
        if name == "section":
            section = match_section(value, rt.settings.sections)
            if section is None:
                choices = ", ".join(rt.settings.sections)
                raise ParseError(t("session.bad_section", lang, value=echo(value.strip()), choices=choices))
            return {"section": section}
        if name == "when":
            start, end = parse_when(value, rt.tz, lang)
            return {"starts_at": start, "ends_at": end}
        if name == "venue":
            return {"venue": clean_text(value, max_length=VENUE_MAX, allow_dash_empty=True) or ""}
        if name == "coords":
            pin = parse_coordinates(value, lang)
            return {"latitude": pin[0], "longitude": pin[1]} if pin else {"latitude": None, "longitude": None}
        if name in ("zoom", "youtube"):
            try:
                return {f"{name}_url": parse_optional_url(value)}
            except ParseError as exc:
                raise ParseError(t("session.bad_url", lang, value=echo(str(exc)))) from None
        if name == "speaker":
            return {"speaker": clean_text(value, max_length=SPEAKER_MAX, allow_dash_empty=True)}
    except ParseError as exc:
        msg = str(exc)
        if msg.startswith("too_long:"):
            raise ParseError(t("session.too_long", lang, max=msg.split(":", 1)[1])) from None
        raise
    raise KeyError(name)


def validate_fields(raw: Mapping[str, str | None], rt: Runtime, lang: str = "id") -> dict[str, Any]:
    """Validate every given field, collecting all problems at once (an import row shows them together)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        if name not in raw:
            continue
        try:
            values.update(validate_field(name, raw[name], rt, lang))
        except ParseError as exc:
            errors[name] = str(exc)
    if errors:
        raise SessionInputError(errors)
    return values


def _plan(session: Session, rt: Runtime) -> list[tuple[str, datetime]]:
    """Schedule rows for a session: reminders before it, the "starting now" message at its start."""
    plan = [
        (ScheduleKind.reminder(m), session.starts_at - timedelta(minutes=m))
        for m in rt.settings.reminder_offsets_minutes
    ]
    plan.append((ScheduleKind.START, session.starts_at))
    plan.append((ScheduleKind.SURVEY_INVITE, session.ends_at))
    plan.append((ScheduleKind.SURVEY_RESULT, session.survey_closes_at))
    return plan


async def _schedule(conn: Connection, session: Session, rt: Runtime) -> None:
    now = rt.clock.now()
    for kind, due in _plan(session, rt):
        # A reminder whose moment passed before the session was created (e.g. a session tomorrow morning
        # created tonight) is simply not planned: the announcement already tells the time.
        if due >= now or ScheduleKind.of(kind) != ScheduleKind.REMINDER:
            await sessions.add_schedule(conn, session.id, kind, session.rev, due)


# Sent privately too to members who pressed "Ingatkan saya" on the group announcement.
TO_REMINDED = (MessageKind.REMINDER, MessageKind.START, MessageKind.CHANGED, MessageKind.CANCELLED)


def extra_buttons(
    rt: Runtime, session: Session, kind: MessageKind, lang: str, *, group: bool
) -> list[list[dict[str, str]]]:
    """Buttons a session message gets beside the Zoom/YouTube links: "Ingatkan saya" on a group's or a
    channel's announcement (a member asks for the reminders privately), "✋ Saya hadir" on the start notice (a link
    into the private chat where the person says how they follow: bot.domain.attendance)."""
    if kind == MessageKind.ANNOUNCE and group:
        return [[{"text": t("remind.button", lang), "callback_data": pack(Cb.REMIND, session.id)}]]
    if kind == MessageKind.START:
        return [[{"text": t("attend.button", lang), "url": attend_link(rt.bot_username, session.id)}]]
    return []


async def fan_out(
    conn: Connection, rt: Runtime, session: Session, kind: str, key: str, *, pin: bool | None = None
) -> int:
    """Queue the session message `kind` (`announce`, `reminder:60`, ...) to every active chat subscribed to
    its section, and (reminders, start, change, cancel) to the members who asked privately; once per chat.
    The announcement and the start notice are followed by the venue's map pin when the venue has
    coordinates (`pin` forces it on or off, e.g. for a change of place)."""
    base = MessageKind(kind.partition(":")[0])
    calendar = calendar_link(rt.bot_username, session.id, rt.settings.calendar_url)
    also: list[tuple[int, str]] = []
    if base in TO_REMINDED:
        also = await attendance.optins(conn, session.id)
    queued = await fan_out_payload(
        conn,
        rt,
        session,
        base,
        key,
        lambda lang: session_message(kind, session, lang, rt.tz, calendar=calendar),
        buttons=lambda lang, group: extra_buttons(rt, session, base, lang, group=group),
        also=also,
    )
    if session.pin is not None and (pin if pin is not None else base in PINNED):
        # Its own outbox row per chat (key venue:<key>:<chat>): sent once, after the message it belongs to.
        await fan_out_payload(
            conn,
            rt,
            session,
            MessageKind.VENUE,
            f"venue:{key}",
            lambda lang: venue_message(session, lang),
            also=also,
        )
    return queued


async def notify_subscribers(conn: Connection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    """Scheduled job for reminders and the "starting now" message: one per chat and schedule revision."""
    return await fan_out(conn, rt, session, row.kind, f"{row.kind}:{session.id}:r{row.rev}")


async def fan_out_payload(
    conn: Connection,
    rt: Runtime,
    session: Session,
    kind: MessageKind,
    key: str,
    render: Callable[[str], dict[str, Any]],
    *,
    buttons: Callable[[str, bool], list[list[dict[str, str]]]] | None = None,
    also: list[tuple[int, str]] | None = None,
) -> int:
    """Queue a message rendered per language to the session's subscribers; keys make it once per chat.

    `buttons(lang, group)` adds rows of buttons per kind of chat; `also` are private chats (id, language) that get
    it too, unless they are subscribers anyway or no longer reachable."""
    now = rt.clock.now()
    rendered: dict[tuple[str, bool], dict[str, Any]] = {}
    batch = []
    # "Shared" chats (groups and channels) get the buttons meant for many readers, e.g. "Ingatkan saya".
    targets = [
        (chat.id, chat.language, chat.type != "private")
        for chat in await chats.subscribers(conn, session.section)
    ]
    seen = {chat_id for chat_id, _, _ in targets}
    for chat_id, lang in also or []:
        if chat_id in seen:
            continue
        known = await chats.get_chat(conn, chat_id)
        if known is None or not known.active:
            continue
        seen.add(chat_id)
        targets.append((chat_id, lang, False))
    for chat_id, lang, group in targets:
        if (lang, group) not in rendered:
            payload = dict(render(lang))
            extra = buttons(lang, group) if buttons else []
            if extra:
                payload["buttons"] = [*payload.get("buttons", []), *extra]
            rendered[(lang, group)] = payload
        batch.append(
            NewMessage(
                key=f"{key}:{chat_id}",
                kind=kind,
                chat_id=chat_id,
                payload=rendered[(lang, group)],
                due_at=now,
                session_id=session.id,
                priority=3 if kind in URGENT else 5,
            )
        )
    return await outbox.enqueue(conn, batch, now)


async def _mirror(conn: Connection, rt: Runtime, session: Session, *, op: str) -> None:
    """Queue the session's Jadwal row for the office spreadsheet (same transaction as the change)."""
    await sheet_rows.queue(
        conn, "Jadwal", str(session.id), session_row(session, rt.tz), rt.clock.now(), op=op
    )


async def create_session(
    rt: Runtime, values: Mapping[str, Any], *, by: int | None, source: str, external_key: str | None = None
) -> Change:
    """Store a new session, queue its announcement and plan its reminders (one transaction)."""
    async with rt.store.begin() as conn:
        change = await open_session(conn, rt, values, by=by, source=source, external_key=external_key)
    rt.wake_sender()
    return change


async def open_session(
    conn: Connection,
    rt: Runtime,
    values: Mapping[str, Any],
    *,
    by: int | None,
    source: str,
    external_key: str | None = None,
    mirror: bool | None = None,
) -> Change:
    """Inside the caller's transaction: insert the session, queue its announcement, plan its reminders and
    its Jadwal row (a series' occurrences are opened this way too, each with its own messages).  A row typed
    by staff in Jadwal gets its ID written back instead of a row of its own (`mirror` False)."""
    now = rt.clock.now()
    row = dict(values)
    row.setdefault("venue", "")
    row.setdefault("survey_closes_at", row["ends_at"] + timedelta(days=rt.settings.survey_window_days))
    session = await sessions.insert_session(
        conn, {**row, "created_by": by, "source": source, "external_key": external_key}, now
    )
    queued = await fan_out(conn, rt, session, MessageKind.ANNOUNCE, f"announce:{session.id}")
    await _schedule(conn, session, rt)
    if mirror if mirror is not None else source != "sheet":
        await _mirror(conn, rt, session, op="append")
    return Change(session, queued)


async def edit_session(rt: Runtime, session_id: int, changes: Mapping[str, Any], *, by: int | None) -> Change:
    """Apply changes; a new time replans reminders; subscribers get one change notice per edit."""
    async with rt.store.begin() as conn:
        change = await edit_in(conn, rt, session_id, changes)
    rt.wake_sender()
    return change


async def edit_in(conn: Connection, rt: Runtime, session_id: int, changes: Mapping[str, Any]) -> Change:
    """`edit_session` inside the caller's transaction (a whole series is edited in one)."""
    now = rt.clock.now()
    before = await sessions.get_session(conn, session_id)
    if before is None:
        raise SessionNotFound(session_id)
    updates = {k: v for k, v in changes.items() if getattr(before, k, object()) != v}
    if not updates:
        return Change(before, 0)
    time_changed = "starts_at" in updates or "ends_at" in updates
    if time_changed:
        updates["rev"] = before.rev + 1
        ends = updates.get("ends_at", before.ends_at)
        updates["survey_closes_at"] = ends + timedelta(days=rt.settings.survey_window_days)
    updates["version"] = before.version + 1
    session = await sessions.update_session(conn, session_id, updates, now)
    if time_changed:
        await sessions.cancel_schedule(conn, session_id)
        await outbox.cancel_pending(conn, session_id, TIMED)
        await _schedule(conn, session, rt)
    await _mirror(conn, rt, session, op="update")
    queued = 0
    if session.status != "cancelled" and session.ends_at > now:
        moved = bool({"venue", "latitude", "longitude"} & updates.keys())
        queued = await fan_out(
            conn,
            rt,
            session,
            MessageKind.CHANGED,
            f"changed:{session.id}:v{session.version}",
            pin=moved,
        )
    return Change(session, queued)


async def cancel_session(rt: Runtime, session_id: int, *, by: int | None) -> Change:
    """Cancel: pending reminders are withdrawn and subscribers told once."""
    async with rt.store.begin() as conn:
        change = await cancel_in(conn, rt, session_id)
    rt.wake_sender()
    return change


async def cancel_in(conn: Connection, rt: Runtime, session_id: int) -> Change:
    """`cancel_session` inside the caller's transaction (a whole series is cancelled in one)."""
    now = rt.clock.now()
    before = await sessions.get_session(conn, session_id)
    if before is None:
        raise SessionNotFound(session_id)
    if before.cancelled:
        return Change(before, 0)
    session = await sessions.update_session(
        conn, session_id, {"status": "cancelled", "version": before.version + 1}, now
    )
    await sessions.cancel_schedule(conn, session_id)
    await outbox.cancel_pending(conn, session_id, WITHDRAWN_ON_CANCEL)
    queued = await fan_out(conn, rt, session, MessageKind.CANCELLED, f"cancelled:{session.id}")
    await _mirror(conn, rt, session, op="update")
    return Change(session, queued)


async def get_session(rt: Runtime, session_id: int) -> Session:
    async with rt.store.connect() as conn:
        session = await sessions.get_session(conn, session_id)
    if session is None:
        raise SessionNotFound(session_id)
    return session


async def upcoming(rt: Runtime, *, section: str | None = None) -> list[Session]:
    async with rt.store.connect() as conn:
        return await sessions.list_sessions(conn, ends_after=rt.clock.now(), section=section)


async def listed(rt: Runtime, *, include_past: bool = False) -> list[Session]:
    """Upcoming sessions; with `include_past`, every session, past and cancelled ones too."""
    async with rt.store.connect() as conn:
        return await sessions.list_sessions(
            conn, ends_after=None if include_past else rt.clock.now(), include_cancelled=include_past
        )
