"""The `ngopas` command line: one module per command group, wired here.

Each command parses its arguments, calls one domain or delivery service (the same functions the Telegram
commands call, sqlite-utils style) and prints one line; see `bot/cli/common.py` for what they share.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from bot.cli import calendar, ops, report, run, sheets, site
from bot.cli.forms import forms_app
from bot.cli.rtl import rtl_app
from bot.cli.sessions import session_app
from bot.cli.sheets import sheets_app
from bot.cli.survey import survey_app

_value_type = TyperOption.display_type_rich


def _no_type_for_flags(self: TyperOption, ctx: Any) -> str | None:
    """Typer's help prints a type after every option, so each flag (`--help` and `--quiet` included) shows
    `<bool>` as if it took a value; a flag takes none, and shows none."""
    if self.is_flag or self.count:
        return None
    return _value_type(self, ctx)


TyperOption.display_type_rich = _no_type_for_flags  # type: ignore[method-assign]

app = typer.Typer(
    help="NGOPAS bot: pengumuman sesi, survei IKM, aspirasi dan laporan. / NGOPAS bot CLI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"ngopas-bot {version('ngopas-bot')}")
        except PackageNotFoundError:  # run from a folder without installing
            typer.echo("ngopas-bot (versi tidak diketahui: paket belum dipasang)")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Tampilkan versi lalu keluar.", callback=_show_version, is_eager=True),
    ] = False,
) -> None:
    """NGOPAS bot: pengumuman sesi, survei IKM, aspirasi dan laporan. / NGOPAS bot CLI."""


app.command()(run.start)
app.command()(run.run)
app.command()(run.demo)
app.add_typer(session_app, name="session")
app.add_typer(survey_app, name="survey")
app.command()(report.report)
app.command("import-responses")(report.import_responses)
app.add_typer(forms_app, name="forms")
app.command()(site.publish)
app.command()(site.serve)
app.add_typer(sheets_app, name="sheets")
app.add_typer(rtl_app, name="rtl")
app.command()(sheets.sync)
app.command()(calendar.calendar)
app.command()(ops.doctor)
app.command("backup")(ops.backup)
app.command("restore")(ops.restore)
app.command()(ops.migrate)

# Telegram's HTTP client logs every request at INFO; only its warnings matter to an operator.
logging.getLogger("httpx").setLevel(logging.WARNING)


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
