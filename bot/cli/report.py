"""`ngopas report` and `ngopas import-responses`: the IKM for staff, and answers given outside the chat."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot.base.files import FileProblem, atomic_output, read_bytes
from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.progress import progress

MAX_POPULATION = 100_000_000

Maps = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help='Kolom yang tidak dikenali: "Judul kolom=kunci" (kunci unsur/profil, saran, tanggal, atau abaikan). '
        "Boleh berulang; diingat untuk berkas ini.",
    ),
]


DateFormat = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="Urutan tanggal di berkas: DD/MM/YYYY (hari dulu) atau MM/DD/YYYY (bulan dulu); diingat untuk "
        "berkas ini. Tanpa ini: dari isinya, atau kebiasaan bahasa kantor bila semua tanggal bisa dua cara.",
    ),
]


def parse_date_format(text: str | None) -> str | None:
    """`--date-format` as "dmy"/"mdy", or one sentence."""
    if text is None:
        return None
    from reports.responses_input import ResponsesInputError, date_order_option

    try:
        return date_order_option(text)
    except ResponsesInputError as exc:
        fail(exc.problems[0])


def parse_maps(items: list[str] | None) -> dict[str, str]:
    """`--map "Header text=key"` as {header: key}; one sentence for an item without "="."""
    out: dict[str, str] = {}
    for item in items or []:
        header, sep, key = item.rpartition("=")
        if not sep or not header.strip() or not key.strip():
            fail(f'--map "{item}" harus berbentuk "Judul kolom=kunci", mis. --map "Ruang tunggu=sarana".')
        out[header.strip()] = key.strip()
    return out


def _store_exists(settings: Any) -> bool:
    """Whether there is a database to remember mappings in (report --input never creates one)."""
    from bot.store import sqlite_file

    path = sqlite_file(settings.database_url)
    return path is None or path.exists()


def read_input_or_fail(
    path: Path, mapping: dict[str, str], settings: Any, *, values: bool, date_order: str | None = None
) -> Any:
    """The responses of a CSV/XLSX file (`reports.responses_input.Responses`) read with the survey's own
    texts, or one clear message: the file cannot be read, or every problem listed (nothing half-read).
    Dates that read both ways follow `date_order`, else the convention of the office's language."""
    from bot.domain.response_import import reader_hints
    from bot.domain.survey.definition import load_definition
    from reports.responses_input import ResponsesInputError, date_order_of, read_responses, table_from_bytes

    try:
        data = read_bytes(path)
    except FileProblem as exc:
        fail(str(exc), exc.code)
    try:
        table = table_from_bytes(data, path.name)
        hints = reader_hints(load_definition("ngopas"), values=values)
        return read_responses(
            table,
            mapping=mapping,
            tz=settings.tz,
            date_order=date_order,
            date_convention=date_order_of(settings.language),
            **hints,
        )
    except ResponsesInputError as exc:
        fail(str(exc))


