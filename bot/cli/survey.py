"""`ngopas survey link | qr`: the survey's link and a QR code to print for the venue."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.base.files import FileProblem, atomic_output
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


def _survey_link(settings: Settings, session_id: int) -> str:
    from bot.domain.links import survey_link
    from bot.domain.sessions import SessionNotFound, get_session

    try:
        run_async(settings, lambda rt: get_session(rt, session_id))
    except SessionNotFound:
        fail(f"Sesi #{session_id} tidak ditemukan.")
    return survey_link(_bot_username(settings), session_id)


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
    env_file: EnvFile = Path("settings.env"),
) -> None:
    """Tulis kode QR tautan survei ke PNG untuk dicetak di lokasi sesi.

    Example: ngopas survey qr 12 --out survei-12.png
    """
    import segno

    kind = out.suffix.lower().lstrip(".") or "png"
    if kind not in QR_KINDS:
        fail(
            f"Kode QR ditulis sebagai {', '.join(QR_KINDS)}: beri nama berakhiran .png, mis. {out.with_suffix('.png')}."
        )
    link = _survey_link(load(env_file), session_id)
    try:
        with atomic_output(out, "Kode QR", "survei.png") as tmp:
            segno.make(link, error="m").save(str(tmp), kind=kind, scale=10, border=4)
    except FileProblem as exc:
        fail(str(exc), exc.code)
    typer.echo(f"Kode QR untuk {link} ditulis ke {out}")
