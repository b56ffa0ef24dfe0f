"""`ngopas sheets init | rebuild` and `ngopas sync`: the office spreadsheet (Google Sheets or the local .xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.progress import progress

sheets_app = typer.Typer(help="Spreadsheet kantor (Google Sheets atau .xlsx lokal).", no_args_is_help=True)


@sheets_app.command("init")
def init(env_file: EnvFile = Path("settings.env")) -> None:
    """Buat lembar Jadwal, Jawaban, Aspirasi, Ringkasan, Tindak Lanjut bila belum ada, lalu tampilkan alamatnya.

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


@sheets_app.command("rebuild")
def rebuild(env_file: EnvFile = Path("settings.env"), quiet: Quiet = False) -> None:
    """Tulis ulang lembar Jadwal, Jawaban, Aspirasi, Ringkasan dan Tindak Lanjut dari basis data.

    Perubahan petugas di Jadwal dan Aspirasi dibaca dulu; baris yang tidak dikenal basis data (mis. baris
    Jadwal yang belum valid) dibiarkan; baris lain ditulis sekali lagi sesuai basis data, jadi baris ganda
    atau baris yang hilang beres. Pakai setelah berkas spreadsheet tertimpa salinan lama.

    Example: ngopas sheets rebuild
    """
    from bot.delivery.sheets_sync import open_sheets_sync
    from bot.store import sheet_rows
    from sheets.errors import SheetsError

    settings = load(env_file)

    async def body(rt: Any) -> tuple[dict[str, int], int, list[str], str]:
        sync = open_sheets_sync(rt)
        counts = await sync.rebuild()
        async with rt.store.connect() as conn:
            waiting = (await sheet_rows.lag(conn))[0]
            parked = [f"{r.worksheet} {r.row_key}: ditahan, {r.error}" for r in await sheet_rows.parked(conn)]
        return counts, waiting, parked, sync.workbook.url

    try:
        counts, waiting, parked, url = run_async(settings, body)
    except SheetsError as exc:
        fail(str(exc))
    for worksheet, count in counts.items():
        say(f"{worksheet}: {count} baris dari basis data", quiet)
    for line in parked:
        typer.echo(line, err=True)
    if parked:
        fail(f"{len(parked)} baris ditahan karena ditolak spreadsheet; baris lain sudah ditulis.", code=1)
    if waiting:
        say(f"{waiting} baris masih menunggu; bot yang berjalan (atau `ngopas sync`) akan menulisnya.", quiet)
    say(f"Spreadsheet ditulis ulang: {url}", quiet)


def sync(env_file: EnvFile = Path("settings.env"), quiet: Quiet = False) -> None:
    """Kirim sekarang semua baris yang menunggu ke spreadsheet; baca perubahan di lembar Jadwal dan Aspirasi.

    Baris yang hilang dari spreadsheet ditulis ulang, dan baris yang pernah ditolak spreadsheet dicoba lagi.

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
    if done.parked:
        fail(
            f"{done.parked} baris ditahan karena ditolak spreadsheet (lihat di atas); baris lain sudah "
            f"dikirim, {done.pending} baris menunggu.",
            code=1,
        )
    say(f"Selesai; {done.pending} baris menunggu.", quiet)
