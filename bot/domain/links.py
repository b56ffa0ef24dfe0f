"""Links into a private chat with the bot (`t.me/<bot>?start=<payload>`), built and recognised in one place.

The invitation button, the QR code printed at the venue, `ngopas survey link` and the "write to us
privately" hint all carry one of these; `/start <payload>` routes it back to its feature.
"""

from __future__ import annotations

import re

ASPIRATION = "aspirasi"
_SURVEY = re.compile(r"^sv(\d{1,9})$")
_CALENDAR = re.compile(r"^ics(\d{1,9})$")
_ATTEND = re.compile(r"^hadir(\d{1,9})$")
FALLBACK_USERNAME = "ngopas_bot"  # only until the bot has asked Telegram its own name (at start-up)


def deep_link(username: str | None, payload: str) -> str:
    return f"https://t.me/{(username or FALLBACK_USERNAME).lstrip('@')}?start={payload}"


def survey_link(username: str | None, session_id: int) -> str:
    """Opens the survey of session `session_id` in a private chat."""
    return deep_link(username, f"sv{session_id}")


def survey_session(payload: str) -> int | None:
    """The session a `/start` payload opens the survey of, or None when it is not a survey link."""
    match = _SURVEY.match(payload)
    return int(match[1]) if match else None


def calendar_link(username: str | None, session_id: int, base_url: str | None = None) -> str:
    """Where "Tambah ke kalender" leads: the session's .ics on the office's site when it publishes one
    (NGOPAS_CALENDAR_URL), otherwise a private chat in which the bot sends the .ics file itself."""
    if base_url:
        return f"{base_url.rstrip('/')}/{calendar_file(session_id)}"
    return deep_link(username, f"ics{session_id}")


def calendar_file(session_id: int) -> str:
    return f"sesi-{session_id}.ics"


def calendar_session(payload: str) -> int | None:
    """The session a `/start` payload asks the calendar file of, or None."""
    match = _CALENDAR.match(payload)
    return int(match[1]) if match else None


def attend_link(username: str | None, session_id: int) -> str:
    """Opens the check-in of session `session_id` in a private chat ("✋ Saya hadir", the venue's QR code)."""
    return deep_link(username, f"hadir{session_id}")


def attend_session(payload: str) -> int | None:
    """The session a `/start` payload checks in to, or None when it is not a check-in link."""
    match = _ATTEND.match(payload)
    return int(match[1]) if match else None
