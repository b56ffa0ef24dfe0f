"""Parsing what staff type (in chat, in the Jadwal sheet, on the CLI) into checked values.

Staff write dates the Indonesian way ("23/03/2026 09.00", "23 Maret 2026 pukul 09.00"); errors come back as
one Indonesian sentence naming the offending value, e.g. "Tanggal tidak dikenali: 31/02/2026".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from bot.base.i18n import t
from bot.domain.texts import echo

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("januari", "jan", "january"),
            ("februari", "feb", "pebruari", "february"),
            ("maret", "mar", "march"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("agustus", "agu", "agt", "aug", "august"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "oct", "october"),
            ("november", "nov", "nop", "nopember"),
            ("desember", "des", "dec", "december"),
        ],
        start=1,
    )
    for name in names
}
DAY_NAMES = r"(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
DEFAULT_DURATION = timedelta(hours=2)
# A session's year: beyond these, reminders (days before) and the survey window (days after) would leave
# the range of Python's dates, and "31/12/9999" is a typing mistake anyway.
YEARS = (2000, 2100)


class ParseError(ValueError):
    """Input that cannot be understood; `str()` is the message for the person who typed it."""


def _parse_date(text: str, lang: str) -> date:
    day = _read_date(text, lang)
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ParseError(
            t("parse.date_out_of_range", lang, value=text.strip(), first=YEARS[0], last=YEARS[1])
        )
    return day


def parse_day(text: str, lang: str = "id") -> date:
    """A date typed alone ("30/06/2026", "2026-06-30", "30 Juni 2026"); ParseError saying why not."""
    return _parse_date(text, lang)


def _read_date(text: str, lang: str) -> date:
    raw = text.strip()
    s = re.sub(rf"^{DAY_NAMES}\s*,?\s*", "", raw.lower()).strip()
    try:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", s)
        if m:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return date(year, int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})", s)
        if m and m[2] in MONTHS:
            return date(int(m[3]), MONTHS[m[2]], int(m[1]))
    except ValueError:
        pass
    raise ParseError(t("parse.date_unrecognized", lang, value=echo(raw)))


def _parse_time(text: str, lang: str) -> time:
    m = re.fullmatch(r"(\d{1,2})[.:](\d{2})(?:\s*(?:wib|wita|wit))?", text.strip().lower())
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return time(int(m[1]), int(m[2]))
    raise ParseError(t("parse.time_unrecognized", lang, value=echo(text.strip())))


def parse_when(text: str, tz: ZoneInfo, lang: str = "id") -> tuple[datetime, datetime]:
    """ "23/03/2026 09.00[-11.00]" -> (start, end) aware in `tz`; end defaults to start + 2 hours."""
    raw = " ".join(text.split())
    m = re.fullmatch(
        r"(?P<date>.+?)\s*(?:,|pukul|jam|at)?\s+(?P<start>\d{1,2}[.:]\d{2})"
        r"(?:\s*(?:-|–|s\.?d\.?|sampai)\s*(?P<end>\d{1,2}[.:]\d{2}))?(?:\s*(?:wib|wita|wit))?",
        raw,
        flags=re.IGNORECASE,
    )
    if not m:
        if re.search(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}", raw) and not re.search(
            r"\d[.:]\d{2}\b", raw[6:]
        ):
            raise ParseError(t("parse.time_unrecognized", lang, value=echo(raw)))
        raise ParseError(t("parse.date_unrecognized", lang, value=echo(raw)))
    day = _parse_date(m["date"], lang)
    start = datetime.combine(day, _parse_time(m["start"], lang), tzinfo=tz)
    if m["end"]:
        end = datetime.combine(day, _parse_time(m["end"], lang), tzinfo=tz)
        if end <= start:
            raise ParseError(t("parse.end_before_start", lang, value=echo(raw)))
    else:
        end = start + DEFAULT_DURATION
    return start, end


def parse_optional_url(text: str | None) -> str | None:
    """ "-" or empty means none; otherwise an http(s) URL with a host, or ParseError."""
    if text is None:
        return None
    value = text.strip()
    if value in ("", "-", "—", "tidak ada", "none"):
        return None
    if not re.match(r"^https?://", value, re.IGNORECASE) and re.match(
        r"^[\w.-]+\.[a-z]{2,}(/|$)", value, re.I
    ):
        value = "https://" + value
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value or len(value) > 500:
        raise ParseError(value)
    return value


def clean_text(text: str | None, *, max_length: int, allow_dash_empty: bool = False) -> str | None:
    """Trim and bound free text; "-" means empty where allowed."""
    value = (text or "").strip()
    if allow_dash_empty and value in ("-", "—"):
        return None
    if len(value) > max_length:
        raise ParseError(f"too_long:{max_length}")
    return value or None


def match_section(text: str, sections: list[str]) -> str | None:
    """Case-insensitive match of a typed section against configured ones, accepting short forms."""
    wanted = " ".join(text.split()).lower()
    if not wanted:
        return None
    for section in sections:
        if section.lower() == wanted:
            return section
    for section in sections:
        parts = [p.strip().lower() for p in re.split(r"[/]", section)]
        if wanted in parts or section.lower().startswith(wanted):
            return section
    aliases = {"kub": "kerukunan", "tu": "tu/", "haji": "phu", "pendis": "pendidikan", "bimas": "bimas"}
    key = aliases.get(wanted)
    if key:
        for section in sections:
            if key in section.lower():
                return section
    return None


_COORDS = re.compile(r"(-?\d{1,3}(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:[.,]\d+)?)")


def parse_coordinates(text: str | None, lang: str = "id") -> tuple[float, float] | None:
    """A venue's pin: "-7.4797, 110.2177", or a Google Maps link holding them ("...?q=-7.47,110.21",
    ".../@-7.47,110.21,17z"); "-" or empty means none.  ParseError for anything else or out of range."""
    value = (text or "").strip()
    if value in ("", "-", "—"):
        return None
    found = re.search(r"[@=](-?\d{1,3}\.\d+),(-?\d{1,3}\.\d+)", value) if "://" in value else None
    if found is None:
        found = _COORDS.fullmatch(value.replace(", ", ","))
        if found is None and value.count(",") == 1 and "." in value:
            found = _COORDS.fullmatch(value)
    if found is None:
        raise ParseError(t("venue.bad_coords", lang, value=echo(value)))
    latitude, longitude = (float(part.replace(",", ".")) for part in found.groups())
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ParseError(t("venue.bad_coords", lang, value=echo(value)))
    return latitude, longitude
