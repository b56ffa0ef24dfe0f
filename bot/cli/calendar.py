"""`ngopas calendar`: the sessions as calendar files people subscribe to (Google Calendar, a phone)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.base.files import FileProblem, atomic_output
from bot.cli.common import EnvFile, Quiet, fail, load, run_async, say

if TYPE_CHECKING:
    from bot.domain.runtime import Runtime


def calendar(
    out: Annotated[
        Path | None, typer.Option("--out", help="Berkas .ics yang ditulis, mis. ngopas.ics.")
    ] = None,
    section: Annotated[
        str | None, typer.Option("--section", help="Hanya satu bidang, mis. 'Bimas Islam'.")
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Folder untuk situs kantor: sesi-N.ics per sesi, satu feed per bidang, dan ngopas.ics "
            "(diterbitkan di NGOPAS_CALENDAR_URL).",
        ),
    ] = None,
    env_file: EnvFile = Path("settings.env"),
    quiet: Quiet = False,
) -> None:
    """Tulis kalender sesi (.ics) untuk dilanggan di Google Calendar atau ponsel.

    Sesi yang diubah muncul dengan waktu barunya, yang dibatalkan ditandai batal.

    Example: ngopas calendar --out ngopas-bimas.ics --section "Bimas Islam"
    """
    if (out is None) == (folder is None):
        fail("Beri salah satu: --out BERKAS.ics atau --dir FOLDER.")
    if folder is not None and section:
        fail("--section hanya untuk --out; --dir sudah menulis satu feed per bidang.")
    settings = load(env_file, quiet=quiet)
    from bot.domain import calendar as cal
    from bot.domain.parsing import match_section

    chosen = None
    if section:
        chosen = match_section(section, settings.sections)
        if chosen is None:
            fail(f"Bidang tidak dikenal: {section}. Pilihan: {', '.join(settings.sections)}.")

    async def body(rt: Runtime) -> Any:
        if folder is not None:
            return await cal.folder_files(rt, settings.language)
        return {"": await cal.feed(rt, section=chosen, lang=settings.language)}

    files = run_async(settings, body)
    try:
        for name, data in files.items():
            target = out if not name else folder / name  # type: ignore[operator]
            with atomic_output(target, "Kalender", "ngopas.ics") as tmp:
                tmp.write_bytes(data)
    except FileProblem as exc:
        fail(str(exc), exc.code)
    if out is not None:
        say(f"Kalender ditulis ke {out}.", quiet)
    else:
        say(f"{len(files)} berkas kalender ditulis ke {folder}.", quiet)
