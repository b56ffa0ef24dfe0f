"""The objects every part of the running bot shares: settings, store, clock, and a way to wake the sender.

Handlers find it in `context.bot_data["rt"]`; the CLI builds one without Telegram.  Keeping these in one
small object (instead of module globals) is what lets tests run several bots side by side.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.base.clock import Clock
from bot.base.settings import Settings
from bot.store import Store


@dataclass
class Runtime:
    settings: Settings
    store: Store
    clock: Clock
    bot_username: str | None = None
    outbox_event: asyncio.Event = field(default_factory=asyncio.Event)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    def wake_sender(self) -> None:
        """New outbox rows were committed: let the sender look now instead of at its next poll."""
        self.outbox_event.set()
