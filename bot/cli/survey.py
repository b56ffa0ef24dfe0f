"""`ngopas survey link | qr | paper | template`: the survey's link, its QR code for the venue, the survey on
paper for those without a phone, and the workbook staff type the paper forms into."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.base.files import FileProblem, atomic_output, check_output
from bot.cli.common import EnvFile, fail, load, run_async

if TYPE_CHECKING:
    from bot.base.settings import Settings

QR_KINDS = ("png", "svg", "pdf")
survey_app = typer.Typer(help="Survei kepuasan: tautan dan kode QR untuk dibagikan.", no_args_is_help=True)


def _bot_username(settings: Settings) -> str:
    """NGOPAS_BOT_USERNAME, or the name Telegram gives for the token."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if settings.offline or settings.bot_token is None:
        fail("Isi NGOPAS_BOT_USERNAME (nama pengguna bot, mis. kemenag_ngopas_bot) atau NGOPAS_BOT_TOKEN.")
    from bot.telegram.identity import TelegramProblem, ask_identity

    try:
        identity = asyncio.run(ask_identity(settings.bot_token.get_secret_value(), settings.bot_api_base_url))
    except TelegramProblem as exc:
        fail(f"Tidak dapat menanyakan nama bot ke Telegram ({exc.message}); isi NGOPAS_BOT_USERNAME.")
    return identity.username


def _survey_link(settings: Settings, session_id: int, *, attend: bool = False) -> str:
    """The survey's link, or with `attend` the check-in link ("✋ Saya hadir") of the session."""
    from bot.domain.links import attend_link, survey_link
    from bot.domain.sessions import SessionNotFound, get_session

    try:
        run_async(settings, lambda rt: get_session(rt, session_id))
    except SessionNotFound:
        fail(f"Sesi #{session_id} tidak ditemukan.")
    return (attend_link if attend else survey_link)(_bot_username(settings), session_id)


@survey_app.command("link")
def link(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")], env_file: EnvFile = Path("settings.env")
) -> None:
    """Cetak tautan survei sesi (membuka chat pribadi dengan bot dan memulai survei).

    Example: ngopas survey link 12
    """
    typer.echo(_survey_link(load(env_file), session_id))


@survey_app.command("qr")
def qr(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    out: Annotated[Path, typer.Option("--out", help="Berkas tujuan: .png (bawaan), .svg atau .pdf.")] = Path(
        "survei.png"
    ),
    hadir: Annotated[
        bool, typer.Option("--hadir", help="Kode QR pencatatan kehadiran (Saya hadir), bukan survei.")
    ] = False,
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Tulis kode QR tautan survei (atau, dengan --hadir, pencatatan kehadiran) untuk dicetak di lokasi sesi.

    Example: ngopas survey qr 12 --hadir --out hadir-12.png
    """
    kind = out.suffix.lower().lstrip(".") or "png"
    if kind not in QR_KINDS:
        fail(
            f"Kode QR ditulis sebagai {', '.join(QR_KINDS)}: beri nama berakhiran .png, mis. {out.with_suffix('.png')}."
        )
    link = _survey_link(load(env_file), session_id, attend=hadir)
    try:
        with atomic_output(out, "Kode QR", "survei.png") as tmp:
            _qr_code(link).save(str(tmp), kind=kind, scale=10, border=4)
    except FileProblem as exc:
        fail(str(exc), exc.code)
    typer.echo(f"Kode QR untuk {link} ditulis ke {out}")


def _qr_code(link: str) -> Any:
    """The QR code of a survey link, the same on the venue's poster and on the paper form."""
    import segno

    return segno.make(link, error="m")


def _check_out(out: Path, suffix: str, what: str) -> None:
    """Refuse, before any work, an output that is no file (a folder, a device) or names another format."""
    try:
        check_output(out, f"{what.lower()}{suffix}")
    except FileProblem as exc:
        fail(str(exc), exc.code)
    if out.suffix and out.suffix.lower() != suffix:
        fail(
            f"Berkas ini ditulis sebagai {suffix}: beri nama berakhiran {suffix}, mis. {out.with_suffix(suffix)}."
        )


@survey_app.command("paper")
def paper(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    out: Annotated[Path, typer.Option("--out", help="Berkas PDF tujuan (A4).")] = Path("formulir-survei.pdf"),
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Cetak kuesioner survei sesi di kertas A4 (huruf besar, kotak centang, kode QR survei dan kode QR
    pencatatan kehadiran untuk yang memakai ponsel), dari pertanyaan yang sama dengan survei di Telegram.

    Example: ngopas survey paper 12 --out formulir-12.pdf
    """
    from bot.domain.links import attend_link
    from bot.domain.survey.paper import paper_form, write_paper_form

    _check_out(out, ".pdf", "Formulir")
    settings = load(env_file)
    link = _survey_link(settings, session_id)
    png = io.BytesIO()
    _qr_code(link).save(png, kind="png", scale=10, border=2)
    attend = attend_link(_bot_username(settings), session_id)  # the session was found just above
    attend_png = io.BytesIO()
    _qr_code(attend).save(attend_png, kind="png", scale=10, border=2)
    form = run_async(
        settings,
        lambda rt: paper_form(
            rt,
            session_id,
            link=link,
            qr_png=png.getvalue(),
            attend_link=attend,
            attend_qr_png=attend_png.getvalue(),
        ),
    )
    try:
        write_paper_form(form, out)
    except FileProblem as exc:
        fail(str(exc), exc.code)
    typer.echo(f"Formulir survei sesi #{session_id} ({len(form.questions)} pertanyaan) ditulis ke {out}.")


@survey_app.command("template")
def template(
    session_id: Annotated[int, typer.Argument(help="Nomor sesi.")],
    out: Annotated[Path, typer.Option("--out", help="Berkas Excel tujuan.")] = Path("isian-survei.xlsx"),
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Templat Excel untuk mengetik formulir kertas: satu baris per formulir, pilihan jawaban dari daftar;
    hasilnya dimuat dengan `ngopas import-responses`.

    Example: ngopas survey template 12 --out isian-12.xlsx
    """
    from bot.domain.sessions import SessionNotFound
    from bot.domain.survey.paper import paper_form, write_entry_template

    _check_out(out, ".xlsx", "Isian")
    settings = load(env_file)
    try:
        form = run_async(settings, lambda rt: paper_form(rt, session_id, file_name=out.name))
    except SessionNotFound:
        fail(f"Sesi #{session_id} tidak ditemukan.")
    try:
        write_entry_template(form, out)
    except FileProblem as exc:
        fail(str(exc), exc.code)
    typer.echo(f"Templat isian sesi #{session_id} ditulis ke {out}; ketik satu formulir per baris.")
