"""The `ngopas` command line.

Each command parses its arguments and calls the same functions the Telegram commands call (sqlite-utils
style).  Heavy libraries are imported inside commands so `ngopas --help` answers instantly.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from .runtime import Runtime
    from .settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="NGOPAS bot: pengumuman sesi, survei IKM, aspirasi dan laporan. / NGOPAS bot CLI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
session_app = typer.Typer(
    help="Kelola sesi NGOPAS (tambah, lihat, ubah, batal, impor).", no_args_is_help=True
)
app.add_typer(session_app, name="session")

EnvFile = Annotated[Path, typer.Option("--env-file", help="Berkas pengaturan (default: settings.env).")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Tampilkan log rinci untuk mencari masalah.")]
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


def fail(message: str, code: int = 2) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def setup_logging(verbose: bool = False) -> None:
    from .logging_setup import configure

    configure(verbose)


DEFAULT_ENV_FILE = Path("settings.env")


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
    from .settings import SettingsError, load_settings

    problem = missing_env_file(env_file)
    if problem:
        fail(problem)
    try:
        return load_settings(env_file if env_file and env_file.is_file() else None)
    except SettingsError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def run_async(settings: Settings, body: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the store (migrating it), build a runtime with the real clock, run `body`, close."""
    from .clock import Clock
    from .runtime import Runtime
    from .store import DatabaseTooNew, Store

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


@app.command()
def start(env_file: EnvFile = Path("settings.env"), verbose: Verbose = False) -> None:
    """Jalankan produk: bot sungguhan bila token diisi, jika tidak demo luring.

    Example: ngopas start
    """
    settings = load(env_file)
    if settings.offline:
        typer.echo("NGOPAS_BOT_TOKEN belum diisi: menjalankan demo luring (tanpa Telegram/Google).\n")
        demo(verbose=verbose)
    else:
        run(env_file=env_file, verbose=verbose)


@app.command()
def run(
    env_file: EnvFile = Path("settings.env"),
    verbose: Verbose = False,
    webhook: Annotated[
        str | None,
        typer.Option(
            help="Terima pembaruan lewat webhook di URL HTTPS ini (alamat lokal: NGOPAS_WEBHOOK_LISTEN/PORT).",
        ),
    ] = None,
) -> None:
    """Jalankan bot (butuh NGOPAS_BOT_TOKEN): long polling, atau webhook dengan --webhook.

    Example: ngopas run --verbose
    Example: ngopas run --webhook https://bot.kemenag-magelang.example/ngopas
    """
    setup_logging(verbose)
    settings = load(env_file)
    if settings.offline:
        fail(
            "NGOPAS_BOT_TOKEN belum diisi di settings.env. Isi token dari @BotFather, atau jalankan `ngopas demo`."
        )
    from .settings import SettingsError

    try:
        settings.require_salt()  # surveys must never start with a known salt: pseudonyms would be reversible
        if webhook:
            if not webhook.startswith("https://"):
                fail("Alamat --webhook harus diawali https:// (Telegram hanya mengirim ke HTTPS).")
            settings.webhook_secret_token()
    except SettingsError as exc:
        fail(str(exc))
    from telegram.error import InvalidToken, NetworkError

    from .app import build_application, serve

    async def body(rt: Runtime) -> None:
        token = settings.bot_token.get_secret_value()  # type: ignore[union-attr]
        application = build_application(
            rt, token=token, base_url=settings.bot_api_base_url, base_file_url=settings.bot_api_file_url
        )
        await serve(rt, application, webhook_url=webhook)

    try:
        run_async(settings, body)
    except InvalidToken:
        fail("Token bot ditolak Telegram (NGOPAS_BOT_TOKEN). Periksa token di @BotFather.")
    except NetworkError as exc:
        fail(
            f"Tidak dapat menghubungi Telegram ({exc.message}). Periksa koneksi internet atau NGOPAS_BOT_API_BASE_URL."
        )


