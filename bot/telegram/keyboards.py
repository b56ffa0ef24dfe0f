"""Inline keyboards from what the domain draws: an outbox payload's buttons, or a survey step's.

Feature-specific keyboards (the section picker, /laporan's period buttons) live with their handlers; these
two are shared by the sender and the survey.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.callbacks import Cb, pack
from bot.domain.survey.engine import View
from bot.store.surveys import Draft


def from_payload(payload: dict[str, Any]) -> InlineKeyboardMarkup | None:
    """Rows of `{"text", "url"}` / `{"text", "callback_data"}` (None without buttons)."""
    rows = payload.get("buttons") or []
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(**button) for button in row] for row in rows if row])


def survey_step(view: View, draft: Draft) -> InlineKeyboardMarkup | None:
    """A survey step's buttons, each carrying the session and the step it was drawn for."""
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=pack(Cb.SURVEY, draft.session_id, draft.step, code))
                for label, code in row
            ]
            for row in view.buttons
            if row
        ]
    )
