"""`ngopas session add | list | edit | cancel | import`: staff manage sessions from a terminal.

Each command parses and calls the same `bot.domain.sessions` functions `/sesi_baru`, `/ubah` and `/batal`
call, so a session is validated and announced the same way whichever door it came through.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.base.files import FileProblem, check_input
from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.progress import progress

if TYPE_CHECKING:
    from bot.domain.runtime import Runtime

session_app = typer.Typer(
    help="Kelola sesi NGOPAS (tambah, lihat, ubah, batal, impor).", no_args_is_help=True
)


@session_app.command("add")
def session_add(
    title: Annotated[str, typer.Option(help="Judul sesi.")],
    section: Annotated[str, typer.Option(help="Bidang, mis. 'Bimas Islam'.")],
    when: Annotated[str, typer.Option(help="Tanggal dan jam, mis. '23/03/2026 09.00-11.00'.")],
    venue: Annotated[str, typer.Option(help="Tempat, atau - bila daring.")] = "-",
    zoom: Annotated[str, typer.Option(help="Tautan Zoom, atau -.")] = "-",
    youtube: Annotated[str, typer.Option(help="Tautan YouTube, atau -.")] = "-",
    speaker: Annotated[str, typer.Option(help="Narasumber, atau -.")] = "-",
    coords: Annotated[
        str, typer.Option(help="Koordinat tempat untuk peta, mis. '-7.4797, 110.2177' (atau tautan Maps).")
    ] = "-",
    repeat: Annotated[
        str | None, typer.Option(help="Sesi berulang, mis. 'setiap Jumat pertama', 'setiap 2 minggu'.")
    ] = None,
    rrule: Annotated[
        str | None,
        typer.Option(help="Sesi berulang sebagai RRULE (RFC 5545), mis. 'FREQ=MONTHLY;BYDAY=1FR'."),
    ] = None,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Tambah sesi dan antrekan pengumumannya (terkirim saat bot berjalan).

    Dengan --repeat/--rrule, --when adalah sesi pertama; jadwal berikutnya dibuat dan diumumkan
    NGOPAS_SERIES_HORIZON_DAYS hari sebelumnya, masing-masing dengan nomor sesi sendiri.

    Example: ngopas session add --title "Dialog KUB" --section "Bimas Islam" --when "06/03/2026 09.00" --repeat "setiap Jumat pertama"
    """
    settings = load(env_file)
    from bot.base.i18n import format_when
    from bot.domain.parsing import ParseError
    from bot.domain.recurrence import rule_for
    from bot.domain.series import create_series
    from bot.domain.sessions import SessionInputError, create_session, validate_fields

    async def body(rt: Runtime) -> Any:
        try:
            values = validate_fields(
                {
                    "title": title,
                    "section": section,
                    "when": when,
                    "venue": venue,
                    "zoom": zoom,
                    "youtube": youtube,
                    "speaker": speaker,
                    "coords": coords,
                },
                rt,
            )
        except SessionInputError as exc:
            fail("\n".join(exc.errors.values()))
        if values["starts_at"] <= rt.clock.now():
            fail("Waktu sesi sudah lewat; isi tanggal yang akan datang.")
        try:
            rule = rule_for(repeat, rrule)
            if rule is None:
                return await create_session(rt, values, by=None, source="cli")
            return await create_series(rt, values, rule, repeat=repeat or None, by=None, source="cli")
        except ParseError as exc:
            fail(str(exc))

    change = run_async(settings, body)
    if hasattr(change, "session"):
        typer.echo(f"Sesi #{change.session.id} disimpan; {change.queued} pengumuman diantrekan.")
        return
    ids = ", ".join(f"#{c.session.id}" for c in change.made) or "-"
    following = "; ".join(format_when(start, "id", settings.tz) for start in change.upcoming)
    typer.echo(
        f"Sesi berulang disimpan ({change.series.repeat or change.series.rule}): {len(change.made)} jadwal "
        f"terdekat dibuat ({ids}); {change.queued} pengumuman diantrekan. Jadwal: {following}."
    )


