"""Deployment files against the code they deploy (complements tests/test_deployment.py).

The systemd unit: its directives, `systemd-analyze verify` (shown to flag a broken copy on this machine, so
a pass means something), its hardening score, and a real bot run under strace that must need no system call
or socket family the unit forbids and must stop on SIGTERM within TimeoutStopSec.  The image: the settings'
relative paths land in the volume, and a wheel built from exactly what the Dockerfile copies loads its
locales and survey definition.  The operator guide: required settings in both languages, and every setting,
`ngopas` command, path and quoted error message it names exists.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path, PurePosixPath

import pytest
import typer
import yaml
from sqlalchemy.engine import make_url

from bot.base.settings import Settings, load_settings
from bot.cli import app
from bot.dev.sandbox import empty_env_file

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "ngopas.service"
GUIDE = ROOT / "docs" / "panduan-operator.md"
EXAMPLE = ROOT / "settings.example.env"
INSTALLED_NGOPAS = "/opt/ngopas/.venv/bin/ngopas"

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze not on this machine"
)


# --- helpers ------------------------------------------------------------------------------------------


def unit_directives(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) for every directive, in order (systemd allows repeated keys)."""
    section, found = "", []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = line.partition("=")
        found.append((section, key.strip(), value.strip()))
    return found


def values(directives: list[tuple[str, str, str]], section: str, key: str) -> list[str]:
    return [v for s, k, v in directives if s == section and k == key]


def one(directives: list[tuple[str, str, str]], section: str, key: str) -> str:
    found = values(directives, section, key)
    assert len(found) == 1, f"[{section}] {key}= should appear once, found {found}"
    return found[0]


def inside(path: PurePosixPath, folder: str) -> bool:
    return path == PurePosixPath(folder) or PurePosixPath(folder) in path.parents


def example_paths() -> dict[str, str]:
    """The paths the example settings file gives (relative ones stay relative)."""
    s = load_settings(EXAMPLE)
    return {
        "NGOPAS_DATABASE_URL": str(make_url(s.database_url).database),
        "NGOPAS_WORKBOOK_PATH": str(s.workbook_path),
        "NGOPAS_DATA_DIR": str(s.data_dir),
    }


def local_copy_of_unit(tmp_path: Path, extra: str = "") -> Path:
    """The unit with ExecStart pointing at this checkout's console script (verify checks it exists)."""
    text = UNIT.read_text()
    assert INSTALLED_NGOPAS in text
    copy = tmp_path / "ngopas.service"
    copy.write_text(text.replace(INSTALLED_NGOPAS, str(Path(sys.executable).with_name("ngopas"))) + extra)
    return copy


def dockerfile_steps() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, arg = line.partition(" ")
            steps.append((op.upper(), arg.strip()))
    return steps


def guide_halves() -> dict[str, str]:
    text = GUIDE.read_text()
    assert "## Bahasa Indonesia" in text and "## English" in text
    indonesian, _, english = text.partition("## English")
    return {"id": indonesian.partition("## Bahasa Indonesia")[2], "en": english}


