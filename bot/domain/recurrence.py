"""Recurring sessions: the few ways staff say "every ..." in Indonesian, as RFC 5545 rules.

Staff write "setiap Jumat pertama", "setiap Rabu", "setiap tanggal 15", "setiap 2 minggu"; an operator who
knows calendars may give an RRULE instead ("FREQ=MONTHLY;BYDAY=1FR").  Both become one RRULE string, which
`dateutil.rrule` expands in the office's timezone (so 09.00 stays 09.00 WIB on every date).  A phrase that is
not understood is refused with the patterns that are, never guessed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rruleset, rrulestr

from bot.base.i18n import t
from bot.domain.parsing import ParseError
from bot.domain.texts import echo

# Indonesian and English day names -> RFC 5545 day codes.
DAYS = {
    "senin": "MO",
    "selasa": "TU",
    "rabu": "WE",
    "kamis": "TH",
    "jumat": "FR",
    "jum'at": "FR",
    "sabtu": "SA",
    "minggu": "SU",
    "ahad": "SU",
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
ORDINALS = {
    "pertama": 1,
    "kesatu": 1,
    "kedua": 2,
    "ketiga": 3,
    "keempat": 4,
    "terakhir": -1,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "last": -1,
}
_DAY = "|".join(re.escape(d) for d in DAYS)
_ORD = "|".join(ORDINALS)
# How far ahead a rule must still produce a date, and how often at most: a rule that never fires again, or
# one firing every hour, is a typing mistake.
LOOKAHEAD = timedelta(days=3 * 366)
ALLOWED_FREQ = {DAILY, WEEKLY, MONTHLY, YEARLY}
RULE_MAX = 200


def parse_repeat(text: str, lang: str = "id") -> str:
    """ "setiap Jumat pertama" -> "FREQ=MONTHLY;BYDAY=1FR".  Raises ParseError(message) otherwise."""
    s = " ".join(text.lower().replace("-", " - ").split()).replace(" - ", "-")
    s = re.sub(r"^(setiap|tiap|every)\s+", "", s)
    s = re.sub(r"\s+(setiap|tiap)\s+bulan(nya)?$|\s+(of\s+)?(every|each|the)\s+month$", "", s)
    if s == "minggu":  # "setiap minggu" is "every week" (Sunday is "setiap hari Minggu" or "setiap Ahad")
        return "FREQ=WEEKLY"
    s = re.sub(r"^hari\s+(?=(" + _DAY + r")\b)", "", s)
    if m := re.fullmatch(rf"({_DAY})", s):
        return f"FREQ=WEEKLY;BYDAY={DAYS[m[1]]}"
    if m := re.fullmatch(rf"({_DAY})\s+({_ORD})|({_ORD})\s+({_DAY})", s):
        day, nth = (m[1], m[2]) if m[1] else (m[4], m[3])
        return f"FREQ=MONTHLY;BYDAY={ORDINALS[nth]}{DAYS[day]}"
    if m := re.fullmatch(r"(?:hari\s+ke-?\s*|tanggal\s+|day\s+)(\d{1,2})", s):
        day = int(m[1])
        if 1 <= day <= 31:
            return f"FREQ=MONTHLY;BYMONTHDAY={day}"
    if m := re.fullmatch(
        r"(?:(\d{1,2})\s+)?(minggu|pekan|bulan|hari|week|weeks|month|months|day|days)(?:\s+sekali)?", s
    ):
        interval = int(m[1] or 1)
        freq = {"minggu": "WEEKLY", "pekan": "WEEKLY", "week": "WEEKLY", "weeks": "WEEKLY"}.get(m[2])
        freq = freq or ("DAILY" if m[2] in ("hari", "day", "days") else "MONTHLY")
        if 1 <= interval <= 12:
            return f"FREQ={freq}" + (f";INTERVAL={interval}" if interval > 1 else "")
    raise ParseError(t("repeat.unrecognized", lang, value=echo(text.strip())))


def parse_rrule(text: str, lang: str = "id") -> str:
    """An RFC 5545 RRULE as an operator gives it ("FREQ=WEEKLY;BYDAY=FR", "RRULE:..." also accepted),
    checked and returned without the "RRULE:" prefix.  DTSTART comes from the session's own date."""
    raw = " ".join(text.split())
    body = re.sub(r"^rrule:", "", raw, flags=re.IGNORECASE).upper()
    if not body or len(body) > RULE_MAX or "DTSTART" in body or "\n" in body:
        raise ParseError(t("repeat.bad_rrule", lang, value=echo(raw)))
    try:
        parsed = rrulestr(f"RRULE:{body}", dtstart=datetime(2026, 1, 1))  # noqa: DTZ001 - only a syntax check
    except (ValueError, TypeError, KeyError):
        raise ParseError(t("repeat.bad_rrule", lang, value=echo(raw))) from None
    if not isinstance(parsed, rrule) or parsed._freq not in ALLOWED_FREQ:  # noqa: SLF001 - dateutil has no getter
        raise ParseError(t("repeat.bad_rrule", lang, value=echo(raw)))
    return body


def rule_for(repeat: str | None, rule: str | None, lang: str = "id") -> str | None:
    """The RRULE from either the words (`--repeat`) or an RRULE (`--rrule`); None when neither was given."""
    if rule and rule.strip() not in ("", "-"):
        return parse_rrule(rule, lang)
    if repeat and repeat.strip() not in ("", "-"):
        return parse_repeat(repeat, lang)
    return None


def expand(rule: str, first_start: datetime, tz: ZoneInfo) -> rruleset:
    """The rule anchored at the first session's local start (its time of day is every occurrence's).  As in
    RFC 5545, the first session is an occurrence even when its date does not fit the rule."""
    local = first_start.astimezone(tz)
    parsed = rrulestr(f"RRULE:{rule}", dtstart=local)
    assert isinstance(parsed, rrule)
    dates = rruleset()
    dates.rrule(parsed)
    dates.rdate(local)
    return dates


def starts_between(
    rule: str, first_start: datetime, tz: ZoneInfo, after: datetime | None, until: datetime
) -> list[datetime]:
    """Occurrence starts in (`after`, `until`] (from the first one when `after` is None), aware in `tz`."""
    rr = expand(rule, first_start, tz)
    starts = rr.between(first_start.astimezone(tz) - timedelta(seconds=1), until, inc=True)
    return [start for start in starts if after is None or start > after]


def next_starts(
    rule: str, first_start: datetime, tz: ZoneInfo, *, count: int, lang: str = "id"
) -> list[datetime]:
    """The first `count` starts from the first session on; ParseError when the rule gives none within
    three years (e.g. "setiap tanggal 31" with COUNT=0, or an UNTIL already past)."""
    starts = []
    for start in expand(rule, first_start, tz):
        if start > first_start + LOOKAHEAD or len(starts) == count:
            break
        starts.append(start)
    if not starts:
        raise ParseError(t("repeat.never", lang))
    return starts
