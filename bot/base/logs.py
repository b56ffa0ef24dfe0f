"""Logging to stdout in a readable format, set once at the entry point.

A filter masks the bot token wherever it would appear (PTB and httpx put it in request URLs), so secrets never
reach a log line even with --verbose.
"""

from __future__ import annotations

import logging
import re
import sys

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactSecrets(logging.Filter):
    """Replace anything shaped like a bot token with a mask."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("<token>", message)
            record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Masks tokens in the whole formatted record, traceback included (an httpx error can carry the URL)."""

    def format(self, record: logging.LogRecord) -> str:
        return _TOKEN.sub("<token>", super().format(record))


def configure(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler", "aiosqlite", "matplotlib"):
        logging.getLogger(noisy).setLevel(
            logging.DEBUG if verbose and noisy == "telegram.ext.Updater" else logging.WARNING
        )
