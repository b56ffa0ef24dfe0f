"""Keeping every message inside Telegram's limits, whatever people typed into it.

Telegram refuses a message longer than 4,096 characters (a photo caption: 1,024), counted after the HTML
tags are parsed and in UTF-16 code units.  A refused message is lost for good (the most dissatisfied
respondents, who write the longest reasons, could not submit their survey), so every message built from
text people typed is measured here: summaries and lists shorten the typed parts with "…", and where the
whole text matters (a staff reply to a citizen) it is split into several messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# sendVenue's title and address: Telegram publishes no limit; these keep a map card readable on a small phone
# and well inside what the Bot API accepts.
VENUE_TITLE_LIMIT = 64
VENUE_ADDRESS_LIMIT = 200
ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]*>")


def plain(html_text: str) -> str:
    """The text Telegram shows for an HTML message: tags removed, entities decoded."""
    return unescape(_TAG.sub("", html_text))


def visible_length(html_text: str) -> int:
    """How long Telegram counts an HTML message: tags removed, entities as one character, UTF-16 units."""
    return utf16_length(plain(html_text))


def within(text: str, parse_mode: str | None, limit: int) -> tuple[str, str | None]:
    """The last guard before a send: a message that would still be refused is sent as plain text, cut with
    "…", rather than lost (the builders above keep this from happening; it is not the normal path)."""
    measured = visible_length(text) if parse_mode == "HTML" else utf16_length(text)
    if measured <= limit:
        return text, parse_mode
    return shorten(plain(text) if parse_mode == "HTML" else text, limit), None


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """Plain `text` cut to at most `limit` characters (UTF-16) with "…", at a word boundary when one is near."""
    if utf16_length(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    while utf16_length(cut) > limit - 1:  # astral characters count twice
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= len(cut) * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


ECHO_LIMIT = 100


def echo(value: str) -> str:
    """What someone typed, repeated in an error message ("Tanggal tidak dikenali: …"): enough to recognise
    it, never enough to push the message past Telegram's limit."""
    return shorten(" ".join(value.split()), ECHO_LIMIT)


def fit_list(
    render: Callable[[str], str], items: list[str], *, sep: str = "\n", limit: int = TEXT_LIMIT
) -> str:
    """`render(joined items)` with as many whole items as fit, then a line saying how many more there are.

    For lists of things (tickets, sessions, replies): better fewer whole items than every item cut short.
    The items are HTML already and kept in order; the first ones are kept."""
    for shown in range(len(items), -1, -1):
        rest = len(items) - shown
        joined = sep.join(items[:shown] + ([f"{ELLIPSIS} +{rest}"] if rest else []))
        text = render(joined)
        if visible_length(text) <= limit:
            return text
    return render(f"{ELLIPSIS} +{len(items)}")


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Plain `text` in pieces that each fit, cut between paragraphs, then lines, then words when it must."""
    if utf16_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        window = rest[:limit]
        while utf16_length(window) > limit:
            window = window[:-1]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = len(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
