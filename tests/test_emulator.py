"""The emulator speaks the Bot API as the real python-telegram-bot expects it, errors included."""

import asyncio

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot.dev.emulator import FakeTelegram


class Tick:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
async def fake():
    clock = Tick()
    server = FakeTelegram(clock=clock)
    await server.start()
    server.tick = clock
    yield server
    await server.stop()


def bot_for(server, token=None):
    return Bot(token or server.token, base_url=server.base_url, base_file_url=server.base_file_url)


async def test_send_edit_and_errors(fake):
    fake.add_user(7, "Ani")
    async with bot_for(fake) as bot:
        me = await bot.get_me()
        assert me.username == "ngopas_bot"
        msg = await bot.send_message(
            7, "halo", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "x"}]]}
        )
        await bot.edit_message_text("halo lagi", chat_id=7, message_id=msg.message_id)
        [stored] = fake.messages(7)
        assert stored.text == "halo lagi" and stored.edits == ["halo"]
        fake.fail_next("sendMessage", status=429, retry_after=5)
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(7, "x")
        assert info.value.retry_after in (5, 5.0) or info.value.retry_after.total_seconds() == 5
        fake.block_bot(7)
        with pytest.raises(Forbidden):
            await bot.send_message(7, "x")
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(12345, "x")
        fake.add_group(-5, "G")
        fake.migrate_group(-5, -1005)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-5, "x")
        assert migrated.value.new_chat_id == -1005
    with pytest.raises(InvalidToken):
        async with bot_for(fake, token="999999:WRONG-token-wrong-token-wrong") as wrong:
            await wrong.get_me()


async def test_rate_limits_enforced_by_window(fake):
    fake.add_group(-9, "G", supergroup=True)
    for i in range(40):
        fake.add_user(1000 + i, f"U{i}")
    async with bot_for(fake) as bot:
        for _ in range(20):
            await bot.send_message(-9, "x")
            fake.tick.now += 0.1  # keep the overall window free
        with pytest.raises(RetryAfter):
            await bot.send_message(-9, "21st within a minute")
        fake.tick.now += 61
        await bot.send_message(-9, "after the minute")
        fake.tick.now += 1.5
        # overall: 30 sends to 30 different private chats in one instant, the 31st is refused
        for i in range(30):
            await bot.send_message(1000 + i, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(1030, "x")
    assert fake.rate_limited == 2


async def test_updates_membership_and_buttons_reach_a_polling_bot(fake):
    seen = []

    async def on_start(update, context):
        await update.message.reply_text(
            "hai", reply_markup={"inline_keyboard": [[{"text": "Tekan", "callback_data": "p:1"}]]}
        )

    async def on_press(update, context):
        await update.callback_query.answer("ok")
        seen.append(update.callback_query.data)

    async def on_member(update, context):
        seen.append(update.my_chat_member.new_chat_member.status)

    fake.add_user(8, "Budi")
    fake.add_group(-8, "Grup", admins=[8])
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    async with app:
        await app.start()
        await app.updater.start_polling(
            poll_interval=0, allowed_updates=["message", "callback_query", "my_chat_member"]
        )
        fake.send_text(8, "/start")
        await fake.wait_for(lambda: len(fake.messages(8)) == 1)
        fake.press_button(8, 8, fake.messages(8)[0].message_id, "p:1")
        fake.add_bot_to_group(-8, by_user=8)
        fake.remove_bot_from_group(-8, by_user=8)
        await fake.wait_for(lambda: len(seen) == 3)
        await app.updater.stop()
        await app.stop()
    assert seen == ["p:1", "member", "kicked"]
    assert fake.callback_answers[-1]["text"] == "ok"


async def test_an_update_taken_by_an_abandoned_long_poll_is_not_acknowledged(fake):
    """A bot stopped while long polling leaves its getUpdates open in the server; the next update wakes that
    poll and is written into a closed connection.  It was handed out ("delivered"), but no live bot has it:
    only a later getUpdates with a higher offset acknowledges it, and that is what `Sandbox.settle` waits for
    (the restart race behind test_restart_mid_survey_keeps_answers_and_position failing under load)."""
    fake.add_user(7, "Ani")
    async with bot_for(fake) as gone:
        poll = asyncio.create_task(gone.get_updates(offset=0, timeout=30))
        await fake.wait_for(lambda: fake.count("getUpdates") == 1)  # counted once it waits for an update
        poll.cancel()  # the bot stops: its request is abandoned, the server's long poll is not
        with pytest.raises(asyncio.CancelledError):
            await poll
    update = fake.send_text(7, "/start")
    await fake.wait_for(lambda: fake.undelivered == 0)  # the abandoned poll took it ...
    assert fake.unacknowledged == 1  # ... but nobody acknowledged it
    async with bot_for(fake) as live:
        [got] = await live.get_updates(offset=0, timeout=0)
        assert got.update_id == update["update_id"] and fake.unacknowledged == 1  # fetched, not yet confirmed
        assert await live.get_updates(offset=got.update_id + 1, timeout=0) == ()
    assert fake.unacknowledged == 0
