"""`ngopas publish` and `ngopas serve`: the public results page (Papan IKM) as a static site, and a look at it."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.base.files import FileProblem
from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say

DEFAULT_PORT = 8000


def publish(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder situs (default: NGOPAS_PUBLISH_DIR). Diganti utuh, sekaligus."),
    ] = None,
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Tulis Papan IKM: halaman publik hasil survei, tindak lanjut dan aspirasi (HTML statis, tanpa
    JavaScript; Indonesia di akar, English di /en/).

    Example: ngopas publish --out situs/
    """
    from bot.delivery.publisher import publish as write_site

    settings = load(env_file, quiet=quiet)
    target = out or settings.publish_dir
    if target is None:
        fail("Sebutkan foldernya: ngopas publish --out situs/ (atau isi NGOPAS_PUBLISH_DIR).")

    async def body(rt: Any) -> Any:
        try:
            return await write_site(rt, target)
        except FileProblem as exc:
            fail(str(exc), exc.code)

    data = run_async(settings, body)
    pages = len(data.periods) + len(data.sessions) + 5
    say(f"Papan IKM ditulis ke {target} ({pages} halaman, juga dalam bahasa Inggris di {target}/en/).", quiet)


def serve(
    folder: Annotated[Path, typer.Argument(help="Folder situs yang ditulis ngopas publish.")] = Path("situs"),
    port: Annotated[int, typer.Option("--port", help="Port di 127.0.0.1 (1–65535).")] = DEFAULT_PORT,
) -> None:
    """Tampilkan situs Papan IKM di komputer ini (http://127.0.0.1:PORT), untuk melihatnya sebelum diunggah.

    Example: ngopas serve situs --port 8000
    """
    if not 1 <= port <= 65535:
        fail(f"Port harus 1 sampai 65535, bukan {port}.")
    if not (folder / "index.html").is_file():
        fail(f"{folder} belum berisi situs; tulis dulu dengan: ngopas publish --out {folder}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        fail(f"Port {port} tidak dapat dipakai ({exc.strerror or exc}); coba --port lain.", 2)
    typer.echo(f"Papan IKM: http://127.0.0.1:{port}/  (Ctrl+C untuk berhenti)")
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            typer.echo("Selesai.")
