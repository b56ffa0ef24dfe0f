"""`ngopas rtl list | set | propose`: the follow-up plan (Tindak Lanjut) for staff who do not use the sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say

rtl_app = typer.Typer(
    help="Rencana tindak lanjut (lembar Tindak Lanjut): lihat, ubah, usulkan.", no_args_is_help=True
)


@rtl_app.command("list")
def list_rows(
    every: Annotated[bool, typer.Option("--semua", help="Juga baris yang sudah Selesai.")] = False,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Baris rencana tindak lanjut yang belum Selesai (atau semuanya), dengan tiket, target dan status;
    yang lewat target ditandai.

    Example: ngopas rtl list --semua
    """
    from bot.domain import followup
    from bot.store import rtl as store_rtl

    settings = load(env_file)

    async def body(rt: Any) -> tuple[list[Any], dict[int, list[str]], set[int]]:
        async with rt.store.connect() as conn:
            rows = await store_rtl.every(conn)
            tickets = await store_rtl.ticket_numbers(conn)
        late = {row.id for row in await followup.overdue(rt)}
        return rows, tickets, late

    rows, tickets, late = run_async(settings, body)
    shown = [row for row in rows if every or row.status != "Selesai"]
    if not shown:
        typer.echo(
            "Belum ada rencana tindak lanjut." if not rows else "Semua rencana tindak lanjut sudah Selesai."
        )
        return
    for row in shown:
        target = f"{row.target:%d/%m/%Y}" if row.target else "–"
        mark = " (LEWAT TARGET)" if row.id in late else ""
        typer.echo(f"{row.code} · {row.section} · {row.status} · target {target}{mark}")
        typer.echo(f"  {row.issue}")
        typer.echo(f"  Dasar: {row.basis}")
        typer.echo(f"  Tiket: {', '.join(tickets.get(row.id, [])) or '–'}")
        if row.program:
            typer.echo(f"  Program/Kegiatan: {row.program} ({row.responsible or '–'})")
        if row.evidence:
            typer.echo(f"  Bukti: {row.evidence}")


@rtl_app.command("set")
def set_row(
    code: Annotated[str, typer.Argument(help="ID baris, mis. RTL-2026-003.")],
    status: Annotated[str | None, typer.Option("--status", help="Rencana, Berjalan atau Selesai.")] = None,
    program: Annotated[str | None, typer.Option("--program", help="Program/kegiatan yang dilakukan.")] = None,
    responsible: Annotated[str | None, typer.Option("--pj", help="Penanggung jawab.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Tanggal target, mis. 30/06/2026.")] = None,
    evidence: Annotated[str | None, typer.Option("--bukti", help="Tautan bukti (https://…).")] = None,
    public: Annotated[
        str | None, typer.Option("--publik", help="Ya: masuk unggahan bulanan saat Selesai; Tidak.")
    ] = None,
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Ubah satu baris rencana tindak lanjut seperti mengisi lembar Tindak Lanjut: pemeriksaan sama, warga di
    balik tiketnya diberi tahu sekali saat Selesai, dan lembarnya ikut diperbarui.

    Example: ngopas rtl set RTL-2026-003 --status Selesai --program "Pengeras suara aula diganti"
    """
    from bot.domain import followup

    changes = {
        header: value
        for header, value in (
            ("Status", status),
            ("Program/Kegiatan", program),
            ("Penanggung jawab", responsible),
            ("Target", target),
            ("Bukti", evidence),
            ("Publik", public),
        )
        if value is not None
    }
    if not changes:
        fail("Tidak ada yang diubah: beri --status, --program, --pj, --target, --bukti atau --publik.")
    settings = load(env_file, quiet=quiet)
    result = run_async(settings, lambda rt: followup.staff_set(rt, code, changes))
    if result.refused:
        fail(f"{code}: {result.message}.", code=1 if result.unknown else 2)
    told = f"; {result.told} warga akan diberi tahu oleh bot" if result.told else ""
    say(f"{code.upper()} disimpan: {result.message}{told}.", quiet)


@rtl_app.command("propose")
def propose(
    period: Annotated[str, typer.Option("--period", help="Periode: 2026-Q1, 2026-S1 atau 2026.")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Usulkan sekarang baris rencana tindak lanjut sebuah periode (bot melakukannya sendiri setelah tiap
    periode berakhir): unsur terlemah tiap bidang dan kelompok aspirasi serupa. Aman diulang.

    Example: ngopas rtl propose --period 2026-Q1
    """
    from bot.domain import followup

    chosen = followup.parse_period(period)
    if chosen is None:
        fail(f"Periode tidak dikenali: {period}. Contoh: 2026-Q1, 2026-S2, 2026.")
    settings = load(env_file, quiet=quiet)
    created = run_async(settings, lambda rt: followup.propose_for_period(rt, chosen))
    say(
        f"{created} baris baru diusulkan di lembar Tindak Lanjut untuk {followup.period_label(chosen.code)}.",
        quiet,
    )