def _mapping_for(
    settings: Any, path: Path, given: dict[str, str], date_order: str | None
) -> tuple[dict[str, str], str | None]:
    """The mapping and date order saved for this file's name, overridden by --map and --date-format."""
    from bot.domain.response_import import saved_reading

    if not _store_exists(settings):
        return given, date_order
    saved = run_async(settings, lambda rt: saved_reading(rt, path.name))
    return saved.mapping | given, date_order or saved.date_order


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
        Path | None,
        typer.Option("--input", help="Hitung dari berkas CSV/XLSX (ekspor Google Forms, Jawaban, Excel)."),
    ] = None,
    maps: Maps = None,
    date_format: DateFormat = None,
    recount: Annotated[
        bool,
        typer.Option(
            "--recount",
            help="Hitung ulang rekap jawaban dari semua jawaban tersimpan sebelum melapor "
            "(biasanya otomatis, mis. setelah memulihkan cadangan).",
        ),
    ] = False,
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
    if population is not None and not 1 <= population <= MAX_POPULATION:
        fail(f"--population harus 1 sampai {MAX_POPULATION:,} orang.".replace(",", "."))
    if for_print and fmt != "png":
        fail("--print hanya untuk --format png (infografis A4).")
    mapping = parse_maps(maps)
    date_order = parse_date_format(date_format)
    with progress("Membaca jawaban", quiet=quiet):
        if input_csv is not None:
            mapping, date_order = _mapping_for(settings, input_csv, mapping, date_order)
            frame = read_input_or_fail(
                input_csv, mapping, settings, values=False, date_order=date_order
            ).frame
            known = list(frame["section"].dropna().unique()) if "section" in frame.columns else []
            sessions: dict[int, Any] = {}
            plan = None
            records: list[Any] = []
        else:

            async def from_store(rt: Any) -> tuple[Any, list[str], dict[int, Any], Any, list[Any]]:
                names = await reporting.known_sections(rt)
                try:
                    chosen = reporting.resolve_section(section, names) if section else None
                except reporting.ReportInputError as exc:
                    fail(str(exc))
                if recount:
                    await reporting.recount(rt)
                frame = await reporting.report_counts(rt, session_id=session, section=chosen)
                try:
                    plan = await reporting.plan_for(
                        rt, reporting.Scope(session_id=session, section=chosen, period=period)
                    )
                except reporting.ReportInputError as exc:
                    fail(str(exc))
                sessions = await reporting.sessions_of(rt, frame)
                return frame, names, sessions, plan, await reporting.records_of(rt, frame)

            frame, known, sessions, plan, records = run_async(settings, from_store)
    try:
        section = reporting.resolve_section(section, known) if section else None
    except reporting.ReportInputError as exc:
        fail(str(exc))
    scope = reporting.Scope(session_id=session, section=section, period=period)
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
                rtl=plan,
                records=records,
            )
    except reporting.ReportInputError as exc:
        fail(str(exc))
    except reporting.NoReport:
        fail("Belum ada jawaban survei untuk pilihan ini.", code=1)
    if input_csv is None and fmt in (
        "pdf",
        "docx",
    ):  # the SKM report also shows the aspiration deadlines kept
        built = run_async(settings, lambda rt: reporting.with_deadline_shares(rt, built))
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
        Path,
        typer.Argument(
            help="CSV atau XLSX: satu baris per responden (ekspor Google Forms, lembar Jawaban, Excel)."
        ),
    ],
    session: Annotated[int, typer.Option("--session", help="Nomor sesi tujuan.")],
    maps: Maps = None,
    date_format: DateFormat = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Tampilkan baris yang akan ditambahkan, tanpa menyimpan.")
    ] = False,
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Muat jawaban survei kertas/Google Forms/Excel ke basis data untuk satu sesi; baris yang sudah pernah
    dimuat dilewati.

    Example: ngopas import-responses survei-kertas.csv --session 12 --dry-run
    """
    from bot.domain.response_import import import_responses as store_imported
    from bot.domain.response_import import save_mapping, saved_reading
    from bot.domain.sessions import SessionNotFound, get_session

    settings = load(env_file, quiet=quiet)
    given = parse_maps(maps)
    given_order = parse_date_format(date_format)

    saved = run_async(settings, lambda rt: saved_reading(rt, file.name))
    date_order = given_order or saved.date_order
    responses = read_input_or_fail(file, saved.mapping | given, settings, values=True, date_order=date_order)

    async def body(rt: Any) -> Any:
        try:
            await get_session(rt, session)
        except SessionNotFound:
            fail(f"Sesi #{session} tidak ditemukan.")
        result = await store_imported(rt, responses.frame, session, on_row=steps.advance, dry_run=dry_run)
        if not dry_run:
            await save_mapping(rt, file.name, given, date_order=given_order)
        return result

    with progress("Memuat jawaban", total=len(responses.frame), quiet=quiet) as steps:
        result = run_async(settings, body)
    if responses.ignored:
        say(f"Kolom dilewati: {', '.join(responses.ignored)}.", quiet)
    counts = f"{len(result.new)} baru, {len(result.existing)} sudah ada"
    if dry_run:
        for row in result.new:
            say(f"Baris {row.row}: {row.summary}", quiet)
        if responses.dates is not None:
            say(responses.dates.sentence(), quiet)
        say(f"Uji coba: {counts}; tidak ada yang disimpan (jalankan lagi tanpa --dry-run).", quiet)
        return
    say(f"Sesi #{session}: {counts}.", quiet)
