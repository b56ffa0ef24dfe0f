"""What every `ngopas` command shares: the common options, loading settings, one-sentence failures, and a
runtime with the store open.

Commands import the bot's layers inside their bodies (see bot/cli/ruff.toml): `ngopas --help` then loads
only typer, and answers at once even on the office's slow PC.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from bot.base.settings import Settings
    from bot.domain.runtime import Runtime

T = TypeVar("T")

DEFAULT_ENV_FILE = Path("settings.env")
EnvFile = Annotated[Path, typer.Option("--env-file", help="Berkas pengaturan (default: settings.env).")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Tampilkan log rinci untuk mencari masalah.")]
PersonalLog = Annotated[
    bool,
    typer.Option(
        "--log-personal-data",
        help="Tampilkan juga isi pesan, nama dan ID chat di log (hanya untuk mencari masalah; hapus lognya).",
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="Tanpa bilah kemajuan dan pesan hasil (untuk skrip); lihat kode keluar."
    ),
]


def say(message: str, quiet: bool = False) -> None:
    """The one-line result of a command (silenced by --quiet; errors always go to stderr)."""
    if not quiet:
        typer.echo(message)


def fail(message: str, code: int = 2) -> NoReturn:
    """One polite sentence on stderr and the exit code (2: settings or input, 1: something to look at)."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def setup_logging(verbose: bool = False, personal: bool = False) -> None:
    from bot.base.logs import configure

    configure(verbose, personal=personal)


def missing_env_file(env_file: Path | None) -> str | None:
    """The sentence for a settings file the operator named (`--env-file X`) that is not there.

    Only the default `settings.env` may be absent (the offline demo runs on defaults); a name typed on purpose
    that does not exist is a mistake, and running on defaults instead would hide it."""
    if env_file is None or env_file == DEFAULT_ENV_FILE or env_file.is_file():
        return None
    if env_file.is_dir():
        return f"{env_file} adalah folder; --env-file perlu berkas pengaturannya, mis. {env_file / 'settings.env'}."
    if env_file.exists():
        return f"{env_file} bukan berkas biasa (perangkat atau pipa); --env-file perlu berkas pengaturan."
    return (
        f"Berkas pengaturan {env_file} tidak ditemukan. Periksa nama dan foldernya, atau salin "
        f"settings.example.env menjadi {env_file} lalu isi."
    )


def load(env_file: Path | None, *, quiet: bool = False) -> Settings:
    """The settings, or one sentence and exit 2.  Warns (stderr) about NGOPAS_ variables no setting reads, and,
    when no --env-file was named, says which settings file and database the command uses (not with --quiet)."""
    from bot.base.settings import SettingsError, load_settings, unknown_variables

    problem = missing_env_file(env_file)
    if problem:
        fail(problem)
    from bot.base.logs import register_secret

    used = env_file if env_file and env_file.is_file() else None
    try:
        settings = load_settings(used)
    except SettingsError as exc:
        fail(str(exc))
    for secret in settings.secret_values():
        register_secret(secret)
    for warning in unknown_variables(used):
        typer.secho(f"Peringatan: {warning}", fg=typer.colors.YELLOW, err=True)
    if not quiet and (env_file is None or env_file == DEFAULT_ENV_FILE):
        typer.echo(where(settings, used), err=True)
    return settings


def where(settings: Settings, env_file: Path | None) -> str:
    """One line: the settings file (or none) and the database a command uses."""
    from bot.store import describe_database

    source = (
        f"Pengaturan: {env_file.absolute()}"
        if env_file is not None
        else f"Pengaturan: tidak ada settings.env di {Path.cwd()} (nilai bawaan)"
    )
    if any(name.upper().startswith("NGOPAS_") for name in os.environ):
        source += " dan variabel NGOPAS_ dari lingkungan"
    return f"{source}; basis data: {describe_database(settings.database_url)}"


def database_refusal(settings: Settings, create: bool) -> str | None:
    """Why a command may not create the database it was about to open, or None.

    Only `ngopas run` and `ngopas migrate` create a database on their own; another command creates one only
    when the settings name it (NGOPAS_DATABASE_URL in the settings file or the environment).  Run in a folder
    without settings.env, a command would otherwise make a new empty database that the bot never reads."""
    from bot.store import sqlite_file

    path = sqlite_file(settings.database_url)
    if create or path is None or path.exists() or "database_url" in settings.model_fields_set:
        return None
    return (
        f"Basis data {path.absolute()} belum ada dan tidak ada pengaturan yang menyebutnya (tidak ada "
        f"settings.env di {Path.cwd()}); jalankan perintah di folder bot, beri --env-file, atau buat basis "
        "data baru dengan ngopas migrate."
    )


def run_async(settings: Settings, body: Callable[[Runtime], Awaitable[T]], *, create: bool = False) -> T:
    """Open the store (migrating it), build a runtime with the real clock, run `body`, close.

    `create`: the command may create a new database (`run`, `migrate`; see `database_refusal`).  A database
    that cannot be used (damaged, disk full, server down) is one sentence and exit 1."""
    from bot.base.clock import Clock
    from bot.domain.runtime import Runtime
    from bot.store import DatabaseTooNew, Store, database_problem

    refusal = database_refusal(settings, create)
    if refusal:
        fail(refusal)

    async def main() -> T:
        try:
            store = await Store.open(settings.database_url)
        except DatabaseTooNew as exc:
            fail(str(exc))
        except Exception as exc:
            problem = database_problem(exc, settings.database_url, opening=True)
            if problem is None:
                raise
            fail(str(problem), problem.code)
        try:
            return await body(Runtime(settings, store, Clock()))
        except Exception as exc:
            problem = database_problem(exc, settings.database_url)
            if problem is None:
                raise
            fail(str(problem), problem.code)
        finally:
            await store.close()

    return asyncio.run(main())
