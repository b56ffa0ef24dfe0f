"""`ngopas start | run | demo`: the product itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.base import heap
from bot.base.files import FileProblem
from bot.cli.common import EnvFile, PersonalLog, Verbose, fail, load, run_async, setup_logging


def start(
    env_file: EnvFile = Path("settings.env"), verbose: Verbose = False, personal: PersonalLog = False
) -> None:
    """Jalankan produk: bot sungguhan bila token diisi, jika tidak demo luring.

    Example: ngopas start
    """
    settings = load(env_file, quiet=True)  # `run` says which settings and database it uses
    if settings.offline:
        typer.echo("NGOPAS_BOT_TOKEN belum diisi: menjalankan demo luring (tanpa Telegram/Google).\n")
        demo(verbose=verbose, personal=personal)
    else:
        run(env_file=env_file, verbose=verbose, personal=personal)


def run(
    env_file: EnvFile = Path("settings.env"),
    verbose: Verbose = False,
    personal: PersonalLog = False,
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
    heap.limit_malloc_arenas()  # before any thread starts (bot.base.heap)
    setup_logging(verbose, personal)
    settings = load(env_file)
    if settings.offline:
        fail(
            "NGOPAS_BOT_TOKEN belum diisi di settings.env. Isi token dari @BotFather, atau jalankan `ngopas demo`."
        )
    from bot.base.settings import SettingsError

    try:
        settings.require_salt()  # surveys must never start with a known salt: pseudonyms would be reversible
        if webhook:
            if not webhook.startswith("https://"):
                fail("Alamat --webhook harus diawali https:// (Telegram hanya mengirim ke HTTPS).")
            settings.webhook_secret_token()
    except SettingsError as exc:
        fail(str(exc))
    from bot.telegram.app import run_bot
    from bot.telegram.identity import TelegramProblem, TokenRejected

    try:
        run_async(settings, lambda rt: run_bot(rt, webhook_url=webhook), create=True)
    except TokenRejected:
        fail("Token bot ditolak Telegram (NGOPAS_BOT_TOKEN). Periksa token di @BotFather.")
    except TelegramProblem as exc:
        fail(
            f"Tidak dapat menghubungi Telegram ({exc.message}). Periksa koneksi internet atau NGOPAS_BOT_API_BASE_URL."
        )


def demo(
    verbose: Verbose = False,
    personal: PersonalLog = False,
    keep: Annotated[
        Path | None,
        typer.Option(
            help="Folder berkas demo (default data/demo, diganti tiap kali); folder lain harus baru atau kosong."
        ),
    ] = None,
) -> None:
    """Demo luring: bot sungguhan melawan emulator Telegram lokal, warga simulasi, waktu dipercepat.

    Example: ngopas demo
    """
    setup_logging(verbose, personal)
    from bot.dev.demo import run_demo

    try:
        run_demo(keep_dir=keep, verbose=verbose)
    except FileProblem as exc:
        fail(str(exc), exc.code)
