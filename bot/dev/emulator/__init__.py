"""A local fake of the Telegram Bot API for tests, benchmarks and the offline demo.

The real python-telegram-bot talks to it through `base_url`; test code injects updates from simulated users
and groups and reads back what each chat received.  It enforces Telegram's published rate limits by
answering 429, so a bot that floods is caught.
"""

from bot.dev.emulator.telegram import FakeTelegram, RecordedRequest, SentMessage

__all__ = ["FakeTelegram", "RecordedRequest", "SentMessage"]
