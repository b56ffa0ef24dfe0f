"""A send's round trip is counted from when its bytes leave, through the real PTB + aiohttp stack.

A broadcast starts hundreds of requests at once; those beyond the open connections wait in aiohttp's pool.
Counted from the slot's grant, that wait looked like a slow network to the pacer (bot/delivery/pacing.py)."""

from __future__ import annotations

import asyncio
import time

from telegram import Bot

from bot.delivery.pacing import Pacer, request_left
from bot.telegram.http import AiohttpRequest


async def test_a_request_waiting_for_a_connection_departs_when_it_gets_one(tg):
    tg.add_user(1, "Ani")
    tg.add_user(2, "Budi")
    pacer = Pacer(overall_per_second=30)
    request = AiohttpRequest(connection_pool_size=1, on_sent=request_left)
    async with Bot(tg.token, base_url=tg.base_url, request=request) as bot:
        gate = tg.hold_chat(1)  # the one connection stays busy with Ani's message until the gate opens

        async def send(chat_id: int, ticket):
            with pacer.departing(ticket):
                return await bot.send_message(chat_id, "Assalamu'alaikum")

        first_ticket = pacer.try_acquire(1)
        first = asyncio.create_task(send(1, first_ticket))
        await tg.wait_for(lambda: tg.held)
        second_ticket = pacer.try_acquire(2)
        granted = second_ticket.departed
        second = asyncio.create_task(send(2, second_ticket))
        await asyncio.sleep(0)
        opened = time.monotonic()
        gate.set()
        await asyncio.gather(first, second)

    assert first_ticket.written and second_ticket.written
    assert first_ticket.departed < opened  # it left at once, then waited at "Telegram"
    assert second_ticket.departed >= opened > granted  # it left only once the connection was free
    assert [m.text for m in tg.messages(2)] == ["Assalamu'alaikum"]
