"""Respondent pseudonyms: HMAC-SHA256 of the Telegram user id with the office's secret salt.

One person gets the same pseudonym for every survey (so "one response per person per session" holds), yet
without the salt nobody can tell who it is, and the answers table never holds a Telegram id.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(salt: bytes, subject: int | str, *, purpose: str = "telegram") -> str:
    """`purpose` separates uses: an aspiration writer's key must not match their survey pseudonym."""
    return hmac.new(salt, f"{purpose}:{subject}".encode(), hashlib.sha256).hexdigest()[:40]
