"""Rendering outgoing messages (text + buttons) for sessions, in the reader's language.

Outbox payloads are rendered when queued: `{"text", "parse_mode", "buttons"}` where buttons are rows of
`{"text", "url"}` or `{"text", "callback_data"}`.  Text that staff or citizens typed is HTML-escaped here,
because every message uses Telegram's HTML parse mode.
"""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.base.i18n import format_when, t
from bot.domain import texts
from bot.domain.kinds import MessageKind, ScheduleKind
from bot.store.sessions import Session

Payload = dict[str, Any]


def session_fields(session: Session, lang: str, tz: ZoneInfo) -> dict[str, str]:
    speaker = f"\n🎤 {escape(session.speaker)}" if session.speaker else ""
    return {
        "id": str(session.id),
        "title": escape(session.title),
        "when": format_when(session.starts_at, lang, tz),
        "venue": escape(session.venue) if session.venue else t("announce.online_only", lang),
        "section": escape(session.section),
        "speaker": speaker,
    }


def link_buttons(session: Session, lang: str) -> list[list[dict[str, str]]]:
    row = []
    if session.zoom_url:
        row.append({"text": t("announce.button_zoom", lang), "url": session.zoom_url})
    if session.youtube_url:
        row.append({"text": t("announce.button_youtube", lang), "url": session.youtube_url})
    return [row] if row else []


def session_message(
    kind: str, session: Session, lang: str, tz: ZoneInfo, *, calendar: str | None = None
) -> Payload:
    """Payload for announce / reminder:<minutes> / start / changed / cancelled.

    `calendar` is the session's "Tambah ke kalender" link: the announcement and a change notice carry it,
    so people can put the session (and, later, its new time) in their phone's calendar."""
    fields = session_fields(session, lang, tz)
    buttons = link_buttons(session, lang)
    if calendar and kind in (MessageKind.ANNOUNCE, MessageKind.CHANGED):
        buttons = [*buttons, [{"text": t("calendar.button", lang), "url": calendar}]]
    if kind.startswith(f"{ScheduleKind.REMINDER}:"):
        minutes = ScheduleKind.minutes_before(kind)
        if minutes == 1440:
            text = t("announce.reminder_day", lang, **fields)
        elif minutes < 1440:
            text = t("announce.reminder_hour", lang, minutes=minutes, **fields)
        else:
            text = t("announce.reminder_generic", lang, **fields)
    elif kind == MessageKind.ANNOUNCE:
        text = t("announce.new", lang, **fields)
    elif kind == MessageKind.START:
        text = t("announce.start", lang, **fields)
    elif kind == MessageKind.CHANGED:
        text = t("announce.changed", lang, **fields)
    elif kind == MessageKind.CANCELLED:
        text = t("announce.cancelled", lang, **fields)
        buttons = []
    else:
        raise ValueError(f"unknown session message kind {kind!r}")
    return {"text": text, "parse_mode": "HTML", "buttons": buttons}


def venue_message(session: Session, lang: str) -> Payload:
    """The venue's map pin (Telegram's sendVenue) sent after the announcement and the start notice, so a
    phone can open directions; only for a session whose venue has coordinates."""
    assert session.pin is not None
    latitude, longitude = session.pin
    address = session.venue or t("announce.online_only", lang)
    return {
        "venue": {
            "latitude": latitude,
            "longitude": longitude,
            "title": texts.shorten(session.title, texts.VENUE_TITLE_LIMIT),
            "address": texts.shorten(address, texts.VENUE_ADDRESS_LIMIT),
        }
    }


def schedule_entry(session: Session, lang: str, tz: ZoneInfo) -> str:
    fields = session_fields(session, lang, tz)
    links = []
    if session.zoom_url:
        links.append(f'<a href="{escape(session.zoom_url, quote=True)}">Zoom</a>')
    if session.youtube_url:
        links.append(f'<a href="{escape(session.youtube_url, quote=True)}">YouTube</a>')
    fields["links"] = t("schedule.links", lang, links=" · ".join(links)) if links else ""
    fields["speaker"] = (
        t("schedule.speaker", lang, speaker=escape(session.speaker)) if session.speaker else ""
    )
    return f"#{session.id} " + t("schedule.item", lang, **fields)


def schedule_pages(entries: list[str], header: str, *, per_page: int = 5) -> list[list[str]]:
    """/jadwal's entries in pages of at most `per_page` that each fit one message (with `header`, which
    must be the longest header any page gets): long titles and venues make fewer entries per page."""
    pages: list[list[str]] = []
    page: list[str] = []
    for entry in entries:
        if page and (
            len(page) == per_page
            or texts.visible_length("\n\n".join([header, *page, entry])) > texts.TEXT_LIMIT
        ):
            pages.append(page)
            page = []
        page.append(entry)
    if page:
        pages.append(page)
    return pages
