"""A python-telegram-bot rate limiter that paces what Telegram limits: messages *sent*.

Telegram's ~30 messages/second and 20/minute-per-group limits are about new messages; edits of a message a
person is interacting with (every survey step) and callback answers are not what floods.  PTB's stock
AIORateLimiter counts everything carrying a `chat_id` (capping survey replies at 30/s for the whole office) and
uses leaky buckets that allow a full burst and then refill, which a strict per-window counter rejects.  This
limiter shares one `Pacer` (sliding windows, see bot/delivery/pacing.py) with the outbox, so replies and broadcasts draw
on the same budget, and it retries a send that still gets 429 after `retry_after`.

The outbox claims its rows first, takes each row's slot right before its request leaves and then calls with
`rate_limit_args=PRE_PACED`, so no slot is held while a transaction commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.pacing import Pacer

log = logging.getLogger(__name__)

PRE_PACED = -1  # rate_limit_args marker: the caller already holds a slot from the shared pacer
SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "copyMessage",
        "forwardMessage",
    }
)


# Calls that may safely reach Telegram twice: an edit repeated gives "message is not modified" (which callers
# ignore), reads change nothing.  A send repeated after a timeout or a 5xx may be a second message, so sends
# are retried only after a 429 (which says the first was not taken).
REPEATABLE = frozenset(
    {
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "getMe",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "setMyCommands",
    }
)
TRANSIENT_WAITS = (0.5, 1.5, 3.0)  # a passing 5xx or timeout; longer outages are the outbox's business
LONGEST_INTERACTIVE_WAIT = 10.0  # a person is waiting for this answer: a longer 429 fails it instead


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class SendRateLimiter(BaseRateLimiter[int]):
    def __init__(self, pacer: Pacer, *, max_retries: int = 3) -> None:
        self.pacer = pacer
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if rate_limit_args == PRE_PACED:
            return await callback(*args, **kwargs)
        if endpoint not in SENDING:
            return await self._unpaced(callback, args, kwargs, endpoint)
        chat_id = data.get("chat_id")
        chat = int(chat_id) if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit() else 0
        for attempt in range(self.max_retries + 1):
            # Replies to a person are not held to the 1/s private-chat pace (a reply and the next question
            # may go together); group and overall windows always apply.
            ticket = await self.pacer.acquire(chat, private=False)
            try:
                with self.pacer.departing(ticket):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                self.pacer.pause(wait)
                if attempt == self.max_retries:
                    raise
                # Our pacing should have prevented it, and it pauses every send: the operator should know.
                log.warning("flood control on a reply: waiting %.0f s, then retrying", wait)
            finally:
                self.pacer.done(ticket)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _unpaced(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
    ) -> Any:
        """Edits, callback answers and reads: not paced, but a passing 429, 5xx or timeout is retried
        (the 5xx and timeout only for calls that are harmless to repeat), so a person pressing a survey
        button during a short Telegram hiccup still sees the next question."""
        for attempt in range(len(TRANSIENT_WAITS) + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if attempt == len(TRANSIENT_WAITS) or wait > LONGEST_INTERACTIVE_WAIT:
                    raise
            except NetworkError as exc:  # includes BadRequest, TimedOut and Telegram's 5xx
                if endpoint == "answerCallbackQuery":
                    # A callback answer only stops the button's spinner.  It fails for a press handled late
                    # (after an outage: "query is too old") or in a timeout; neither may cost the press.
                    log.info("callback answer not delivered (%s); handling the press anyway", exc.message)
                    return True
                if (
                    isinstance(exc, BadRequest)
                    or endpoint not in REPEATABLE
                    or attempt == len(TRANSIENT_WAITS)
                ):
                    raise
                wait = TRANSIENT_WAITS[attempt]
                log.info("%s failed (%s); retrying in %.1f s", endpoint, exc.message, wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")
