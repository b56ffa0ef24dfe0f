"""Calendar files (.ics, RFC 5545) for sessions: one session for "Tambah ke kalender", a feed per section.

Every session is one VEVENT (an occurrence of a recurring session too: each has its own number, changes and
survey), with a UID that never changes, SEQUENCE = how many times it was changed (the session's `version`
minus one, bumped by every edit and by a cancel), STATUS:CANCELLED once cancelled, and its local time with
TZID=Asia/Jakarta (the office's zone) and the VTIMEZONE that defines it, so a phone set to another zone
still shows 09.00 WIB at the right moment.  A calendar app that imported the file, or subscribes to the feed,
replaces its copy when it sees a higher SEQUENCE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.base.i18n import t
from bot.domain.links import calendar_file
from bot.domain.runtime import Runtime
from bot.store import sessions
from bot.store.sessions import Session

PRODID = "-//Kemenag NGOPAS//ngopas-bot//ID"
# A feed keeps sessions that ended up to this long ago (people look back at what they attended); older ones
# drop out so the file stays small.
FEED_PAST = timedelta(days=90)


def uid(session: Session) -> str:
    """Stable for the session's life: its number plus the moment it was created (two offices' session #12
    never collide in one person's calendar)."""
    created = int(session.created_at.timestamp()) if session.created_at else 0
    return f"ngopas-sesi-{session.id}-{created}@ngopas-bot"


def event(session: Session, tz: ZoneInfo, lang: str = "id") -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", uid(session))
    ev.add("dtstamp", (session.updated_at or session.created_at or datetime.now(UTC)).astimezone(UTC))
    if session.updated_at:
        ev.add("last-modified", session.updated_at.astimezone(UTC))
    ev.add("sequence", max(session.version - 1, 0))
    ev.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    ev.add("summary", session.title)
    ev.add("dtstart", session.starts_at.astimezone(tz))
    ev.add("dtend", session.ends_at.astimezone(tz))
    ev.add("location", session.venue or t("announce.online_only", lang))
    if session.pin is not None:
        ev.add("geo", session.pin)
    lines = [t("calendar.section", lang, section=session.section)]
    if session.speaker:
        lines.append(t("calendar.speaker", lang, speaker=session.speaker))
    if session.zoom_url:
        lines.append(f"Zoom: {session.zoom_url}")
        ev.add("url", session.zoom_url)
    if session.youtube_url:
        lines.append(f"YouTube: {session.youtube_url}")
    ev.add("description", "\n".join(lines))
    ev.add("categories", [session.section])
    return ev


def calendar_bytes(items: Iterable[Session], tz: ZoneInfo, *, name: str, lang: str = "id") -> bytes:
    """A VCALENDAR holding `items`, with the VTIMEZONE of every zone they use."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tz.key)
    for session in items:
        cal.add_component(event(session, tz, lang))
    cal.add_missing_timezones()
    return cal.to_ical()


async def session_file(rt: Runtime, session_id: int, lang: str = "id") -> tuple[str, bytes, str] | None:
    """(file name, .ics, title) of one session, as it is now; None for an unknown session."""
    async with rt.store.connect() as conn:
        session = await sessions.get_session(conn, session_id)
    if session is None:
        return None
    data = calendar_bytes([session], rt.tz, name=session.title, lang=lang)
    return calendar_file(session.id), data, session.title


async def feed(rt: Runtime, *, section: str | None = None, lang: str = "id") -> bytes:
    """The subscribable feed: upcoming and recent sessions (cancelled ones too, so calendars drop them)."""
    since = rt.clock.now() - FEED_PAST
    async with rt.store.connect() as conn:
        items = await sessions.list_sessions(conn, ends_after=since, include_cancelled=True, section=section)
    name = f"NGOPAS {section}" if section else f"NGOPAS {rt.settings.office_name}"
    return calendar_bytes(items, rt.tz, name=name, lang=lang)


def section_file(section: str) -> str:
    """ "Bimas Islam" -> "ngopas-bimas-islam.ics" (the feed of one section)."""
    slug = re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-") or "bidang"
    return f"ngopas-{slug}.ics"


async def folder_files(rt: Runtime, lang: str = "id") -> dict[str, bytes]:
    """What a public folder serves (NGOPAS_CALENDAR_URL): every recent session's own file, the feed of
    every section, and `ngopas.ics` with them all."""
    since = rt.clock.now() - FEED_PAST
    async with rt.store.connect() as conn:
        items = await sessions.list_sessions(conn, ends_after=since, include_cancelled=True)
    files = {calendar_file(s.id): calendar_bytes([s], rt.tz, name=s.title, lang=lang) for s in items}
    for section in sorted({*rt.settings.sections, *(s.section for s in items)}):
        chosen = [s for s in items if s.section == section]
        files[section_file(section)] = calendar_bytes(chosen, rt.tz, name=f"NGOPAS {section}", lang=lang)
    files["ngopas.ics"] = calendar_bytes(items, rt.tz, name=f"NGOPAS {rt.settings.office_name}", lang=lang)
    return files
