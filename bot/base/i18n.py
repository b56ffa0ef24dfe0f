"""Translation layer: every citizen- and staff-facing string comes from `bot/base/locales/<lang>.yaml`.

Indonesian is the default and the fallback; English is the second locale.  Dates are formatted with Babel
the way the office writes them: "Rabu, 23 Maret 2022 pukul 09.00 WIB".
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_datetime

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@cache
def _catalog(lang: str) -> dict[str, str]:
    text = resources.files("bot.base.locales").joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node).rstrip("\n") if node is not None else ""

    walk("", data)
    return flat


def normalize_language(code: str | None) -> str:
    """Telegram gives e.g. "en-US"; anything we don't translate falls back to Indonesian."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, /, **kwargs: Any) -> str:
    """The text for `key` in `lang`, falling back to Indonesian, formatted with `kwargs`."""
    lang = normalize_language(lang)
    text = _catalog(lang).get(key)
    if text is None:
        text = _catalog(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"missing translation key: {key}")
    return text.format(**kwargs) if kwargs else text


def has_key(key: str, lang: str) -> bool:
    return key in _catalog(lang)


def catalog_keys(lang: str) -> set[str]:
    return set(_catalog(lang))


def format_when(moment: datetime, lang: str | None, tz: ZoneInfo) -> str:
    """ "Rabu, 23 Maret 2022 pukul 09.00 WIB" (id) / "Wednesday, 23 March 2022 at 09:00 WIB" (en)."""
    local = moment.astimezone(tz)
    lang = normalize_language(lang)
    pattern = "EEEE, d MMMM y 'pukul' HH.mm" if lang == "id" else "EEEE, d MMMM y 'at' HH:mm"
    return f"{format_datetime(local, pattern, locale=lang)} {local.tzname()}"


def format_time(moment: datetime, lang: str | None, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%H.%M" if normalize_language(lang) == "id" else "%H:%M") + f" {local.tzname()}"


def format_date(moment: datetime, lang: str | None, tz: ZoneInfo) -> str:
    return format_datetime(moment.astimezone(tz), "EEEE, d MMMM y", locale=normalize_language(lang))
