"""The baseline of `bench.updates`: a bare python-telegram-bot bot that makes, for each button press, the same
two Bot API calls ngopas's survey handler makes (bot/telegram/handlers/survey.py `button`): the question's
message edited to the next question (HTML text, five rows of buttons) and the press answered, sent at once with
`asyncio.gather`, the edit first.  No store, no survey logic: what is left is PTB's own cost per press.

It runs as its own process, as `ngopas run` does in the benchmark, so neither bot shares its event loop or its
CPU time with the emulator and the driver.  Same 64 concurrent updates as ngopas, on PTB's stock transport
(httpx); BENCH_BARE_TRANSPORT=aiohttp gives its calls ngopas's own transport (bot/telegram/http.py; the long
poll stays on httpx, as in ngopas), so that the comparison is ngopas's own work per press alone.
`/start` answers with the first question (setting up, not measured).

Run by bench.updates: python -m bench.bare_bot, with NGOPAS_BOT_TOKEN and NGOPAS_BOT_API_BASE_URL set.
"""

from __future__ import annotations

import asyncio
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.telegram.http import AiohttpRequest

OPTIONS = ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")


def question(step: int) -> tuple[str, InlineKeyboardMarkup]:
    """A step as ngopas draws one: progress line, question in bold, four answers and "Kembali"; the step in
    the text and the buttons makes every edit differ from the message it replaces (Telegram refuses an
    edit that changes nothing)."""
    text = (
        f"Pertanyaan {step + 1} dari 18 · <i>Dialog</i>\n\n"
        f"<b>Bagaimana kesesuaian cara/syarat mengikuti dialog ini (langkah {step})?</b>"
    )
    rows = [
        [InlineKeyboardButton(label, callback_data=f"sv:1:{step}:o{i}")] for i, label in enumerate(OPTIONS)
    ]
    rows.append([InlineKeyboardButton("« Kembali", callback_data=f"sv:1:{step}:b")])
    return text, InlineKeyboardMarkup(rows)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = question(0)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The two calls of ngopas's survey button, concurrently and in its order (edit, then answer)."""
    query = update.callback_query
    step = int((query.data or "sv:1:0:o0").split(":")[2]) + 1
    text, markup = question(step)
    await asyncio.gather(
        query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup),
        query.answer(None),
        return_exceptions=True,
    )


def main() -> None:
    builder = (
        Application.builder()
        .token(os.environ["NGOPAS_BOT_TOKEN"])
        .base_url(os.environ["NGOPAS_BOT_API_BASE_URL"])
        .concurrent_updates(64)
    )
    if os.environ.get("BENCH_BARE_TRANSPORT") == "aiohttp":
        builder = builder.request(AiohttpRequest())
    app = builder.build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(poll_interval=0, allowed_updates=Update.ALL_TYPES)  # stops on SIGTERM


if __name__ == "__main__":
    main()
