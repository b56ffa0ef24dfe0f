"""The outbox's Telegram transport: one payload becomes one Bot API request, its answer one outcome.

Telegram's errors are told apart by type here, so the channel-neutral sender (`bot.delivery.outbox`) never
sees a python-telegram-bot exception.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.outbox import Failed, Migrated, Outcome, Rejected, RetryLater, Sent, Unreachable
from bot.domain import texts
from bot.telegram import keyboards
from bot.telegram.rate_limit import PRE_PACED

CHAT_GONE = ("chat not found", "need administrator rights", "not enough rights to send")


class TelegramTransport:
    """Sends outbox payloads with the bot's own `Bot` (the sender holds the pacing slot: `PRE_PACED`)."""

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        # Telegram's paid broadcast (NGOPAS_PAID_BROADCAST): over 30 messages a second, for Stars per message.
        self.paid = {"allow_paid_broadcast": True} if paid_broadcast else {}

    async def send(self, chat_id: int, payload: dict[str, Any]) -> Outcome:
        try:
            if payload.get("venue"):
                # A venue's map pin (bot.domain.announcements.venue_message): no text, no buttons.
                venue = payload["venue"]
                message = await self.bot.send_venue(
                    chat_id=chat_id,
                    latitude=venue["latitude"],
                    longitude=venue["longitude"],
                    title=venue["title"],
                    address=venue["address"],
                    rate_limit_args=PRE_PACED,
                    **self.paid,
                )
            elif payload.get("photo"):
                # A photo a citizen attached (Telegram file id); its caption holds 1,024 characters.
                caption, mode = texts.within(payload["text"], payload.get("parse_mode"), texts.CAPTION_LIMIT)
                message = await self.bot.send_photo(
                    chat_id=chat_id,
                    photo=payload["photo"],
                    caption=caption,
                    parse_mode=mode,
                    reply_markup=keyboards.from_payload(payload),
                    rate_limit_args=PRE_PACED,
                    **self.paid,
                )
            else:
                text, mode = texts.within(payload["text"], payload.get("parse_mode"), texts.TEXT_LIMIT)
                message = await self.bot.send_message(
                    chat_id=chat_id,
                    text=text,
                    parse_mode=mode,
                    reply_markup=keyboards.from_payload(payload),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    rate_limit_args=PRE_PACED,
                    **self.paid,
                )
        except RetryAfter as exc:
            seconds = (
                exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else exc.retry_after
            )
            return RetryLater(float(seconds))
        except ChatMigrated as exc:
            return Migrated(exc.new_chat_id)
        except Forbidden as exc:
            return Unreachable(exc.message)
        except BadRequest as exc:
            # A chat that is gone, or a channel where the bot may no longer post: stop sending there.
            lowered = exc.message.lower()
            return Rejected(exc.message, chat_gone=any(sign in lowered for sign in CHAT_GONE))
        except (NetworkError, TelegramError) as exc:  # TimedOut, NetworkError, Telegram's 5xx
            return Failed(exc.message)
        return Sent(message.message_id)
