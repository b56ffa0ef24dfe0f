"""What every `ngopas` command shares: the common options, loading settings, one-sentence failures, and a
runtime with the store open.

Commands import the bot's layers inside their bodies (see bot/cli/ruff.toml): `ngopas --help` then loads
only typer, and answers at once even on the office's slow PC.
"""

from __future__ import annotations

import asyncio
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
    return (
        f"Berkas pengaturan {env_file} tidak ditemukan. Periksa nama dan foldernya, atau salin "
        f"settings.example.env menjadi {env_file} lalu isi."
    )


def load(env_file: Path | None) -> Settings:
    from bot.base.settings import SettingsError, load_settings

    problem = missing_env_file(env_file)
    if problem:
        fail(problem)
    from bot.base.logs import register_secret

    try:
        settings = load_settings(env_file if env_file and env_file.is_file() else None)
    except SettingsError as exc:
        fail(str(exc))
    for secret in settings.secret_values():
        register_secret(secret)
    return settings


def run_async(settings: Settings, body: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the store (migrating it), build a runtime with the real clock, run `body`, close."""
    from bot.base.clock import Clock
    from bot.domain.runtime import Runtime
    from bot.store import DatabaseTooNew, Store

    async def main() -> T:
        try:
            store = await Store.open(settings.database_url)
        except DatabaseTooNew as exc:
            fail(str(exc))
        try:
            return await body(Runtime(settings, store, Clock()))
        finally:
            await store.close()

    return asyncio.run(main())
