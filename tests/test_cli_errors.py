"""Every `ngopas` command, given hostile files and settings, ends in one sentence and exit 1 or 2.

For each command (all of them, listed from the CLI itself, so a new command without cases fails here): an
output that is a folder, a device, a pipe, a symlink or under a regular file; an input that is a folder, a
pipe, binary, missing, a CSV with stray quotes or one column, an .xlsx that is no workbook; a damaged
database; a PostgreSQL server that does not answer; settings with absurd numbers.  Nothing may end in a
traceback, and nothing named may be replaced or emptied.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from bot.cli import app
from reports.instrument import UNSUR_KEYS
from tests.hang import HANG_GUARD_SECONDS

from .test_backup_restore import NGOPAS, on_a_full_disk

runner = CliRunner()
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SALT = "cli-errors-salt-0123456789abcdef"


def leaf_commands(group=None, prefix=()) -> list[tuple[str, ...]]:
    group = group or typer.main.get_command(app)
    found = []
    for name, cmd in group.commands.items():
        if getattr(cmd, "commands", None):
            found += leaf_commands(cmd, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]  # after the command; {name} is a file of the world below
    settings: str = "good"  # which settings file: good, corrupt, huge, zero_rate, postgres, wb_dir, wb_fifo
    code: int | None = None  # None: 1 or 2
    says: str = ""  # a fragment of the sentence
    process: bool = False  # a real process with a timeout (a pipe would block the old code forever)
    checklist: bool = False  # doctor: the checklist on stdout, the verdict on stderr
    unchanged: tuple[str, ...] = field(default=())  # world files that must be left as they were


OUT = ("dir", "device", "fifo", "link", "under_file")
NOT_REGULAR = {"device": "bukan berkas biasa", "fifo": "bukan berkas biasa", "link": "bukan berkas biasa"}


def outputs(*args: str, before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> list[Case]:
    """The command writing to each hostile output named OUT in `args`."""
    cases = []
    for target in OUT:
        says = {"dir": "adalah folder", "under_file": "bukan folder"}.get(target, NOT_REGULAR.get(target, ""))
        cases.append(
            Case(
                (*before, *[a.replace("OUT", "{" + target + "}") for a in args], *after),
                code=2,
                says=says,
                process=target in ("fifo", "device"),  # the old code blocked writing into a pipe
                unchanged=(target,) if target != "under_file" else ("real",),
            )
        )
    return cases


def inputs(*args: str, csv: bool = True) -> list[Case]:
    """The command reading each hostile input named IN in `args`."""

    def case(name: str, says: str, **kw) -> Case:
        return Case(tuple(a.replace("IN", "{" + name + "}") for a in args), code=2, says=says, **kw)

    found = [
        case("dir", "adalah folder", unchanged=("dir",)),
        case("fifo", "bukan berkas biasa", process=True),
        case("missing", "tidak ditemukan"),
    ]
    if csv:
        found += [case("binary", "bukan berkas teks")]
    return found


GOOD_CSV = "{responses}"
SHEET = "https://docs.google.com/spreadsheets/d/1FormResponsesAbCdEfGhIjKlMnOpQrStUvWxYz0123/edit"
CASES: dict[tuple[str, ...], list[Case]] = {
    ("start",): [
        Case((), "corrupt", 1, "rusak"),
        Case((), "huge", 2, "NGOPAS_SURVEY_WINDOW_DAYS"),
    ],
    ("run",): [
        Case((), "corrupt", 1, "rusak"),
        Case((), "postgres", 1, "PostgreSQL"),
        Case((), "zero_rate", 2, "NGOPAS_BROADCAST_PER_SECOND"),
        Case((), "huge", 2, "NGOPAS_SURVEY_WINDOW_DAYS"),
    ],
    ("demo",): [
        Case(("--keep", "{real}"), code=2, says="bukan folder", unchanged=("real",)),
        Case(("--keep", "{dir}"), code=2, says="berisi berkas lain", unchanged=("dir",)),
        Case(("--keep", "{device}"), code=2, says="bukan folder", unchanged=("device",)),
    ],
    ("report",): [
        *outputs("--input", GOOD_CSV, "--format", "json", "--out", "OUT"),
        *outputs("--input", GOOD_CSV, "--format", "pdf", "--out", "OUT"),
        *inputs("--input", "IN"),
        Case(("--input", "{stray_quotes}"), code=2, says="tanda kutip"),
        Case(("--input", "{one_column}"), code=2, says="tidak ada kolom unsur"),
        Case(("--session", "1"), "corrupt", 1, "rusak"),
    ],
    ("import-responses",): [
        *[
            Case((*c.args, "--session", "1"), c.settings, c.code, c.says, c.process, False, c.unchanged)
            for c in inputs("IN")
        ],
        Case(("{stray_quotes}", "--session", "1"), code=2, says="tanda kutip"),
        Case((GOOD_CSV, "--session", "1"), "corrupt", 1, "rusak"),
    ],
    ("forms", "link"): [
        Case(
            ("--session", "1", "--sheet", "https://docs.google.com/forms/d/e/1FAIpQ/viewform"),
            code=2,
            says="Lihat di Spreadsheet",
        ),
        Case(("--session", "1", "--sheet", "jawaban survei"), code=2, says="bukan alamat atau ID"),
        Case(
            ("--session", "1", "--sheet", SHEET),
            code=2,
            says="hanya dapat ditarik bila bot memakai Google Sheets",
        ),
        Case(("--session", "7", "--sheet", SHEET), code=2, says="Sesi #7 tidak ditemukan"),
        Case(("--session", "1", "--sheet", SHEET, "--date-format", "YYYY"), code=2, says="DD/MM/YYYY"),
        Case(("--session", "1", "--sheet", SHEET), "corrupt", 1, "rusak"),
    ],
    ("forms", "list"): [Case((), "corrupt", 1, "rusak")],
    ("forms", "unlink"): [
        Case(("3",), code=2, says="Tautan #3 tidak ada"),
        Case(("1",), "corrupt", 1, "rusak"),
    ],
    ("sync",): [
        Case((), "corrupt", 1, "rusak"),
        Case((), "wb_dir", None, "bukan berkas biasa", unchanged=("dir",)),
        Case((), "wb_fifo", None, "bukan berkas biasa", process=True, unchanged=("fifo",)),
        Case((), "huge", 2, "NGOPAS_SURVEY_WINDOW_DAYS"),
    ],
    ("doctor",): [
        Case((), "corrupt", 1, "masalah menghalangi", checklist=True),
        Case((), "postgres", 1, "masalah menghalangi", checklist=True),
        Case((), "wb_dir", 1, "masalah menghalangi", checklist=True),
        Case((), "zero_rate", 2, "NGOPAS_BROADCAST_PER_SECOND"),
    ],
    ("backup",): [
        *outputs("OUT"),
        Case(("{new_backup}",), "corrupt", 1, "rusak"),
    ],
    ("restore",): [
        *inputs("IN", csv=False),
        Case(("{binary}",), code=2, says="bukan cadangan"),
        Case(("{real}",), "postgres", 2, "pg_dump"),
    ],
    ("migrate",): [
        Case((), "corrupt", 1, "rusak"),
        Case((), "postgres", 1, "PostgreSQL"),
        Case((), "huge", 2, "NGOPAS_SURVEY_WINDOW_DAYS"),
    ],
    ("session", "add"): [
        Case(("--title", "X", "--section", "PHU", "--when", "23/03/2030 09.00"), "corrupt", 1, "rusak"),
        Case(("--title", "X", "--section", "PHU", "--when", "23/03/2030 09.00"), "huge", 2, "NGOPAS_SURVEY"),
        Case(("--title", "X", "--section", "PHU", "--when", "23/03/2030 09.00"), "postgres", 1, "PostgreSQL"),
        Case(
            ("--title", "X", "--section", "PHU", "--when", "31/12/9999 09.00"),
            code=2,
            says="di luar jangkauan",
        ),
        Case(
            ("--title", "X", "--section", "PHU", "--when", "23/03/2030 09.00", "--repeat", "kadang"),
            code=2,
            says="Pola pengulangan tidak dikenali",
        ),
        Case(
            ("--title", "X", "--section", "PHU", "--when", "23/03/2030 09.00", "--coords", "999, 999"),
            code=2,
            says="Koordinat tidak dikenali",
        ),
    ],
    ("session", "list"): [Case((), "corrupt", 1, "rusak")],
    ("rtl", "list"): [Case((), "corrupt", 1, "rusak"), Case((), "postgres", 1, "PostgreSQL")],
    ("rtl", "set"): [
        Case(("RTL-2026-001", "--status", "Selesai"), "corrupt", 1, "rusak"),
        Case(("RTL-2026-001", "--status", "Beres"), code=1, says="tidak dikenal"),
        Case(("RTL-2026-001",), code=2, says="Tidak ada yang diubah"),
    ],
    ("rtl", "propose"): [
        Case(("--period", "2026-Q1"), "corrupt", 1, "rusak"),
        Case(("--period", "kemarin"), code=2, says="Periode tidak dikenali"),
    ],
    ("session", "edit"): [
        Case(("1", "--venue", "Aula"), "corrupt", 1, "rusak"),
        Case(("1", "--when", "31/12/9999 09.00"), code=2, says="di luar jangkauan"),
    ],
    ("session", "cancel"): [
        Case(("1",), "corrupt", 1, "rusak"),
        Case(("1", "--series"), code=2, says="bukan bagian dari sesi berulang"),
    ],
    ("session", "attendance"): [
        Case(("1", "--count", "5"), "corrupt", 1, "rusak"),
        Case(("1", "--count", "100001"), code=2, says="--count harus 0 sampai 100.000"),
        Case(("1", "--count", "5", "--mode", "radio"), code=2, says="lokasi, zoom atau youtube"),
        Case(("7", "--count", "5"), code=2, says="Sesi #7 tidak ditemukan"),
    ],
    ("session", "close"): [
        *inputs("1", "--photo", "IN", csv=False),
        Case(("1", "--notes", "Ramai"), "corrupt", 1, "rusak"),
        Case(("7", "--notes", "Ramai"), code=2, says="Sesi #7 tidak ditemukan"),
    ],
    ("session", "import"): [
        *inputs("IN"),
        Case(("{binary_csv}",), code=2, says="bukan berkas teks"),
        Case(("{one_column}",), code=2, says="judul kolom"),
        Case(("{stray_quotes}",), code=2, says="tanda kutip"),
        Case(("{not_zip}",), code=2, says="bukan berkas Excel"),
        Case(("{zip_not_xlsx}",), code=2, says="bukan berkas Excel"),
        Case(("{empty}",), code=2, says="kosong"),
        Case(("{old_excel}",), code=2, says=".xls"),
        Case(("{sessions}",), "corrupt", 1, "rusak"),
    ],
    ("survey", "link"): [Case(("1",), "corrupt", 1, "rusak")],
    ("survey", "qr"): [
        *outputs("1", "--out", "OUT"),
        Case(("1", "--out", "{jpg}"), code=2, says=".png"),
        Case(("1",), "corrupt", 1, "rusak"),
    ],
    ("survey", "paper"): [
        *outputs("1", "--out", "OUT"),
        Case(("7", "--out", "{new_pdf}"), code=2, says="Sesi #7 tidak ditemukan"),
        Case(("1", "--out", "{jpg}"), code=2, says=".pdf"),
        Case(("1", "--out", "{new_pdf}"), "corrupt", 1, "rusak"),
    ],
    ("survey", "template"): [
        *outputs("1", "--out", "OUT"),
        Case(("7", "--out", "{new_xlsx}"), code=2, says="Sesi #7 tidak ditemukan"),
        Case(("1", "--out", "{sessions}"), code=2, says=".xlsx", unchanged=("sessions",)),
        Case(("1", "--out", "{new_xlsx}"), "corrupt", 1, "rusak"),
    ],
    ("calendar",): [
        *outputs("--out", "OUT"),
        Case(("--out", "{new_backup}"), "corrupt", 1, "rusak"),
        Case(("--dir", "{real}"), code=2, says="bukan folder", unchanged=("real",)),
        Case((), code=2, says="Beri salah satu"),
    ],
    ("publish",): [  # a folder, not a file: someone's folder, file, device, pipe or link is never replaced
        Case(("--out", "{dir}"), code=2, says="sudah berisi berkas lain", unchanged=("dir",)),
        Case(("--out", "{real}"), code=2, says="bukan folder situs", unchanged=("real",)),
        Case(("--out", "{device}"), code=2, says="bukan folder situs", process=True, unchanged=("device",)),
        Case(("--out", "{fifo}"), code=2, says="bukan folder situs", process=True, unchanged=("fifo",)),
        Case(("--out", "{link}"), code=2, says="tautan ke tempat lain", unchanged=("link", "real")),
        Case(("--out", "{under_file}"), code=2, says="bukan folder", unchanged=("real",)),
        Case(("--out", "{new_pdf}"), "corrupt", 1, "rusak"),
        Case((), code=2, says="NGOPAS_PUBLISH_DIR"),
    ],
    ("serve",): [
        Case(("{dir}",), code=2, says="belum berisi situs", unchanged=("dir",)),
        Case(("{real}",), code=2, says="belum berisi situs", unchanged=("real",)),
        Case(("{missing}", "--port", "0"), code=2, says="Port harus 1 sampai 65535"),
    ],
    ("sheets", "init"): [
        Case((), "wb_dir", 2, "bukan berkas biasa", unchanged=("dir",)),
        Case((), "corrupt", 1, "rusak"),
    ],
    ("sheets", "rebuild"): [
        Case((), "corrupt", 1, "rusak"),
        Case((), "wb_dir", None, "bukan berkas biasa", unchanged=("dir",)),
        Case((), "wb_fifo", None, "bukan berkas biasa", process=True, unchanged=("fifo",)),
        Case((), "huge", 2, "NGOPAS_SURVEY_WINDOW_DAYS"),
    ],
}


def test_every_command_has_hostile_cases():
    assert sorted(leaf_commands()) == sorted(CASES), "add the new command's hostile cases to CASES"


# --- the world ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated database with session #1 (made once per worker)."""
    folder = tmp_path_factory.mktemp("template")
    env = folder / "settings.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{folder / 'db.sqlite'}\n")
    clean = {k: None for k in os.environ if k.startswith("NGOPAS_")}
    added = runner.invoke(
        app,
        [
            "session",
            "add",
            "--title",
            "Dialog",
            "--section",
            "PHU",
            "--when",
            "23/03/2030 09.00",
            "--env-file",
            str(env),
        ],
        env=clean,
    )
    assert added.exit_code == 0, added.output
    return folder / "db.sqlite"


