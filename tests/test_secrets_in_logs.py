"""What the operator's log shows (stdout, even with --verbose) never contains the bot token or the salt."""

import logging

from bot.base.logs import RedactSecrets, configure
from bot.dev.sandbox import STAFF_ID


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