@app.command()
def demo(
    verbose: Verbose = False,
    keep: Annotated[
        Path | None, typer.Option(help="Folder berkas demo (default data/demo, diganti tiap kali).")
    ] = None,
) -> None:
    """Demo luring: bot sungguhan melawan emulator Telegram lokal, warga simulasi, waktu dipercepat.

    Example: ngopas demo
    """
    setup_logging(verbose)
    from .demo import run_demo

    run_demo(keep_dir=keep, verbose=verbose)


@session_app.command("add")
def session_add(
    title: Annotated[str, typer.Option(help="Judul sesi.")],
    section: Annotated[str, typer.Option(help="Bidang, mis. 'Bimas Islam'.")],
    when: Annotated[str, typer.Option(help="Tanggal dan jam, mis. '23/03/2026 09.00-11.00'.")],
    venue: Annotated[str, typer.Option(help="Tempat, atau - bila daring.")] = "-",
    zoom: Annotated[str, typer.Option(help="Tautan Zoom, atau -.")] = "-",
    youtube: Annotated[str, typer.Option(help="Tautan YouTube, atau -.")] = "-",
    speaker: Annotated[str, typer.Option(help="Narasumber, atau -.")] = "-",
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Tambah sesi dan antrekan pengumumannya (terkirim saat bot berjalan).

    Example: ngopas session add --title "Dialog KUB" --section "Bimas Islam" --when "23/03/2026 09.00"
    """
    settings = load(env_file)
    from .sessions import SessionInputError, create_session, validate_fields

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
                },
                rt,
            )
        except SessionInputError as exc:
            fail("\n".join(exc.errors.values()))
        if values["starts_at"] <= rt.clock.now():
            fail("Waktu sesi sudah lewat; isi tanggal yang akan datang.")
        return await create_session(rt, values, by=None, source="cli")

    change = run_async(settings, body)
    typer.echo(f"Sesi #{change.session.id} disimpan; {change.queued} pengumuman diantrekan.")


@session_app.command("list")
def session_list(
    all_: Annotated[bool, typer.Option("--all", help="Termasuk sesi lampau dan batal.")] = False,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Daftar sesi mendatang.

    Example: ngopas session list --all
    """
    settings = load(env_file)
    from .i18n import format_when
    from .store import sessions as store_sessions

    async def body(rt: Runtime) -> list[Any]:
        async with rt.store.connect() as conn:
            return await store_sessions.list_sessions(
                conn, ends_after=None if all_ else rt.clock.now(), include_cancelled=all_
            )

    rows = run_async(settings, body)
    if not rows:
        typer.echo("Belum ada sesi.")
    for s in rows:
        status = "" if s.status == "planned" else f" [{s.status}]"
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
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Ubah sesi; pelanggan diberi tahu perubahan, pengingat dijadwal ulang.

    Example: ngopas session edit 3 --when "24/03/2026 10.00"
    """
    settings = load(env_file)
    from .sessions import SessionInputError, SessionNotFound, edit_session, validate_fields

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
        }.items()
        if v is not None
    }
    if not raw:
        fail("Tidak ada yang diubah: beri minimal satu opsi, mis. --when.")

    async def body(rt: Runtime) -> Any:
        try:
            return await edit_session(rt, session_id, validate_fields(raw, rt), by=None)
        except SessionInputError as exc:
            fail("\n".join(exc.errors.values()))
        except SessionNotFound:
            fail(f"Sesi #{session_id} tidak ditemukan.")

    change = run_async(settings, body)
    typer.echo(f"Sesi #{session_id} diubah; {change.queued} pemberitahuan diantrekan.")


@session_app.command("cancel")
def session_cancel(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Batalkan sesi; pengingat ditarik dan pelanggan diberi tahu.

    Example: ngopas session cancel 3
    """
    settings = load(env_file)
    from .sessions import SessionNotFound, cancel_session

    async def body(rt: Runtime) -> Any:
        try:
            return await cancel_session(rt, session_id, by=None)
        except SessionNotFound:
            fail(f"Sesi #{session_id} tidak ditemukan.")

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

    Example: ngopas session import jadwal.xlsx
    """
    settings = load(env_file)
    from .session_import import import_sessions, read_rows

    try:
        rows = read_rows(file)
    except (OSError, ValueError) as exc:
        fail(f"Berkas {file} tidak dapat dibaca: {exc}")

    from .progress import progress

    with progress("Mengimpor sesi", total=len(rows), quiet=quiet) as steps:
        report = run_async(settings, lambda rt: import_sessions(rt, rows, on_row=steps.advance))
    for line in report.problems if quiet else report.lines:
        typer.echo(line, err=quiet)
    say(f"{report.created} sesi dibuat, {report.failed} baris bermasalah.", quiet)
    if report.failed:
        raise typer.Exit(1)


survey_app = typer.Typer(help="Survei kepuasan: tautan dan kode QR untuk dibagikan.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")


def _bot_username(settings: Settings) -> str:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if settings.offline:
        fail("Isi NGOPAS_BOT_USERNAME (nama pengguna bot, mis. kemenag_ngopas_bot) atau NGOPAS_BOT_TOKEN.")
    from telegram import Bot
    from telegram.error import TelegramError

    async def ask() -> str:
        token = settings.bot_token.get_secret_value()  # type: ignore[union-attr]
        async with Bot(token, base_url=settings.bot_api_base_url) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except TelegramError as exc:
        fail(f"Tidak dapat menanyakan nama bot ke Telegram ({exc.message}); isi NGOPAS_BOT_USERNAME.")
        raise


def _survey_link(settings: Settings, session_id: int) -> str:
    from .store import sessions as store_sessions

    async def body(rt: Runtime) -> Any:
        async with rt.store.connect() as conn:
            return await store_sessions.get_session(conn, session_id)

    if run_async(settings, body) is None:
        fail(f"Sesi #{session_id} tidak ditemukan.")
    return f"https://t.me/{_bot_username(settings)}?start=sv{session_id}"


@survey_app.command("link")
def survey_link(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")], env_file: EnvFile = Path("settings.env")
) -> None:
    """Cetak tautan survei sesi (membuka chat pribadi dengan bot dan memulai survei).

    Example: ngopas survey link 12
    """
    typer.echo(_survey_link(load(env_file), session_id))


@survey_app.command("qr")
def survey_qr(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    out: Annotated[Path, typer.Option("--out", help="Berkas PNG tujuan.")] = Path("survei.png"),
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Tulis kode QR tautan survei ke PNG untuk dicetak di lokasi sesi.

    Example: ngopas survey qr 12 --out survei-12.png
    """
    import segno

    link = _survey_link(load(env_file), session_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    segno.make(link, error="m").save(str(out), scale=10, border=4)
    typer.echo(f"Kode QR untuk {link} ditulis ke {out}")


def read_csv_or_fail(path: Path) -> Any:
    """Responses from a CSV export, or one clear message listing the bad cells (nothing half-read)."""
    from reports.csv_input import CsvInputError, read_responses_csv

    try:
        return read_responses_csv(path)
    except CsvInputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Berkas {path} tidak dapat dibaca: {exc.strerror}.")


@app.command()
def report(
    session: Annotated[int | None, typer.Option("--session", help="Nomor sesi.")] = None,
    section: Annotated[str | None, typer.Option("--section", help="Bidang, mis. 'Bimas Islam'.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="2026-07 | 2026-Q3 | 2026-S1 | 2026")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text, json, png (infografis), pdf (laporan cetak), xlsx (tabel).")
    ] = "text",
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
    if fmt not in ("text", "json", "png", "pdf", "xlsx"):
        fail("Format yang tersedia: text, json, png, pdf, xlsx.")
    if fmt in ("png", "pdf", "xlsx") and out is None:
        fail(f"Format {fmt} ditulis ke berkas: tambahkan --out laporan.{fmt}.")
    settings = load(env_file)
    from reports import NoAnswers, build_report, describe, filter_period, render_json, render_text

    from .progress import progress

    with progress("Membaca jawaban", quiet=quiet):
        if input_csv is not None:
            frame = read_csv_or_fail(input_csv)
        else:
            from .report_data import responses_frame

            frame = run_async(settings, lambda rt: responses_frame(rt, session_id=session, section=section))
    label = "Semua periode"
    if period:
        if "finished_at" not in frame.columns:
            fail("Periode butuh kolom tanggal (tanggal) di data.")
        try:
            frame = filter_period(frame, period)
        except ValueError as exc:
            fail(str(exc))
        label = describe(period)
    title = (
        "Survei Kepuasan Masyarakat NGOPAS"
        + (f" – sesi #{session}" if session else "")
        + (f" – {section}" if section else "")
    )
    try:
        with progress(f"Menghitung IKM ({len(frame):,} jawaban)".replace(",", "."), quiet=quiet):
            result = build_report(frame, title=title, office_name=settings.office_name, period_label=label)
    except (NoAnswers, KeyError):
        fail("Belum ada jawaban survei untuk pilihan ini.", code=1)
    if fmt in ("png", "pdf", "xlsx"):
        from reports import summarise
        from reports.render_files import render_pdf, render_png, render_xlsx
        from reports.report import number

        assert out is not None
        with progress(f"Menulis {out.name}", quiet=quiet):
            if fmt == "png":
                render_png(result, out)
            elif fmt == "pdf":
                render_pdf(result, out)
            else:
                groups = {}
                if "finished_at" in frame.columns:
                    groups["Per Triwulan"] = summarise(frame, "quarter")
                if "section" in frame.columns:
                    groups["Per Bidang"] = summarise(frame, "section")
                render_xlsx(result, out, groups)
        say(
            f"IKM {number(result.ikm.ikm_rounded)} ({result.ikm.grade.mutu}); laporan ditulis ke {out}", quiet
        )
        return
    text = render_json(result) if fmt == "json" else render_text(result)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        say(f"Laporan ditulis ke {out}", quiet)
    else:
        typer.echo(text)


@app.command("import-responses")
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
    settings = load(env_file)
    from .report_data import import_frame
    from .store import sessions as store_sessions

    frame = read_csv_or_fail(file)

    async def body(rt: Runtime) -> int:
        from .app import open_sheets_sync

        open_sheets_sync(rt)  # registers the Jawaban hook so imported rows reach the spreadsheet too
        async with rt.store.connect() as conn:
            if await store_sessions.get_session(conn, session) is None:
                fail(f"Sesi #{session} tidak ditemukan.")
        return await import_frame(rt, frame, session, on_row=steps.advance)

    from .progress import progress

    with progress("Memuat jawaban", total=len(frame), quiet=quiet) as steps:
        stored = run_async(settings, body)
    say(f"{stored} jawaban dimuat ke sesi #{session}.", quiet)


sheets_app = typer.Typer(help="Spreadsheet kantor (Google Sheets atau .xlsx lokal).", no_args_is_help=True)
app.add_typer(sheets_app, name="sheets")


@sheets_app.command("init")
def sheets_init(env_file: EnvFile = Path("settings.env")) -> None:
    """Buat lembar Jadwal, Jawaban, Aspirasi, Ringkasan bila belum ada, lalu tampilkan alamatnya.

    Example: ngopas sheets init
    """
    settings = load(env_file)
    from sheets.errors import SheetsError

    from .app import open_sheets_sync

    async def body(rt: Runtime) -> str:
        sync = open_sheets_sync(rt)
        await sync.ensure()
        return sync.workbook.url

    try:
        url = run_async(settings, body)
    except SheetsError as exc:
        fail(str(exc))
    typer.echo(f"Spreadsheet siap: {url}")


@app.command()
def sync(env_file: EnvFile = Path("settings.env"), quiet: Quiet = False) -> None:
    """Kirim sekarang semua baris yang menunggu ke spreadsheet; baca perubahan di lembar Jadwal dan Aspirasi.

    Example: ngopas sync
    """
    settings = load(env_file)
    from sheets.errors import SheetsError

    from .app import open_sheets_sync
    from .progress import progress

    async def body(rt: Runtime) -> tuple[Any, list[str], Any]:
        sheets = open_sheets_sync(rt)
        steps.update(description="Mengirim baris yang menunggu")
        first = await sheets.flush()
        steps.update(description="Membaca lembar Jadwal", completed=1)
        problems = await sheets.read_jadwal()
        steps.update(description="Membaca lembar Aspirasi", completed=2)
        heard = await sheets.read_aspirasi()
        steps.update(description="Mengirim hasilnya", completed=3)
        second = await sheets.flush()
        steps.update(completed=4)
        if heard.notified:
            problems.append(f"Aspirasi: {heard.notified} tanggapan baru akan dikirim ke warga oleh bot.")
        return first, problems + heard.problems, second

    try:
        with progress("Sinkron", total=4, quiet=quiet) as steps:
            first, problems, second = run_async(settings, body)
    except SheetsError as exc:
        fail(str(exc))
    written = {
        k: first.written.get(k, 0) + second.written.get(k, 0) for k in {*first.written, *second.written}
    }
    for worksheet, count in sorted(written.items()):
        say(f"{worksheet}: {count} baris ditulis", quiet)
    for line in problems:
        typer.echo(line, err=True)
    error = second.error or first.error
    if error:
        fail(f"Sebagian belum terkirim ({second.pending} baris menunggu): {error}", code=1)
    say(f"Selesai; {second.pending} baris menunggu.", quiet)


@app.command()
def doctor(env_file: EnvFile = Path("settings.env")) -> None:
    """Periksa semua yang dibutuhkan bot (token, basis data, spreadsheet, antrean) beserta cara memperbaikinya.

    Example: ngopas doctor
    """
    settings = load(env_file)
    from .doctor import run_checks

    checks = run_async(settings, lambda rt: run_checks(rt, env_file))
    for check in checks:
        typer.echo(check.line())
    blocking = [c for c in checks if c.status == "fail" and c.blocking]
    if blocking:
        fail(f"{len(blocking)} masalah menghalangi bot berjalan.", code=1)
    typer.echo("Semua pemeriksaan penting lulus.")


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Berkas cadangan tujuan, mis. cadangan/ngopas-2026-03-23.db")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Cadangkan basis data dengan aman, juga saat bot sedang berjalan.

    Example: ngopas backup cadangan/ngopas-$(date +%F).db
    """
    settings = load(env_file)
    from .backup import BackupError, backup
    from .progress import progress

    try:
        with progress("Mencadangkan (halaman)", quiet=quiet) as steps:
            size = backup(
                settings.database_url, file, lambda done, total: steps.update(completed=done, total=total)
            )
    except BackupError as exc:
        fail(str(exc))
    say(f"Cadangan ditulis ke {file} ({size / 1024:.0f} KiB).", quiet)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="Berkas cadangan dari `ngopas backup`.")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Pulihkan basis data dari cadangan (hentikan bot dulu); berkas lama disimpan di sampingnya.

    Example: ngopas restore cadangan/ngopas-2026-03-23.db
    """
    settings = load(env_file)
    from .backup import BackupError, restore
    from .progress import progress

    try:
        with progress("Memulihkan (halaman)", quiet=quiet) as steps:
            kept = restore(
                settings.database_url, file, lambda done, total: steps.update(completed=done, total=total)
            )
    except BackupError as exc:
        fail(str(exc))
    say(
        f"Basis data dipulihkan dari {file}."
        + (f" Berkas sebelumnya disimpan sebagai {kept}." if kept else ""),
        quiet,
    )


@app.command()
def migrate(env_file: EnvFile = Path("settings.env")) -> None:
    """Terapkan migrasi basis data (juga otomatis saat bot mulai).

    Example: ngopas migrate
    """
    settings = load(env_file)

    async def body(rt: Runtime) -> str:
        assert rt.store.migration is not None  # run_async opens the store with migrate=True
        return rt.store.migration.summary()  # e.g. "Basis data mutakhir (revisi 0005)."

    typer.echo(run_async(settings, body))


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


logging.getLogger("httpx").setLevel(logging.WARNING)


if __name__ == "__main__":  # `python -m bot.cli ...` (used by tests to run the bot as a real process)
    main()
