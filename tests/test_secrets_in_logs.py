"""What the operator's log shows (stdout, even with --verbose) never contains the bot token or the salt."""

import asyncio
import logging
import socket

from bot.base.clock import Clock
from bot.base.logs import RedactSecrets, configure, register_secret
from bot.dev.sandbox import SANDBOX_TOKEN, STAFF_ID, sandbox_settings
from bot.domain.runtime import Runtime
from bot.store import Store
from bot.telegram.app import Running, build_application, serve

SITI = 3101


async def test_verbose_logs_never_show_token_or_salt(sb, capsys):
    configure(verbose=True)
    for noisy in ("httpx", "httpcore", "telegram"):
        logging.getLogger(noisy).setLevel(logging.DEBUG)  # the most revealing setting there is
    try:
        sb.tg.add_user(STAFF_ID, "Petugas")
        await sb.say(STAFF_ID, "/start")
        await sb.say(STAFF_ID, "/sesi_baru")
        await sb.say(STAFF_ID, "/batal")
        sb.tg.fail_next("sendMessage", status=500, description="boom")
        await sb.say(STAFF_ID, "/bantuan")  # an error path, logged with its traceback
        logging.getLogger("bot.test").info("request to %s/sendMessage", sb.tg.base_url + sb.tg.token)
    finally:
        logging.getLogger().handlers[:] = []
        for noisy in ("httpx", "httpcore", "telegram"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    out = capsys.readouterr().out
    assert "sendMessage" in out  # the logs did talk about the requests...
    assert sb.tg.token not in out  # ...but never with the token
    assert sb.rt.settings.pseudonym_salt.get_secret_value() not in out
    assert "<token>" in out


def test_redaction_filter_masks_token_shapes():
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "url %s",
        ("https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",),
        None,
    )
    RedactSecrets().filter(record)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in record.getMessage()


def test_tracebacks_are_redacted_too(capsys):
    configure(verbose=False)
    try:
        try:
            raise ConnectionError(
                "POST http://127.0.0.1:9/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage failed"
            )
        except ConnectionError:
            logging.getLogger("bot.test").exception("send failed")
    finally:
        logging.getLogger().handlers[:] = []
    out = capsys.readouterr().out
    assert "send failed" in out and "ConnectionError" in out
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in out


async def _webhook_bot_started(tmp_path, tg, secret: str) -> None:
    """Start and stop a bot in webhook mode (PTB calls setWebhook with the secret token)."""
    settings = sandbox_settings(
        tmp_path, bot_token=SANDBOX_TOKEN, webhook_port=free_port(), webhook_secret=secret
    )
    for value in settings.secret_values():
        register_secret(value)
    store = await Store.open(settings.database_url)
    rt = Runtime(settings, store, Clock())
    app = build_application(rt, token=tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
    stop = asyncio.Event()

    async def started(_running: Running) -> None:
        stop.set()  # up and registered with Telegram: that is all this test needs

    try:
        await serve(rt, app, stop=stop, on_started=started, sheets_loop=False, webhook_url="https://x.org/h")
    finally:
        await store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_the_webhook_secret_never_reaches_the_log_even_at_debug(tmp_path, tg, capsys):
    secret = "rahasia-webhook-0123456789"
    configure(verbose=True)
    logging.getLogger("telegram").setLevel(logging.DEBUG)
    try:
        await _webhook_bot_started(tmp_path, tg, secret)
    finally:
        logging.getLogger().handlers[:] = []
        logging.getLogger("telegram").setLevel(logging.WARNING)
    assert tg.webhook["secret_token"] == secret  # Telegram did get it...
    out = capsys.readouterr().out
    assert "setWebhook" in out  # ...the log talks about the call...
    assert secret not in out  # ...never with the secret


async def test_verbose_logs_hide_what_people_wrote_unless_asked(sb, capsys):
    wrote = "Jalan di depan Masjid Agung rusak parah"
    sb.tg.add_user(SITI, "Siti", last_name="Aminah")

    async def conversation(personal: bool) -> str:
        configure(verbose=True, personal=personal)
        logging.getLogger("telegram").setLevel(logging.DEBUG)
        try:
            await sb.say(SITI, "/aspirasi")
            await sb.press(SITI, SITI, "Umum")
            await sb.say(SITI, wrote)
            await sb.say(SITI, "/batal")
        finally:
            logging.getLogger().handlers[:] = []
            logging.getLogger("telegram").setLevel(logging.WARNING)
        return capsys.readouterr().out

    hidden = await conversation(personal=False)
    assert "sendMessage" in hidden and "Processing update" in hidden  # what the bot did...
    assert wrote not in hidden and "Aminah" not in hidden  # ...not what Siti wrote or who she is
    assert f"'chat_id': {SITI}" not in hidden and "<disembunyikan>" in hidden
    shown = await conversation(personal=True)
    assert "data pribadi" in shown  # the operator is warned
    assert wrote in shown


def test_secrets_stay_masked_when_personal_data_is_shown():
    record = logging.LogRecord(
        "telegram.Bot",
        logging.DEBUG,
        __file__,
        1,
        "Calling Bot API endpoint `%s` with parameters `%s`",
        ("setWebhook", {"url": "https://x.org/h", "secret_token": "rahasia-webhook-0123456789"}),
        None,
    )
    RedactSecrets(personal=True).filter(record)
    assert "rahasia-webhook-0123456789" not in record.getMessage()
    assert "https://x.org/h" in record.getMessage()
