"""Every text people read exists in Indonesian and English, with the same placeholders, and every key the
code asks for exists (an English-speaking staff member once met 46 missing keys in the /sesi_baru dialogue)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.base.i18n import LANGUAGES, _catalog, catalog_keys, t

ROOT = Path(__file__).resolve().parents[1]
# t("key", ...) and t(f"prefix.{x}", ...) calls in the code; f-string keys are checked by their prefix.
CALL = re.compile(r"""\bt\(\s*(f?)["']([a-z_]+\.[a-z_.{}]+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _keys_in_code() -> tuple[set[str], set[str]]:
    exact, prefixes = set(), set()
    for path in (ROOT / "bot").rglob("*.py"):
        for is_f, key in CALL.findall(path.read_text(encoding="utf-8")):
            if is_f and "{" in key:
                prefixes.add(key.split("{", 1)[0])
            else:
                exact.add(key)
    return exact, prefixes


def test_every_key_exists_in_every_language():
    keys = {lang: catalog_keys(lang) for lang in LANGUAGES}
    for lang, have in keys.items():
        for other, want in keys.items():
            assert not want - have, f"{lang} lacks keys that {other} has: {sorted(want - have)}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "id"])
def test_translations_use_the_same_placeholders_as_indonesian(lang):
    indonesian, other = _catalog("id"), _catalog(lang)
    different = {
        key: (sorted(_placeholders(indonesian[key])), sorted(_placeholders(other[key])))
        for key in indonesian
        if _placeholders(indonesian[key]) != _placeholders(other[key])
    }
    assert not different, different


def test_every_key_the_code_asks_for_exists():
    exact, prefixes = _keys_in_code()
    assert len(exact) > 100  # the scan does find the calls
    known = catalog_keys("id")
    assert not sorted(exact - known)
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in known), prefix


def test_english_is_really_english_for_the_staff_dialogue():
    assert t("session.ask_title", "en").startswith("Creating a new session")
    assert t("session.ask_title", "en") != t("session.ask_title", "id")
