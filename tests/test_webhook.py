"""Webhook mode: PTB's server behind `ngopas run --webhook`, answering only Telegram (the secret token)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import aiohttp

from bot.base.clock import Clock
from bot.dev.sandbox import SANDBOX_TOKEN, sandbox_settings
from bot.domain.runtime import Runtime
from bot.store import Store
from bot.telegram.app import Running, build_application, serve

SITI = 3101


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _update(update_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": SITI, "type": "private", "first_name": "Siti"},
            "from": {"id": SITI, "is_bot": False, "first_name": "Siti", "language_code": "id"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_accepts_only_the_secret_token(tmp_path, tg):
    port = _free_port()
    settings = sandbox_settings(
        tmp_path, bot_token=SANDBOX_TOKEN, webhook_port=port, webhook_secret="rahasia-webhook-0123456789"
    )
    tg.add_user(SITI, "Siti")
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    app = build_application(rt, token=tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
    stop = asyncio.Event()
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()

    async def on_started(running: Running) -> None:
        started.set_result(running)

    task = asyncio.create_task(
        serve(
            rt,
            app,
            stop=stop,
            on_started=on_started,
            sheets_loop=False,
            webhook_url="https://example.org/ngopas",
        )
    )
    try:
        done, _ = await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # re-raise the start-up failure
        assert tg.webhook == {
            "url": "https://example.org/ngopas",
            "secret_token": "rahasia-webhook-0123456789",
        }
        url = f"http://127.0.0.1:{port}/ngopas"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=_update(1, "/bantuan")) as resp:
                assert resp.status == 403  # no secret: not Telegram
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "tebakan"}
            async with http.post(url, json=_update(2, "/bantuan"), headers=wrong) as resp:
                assert resp.status == 403
            assert tg.messages(SITI) == []
            right = {"X-Telegram-Bot-Api-Secret-Token": "rahasia-webhook-0123456789"}
            async with http.post(url, json=_update(3, "/bantuan"), headers=right) as resp:
                assert resp.status == 200
        # Ordering instead of "nothing arrived within 0.3 s": a forged update let in would have been queued
        # before the genuine one, so once the genuine one is handled, it must be the only one ever handled.
        await tg.wait_for(lambda: bool(tg.messages(SITI)))
        await app.update_queue.join()
        assert app.update_processor.processed == 1  # type: ignore[attr-defined]
        [reply] = tg.messages(SITI)
        assert "/langganan" in reply.text
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await store.close()


def test_secret_derived_from_token_is_stable_and_never_the_token(tmp_path):
    a = sandbox_settings(tmp_path, bot_token=SANDBOX_TOKEN).webhook_secret_token()
    b = sandbox_settings(tmp_path, bot_token=SANDBOX_TOKEN).webhook_secret_token()
    assert a == b and len(a) >= 32 and SANDBOX_TOKEN.split(":")[1] not in a
