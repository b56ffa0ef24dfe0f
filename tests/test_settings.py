"""Settings: clear one-sentence errors naming the variable; the token never shows."""

import os

import pytest

from bot.base.settings import Settings, SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("NGOPAS_"):
            monkeypatch.delenv(key)


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("NGOPAS_ADMIN_IDS", "12,abc", "NGOPAS_ADMIN_IDS"),
        ("NGOPAS_BOT_TOKEN", "not-a-token", "NGOPAS_BOT_TOKEN"),
        ("NGOPAS_TIMEZONE", "Mars/Olympus", "Asia/Jakarta"),
        ("NGOPAS_SURVEY_WINDOW_DAYS", "0", "NGOPAS_SURVEY_WINDOW_DAYS"),
        ("NGOPAS_SURVEY_IPAK", "maybe", "true atau false"),
        ("NGOPAS_LANGUAGE", "fr", "NGOPAS_LANGUAGE"),
        # numbers that passed and then crashed: a division by zero in `ngopas run`, date overflows
        (
            "NGOPAS_BROADCAST_PER_SECOND",
            "0",
            "NGOPAS_BROADCAST_PER_SECOND tidak valid: harus angka lebih dari 0",
        ),
        ("NGOPAS_BROADCAST_PER_SECOND", "nan", "NGOPAS_BROADCAST_PER_SECOND"),
        ("NGOPAS_SURVEY_WINDOW_DAYS", "99999999", "harus angka maksimal 366"),
        ("NGOPAS_REMINDER_OFFSETS_MINUTES", "1440,99999999999", "untuk setiap nilai"),
        ("NGOPAS_SURVEY_REMINDER_HOURS", "inf", "NGOPAS_SURVEY_REMINDER_HOURS"),
        ("NGOPAS_SHEETS_FLUSH_SECONDS", "0", "NGOPAS_SHEETS_FLUSH_SECONDS"),
        ("NGOPAS_STAFF_CHAT_ID", "-1" + "0" * 25, "ID Telegram"),
    ],
)
def test_invalid_setting_names_variable(monkeypatch, var, value, expected):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings(None)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("Pengaturan ")


def test_example_file_is_valid_and_offline():
    s = load_settings("settings.example.env")
    assert s.offline
    assert s.timezone == "Asia/Jakarta"
    assert "Bimas Islam" in s.sections


def test_token_never_in_repr_or_error(monkeypatch):
    monkeypatch.setenv("NGOPAS_BOT_TOKEN", TOKEN)
    s = load_settings(None)
    assert TOKEN not in repr(s) and TOKEN not in str(s)
    assert s.bot_token.get_secret_value() == TOKEN
    monkeypatch.setenv("NGOPAS_ADMIN_IDS", "x")
    with pytest.raises(SettingsError) as info:
        load_settings(None)
    assert TOKEN not in str(info.value)


def test_lists_and_default_salt_refused(monkeypatch):
    monkeypatch.setenv("NGOPAS_ADMIN_IDS", "11, 22;33")
    s = load_settings(None)
    assert s.admin_ids == [11, 22, 33]
    assert s.is_staff(22) and not s.is_staff(44)
    with pytest.raises(SettingsError, match="NGOPAS_PSEUDONYM_SALT"):
        s.require_salt()


def numeric_settings() -> list[str]:
    numeric = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        is_number = isinstance(default, int | float) and not isinstance(default, bool)
        if (
            is_number
            or name in ("staff_chat_id", "admin_ids")
            or (isinstance(default, list) and default and isinstance(default[0], int))
        ):
            numeric.append("NGOPAS_" + name.upper())
    return numeric


@pytest.mark.parametrize("var", numeric_settings())
def test_every_number_has_bounds(monkeypatch, var):
    """A huge number is refused at start, not met later as an OverflowError or a stored integer too large."""
    assert len(numeric_settings()) >= 12
    monkeypatch.setenv(var, "9" * 30)
    with pytest.raises(SettingsError, match=var):
        load_settings(None)


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("NGOPAS_OFFICE_HEAD_NIP", "1970-01-01", "NIP 18 angka"),
        ("NGOPAS_OFFICE_HEAD_NIP", "19700101199503100", "NIP 18 angka"),  # 17 digits
        ("NGOPAS_OFFICE_EMAIL", "humas kemenag", "alamat e-mail"),
        ("NGOPAS_OFFICE_LOGO", "logo.gif", ".png atau .jpg"),
        ("NGOPAS_OFFICE_LOGO", "tidak-ada/logo.png", "tidak ditemukan"),
        ("NGOPAS_OFFICE_NAME", "K" * 201, "teks paling panjang 200 karakter"),
        ("NGOPAS_OFFICE_ADDRESS", "J" * 301, "teks paling panjang 300 karakter"),
        ("NGOPAS_OFFICE_HEAD_NAME", "N" * 121, "teks paling panjang 120 karakter"),
        ("NGOPAS_OFFICE_CITY", "M" * 61, "teks paling panjang 60 karakter"),
        ("NGOPAS_OFFICE_HEAD_TITLE", "K" * 81, "teks paling panjang 80 karakter"),
    ],
)
def test_office_identity_is_checked(monkeypatch, var, value, expected):
    """The letterhead and signature of the SKM report: a wrong NIP, e-mail or logo stops start-up with one
    sentence naming the variable, not a report printed wrong."""
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings(None)
    message = str(info.value)
    assert message.startswith(f"Pengaturan {var} tidak valid") and expected in message and "\n" not in message


def test_office_identity_accepted(monkeypatch, tmp_path):
    logo = tmp_path / "logo.PNG"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    for var, value in {
        "NGOPAS_OFFICE_LOGO": str(logo),
        "NGOPAS_OFFICE_HEAD_NIP": "19700512 199503 1 002",
        "NGOPAS_OFFICE_HEAD_NAME": "Dr. H. Ahmad Muttaqin, M.Ag.",
        "NGOPAS_OFFICE_EMAIL": "kotamagelang@kemenag.go.id",
    }.items():
        monkeypatch.setenv(var, value)
    s = load_settings(None)
    assert (
        s.office_logo == logo and s.office_head_nip == "19700512 199503 1 002" and s.office_city == "Magelang"
    )


def test_more_than_30_per_second_needs_paid_broadcast(monkeypatch):
    """Over Telegram's free 30 messages a second every broadcast would meet 429s: refused with the way out."""
    monkeypatch.setenv("NGOPAS_BROADCAST_PER_SECOND", "100")
    with pytest.raises(SettingsError) as info:
        load_settings(None)
    assert "NGOPAS_BROADCAST_PER_SECOND" in str(info.value) and "NGOPAS_PAID_BROADCAST=true" in str(
        info.value
    )
    monkeypatch.setenv("NGOPAS_PAID_BROADCAST", "true")
    assert load_settings(None).broadcast_per_second == 100
    monkeypatch.setenv("NGOPAS_BROADCAST_PER_SECOND", "1001")  # Telegram's paid ceiling is 1,000 a second
    with pytest.raises(SettingsError, match="maksimal 1000"):
        load_settings(None)
