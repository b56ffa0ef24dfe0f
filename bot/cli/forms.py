"""`ngopas forms link | list | unlink`: a Google Form's response spreadsheet pulled into a session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say
from bot.cli.report import DateFormat, Maps, parse_date_format, parse_maps

forms_app = typer.Typer(
    help="Google Form: jawaban dari spreadsheet jawabannya ditarik bot ke sebuah sesi.", no_args_is_help=True
)

KEYS_HINT = "kunci unsur (persyaratan … sarana), jenis_kelamin, umur, pendidikan, pekerjaan, saran, tanggal"


def _ask(unknown: list[str], known: set[str]) -> dict[str, str]:
    """Ask, for each column the reader cannot place, what it holds (only at a terminal)."""
    answers: dict[str, str] = {}
    typer.echo(f"Kolom berikut belum dikenali. Ketik isinya: {KEYS_HINT}, atau abaikan.")
    for header in unknown:
        while True:
            key = typer.prompt(f"  '{header}'", default="abaikan").strip()
            if key.casefold() in known or key.casefold() == "abaikan":
                answers[header] = key
                break
            typer.echo(f"  '{key}' bukan kunci kolom; {KEYS_HINT}, atau abaikan.")
    return answers


@forms_app.command("link")
def link(
    session: Annotated[
        int, typer.Option("--session", help="Nomor sesi yang jawabannya dikumpulkan formulir.")
    ],
    sheet: Annotated[
        str,
        typer.Option(
            "--sheet",
            help="Alamat (atau ID) spreadsheet jawaban Google Form: Jawaban → Lihat di Spreadsheet.",
        ),
    ],
    worksheet: Annotated[
        str, typer.Option("--worksheet", help="Nama lembar jawaban (default: lembar pertama).")
    ] = "",
    maps: Maps = None,
    date_format: DateFormat = None,
    ask: Annotated[
        bool | None,
        typer.Option(
            "--ask/--no-ask",
            help="Tanyakan isi kolom yang belum dikenali (default: bila dijalankan di terminal).",
        ),
    ] = None,
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Tautkan spreadsheet jawaban Google Form ke sebuah sesi; bot menarik baris barunya.

    Baris baru ditarik setiap sinkron Sheets (juga `ngopas sync`), sehingga jawaban formulir dan Telegram
    dihitung bersama; baris yang sudah dimuat tidak pernah dihitung dua kali.

    Spreadsheet itu perlu dibagikan ke email akun layanan bot (boleh sebagai Viewer). Kolom yang tidak
    dikenali ditanyakan sekali (atau --map), lalu diingat untuk formulir ini.

    Example: ngopas forms link --session 12 --sheet https://docs.google.com/spreadsheets/d/1AbC…/edit
    """
    from bot.delivery.sheets_sync import open_sheets_sync
    from bot.domain import form_links
    from bot.domain.response_import import reader_hints, saved_reading
    from bot.domain.sessions import SessionNotFound, get_session
    from bot.domain.survey.definition import load_definition
    from reports.responses_input import KEYS
    from sheets.errors import SheetsError

    settings = load(env_file, quiet=quiet)
    given = parse_maps(maps)
    given_order = parse_date_format(date_format)
    try:
        spreadsheet_id = form_links.sheet_id(sheet)
    except form_links.FormLinkError as exc:
        fail(str(exc))
    source = form_links.source_name(spreadsheet_id, worksheet.strip())

    async def check(rt: Any) -> tuple[Any, dict[str, str], list[str]]:
        try:
            await get_session(rt, session)
        except SessionNotFound:
            fail(f"Sesi #{session} tidak ditemukan.")
        try:
            values = await open_sheets_sync(rt).read_sheet(spreadsheet_id, worksheet.strip() or None)
        except SheetsError as exc:
            fail(str(exc))
        mapping = (await saved_reading(rt, source)).mapping | given
        headers = [str(h).strip() for h in next((r for r in values.rows if any(r)), [])]
        if not headers:
            fail("Spreadsheet itu kosong; tautkan spreadsheet jawaban formulirnya (berisi judul pertanyaan).")
        return values, mapping, headers

    values, mapping, headers = run_async(settings, check)
    defn = load_definition("ngopas")
    unknown, _ = form_links.header_problems(defn, headers, mapping)
    known = {*KEYS, *reader_hints(defn, values=True)["choices"]}
    if unknown and (ask if ask is not None else sys.stdin.isatty() and not quiet):
        given |= _ask(unknown, known)
        mapping |= given
        unknown = [h for h in unknown if h not in given]
    if unknown:
        fail(
            f"Kolom {', '.join(repr(h) for h in unknown)} di formulir itu belum dikenali; ulangi dengan "
            f'--map "{unknown[0]}=KUNCI" ({KEYS_HINT}) atau --map "{unknown[0]}=abaikan".'
        )
    problems = form_links.header_problems(defn, headers, mapping)[1]
    if problems:
        fail(f"Formulir itu belum dapat ditautkan: {' '.join(problems)}")

    async def body(rt: Any) -> tuple[Any, bool, Any]:
        found, new = await form_links.link_form(
            rt, session, spreadsheet_id, worksheet.strip(), values, mapping=given, date_order=given_order
        )
        return found, new, await form_links.pull_form(rt, found, values)

    found, new, pulled = run_async(settings, body)
    what = "ditautkan" if new else "sudah tertaut; pengaturannya diperbarui"
    say(f"Formulir '{values.title}' {what} ke sesi #{session} (tautan #{found.id}).", quiet)
    for line in pulled.lines():
        say(line, quiet)
    say("Baris baru ditarik bot setiap sinkron Sheets, atau sekarang dengan ngopas sync.", quiet)
    if pulled.problem or pulled.rejected:
        raise typer.Exit(1)


