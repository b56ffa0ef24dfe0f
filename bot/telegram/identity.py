"""Asking Telegram who the bot is (`getMe`), and Telegram's start-up failures as our own exceptions.

The command line (`ngopas doctor`, `ngopas survey link`, `ngopas run`) needs these answers without ever
importing python-telegram-bot itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from telegram import Bot
from telegram.error import InvalidToken, TelegramError


class TelegramProblem(Exception):
    """Telegram could not be asked (network, an API error); `message` is Telegram's or the network's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TokenRejected(TelegramProblem):
    """Telegram does not know this bot token."""


@dataclass(frozen=True)
class BotIdentity:
    username: str
    reads_all_group_messages: bool  # privacy mode off: the bot would see every group message


@contextmanager
def telegram_problems() -> Iterator[None]:
    """Turn python-telegram-bot's start-up errors into `TokenRejected` / `TelegramProblem`."""
    try:
        yield
    except InvalidToken as exc:
        raise TokenRejected(exc.message) from None
    except TelegramError as exc:
        raise TelegramProblem(exc.message) from None


async def ask_identity(token: str, base_url: str) -> BotIdentity:
    with telegram_problems():
        async with Bot(token, base_url=base_url) as bot:
            me = await bot.get_me()
    return BotIdentity(me.username, bool(me.can_read_all_group_messages))
