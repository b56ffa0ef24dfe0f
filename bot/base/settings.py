"""Settings from `settings.env` and the environment (pydantic-settings).

One settings object for the whole product.  Invalid values stop start-up with one sentence that names the
variable and what is expected (`SettingsError`), because the operator is not a Python developer and a
pydantic traceback helps nobody.  The bot token is a `SecretStr` so it never appears in a repr or log.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECTIONS = ("TU/Kerukunan Umat Beragama", "Bimas Islam", "PHU", "Pendidikan Islam")
DEFAULT_SALT = "ganti-dengan-rahasia-acak"  # noqa: S105 - the placeholder the example file ships with
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Telegram chat and user ids fit in 52 bits; a larger number could not even be stored (SQLite's 64-bit INTEGER)
ChatId = Annotated[int, Field(ge=-(2**52), le=2**52)]
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")
NIP_DIGITS = 18  # Nomor Induk Pegawai of a civil servant


class SettingsError(Exception):
    """A settings problem explained in one sentence for the operator."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;,\n]", value) if part.strip()]
    return value


FREE_BROADCAST_MAX = 30  # messages a second Telegram allows a bot's broadcasts without paying
PAID_BROADCAST_MAX = 1000  # with `allow_paid_broadcast`


class Settings(BaseSettings):
    """Everything the operator can configure; documented in settings.example.env."""

    model_config = SettingsConfigDict(
        env_prefix="NGOPAS_",
        env_file="settings.env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # "NGOPAS_STAFF_CHAT_ID=" in the example file means "not set"
    )

    bot_token: SecretStr | None = None
    # The bot's @username (without @), for deep links printed by the CLI; asked from Telegram when empty.
    bot_username: str | None = None
    bot_api_base_url: str = "https://api.telegram.org/bot"
    bot_api_file_url: str = "https://api.telegram.org/file/bot"
    admin_ids: Annotated[list[ChatId], NoDecode] = Field(default_factory=list)
    staff_chat_id: ChatId | None = None
    database_url: str = "sqlite+aiosqlite:///data/ngopas.db"
    timezone: str = "Asia/Jakarta"
    language: str = "id"
    office_name: str = Field(default="Kantor Kementerian Agama Kota Magelang", min_length=3, max_length=200)
    # The letterhead and signature of the SKM report (PDF/DOCX) and the infographic; empty parts are left out.
    office_address: str = Field(default="", max_length=300)
    office_phone: str = Field(default="", max_length=40)
    office_website: str = Field(default="", max_length=120)
    office_email: str = Field(default="", max_length=120)
    office_logo: Path | None = None  # PNG or JPEG
    office_head_title: str = Field(default="Kepala Kantor", min_length=3, max_length=80)
    office_head_name: str = Field(default="", max_length=120)
    office_head_nip: str = ""  # 18 digits (spaces allowed: 19700101 199503 1 001)
    office_city: str = Field(default="Magelang", max_length=60)
    whatsapp_number: str = "081128099990"
    service_hours: str = "Senin–Jumat, 08.00–16.00 WIB"
    sections: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(DEFAULT_SECTIONS))
    # Every number has bounds: 0 messages per second would divide by zero, and a window of 99999999 days or a
    # reminder a century early would overflow the date arithmetic of every session.
    reminder_offsets_minutes: Annotated[list[Annotated[int, Field(ge=1, le=43200)]], NoDecode] = Field(
        default_factory=lambda: [1440, 60]
    )
    # Telegram's paid broadcast (`allow_paid_broadcast`): up to 1,000 messages a second, each message over the
    # free 30 charged in Telegram Stars to the bot's balance.  Off unless the office decides to pay.
    paid_broadcast: bool = False
    broadcast_per_second: float = Field(default=30.0, gt=0, le=PAID_BROADCAST_MAX, allow_inf_nan=False)
    survey_window_days: int = Field(default=7, ge=1, le=366)
    survey_reminder_hours: float = Field(default=3.0, gt=0, le=720, allow_inf_nan=False)
    # The staff group hears of a session's IKM below B once this many people answered its survey.
    ikm_alert_min_respondents: int = Field(default=10, ge=1, le=10000)
    # Attendance check-in is open from this many minutes before a session's start to as many after its end.
    attendance_grace_minutes: int = Field(default=30, ge=0, le=1440)
    survey_ipak: bool = False
    survey_result_to_groups: bool = False
    aspiration_max_chars: int = Field(default=2000, ge=50, le=3500)
    aspiration_daily_limit: int = Field(default=3, ge=1, le=1000)
    aspiration_overdue_days: int = Field(default=3, ge=1, le=366)
    # Local hour of the staff digest of waiting tickets; the monthly community post goes out an hour later.
    digest_hour: int = Field(default=8, ge=0, le=22)
    # Deadlines of aspirations in working days (SP4N-LAPOR!): the first response; the follow-up of information
    # requests, complaints and suggestions; of disputes without a field check; of cases needing one.
    aspiration_response_days: int = Field(default=3, ge=1, le=60)
    aspiration_followup_days: int = Field(default=5, ge=1, le=60)
    aspiration_dispute_days: int = Field(default=14, ge=1, le=120)
    aspiration_field_check_days: int = Field(default=60, ge=1, le=250)
    # The office's joint leave days (cuti bersama, set each year by decree): not working days.
    cuti_bersama: Annotated[list[date], NoDecode] = Field(default_factory=list)
    monthly_post: bool = True
    # After each of these periods the bot proposes follow-up plan rows (Tindak Lanjut) from its weakest unsur.
    rtl_period: Literal["quarter", "semester", "year"] = "quarter"
    # Days a sent message keeps its text (and, for a person, their chat), and a row written to the spreadsheet
    # its values; see bot.domain.retention.
    outbox_retention_days: int = Field(default=30, ge=1, le=3660)
    pseudonym_salt: SecretStr = SecretStr(DEFAULT_SALT)
    workbook_path: Path = Path("data/ngopas.xlsx")
    google_service_account_file: Path | None = None
    google_spreadsheet_id: str | None = None
    sheets_flush_seconds: float = Field(default=5.0, gt=0, le=3600, allow_inf_nan=False)
    sheets_read_minutes: float = Field(default=5.0, gt=0, le=1440, allow_inf_nan=False)
    data_dir: Path = Path("data")
    # Where the office's web site serves the calendar files `ngopas calendar --dir` writes (sesi-<N>.ics and
    # the feeds).  Empty: "Tambah ke kalender" opens a private chat in which the bot sends the .ics itself.
    calendar_url: str | None = None
    # Recurring sessions: occurrences starting within this many days exist (and are announced) ahead.
    series_horizon_days: int = Field(default=14, ge=1, le=366)
    # The public results page (Papan IKM, `ngopas publish`): with a folder set, the running bot rewrites the
    # static site there after every change of a figure.  `public_url` is where it is served from, so a link
    # shared in a Telegram group shows the infographic (Open Graph wants an absolute address).
    publish_dir: Path | None = None
    public_url: str = Field(default="", max_length=300)
    # Webhook mode (`ngopas run --webhook URL`): where the local HTTPS-terminating proxy forwards to, and the
    # secret Telegram must send back (derived from the token when empty, so several workers agree on it).
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    @field_validator("admin_ids", "sections", "reminder_offsets_minutes", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("cuti_bersama", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        days = []
        for part in _split_list(value):
            for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
                try:
                    days.append(datetime.strptime(part, pattern).date())
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f'tanggal seperti 2026-03-18, dipisahkan koma ("{part[:40]}" bukan tanggal)')
        return days

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("zona waktu IANA seperti Asia/Jakarta") from exc
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not TOKEN_RE.match(raw.strip()):
            raise ValueError("token dari @BotFather, bentuknya 123456789:ABCdef")
        return raw.strip()

    @field_validator("office_logo")
    @classmethod
    def _logo(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        if value.suffix.lower() not in LOGO_SUFFIXES:
            raise ValueError("berkas gambar .png atau .jpg untuk kop laporan")
        if not value.is_file():
            raise ValueError(f"berkas gambar yang ada ({value} tidak ditemukan)")
        return value

    @field_validator("office_head_nip")
    @classmethod
    def _nip(cls, value: str) -> str:
        digits = value.replace(" ", "")
        if digits and not (digits.isdigit() and len(digits) == NIP_DIGITS):
            raise ValueError("NIP 18 angka, mis. 197001011995031001 (spasi boleh)")
        return value.strip()

    @field_validator("calendar_url")
    @classmethod
    def _calendar_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be an http:// or https:// address, e.g. https://kemenag.example/kalender")
        return value.rstrip("/")

    @field_validator("office_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value.strip()):
            raise ValueError("alamat e-mail seperti humas@kemenag.go.id")
        return value.strip()

    @field_validator("broadcast_per_second")
    @classmethod
    def _rate(cls, value: float, info: ValidationInfo) -> float:
        if value > FREE_BROADCAST_MAX and not info.data.get("paid_broadcast"):
            raise ValueError(
                f"paling banyak {FREE_BROADCAST_MAX} pesan per detik tanpa siaran berbayar Telegram "
                "(NGOPAS_PAID_BROADCAST=true)"
            )
        return value

    @field_validator("language")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in ("id", "en"):
            raise ValueError("id atau en")
        return value

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("minimal satu bidang")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def offline(self) -> bool:
        """No token: the product runs its offline demo instead of the real bot."""
        return self.bot_token is None

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    def webhook_secret_token(self) -> str:
        """The X-Telegram-Bot-Api-Secret-Token value: the setting, or an HMAC of the bot token."""
        if self.webhook_secret is not None:
            secret = self.webhook_secret.get_secret_value()
            if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
                raise SettingsError(
                    "NGOPAS_WEBHOOK_SECRET harus 16–256 karakter huruf, angka, _ atau - (contoh: openssl rand -hex 32)."
                )
            return secret
        if self.bot_token is None:
            raise SettingsError("Mode webhook butuh NGOPAS_BOT_TOKEN.")

        token = self.bot_token.get_secret_value().encode()
        return hmac.new(token, b"ngopas-webhook", hashlib.sha256).hexdigest()

    def secret_values(self) -> list[str]:
        """Every secret these settings hold, for the log filter to mask (see bot.base.logs)."""
        values = [self.pseudonym_salt.get_secret_value()]
        if self.webhook_secret is not None:
            values.append(self.webhook_secret.get_secret_value())
        if self.bot_token is not None:
            token = self.bot_token.get_secret_value()
            values += [token, hmac.new(token.encode(), b"ngopas-webhook", hashlib.sha256).hexdigest()]
        password = urlsplit(self.database_url).password
        if password:
            values.append(password)
        return values

    def has_salt(self) -> bool:
        """Whether a real salt is set (without one the bot refuses to run surveys at all)."""
        try:
            self.require_salt()
        except SettingsError:
            return False
        return True

    def require_salt(self) -> bytes:
        """The pseudonym salt, refusing the shipped placeholder: a known salt makes pseudonyms reversible."""
        salt = self.pseudonym_salt.get_secret_value()
        if salt == DEFAULT_SALT or len(salt) < 16:
            raise SettingsError(
                "NGOPAS_PSEUDONYM_SALT harus diisi teks rahasia acak minimal 16 karakter "
                "(contoh: hasil perintah `openssl rand -hex 32`)."
            )
        return salt.encode()


BOUNDS = {"greater_than_equal", "greater_than", "less_than_equal"}


def load_settings(env_file: str | Path | None = "settings.env", **overrides: Any) -> Settings:
    """Load settings, turning any validation error into one operator-readable sentence."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except UnicodeDecodeError:
        raise SettingsError(
            f"Berkas pengaturan {env_file} bukan teks UTF-8. Buka dengan editor teks lalu simpan ulang "
            "sebagai UTF-8."
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"Berkas pengaturan {env_file} tidak bisa dibaca ({exc.strerror or type(exc).__name__}). "
            "Periksa izin berkasnya: pengguna yang menjalankan bot harus bisa membacanya."
        ) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        var = "NGOPAS_" + field.upper()
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") in {"int_parsing", "list_type", "int_type"}:
            msg = "angka bulat" + (" (pisahkan beberapa nilai dengan koma)" if len(err["loc"]) > 1 else "")
        elif err.get("type") in {"float_parsing", "float_type"}:
            msg = "angka"
        elif err.get("type") in {"bool_parsing", "bool_type"}:
            msg = "true atau false"
        elif field in ("admin_ids", "staff_chat_id") and err.get("type") in BOUNDS:
            msg = "ID Telegram (angka dari @userinfobot, grup mis. -1001234567890)"
        elif err.get("type") == "greater_than_equal":
            msg = f"angka minimal {err['ctx']['ge']:g}"
        elif err.get("type") == "greater_than":
            msg = f"angka lebih dari {err['ctx']['gt']:g}"
        elif err.get("type") == "less_than_equal":
            msg = f"angka maksimal {err['ctx']['le']:g}"
        elif err.get("type") == "finite_number":
            msg = "angka"
        elif err.get("type") == "string_too_long":
            msg = f"teks paling panjang {err['ctx']['max_length']} karakter"
        elif err.get("type") == "string_too_short":
            msg = f"teks paling sedikit {err['ctx']['min_length']} karakter"
        if len(err["loc"]) > 1 and err.get("type") in BOUNDS:
            msg += " untuk setiap nilai (pisahkan dengan koma)"
        raise SettingsError(f"Pengaturan {var} tidak valid: harus {msg}.") from None


def setting_names() -> set[str]:
    """Every variable a setting reads, e.g. NGOPAS_BOT_TOKEN."""
    return {"NGOPAS_" + name.upper() for name in Settings.model_fields}


def unknown_variables(env_file: str | Path | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per NGOPAS_ variable that no setting reads: pydantic-settings ignores them, so a misspelt
    NGOPAS_BOT_TOKN would otherwise leave the bot without a token and nobody told why."""
    known = setting_names()
    found: list[tuple[str, str]] = []
    if env_file is not None and Path(env_file).is_file():
        found += [(name, str(env_file)) for name in dotenv_values(env_file, encoding="utf-8")]
    found += [(name, "lingkungan") for name in (os.environ if environ is None else environ)]
    sentences, seen = [], set()
    for name, where in found:
        upper = name.upper()
        if not upper.startswith("NGOPAS_") or upper in known or upper in seen:
            continue  # systemd passes the settings file as the environment too: one warning per name
        seen.add(upper)
        guess = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.75)
        hint = f"; maksudnya {guess[0]}?" if guess else "; lihat settings.example.env untuk nama yang benar."
        sentences.append(f"{name} ({where}) tidak dikenal dan diabaikan{hint}")
    return sentences