def guide_code() -> str:
    """Everything the operator types: fenced blocks and inline code spans."""
    text = GUIDE.read_text()
    fence = r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```"  # also the indented ones inside list items
    fenced = re.findall(fence, text, flags=re.S | re.M)
    without_fenced = re.sub(fence, "", text, flags=re.S | re.M)
    inline = re.findall(r"`([^`\n]+)`", without_fenced)
    return "\n".join(fenced + inline)


# --- systemd ------------------------------------------------------------------------------------------


def test_unit_runs_the_bot_as_an_unprivileged_restartable_hardened_service():
    d = unit_directives(UNIT.read_text())
    assert one(d, "Service", "Type") == "simple"
    assert one(d, "Service", "User") == "ngopas"
    assert one(d, "Service", "EnvironmentFile") == "/etc/ngopas/settings.env"
    exec_start = one(d, "Service", "ExecStart").split()
    assert exec_start[:2] == [INSTALLED_NGOPAS, "run"]
    # the file ngopas reads itself is the one systemd loads: one place to edit
    assert exec_start[exec_start.index("--env-file") + 1] == "/etc/ngopas/settings.env"
    for key, expected in {
        "Restart": "on-failure",
        "RestartSec": "5",
        "KillSignal": "SIGTERM",
        "TimeoutStopSec": "30",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
    }.items():
        assert one(d, "Service", key) == expected, key
    assert "/var/lib/ngopas" in " ".join(values(d, "Service", "ReadWritePaths")).split()
    assert "network-online.target" in one(d, "Unit", "Wants").split()
    assert "network-online.target" in one(d, "Unit", "After").split()
    assert one(d, "Install", "WantedBy") == "multi-user.target"


def test_everything_the_service_writes_is_inside_its_writable_folder():
    """ProtectSystem=strict makes all but ReadWritePaths read-only: the settings' paths must land there.

    The service runs in WorkingDirectory, so the relative paths of settings.example.env resolve against it
    (a working directory in /opt/ngopas would put the database on a read-only file system).
    """
    d = unit_directives(UNIT.read_text())
    writable = " ".join(values(d, "Service", "ReadWritePaths")).split()
    workdir = PurePosixPath(one(d, "Service", "WorkingDirectory"))
    assert workdir.is_absolute()
    state = PurePosixPath("/var/lib") / one(d, "Service", "StateDirectory")
    assert state == workdir, f"StateDirectory= creates {state}, but the bot works in {workdir}"
    for name, path in example_paths().items():
        resolved = workdir / path  # an absolute path replaces workdir
        assert any(inside(resolved, folder) for folder in writable), f"{name}={path} -> {resolved}"


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_the_unit_and_flags_a_broken_copy(tmp_path):
    good = local_copy_of_unit(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", str(good)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert str(good) not in result.stderr and "ngopas.service" not in result.stderr, result.stderr

    # the same check on a copy with a misspelt directive and a bad value: proves verify reports unit
    # problems on this machine (unknown keys only produce warnings, so the output is what counts)
    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    broken = local_copy_of_unit(broken_dir, "\n[Service]\nRestartSecs=5\nRestart=sometimes\n")
    result = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, text=True)
    assert "RestartSecs" in result.stderr and "sometimes" in result.stderr, result.stderr


@needs_systemd_analyze
def test_unit_hardening_keeps_a_low_exposure_score(tmp_path):
    help_text = subprocess.run(["systemd-analyze", "--help"], capture_output=True, text=True).stdout
    if "--offline" not in help_text or "--threshold" not in help_text:
        pytest.skip("this systemd-analyze cannot score a unit file offline")
    unit = local_copy_of_unit(tmp_path)
    # exposure 0.0 (locked down) .. 10.0 (unprotected); the unit scores 1.9, an unhardened one 9.6
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--threshold=30", str(unit)],
        capture_output=True,
        text=True,
    )
    overall = [line for line in result.stdout.splitlines() if "Overall exposure" in line]
    assert result.returncode == 0, overall or result.stdout + result.stderr


@cache
def syscall_group(name: str) -> frozenset[str]:
    """A systemd system-call group (`@system-service`) expanded to system-call names."""
    out = subprocess.run(
        ["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True
    ).stdout
    calls: set[str] = set()
    for line in out.splitlines()[1:]:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        calls |= syscall_group(entry) if entry.startswith("@") else {entry}
    return frozenset(calls)


def strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "true"], capture_output=True)
    return probe.returncode == 0  # ptrace may be forbidden in a container


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def spawn_traced(tmp_path: Path, trace: Path, env: dict[str, str]) -> subprocess.Popen:
    """`ngopas run` as the unit starts it (console entry, long polling), under strace -f."""
    command = [sys.executable, "-m", "bot.cli", "run", "--env-file", str(empty_env_file(tmp_path))]
    with open(tmp_path / "bot.log", "wb") as log:
        return subprocess.Popen(
            ["strace", "-f", "-qq", "-o", str(trace), "--", *command],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.slow
@needs_systemd_analyze
async def test_the_bot_needs_no_system_call_or_socket_family_the_unit_forbids(tmp_path, tg):
    """Run the real bot (`python -m bot.cli run`, long polling against the local emulator) under strace.

    SystemCallFilter= and RestrictAddressFamilies= cannot be enforced without systemd as PID 1, so this
    records what the bot actually calls while it starts, answers a citizen and a staff member, and stops
    on SIGTERM, and checks that the unit allows all of it.  The stop must fit in TimeoutStopSec whatever
    the machine's load, so it is checked as an order of events, not in seconds: the bot's long poll is held
    open by the emulator (as if Telegram had nothing to say for ever), and the bot exits cleanly while it
    is still open, so its stop waits on nothing Telegram controls.
    """
    if not strace_works():
        pytest.skip("strace is missing or not allowed to trace here")
    d = unit_directives(UNIT.read_text())
    filters = " ".join(values(d, "Service", "SystemCallFilter")).split()
    assert filters and not any(f.startswith("~") for f in filters), "expected an allow list"
    allowed = frozenset().union(*(syscall_group(f) if f.startswith("@") else {f} for f in filters))
    families = set(" ".join(values(d, "Service", "RestrictAddressFamilies")).split())
    assert float(one(d, "Service", "TimeoutStopSec")) > 0

    trace = tmp_path / "trace"
    env = {
        **os.environ,
        "NGOPAS_BOT_TOKEN": tg.token,
        "NGOPAS_BOT_API_BASE_URL": tg.base_url,
        "NGOPAS_BOT_API_FILE_URL": tg.base_file_url,
        "NGOPAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}",
        "NGOPAS_WORKBOOK_PATH": str(tmp_path / "ngopas.xlsx"),
        "NGOPAS_DATA_DIR": str(tmp_path),
        "NGOPAS_ADMIN_IDS": "1001",
        "NGOPAS_PSEUDONYM_SALT": "deploy-test-salt-0123456789abcdef",
    }
    tg.hold_long_polls = True
    tracer = spawn_traced(tmp_path, trace, env)
    try:

        async def until(predicate) -> None:
            """However long a traced bot on a busy machine takes; the suite's hang guard ends a real hang."""
            while not predicate():
                assert tracer.poll() is None, (tmp_path / "bot.log").read_text()
                await asyncio.sleep(0.05)

        await until(lambda: tg.count("getUpdates") > 0)
        tg.add_user(2001, "Warga")
        tg.send_text(2001, "/start")
        tg.send_text(1001, "/status")
        await until(lambda: tg.messages(2001) and tg.messages(1001))
        assert "ID chat ini" in tg.messages(1001)[-1].text  # the staff reply, not a refusal
        await until(lambda: tg.held_polls >= 1 and not tg.unacknowledged)  # idle in a long poll
        [bot_pid] = children_of(tracer.pid) or pytest.skip("cannot find the traced process")
        os.kill(bot_pid, signal.SIGTERM)
        code = await asyncio.to_thread(tracer.wait)
        assert tg.held_polls >= 1, "the poll open at SIGTERM should still be open when the bot has exited"
    finally:
        if tracer.poll() is None:
            tracer.kill()
            await asyncio.to_thread(tracer.wait)
    assert code == 0, (tmp_path / "bot.log").read_text()

    text = trace.read_text(errors="replace")
    used = set(re.findall(r"^\d+\s+([a-z0-9_]+)\(", text, flags=re.M))
    assert {"execve", "socket", "connect"} <= used  # the trace really covers a networked bot
    assert used <= allowed, f"not in SystemCallFilter={' '.join(filters)}: {sorted(used - allowed)}"
    opened = set(re.findall(r"\bsocket\((AF_[A-Z0-9]+)", text))
    assert opened <= families, f"not in RestrictAddressFamilies=: {sorted(opened - families)}"


# --- image --------------------------------------------------------------------------------------------


def test_image_keeps_every_path_of_the_settings_in_the_volume():
    """With the example's relative paths (settings.env via env_file) or without them (the image's ENV
    defaults), the bot must use the same files, and they must be in the volume, not the container."""
    steps = dockerfile_steps()
    workdir = PurePosixPath([arg for op, arg in steps if op == "WORKDIR"][-1])
    volumes = [v for op, arg in steps if op == "VOLUME" for v in yaml.safe_load(arg)]
    env: dict[str, str] = {}
    for op, arg in steps:
        if op == "ENV":
            env.update(pair.split("=", 1) for pair in arg.split())
    defaults = {
        "NGOPAS_DATABASE_URL": str(make_url(env["NGOPAS_DATABASE_URL"]).database),
        "NGOPAS_WORKBOOK_PATH": env["NGOPAS_WORKBOOK_PATH"],
        "NGOPAS_DATA_DIR": env["NGOPAS_DATA_DIR"],
    }
    for name, relative in example_paths().items():
        assert workdir / relative == PurePosixPath(defaults[name]), name
        assert any(inside(PurePosixPath(defaults[name]), v) for v in volumes), name

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    mounts = [m.split(":") for m in compose["services"]["ngopas"]["volumes"]]
    assert any(target in volumes for _source, target, *_ in mounts)


def test_a_wheel_built_from_what_the_dockerfile_copies_loads_its_locales_and_survey(tmp_path):
    """Build as the image does (same files, regular install, no dev extras), then run the packaged code
    from the wheel alone: the locales, the survey definition and the migrations (Alembic's env.py, template
    and revisions, read as files) are data files, easy to leave out."""
    steps = dockerfile_steps()
    context = tmp_path / "context"
    context.mkdir()
    for op, arg in steps:
        if op == "RUN" and "pip install" in arg:
            break
        if op == "COPY":
            *sources, dest = arg.split()
            for source in sources:
                target = context / dest / (Path(source).name if dest.endswith("/") else "")
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                    )
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, target)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)]
        + [str(context)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = wheels.glob("ngopas_bot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    migrations = ROOT / "bot" / "store" / "migrations"
    revisions = sorted(
        f"bot/store/migrations/versions/{p.name}" for p in (migrations / "versions").glob("*.py")
    )
    assert len(revisions) >= 5
    for needed in (
        "bot/base/locales/id.yaml",
        "bot/base/locales/en.yaml",
        "bot/domain/survey/definitions/ngopas.yaml",
        "bot/store/migrations/env.py",
        "bot/store/migrations/script.py.mako",
        *revisions,
    ):
        assert needed in names, needed
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert re.search(
        r"^ngopas = bot\.cli:app$", zipfile.ZipFile(wheel).read(entry_points).decode(), flags=re.M
    )  # ENTRYPOINT ["ngopas"]

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = f"""
import sys
sys.path.insert(0, {str(site)!r})
import bot, sheets, reports
for module in (bot, sheets, reports):
    assert module.__file__.startswith({str(site)!r}), module.__file__
from bot.cli import app
from bot.base.i18n import LANGUAGES, has_key
from bot.domain.survey.definition import load_definition
for lang in LANGUAGES:
    assert has_key("status.sheets_ok", lang), lang
print(len(load_definition("ngopas").questions))
import asyncio
from bot.store import Store, head_revision
from bot.store.migrate import SCRIPT_LOCATION
assert str(SCRIPT_LOCATION).startswith({str(site)!r}), SCRIPT_LOCATION
async def migrate_a_fresh_database():
    store = await Store.open("sqlite+aiosqlite:///" + {str(tmp_path / "wheel.db")!r})
    await store.close()
    return store.migration
report = asyncio.run(migrate_a_fresh_database())
assert report.revision == head_revision() and len(report.applied) == {len(revisions)}, report
print(report.summary())
"""
    # -I: no current directory, PYTHONPATH or user site on sys.path, so nothing comes from this checkout
    result = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    questions, migrated = result.stdout.splitlines()
    assert int(questions) >= 9  # the nine IKM elements at least
    assert migrated.startswith("Migrasi diterapkan: 0001,")  # the revisions ran from the wheel


# --- operator guide -----------------------------------------------------------------------------------


def required_settings() -> set[str]:
    """Marked WAJIB in settings.example.env, plus what a real office deployment needs (Google)."""
    required, comments = set(), []
    for line in EXAMPLE.read_text().splitlines():
        if line.startswith("#"):
            comments.append(line)
            continue
        name = line.partition("=")[0].strip()
        if name.startswith("NGOPAS_") and any("WAJIB" in c for c in comments):
            required.add(name)
        comments = []
    assert {"NGOPAS_BOT_TOKEN", "NGOPAS_PSEUDONYM_SALT"} <= required
    return required | {
        "NGOPAS_ADMIN_IDS",
        "NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE",
        "NGOPAS_GOOGLE_SPREADSHEET_ID",
    }


def test_guide_covers_the_required_settings_and_each_setup_step_in_both_languages():
    for lang, text in guide_halves().items():
        for name in sorted(required_settings()):
            assert name in text, f"{lang}: {name}"
        for topic in (
            "/newbot",
            "/setprivacy",
            "/setjoingroups",
            "@userinfobot",
            "openssl rand",
            "Google Sheets API",
            "client_email",
            "Editor",
            "ngopas sheets init",
            "ngopas doctor",
            "systemctl enable --now ngopas",
            "journalctl -u ngopas -f",
            "docker compose up -d",
            "docker compose logs -f",
            "ngopas backup",
            "ngopas restore",
            "--webhook https://",
            "NGOPAS_WEBHOOK_SECRET",
            "X-Telegram-Bot-Api-Secret-Token",
            "postgresql+asyncpg://",
        ):
            assert topic in text, f"{lang}: {topic}"


def test_guide_names_only_settings_that_exist():
    known = {"NGOPAS_" + name.upper() for name in Settings.model_fields}
    named = set(re.findall(r"NGOPAS_[A-Z_]*[A-Z]", GUIDE.read_text()))
    assert named and named <= known, sorted(named - known)


def test_every_ngopas_command_in_the_guide_exists():
    cli = typer.main.get_command(app)  # a command group: .commands maps names to (sub)commands
    # `ngopas X [Y]`; "ngopas ngopas …" / "-u ngopas sh" are the service or user name, not the command
    calls = re.findall(r"(?<![\w/.-])ngopas ([a-z][\w-]*)(?: ([a-z][\w-]*))?", guide_code())
    checked = set()
    for command, sub in calls:
        if command in {"ngopas", "sh"}:
            continue
        assert command in cli.commands, f"ngopas {command}"
        subcommands = getattr(cli.commands[command], "commands", None)
        if subcommands is not None:
            assert sub in subcommands, f"ngopas {command} {sub}"
        checked.add(command)
    assert {"doctor", "sheets", "backup", "restore", "run", "sync"} <= checked


def test_guide_paths_match_the_unit_and_compose():
    d = unit_directives(UNIT.read_text())
    code = guide_code()
    workdir = one(d, "Service", "WorkingDirectory")
    assert INSTALLED_NGOPAS in code
    assert one(d, "Service", "EnvironmentFile") in code
    assert f"cd {workdir} && exec {INSTALLED_NGOPAS}" in code  # the `ngopas` wrapper runs where the unit does
    assert f"ln -s /etc/ngopas/settings.env {workdir}/settings.env" in code  # ...and finds its settings
    assert "cp /opt/ngopas/deploy/ngopas.service /etc/systemd/system/" in code

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["ngopas"]
    secrets = [m for m in service["volumes"] if m.startswith("./secrets:")]
    assert secrets and secrets[0].endswith(":ro")
    secret_dir = secrets[0].split(":")[1]
    keys = re.findall(r"NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE=(\S+?)`", GUIDE.read_text())
    assert any(key.startswith(secret_dir + "/") for key in keys), keys  # the Docker key path
    assert any(key.startswith("/etc/ngopas/") for key in keys), keys  # the systemd key path
    # the optional PostgreSQL service is there, commented out
    assert "#   image: postgres" in (ROOT / "compose.yaml").read_text()


@cache
def code_text() -> str:
    """Every string the bot, the CLI and the spreadsheet layer can print."""
    files = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "sheets").rglob("*.py"), *(ROOT / "bot").rglob("*.yaml")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files if "emulator" not in p.parts)


def test_troubleshooting_quotes_only_messages_the_code_prints():
    for lang, text in guide_halves().items():
        rows = [line for line in text.splitlines() if line.startswith("| `")]
        quoted = [m for row in rows for m in re.findall(r"`([^`]+)`", row.split("|")[1])]
        assert len(quoted) >= 20, f"{lang}: troubleshooting table not found"
        for message in quoted:
            for fragment in message.split("…"):
                fragment = fragment.strip()
                if len(fragment) >= 4:
                    assert fragment in code_text(), f"{lang}: `{message}` is not a message in the code"
