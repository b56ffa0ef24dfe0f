"""`ngopas sheets init` and `ngopas sync`: the office spreadsheet (Google Sheets or the local .xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.progress import progress

sheets_app = typer.Typer(help="Spreadsheet kantor (Google Sheets atau .xlsx lokal).", no_args_is_help=True)


@sheets_app.command("init")
def init(env_file: EnvFile = Path("settings.env")) -> None:
    """Buat lembar Jadwal, Jawaban, Aspirasi, Ringkasan bila belum ada, lalu tampilkan alamatnya.

    Example: ngopas sheets init
    """
    from bot.delivery.sheets_sync import open_sheets_sync
    from sheets.errors import SheetsError

    settings = load(env_file)

    async def body(rt: Any) -> str:
        sync = open_sheets_sync(rt)
        await sync.ensure()
        return sync.workbook.url

    try:
        url = run_async(settings, body)
    except SheetsError as exc:
        fail(str(exc))
    typer.echo(f"Spreadsheet siap: {url}")


def sync(env_file: EnvFile = Path("settings.env"), quiet: Quiet = False) -> None:
    """Kirim sekarang semua baris yang menunggu ke spreadsheet; baca perubahan di lembar Jadwal dan Aspirasi.

    Example: ngopas sync
    """
    from bot.delivery.sheets_sync import SYNC_STEPS, open_sheets_sync, sync_now
    from sheets.errors import SheetsError

    settings = load(env_file, quiet=quiet)
    try:
        with progress("Sinkron", total=len(SYNC_STEPS), quiet=quiet) as steps:

            def on_step(i: int) -> None:
                steps.update(completed=i, description=SYNC_STEPS[i] if i < len(SYNC_STEPS) else None)

            done = run_async(settings, lambda rt: sync_now(open_sheets_sync(rt), on_step))
    except SheetsError as exc:
        fail(str(exc))
    for worksheet, count in sorted(done.written.items()):
        say(f"{worksheet}: {count} baris ditulis", quiet)
    for line in done.problems:
        typer.echo(line, err=True)
    if done.error:
        fail(f"Sebagian belum terkirim ({done.pending} baris menunggu): {done.error}", code=1)
    say(f"Selesai; {done.pending} baris menunggu.", quiet)