@forms_app.command("list")
def list_links(env_file: EnvFile = Path("settings.env")) -> None:
    """Formulir yang tertaut, kapan terakhir ditarik, dan yang perlu diperbaiki petugas.

    Example: ngopas forms list
    """
    from bot.domain import form_links

    settings = load(env_file)
    found = run_async(settings, form_links.links)
    if not found:
        typer.echo(
            "Belum ada Google Form yang tertaut; tautkan dengan ngopas forms link --session N --sheet ALAMAT."
        )
        return
    tz = settings.tz
    for item in found:
        when = item.pulled_at.astimezone(tz).strftime("%d/%m/%Y %H.%M") if item.pulled_at else "belum pernah"
        sheet = item.spreadsheet_id + (f" / {item.worksheet}" if item.worksheet else "")
        typer.echo(
            f"#{item.id}  sesi #{item.session_id}  {item.title or '-'} ({sheet})  "
            f"ditarik: {when}  dimuat: {item.imported} baris"
        )
        if item.problem:
            typer.echo(f"    belum dapat ditarik: {item.problem}")
        for row in item.rejected:
            typer.echo(f"    tidak dimuat: {row['text']}")


@forms_app.command("unlink")
def unlink(
    link_id: Annotated[int, typer.Argument(help="Nomor tautan (lihat ngopas forms list).")],
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Berhenti menarik jawaban sebuah formulir; jawaban yang sudah dimuat tetap dihitung.

    Example: ngopas forms unlink 2
    """
    from bot.domain import form_links

    settings = load(env_file, quiet=quiet)
    removed = run_async(settings, lambda rt: form_links.unlink_form(rt, link_id))
    if removed is None:
        fail(f"Tautan #{link_id} tidak ada; lihat ngopas forms list.")
    say(
        f"Tautan #{link_id} (sesi #{removed.session_id}) dilepas; {removed.imported} jawaban yang sudah dimuat "
        "tetap dihitung.",
        quiet,
    )
