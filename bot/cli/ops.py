"""`ngopas doctor | backup | restore | migrate`: what the operator runs to keep the bot healthy."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.doctor import run_checks
from bot.cli.progress import progress


def doctor(env_file: EnvFile = Path("settings.env")) -> None:
    """Periksa semua yang dibutuhkan bot (token, basis data, spreadsheet, antrean) beserta cara memperbaikinya.

    Example: ngopas doctor
    """
    settings = load(env_file)
    checks = asyncio.run(run_checks(settings, env_file))
    for check in checks:
        typer.echo(check.line())
    blocking = [c for c in checks if c.status == "fail" and c.blocking]
    if blocking:
        fail(f"{len(blocking)} masalah menghalangi bot berjalan.", code=1)
    typer.echo("Semua pemeriksaan penting lulus.")


def backup(
    file: Annotated[Path, typer.Argument(help="Berkas cadangan tujuan, mis. cadangan/ngopas-2026-03-23.db")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Cadangkan basis data dengan aman, juga saat bot sedang berjalan.

    Example: ngopas backup cadangan/ngopas-$(date +%F).db
    """
    from bot.store.backup import BackupError
    from bot.store.backup import backup as write_backup

    settings = load(env_file, quiet=quiet)
    try:
        with progress("Mencadangkan (halaman)", quiet=quiet) as steps:
            size = write_backup(
                settings.database_url, file, lambda done, total: steps.update(completed=done, total=total)
            )
    except BackupError as exc:
        fail(str(exc), exc.code)
    say(f"Cadangan ditulis ke {file} ({size / 1024:.0f} KiB).", quiet)


def restore(
    file: Annotated[Path, typer.Argument(help="Berkas cadangan dari `ngopas backup`.")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Pulihkan basis data dari cadangan (hentikan bot dulu); berkas lama disimpan di sampingnya.

    Example: ngopas restore cadangan/ngopas-2026-03-23.db
    """
    from bot.store.backup import BackupError
    from bot.store.backup import restore as restore_backup

    settings = load(env_file, quiet=quiet)
    try:
        with progress("Memulihkan (halaman)", quiet=quiet) as steps:
            kept = restore_backup(
                settings.database_url, file, lambda done, total: steps.update(completed=done, total=total)
            )
    except BackupError as exc:
        fail(str(exc), exc.code)
    say(
        f"Basis data dipulihkan dari {file}."
        + (f" Berkas sebelumnya disimpan sebagai {kept}." if kept else ""),
        quiet,
    )


def migrate(env_file: EnvFile = Path("settings.env")) -> None:
    """Terapkan migrasi basis data (juga otomatis saat bot mulai).

    Example: ngopas migrate
    """
    settings = load(env_file)

    async def applied(rt: Any) -> str:
        assert rt.store.migration is not None  # run_async opens the store with migrate=True
        return rt.store.migration.summary()  # e.g. "Basis data mutakhir (revisi 0005)."

    typer.echo(run_async(settings, applied, create=True))
