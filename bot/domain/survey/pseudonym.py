"""Respondent pseudonyms: HMAC-SHA256 with the office's secret salt, never a Telegram id.

A survey respondent gets one pseudonym per session (`purpose="survey"`, subject `<session>:<user>`): one
response per person per session still holds, yet the answers one person gives in two sessions carry unrelated
values, so without the salt nobody can tell who answered, nor join one person's answers across sessions.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(salt: bytes, subject: int | str, *, purpose: str = "telegram") -> str:
    """`purpose` separates uses: an aspiration writer's key must not match their survey pseudonym.

    `purpose="telegram"` with the bare user id is the survey pseudonym of releases before revision 0008
    (the same in every session); it is only computed to find rows written then.
    """
    return hmac.new(salt, f"{purpose}:{subject}".encode(), hashlib.sha256).hexdigest()[:40]
