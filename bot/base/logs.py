"""Logging to stdout in a readable format, set once at the entry point, with no secret at any level.

- Secrets are masked wherever they would appear: anything shaped like a bot token (PTB and httpx put it in
  request URLs), the webhook's `secret_token` (PTB logs `setWebhook`'s parameters at DEBUG), and every value
  registered with `register_secret` (the salt, the webhook secret, a database password).
- Personal data stays out too: with `--verbose` the log shows which Bot API calls the bot made and which
  updates it handled, not the chat ids, names and texts inside them.  Only `--log-personal-data` shows
  those, and it says so with a warning, because such a log must be deleted after use.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_SECRET_PARAM = re.compile(r"""(['"]?secret_token['"]?\s*[:=]\s*['"]?)([^'",}\s]+)""")
_SECRETS: set[str] = set()
HIDDEN = "<disembunyikan>"
# PTB's DEBUG messages that carry what people wrote (templates as PTB 22 writes them).
_CALL = "Calling Bot API endpoint `%s` with parameters `%s`"
_RESULT = "Call to Bot API endpoint `%s` finished with return value `%s`"
_UPDATE = "Processing update %s"

PERSONAL_DATA_WARNING = (
    "PERINGATAN: log memuat data pribadi warga (ID chat, nama, isi pesan). Pakai hanya sementara untuk "
    "mencari masalah, lalu hapus berkas lognya."
)


def register_secret(value: str | None) -> None:
    """Never print `value` (a salt, a webhook secret, a password) in any log line."""
    if value and len(value) >= 6:
        _SECRETS.add(value)


def mask(text: str) -> str:
    text = _TOKEN.sub("<token>", text)
    text = _SECRET_PARAM.sub(r"\1<rahasia>", text)
    for secret in _SECRETS:
        text = text.replace(secret, "<rahasia>")
    return text


def _without_personal_data(record: logging.LogRecord) -> None:
    args: Any = record.args
    if record.msg == _CALL and isinstance(args, tuple) and len(args) == 2:
        data = args[1]
        keys = ", ".join(sorted(data)) if isinstance(data, dict) else HIDDEN
        record.args = (args[0], f"{HIDDEN}: {keys}")
    elif record.msg == _RESULT and isinstance(args, tuple) and len(args) == 2:
        record.args = (args[0], HIDDEN)
    elif record.msg == _UPDATE and isinstance(args, tuple) and len(args) == 1:
        update_id = getattr(args[0], "update_id", None)
        record.args = (f"#{update_id}" if update_id is not None else HIDDEN,)


class RedactSecrets(logging.Filter):
    """Mask secrets in a record's message; hide personal data unless the operator allowed it."""

    def __init__(self, *, personal: bool = False) -> None:
        super().__init__()
        self.personal = personal

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.personal:
            _without_personal_data(record)
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the whole formatted record, traceback included (an httpx error can carry the URL)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def configure(verbose: bool = False, *, personal: bool = False) -> None:
    """stdout logging for the whole process; `personal` (`--log-personal-data`) shows message contents."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(RedactSecrets(personal=personal))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # alembic narrates its plugins and every migration step at INFO, in English, as soon as it is imported;
    # `migrate` logs one Indonesian summary instead.
    noisy_loggers = (
        "httpx",
        "httpcore",
        "telegram.ext.Updater",
        "apscheduler",
        "aiosqlite",
        "matplotlib",
        "alembic",
    )
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(
            logging.DEBUG if verbose and noisy == "telegram.ext.Updater" else logging.WARNING
        )
    if personal:
        logging.getLogger("bot").warning(PERSONAL_DATA_WARNING)