@session_app.command("list")
def session_list(
    all_: Annotated[bool, typer.Option("--all", help="Termasuk sesi lampau dan batal.")] = False,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Daftar sesi mendatang.

    Example: ngopas session list --all
    """
    settings = load(env_file)
    from bot.base.i18n import format_when
    from bot.domain.sessions import listed

    rows = run_async(settings, lambda rt: listed(rt, include_past=all_))
    if not rows:
        typer.echo("Belum ada sesi.")
    for s in rows:
        status = "" if s.status == "planned" else f" [{s.status}]"
        status += f" [berulang, seri {s.series_id}]" if s.series_id else ""
        typer.echo(f"#{s.id}  {format_when(s.starts_at, 'id', settings.tz)}  {s.section}  {s.title}{status}")


@session_app.command("edit")
def session_edit(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    title: Annotated[str | None, typer.Option()] = None,
    section: Annotated[str | None, typer.Option()] = None,
    when: Annotated[str | None, typer.Option()] = None,
    venue: Annotated[str | None, typer.Option()] = None,
    zoom: Annotated[str | None, typer.Option()] = None,
    youtube: Annotated[str | None, typer.Option()] = None,
    speaker: Annotated[str | None, typer.Option()] = None,
    coords: Annotated[
        str | None, typer.Option(help="Koordinat tempat, mis. '-7.4797, 110.2177', atau -.")
    ] = None,
    series: Annotated[
        bool,
        typer.Option("--series", help="Ubah seluruh sesi berulang (yang belum mulai), bukan satu jadwal."),
    ] = False,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Ubah sesi; pelanggan diberi tahu perubahan, pengingat dijadwal ulang.

    Untuk sesi berulang: tanpa --series hanya jadwal ini yang berubah (mis. dipindah ke hari lain);
    dengan --series judul, tempat, tautan dan narasumber berubah untuk semua jadwal yang belum mulai.

    Example: ngopas session edit 3 --when "24/03/2026 10.00"
    """
    settings = load(env_file)
    from bot.domain.series import SeriesNotFound, edit_series, series_of
    from bot.domain.sessions import SessionInputError, SessionNotFound, edit_session, validate_fields

    raw = {
        k: v
        for k, v in {
            "title": title,
            "section": section,
            "when": when,
            "venue": venue,
            "zoom": zoom,
            "youtube": youtube,
            "speaker": speaker,
            "coords": coords,
        }.items()
        if v is not None
    }
    if not raw:
        fail("Tidak ada yang diubah: beri minimal satu opsi, mis. --when.")
    if series and "when" in raw:
        fail("Waktu seluruh sesi berulang tidak dapat diubah: batalkan (--series) lalu buat yang baru.")

    async def body(rt: Runtime) -> Any:
        try:
            values = validate_fields(raw, rt)
            if series:
                return await edit_series(rt, (await series_of(rt, session_id)).id, values)
            return await edit_session(rt, session_id, values, by=None)
        except SessionInputError as exc:
            fail("\n".join(exc.errors.values()))
        except SessionNotFound:
            fail(f"Sesi #{session_id} tidak ditemukan.")
        except SeriesNotFound:
            fail(f"Sesi #{session_id} bukan bagian dari sesi berulang.")

    change = run_async(settings, body)
    typer.echo(f"Sesi #{session_id} diubah; {change.queued} pemberitahuan diantrekan.")


@session_app.command("cancel")
def session_cancel(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    series: Annotated[
        bool, typer.Option("--series", help="Hentikan seluruh sesi berulang (semua jadwal yang belum mulai).")
    ] = False,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Batalkan sesi; pengingat ditarik dan pelanggan diberi tahu.

    Untuk sesi berulang: tanpa --series hanya jadwal ini yang batal; dengan --series tidak ada jadwal baru
    lagi dan semua yang belum mulai dibatalkan.

    Example: ngopas session cancel 3
    """
    settings = load(env_file)
    from bot.domain.series import SeriesNotFound, cancel_series, series_of
    from bot.domain.sessions import SessionNotFound, cancel_session

    async def body(rt: Runtime) -> Any:
        try:
            if series:
                return await cancel_series(rt, (await series_of(rt, session_id)).id)
            return await cancel_session(rt, session_id, by=None)
        except SessionNotFound:
            fail(f"Sesi #{session_id} tidak ditemukan.")
        except SeriesNotFound:
            fail(f"Sesi #{session_id} bukan bagian dari sesi berulang.")

    change = run_async(settings, body)
    typer.echo(f"Sesi #{session_id} dibatalkan; {change.queued} pemberitahuan diantrekan.")


@session_app.command("import")
def session_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="Berkas CSV atau XLSX dengan kolom Judul, Bidang, Waktu, Tempat, Zoom, YouTube, Narasumber."
        ),
    ],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Impor sesi dari CSV/XLSX; baris yang salah dilaporkan per baris, baris lain tetap diimpor.

    Baris dicocokkan dengan sesi yang sudah ada lewat kolom ID/Kode (atau judul, bidang dan waktu bila tanpa
    ID): perbaiki baris yang salah lalu impor lagi berkas yang sama; yang sudah ada tidak dibuat dua kali.

    Example: ngopas session import jadwal.xlsx
    """
    settings = load(env_file, quiet=quiet)
    from bot.domain.session_import import import_sessions, read_rows

    try:
        rows = read_rows(file)
    except FileProblem as exc:
        fail(str(exc), exc.code)

    with progress("Mengimpor sesi", total=len(rows), quiet=quiet) as steps:
        report = run_async(settings, lambda rt: import_sessions(rt, rows, on_row=steps.advance))
    for line in report.problems if quiet else report.lines:
        typer.echo(line, err=quiet)
    say(
        f"{report.created} sesi dibuat, {report.updated} diubah, {report.unchanged} tidak berubah, "
        f"{report.failed} baris bermasalah.",
        quiet,
    )
    if report.failed:
        raise typer.Exit(1)


@session_app.command("attendance")
def session_attendance(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    count: Annotated[
        int | None,
        typer.Option("--count", help="Jumlah peserta tanpa ponsel yang dihitung petugas (0 menghapus)."),
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="Cara mengikuti: lokasi, zoom atau youtube.")
    ] = "lokasi",
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Catat hitungan peserta oleh petugas (terpisah dari check-in "Saya hadir"), atau tampilkan kehadiran.

    Kehadiran (check-in ditambah hitungan petugas) menjadi populasi sesi untuk target sampel Krejcie-Morgan.

    Example: ngopas session attendance 12 --count 35 --mode lokasi
    """
    settings = load(env_file)
    from bot.domain import attendance

    chosen = attendance.parse_mode(mode)
    if chosen is None:
        fail(f'Cara mengikuti "{mode[:40]}" tidak dikenal; pilih lokasi, zoom atau youtube.')
    if count is not None and not 0 <= count <= attendance.MAX_HEADCOUNT:
        fail(f"--count harus 0 sampai {attendance.MAX_HEADCOUNT:,}.".replace(",", "."))

    async def body(rt: Runtime) -> Any:
        from bot.domain.sessions import SessionNotFound, get_session

        try:
            await get_session(rt, session_id)
        except SessionNotFound:
            fail(f"Sesi #{session_id} tidak ditemukan.")
        if count is None:
            return await attendance.of_session(rt, session_id)
        return await attendance.record_count(rt, session_id, count, chosen)

    counts = run_async(settings, body)
    typer.echo(f"Sesi #{session_id}: " + attendance.summary(counts, "id"))


@session_app.command("close")
def session_close(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    notes: Annotated[str, typer.Option("--notes", help="Catatan penutup sesi.")] = "",
    aspiration: Annotated[
        list[str] | None,
        typer.Option("--aspiration", help="Aspirasi yang disampaikan lisan (boleh berulang); menjadi tiket."),
    ] = None,
    photo: Annotated[
        list[Path] | None, typer.Option("--photo", help="Berkas foto dokumentasi (boleh berulang).")
    ] = None,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Tulis catatan penutup sesi: catatan, foto, dan aspirasi lisan (menjadi tiket "Dari sesi").

    Catatan tampil di laporan SKM sesi; menjalankan lagi menambah catatan, aspirasi yang sama tidak dibuat dua kali.

    Example: ngopas session close 12 --notes "Dihadiri 40 orang" --aspiration "Jalan ke KUA rusak" --photo foto1.jpg
    """
    settings = load(env_file)
    from bot.domain import closing
    from bot.domain.sessions import SessionNotFound

    photos = []
    for path in photo or []:
        try:
            check_input(path)
        except FileProblem as exc:
            fail(str(exc), exc.code)
        photos.append(str(path.resolve()))

    async def body(rt: Runtime) -> Any:
        try:
            return await closing.add(
                rt, session_id, notes=notes, photos=photos, aspirations=list(aspiration or [])
            )
        except SessionNotFound:
            fail(f"Sesi #{session_id} tidak ditemukan.")

    added = run_async(settings, body)
    tickets = ", ".join(added.tickets) if added.tickets else "tidak ada tiket baru"
    typer.echo(f"Catatan sesi #{session_id} disimpan ({len(added.record.photos)} foto); {tickets}.")
