"""Callback data: `prefix:arg:arg`, built and parsed in one place, prefixes from one enum.

Telegram allows 64 bytes; anything else a client sends (forged, stale, oversized) parses to None and is
answered harmlessly by the caller.
"""

from __future__ import annotations

import re
from enum import StrEnum

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.\-]{0,40}$")


class Cb(StrEnum):
    SUBSCRIBE = "sub"
    SCHEDULE = "jd"
    NEW_SESSION = "ns"
    EDIT_SESSION = "ub"
    CANCEL_SESSION = "bt"
    SURVEY = "sv"
    REPORT = "lp"
    EXPORT = "ek"
    ASPIRATION = "as"
    DELETE_ME = "hd"
    LAPOR = "lr"
    CHANNEL = "kn"
    REMIND = "ing"  # "Ingatkan saya" on a group announcement: ing:<session>
    ATTEND = "hdr"  # how a person follows the session they check in to: hdr:<session>:<mode>


def pack(prefix: Cb, *parts: object) -> str:
    data = ":".join([prefix.value, *(str(p) for p in parts)])
    if len(data.encode()) > MAX_BYTES or any(not _PART.match(str(p)) for p in parts):
        raise ValueError(f"callback data too long or unsafe: {data!r}")
    return data


def unpack(data: str | None, prefix: Cb) -> list[str] | None:
    """The parts after `prefix`, or None when the data is not ours / malformed."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    head, _, rest = data.partition(":")
    if head != prefix.value:
        return None
    parts = rest.split(":") if rest else []
    if any(not _PART.match(p) for p in parts):
        return None
    return parts


def pattern(prefix: Cb) -> str:
    return rf"^{prefix.value}(:|$)"
