"""`ngopas report` and `ngopas import-responses`: the IKM for staff, and answers given outside the chat."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot.base.files import FileProblem, atomic_output, read_text
from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.progress import progress

MAX_POPULATION = 100_000_000


def read_csv_or_fail(path: Path) -> Any:
    """Responses from a CSV export (UTF-8 or the encoding Excel used), or one clear message: the file cannot
    be read, or the bad cells listed (nothing half-read)."""
    from reports.csv_input import CsvInputError, parse_responses_csv

    try:
        return parse_responses_csv(read_text(path))
    except FileProblem as exc:
        fail(str(exc), exc.code)
    except CsvInputError as exc:
        fail(str(exc))


def report(
    session: Annotated[int | None, typer.Option("--session", help="Nomor sesi.")] = None,
    section: Annotated[str | None, typer.Option("--section", help="Bidang, mis. 'Bimas Islam'.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="2026-07 | 2026-Q3 | 2026-S1 | 2026")] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="text, json, pdf (laporan SKM resmi), docx (laporan SKM untuk disunting di Word), "
            "png (infografis), xlsx (tabel dan grafik).",
        ),
    ] = "text",
    population: Annotated[
        int | None,
        typer.Option(
            "--population",
            help="Jumlah penerima layanan pada periode ini: target sampel Krejcie–Morgan dihitung darinya.",
        ),
    ] = None,
    for_print: Annotated[
        bool,
        typer.Option("--print", help="Infografis PNG ukuran A4 300 dpi untuk dicetak (default: layar HP)."),
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Tulis ke berkas ini (default: layar).")] = None,
    input_csv: Annotated[
        Path | None, typer.Option("--input", help="Hitung dari CSV (tanpa basis data).")
    ] = None,
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Laporan IKM (PermenPAN-RB 14/2017) per sesi, bidang atau periode.

    Example: ngopas report --period 2026-Q1 --format json --out ikm.json
    """
    from bot.domain import reporting

    if fmt not in reporting.FORMATS:
        fail(f"Format yang tersedia: {', '.join(reporting.FORMATS)}.")
    if fmt in reporting.FILE_FORMATS and out is None:
        fail(f"Format {fmt} ditulis ke berkas: tambahkan --out laporan.{fmt}.")
    settings = load(env_file, quiet=quiet)
    scope = reporting.Scope(session_id=session, section=section, period=period)
    if population is not None and not 1 <= population <= MAX_POPULATION:
        fail(f"--population harus 1 sampai {MAX_POPULATION:,} orang.".replace(",", "."))
    if for_print and fmt != "png":
        fail("--print hanya untuk --format png (infografis A4).")

    async def from_store(rt: Any) -> tuple[Any, dict[int, Any]]:
        frame = await reporting.responses_frame(rt, session_id=session, section=section)
        return frame, await reporting.sessions_of(rt, frame)

    with progress("Membaca jawaban", quiet=quiet):
        if input_csv is not None:
            frame, sessions = read_csv_or_fail(input_csv), {}
        else:
            frame, sessions = run_async(settings, from_store)
    try:
        with progress(f"Menghitung IKM ({len(frame):,} jawaban)".replace(",", "."), quiet=quiet):
            built = reporting.build(
                frame,
                scope,
                office_name=settings.office_name,
                office=reporting.office_of(settings),
                sessions=sessions,
                tz=settings.tz,
                population=population,
            )
    except reporting.ReportInputError as exc:
        fail(str(exc))
    except reporting.NoReport:
        fail("Belum ada jawaban survei untuk pilihan ini.", code=1)
    try:
        if fmt in reporting.FILE_FORMATS:
            assert out is not None
            with progress(f"Menulis {out.name}", quiet=quiet):
                reporting.write(built, fmt, out, for_print=for_print)
            say(f"{reporting.headline(built)}; laporan ditulis ke {out}", quiet)
            return
        text = reporting.render(built, fmt)
        if out:
            with atomic_output(out, "Laporan", f"laporan.{fmt}") as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
            say(f"Laporan ditulis ke {out}", quiet)
        else:
            typer.echo(text)
    except FileProblem as exc:
        fail(str(exc), exc.code)


def import_responses(
    file: Annotated[
        Path, typer.Argument(help="CSV: satu baris per responden, kolom per unsur (1–4 atau label baku).")
    ],
    session: Annotated[int, typer.Option("--session", help="Nomor sesi tujuan.")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Muat jawaban survei kertas/Google Forms ke basis data untuk satu sesi.

    Example: ngopas import-responses survei-kertas.csv --session 12
    """
    from bot.domain.reporting import import_responses as store_imported
    from bot.domain.sessions import SessionNotFound, get_session

    settings = load(env_file, quiet=quiet)
    frame = read_csv_or_fail(file)

    async def body(rt: Any) -> int:
        try:
            await get_session(rt, session)
        except SessionNotFound:
            fail(f"Sesi #{session} tidak ditemukan.")
        return await store_imported(rt, frame, session, on_row=steps.advance)

    with progress("Memuat jawaban", total=len(frame), quiet=quiet) as steps:
        stored = run_async(settings, body)
    say(f"{stored} jawaban dimuat ke sesi #{session}.", quiet)