def make_world(tmp: Path, template: Path) -> dict[str, Path]:
    w: dict[str, Path] = {}
    shutil.copy(template, tmp / "db.sqlite")
    w["real"] = tmp / "real.txt"
    w["real"].write_text("isi lama\n")
    w["dir"] = tmp / "folder"
    w["dir"].mkdir()
    (w["dir"] / "dokumen.txt").write_text("milik petugas\n")
    os.mkfifo(tmp / "pipa")
    w["fifo"] = tmp / "pipa"
    try:
        os.mknod(tmp / "full", 0o600 | stat.S_IFCHR, os.makedev(1, 7))  # what /dev/full is
        w["device"] = tmp / "full"
    except PermissionError:
        os.mkfifo(tmp / "full")  # not root: another special file stands in
        w["device"] = tmp / "full"
    (tmp / "tautan").symlink_to(w["real"])
    w["link"] = tmp / "tautan"
    w["under_file"] = w["real"] / "keluar.png"
    w["missing"] = tmp / "tidak-ada.csv"
    w["new_backup"] = tmp / "cadangan.db"
    w["jpg"] = tmp / "survei.jpg"
    w["new_pdf"] = tmp / "formulir.pdf"
    w["new_xlsx"] = tmp / "isian.xlsx"
    w["binary"] = tmp / "acak.bin"
    w["binary"].write_bytes(bytes(range(256)) * 20)
    w["binary_csv"] = tmp / "acak.csv"
    w["binary_csv"].write_bytes(bytes(range(256)) * 20)
    w["one_column"] = tmp / "satu-kolom.csv"
    w["one_column"].write_text("nama\nBudi\nSiti\n")
    w["stray_quotes"] = tmp / "kutip.csv"
    keys = ",".join(UNSUR_KEYS)
    w["stray_quotes"].write_text(
        f'Judul,Bidang,Waktu,{keys}\n"Dialog KUB,PHU,23/03/2030 09.00\n' + "x" * 140_000 + "\n"
    )
    w["not_zip"] = tmp / "jadwal.xlsx"
    w["not_zip"].write_text("Judul;Bidang\nbukan excel\n")
    w["zip_not_xlsx"] = tmp / "arsip.xlsx"
    with zipfile.ZipFile(w["zip_not_xlsx"], "w") as archive:
        archive.writestr("catatan.txt", "bukan buku kerja")
    w["empty"] = tmp / "kosong.csv"
    w["empty"].write_text("")
    w["old_excel"] = tmp / "jadwal.xls"
    w["old_excel"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    w["sessions"] = tmp / "jadwal.csv"
    w["sessions"].write_text("Judul;Bidang;Waktu\nDialog;PHU;24/03/2030 09.00\n")
    w["responses"] = tmp / "kertas.csv"
    w["responses"].write_text(f"tanggal,{keys}\n05/03/2026,{','.join(['4'] * len(UNSUR_KEYS))}\n")
    corrupt = tmp / "rusak.db"
    corrupt.write_bytes(b"bukan basis data " * 400)

    base = {
        "NGOPAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'db.sqlite'}",
        "NGOPAS_WORKBOOK_PATH": str(tmp / "wb.xlsx"),
        "NGOPAS_BOT_USERNAME": "kemenag_ngopas_bot",
        "NGOPAS_BOT_API_BASE_URL": "http://127.0.0.1:9/bot",
        "NGOPAS_BOT_API_FILE_URL": "http://127.0.0.1:9/file/bot",
        "NGOPAS_PSEUDONYM_SALT": SALT,
    }
    variants = {
        "good": {},
        "corrupt": {"NGOPAS_DATABASE_URL": f"sqlite+aiosqlite:///{corrupt}", "NGOPAS_BOT_TOKEN": TOKEN},
        "huge": {"NGOPAS_SURVEY_WINDOW_DAYS": "99999999", "NGOPAS_BOT_TOKEN": TOKEN},
        "zero_rate": {"NGOPAS_BROADCAST_PER_SECOND": "0", "NGOPAS_BOT_TOKEN": TOKEN},
        "postgres": {
            "NGOPAS_DATABASE_URL": "postgresql+asyncpg://ngopas:sandiRahasia9@127.0.0.1:9/ngopas",
            "NGOPAS_BOT_TOKEN": TOKEN,
        },
        "wb_dir": {"NGOPAS_WORKBOOK_PATH": str(w["dir"])},
        "wb_fifo": {"NGOPAS_WORKBOOK_PATH": str(w["fifo"])},
    }
    for name, extra in variants.items():
        path = tmp / f"{name}.env"
        path.write_text("".join(f"{k}={v}\n" for k, v in {**base, **extra}.items()))
        w[f"env:{name}"] = path
    return w


def snapshot(path: Path) -> object:
    mode = os.lstat(path).st_mode
    if stat.S_ISDIR(mode):
        return ("dir", sorted((p.name, p.read_bytes()) for p in path.iterdir()))
    if stat.S_ISLNK(mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(mode):
        return ("file", path.read_bytes())
    return ("special", stat.S_IFMT(mode))


def run(tmp: Path, args: list[str], process: bool):
    if process:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bot.cli", *args],
                cwd=tmp,
                env={k: v for k, v in os.environ.items() if not k.startswith("NGOPAS_")},
                capture_output=True,
                text=True,
                timeout=HANG_GUARD_SECONDS,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"ngopas {' '.join(args)} did not finish (blocked on a pipe?)")
        return done.returncode, done.stdout, done.stderr, None
    result = runner.invoke(app, args)
    crashed = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout, result.stderr, crashed


ALL = [(path, case) for path, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(
    ("command", "case"),
    ALL,
    ids=[f"{'-'.join(p)}:{c.settings}:{' '.join(c.args)}" for p, c in ALL],
)
def test_hostile_input_ends_in_one_sentence(tmp_path, monkeypatch, template, command, case):
    monkeypatch.chdir(tmp_path)
    world = make_world(tmp_path, template)
    before = {name: snapshot(world[name]) for name in case.unchanged}
    args = [
        *command,
        *[a.format(**{k: str(v) for k, v in world.items() if ":" not in k}) for a in case.args],
    ]
    if command not in (("demo",), ("serve",)):  # these read no settings
        args += ["--env-file", str(world[f"env:{case.settings}"])]
    code, out, err, crashed = run(tmp_path, args, case.process)

    assert crashed is None, f"{args}: {crashed!r}"
    assert "Traceback" not in out + err, err
    assert code in ((case.code,) if case.code else (1, 2)), (code, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"one sentence on stderr, got: {err!r}"
    assert case.says in lines[0], lines[0]
    if case.checklist:
        assert "❌" in out, out
    assert "sandiRahasia9" not in out + err and TOKEN not in out + err
    for name, was in before.items():
        assert snapshot(world[name]) == was, f"{name} was changed"


def test_doctor_on_a_damaged_database_still_shows_the_whole_checklist(tmp_path, monkeypatch, template):
    monkeypatch.chdir(tmp_path)
    world = make_world(tmp_path, template)
    result = runner.invoke(app, ["doctor", "--env-file", str(world["env:corrupt"])])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    out = result.stdout
    assert "❌ Basis data: Basis data" in out and "rusak" in out and "ngopas restore" in out
    for other in ("Berkas pengaturan", "Token bot", "Zona waktu", "Spreadsheet"):
        assert other in out, other
    assert result.stderr.strip().endswith("masalah menghalangi bot berjalan.")


# --- what a command works on: the settings file, the database, the names it reads ------------------------


def test_a_command_in_a_folder_without_settings_creates_no_database(tmp_path, monkeypatch):
    """Staff in the wrong folder must not edit a new empty database the bot never reads."""
    monkeypatch.chdir(tmp_path)
    for command in (
        ["session", "list"],
        ["session", "add", "--title", "X", "--section", "PHU", "--when", "23/03/2030 09.00"],
        ["survey", "link", "1"],
        ["sync"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        where, refusal = [line for line in result.stderr.splitlines() if line.strip()]
        assert where.startswith("Pengaturan: tidak ada settings.env di " + str(tmp_path))
        assert f"basis data: {tmp_path / 'data' / 'ngopas.db'}" in where
        assert "belum ada" in refusal and "ngopas migrate" in refusal and "--env-file" in refusal
        assert not (tmp_path / "data" / "ngopas.db").exists()
    # asked for: `ngopas migrate` creates it, and then the same commands work on it
    created = runner.invoke(app, ["migrate"])
    assert created.exit_code == 0, created.output
    assert (tmp_path / "data" / "ngopas.db").exists()
    listed = runner.invoke(app, ["session", "list"])
    assert listed.exit_code == 0 and "Belum ada sesi." in listed.stdout
    assert f"basis data: {tmp_path / 'data' / 'ngopas.db'}" in listed.stderr


def test_the_settings_file_in_use_is_named_and_quiet_stays_quiet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.env").write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'kantor.db'}\n"
    )
    listed = runner.invoke(app, ["session", "list"])  # a settings file naming the database: it is created
    assert listed.exit_code == 0, listed.output
    assert listed.stderr.strip() == (
        f"Pengaturan: {tmp_path / 'settings.env'}; basis data: {tmp_path / 'kantor.db'}"
    )
    quiet = runner.invoke(app, ["backup", "--quiet", str(tmp_path / "b.db")])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_a_misspelt_setting_is_named_with_the_right_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\nNGOPAS_BOT_TOKN={TOKEN}\n"
        f"NGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n"
    )
    monkeypatch.setenv("NGOPAS_ADMIN_ID", "1001")
    result = runner.invoke(app, ["session", "list", "--env-file", str(env)])
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert (
        f"Peringatan: NGOPAS_BOT_TOKN ({env}) tidak dikenal dan diabaikan; maksudnya NGOPAS_BOT_TOKEN?"
        in warnings
    )
    assert any("NGOPAS_ADMIN_ID (lingkungan)" in w and "NGOPAS_ADMIN_IDS?" in w for w in warnings)
    monkeypatch.setenv("NGOPAS_BOT_TOKN", TOKEN)  # systemd's EnvironmentFile= is the same file: said once
    again = runner.invoke(app, ["session", "list", "--env-file", str(env)])
    assert sum("NGOPAS_BOT_TOKN" in line for line in again.stderr.splitlines()) == 1
    assert TOKEN not in result.output
    doctor = runner.invoke(app, ["doctor", "--env-file", str(env)])
    assert "⚠️  Nama pengaturan: NGOPAS_BOT_TOKN" in doctor.stdout


# --- what files an operator really has ------------------------------------------------------------------


def test_a_windows_1252_csv_imports_with_its_accents(tmp_path, template):
    shutil.copy(template, tmp_path / "db.sqlite")
    env = tmp_path / "settings.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n")
    title = "Dialog “Kerukunan” di Café Jum’at"
    csv = tmp_path / "jadwal.csv"
    csv.write_bytes(f"Judul;Bidang;Waktu;Tempat\n{title};PHU;24/03/2030 09.00;Aula\n".encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        csv.read_text(encoding="utf-8")
    result = runner.invoke(app, ["session", "import", str(csv), "--env-file", str(env)])
    assert result.exit_code == 0, result.output
    assert "Baris 2: sesi #2 dibuat" in result.stdout
    listed = runner.invoke(app, ["session", "list", "--env-file", str(env)])
    assert title in listed.stdout

    paper = tmp_path / "kertas.csv"
    keys = ",".join(UNSUR_KEYS)
    paper.write_bytes(
        f"{keys},saran\n{','.join(['4'] * len(UNSUR_KEYS))},Ruangan kurang sejuk – café\n".encode("cp1252")
    )
    report = runner.invoke(app, ["report", "--input", str(paper), "--env-file", str(env)])
    assert report.exit_code == 0, report.output
    assert "IKM 100,00" in report.stdout


def test_a_workbook_path_that_is_a_symlink_stays_a_symlink(tmp_path):
    shared = tmp_path / "bersama"
    shared.mkdir()
    (tmp_path / "wb.xlsx").symlink_to(shared / "ngopas.xlsx")
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n"
        f"NGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n"
    )
    for _ in range(2):  # created through the link, then saved again through it
        result = runner.invoke(app, ["sheets", "init", "--env-file", str(env)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "wb.xlsx").is_symlink()
    assert zipfile.is_zipfile(shared / "ngopas.xlsx")


def test_version_and_flags_in_help():
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("ngopas-bot ")
    for path in (["--help"], ["backup", "--help"], ["session", "list", "--help"], ["run", "--help"]):
        result = runner.invoke(app, path, env={"COLUMNS": "120"})
        assert result.exit_code == 0
        assert "<bool>" not in result.stdout, result.stdout
    backup = runner.invoke(app, ["backup", "--help"], env={"COLUMNS": "120"}).stdout
    assert "<path>" in backup  # options that take a value still say what value


def test_outputs_on_a_full_disk_are_one_sentence_and_leave_nothing(tmp_path, template):
    world = make_world(tmp_path, template)
    disk = tmp_path / "disk"
    env = world["env:good"]
    commands = {
        "laporan.pdf": f"report --input {world['responses']} --format pdf --out {disk}/laporan.pdf",
        "laporan.json": f"report --input {world['responses']} --format json --out {disk}/laporan.json",
        "laporan.xlsx": f"report --input {world['responses']} --format xlsx --out {disk}/laporan.xlsx",
        "survei.png": f"survey qr 1 --out {disk}/survei.png",
        "formulir.pdf": f"survey paper 1 --out {disk}/formulir.pdf",
        "isian.xlsx": f"survey template 1 --out {disk}/isian.xlsx",
    }
    runs = [(name, f"{command} --env-file {env}") for name, command in commands.items()]
    # the local spreadsheet on the full disk too (written by `sheets init`, `sync` and the bot)
    sheet_env = tmp_path / "wb-on-disk.env"
    sheet_env.write_text(env.read_text().replace(str(tmp_path / "wb.xlsx"), f"{disk}/wb.xlsx"))
    runs.append(("wb.xlsx", f"sheets init --env-file {sheet_env}"))
    script = " ; ".join(
        f"{NGOPAS} {command} > {tmp_path}/{name}.out 2> {tmp_path}/{name}.err; echo {name}=$?"
        for name, command in runs
    )
    # fill the small disk first, so that every output meets ENOSPC
    filled = on_a_full_disk(
        tmp_path,
        disk,
        "64k",
        "unset NGOPAS_DATABASE_URL NGOPAS_WORKBOOK_PATH NGOPAS_DATA_DIR; "  # the settings file says it all
        f"dd if=/dev/zero of={disk}/isi bs=4096 2>/dev/null; {script}; ls -A {disk}",
    )
    lines = filled.stdout.split()
    for name in commands:
        assert f"{name}=1" in lines, (name, filled.stdout, (tmp_path / f"{name}.err").read_text())
        err = (tmp_path / f"{name}.err").read_text().strip()
        assert "Traceback" not in err and len(err.splitlines()) == 1, err
        assert "disk penuh" in err, err
    err = (tmp_path / "wb.xlsx.err").read_text().strip()
    assert "wb.xlsx=2" in lines and "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "tidak dapat disimpan" in err and "ruang disk" in err, err
    # no .part, no half-written file (the spreadsheet's lock file is how writers take turns)
    assert [line for line in lines if "=" not in line] == [".wb.xlsx.lock", "isi"]
