"""Deployment files: the systemd unit verifies, the image installs what the bot needs, compose is sane."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not on this machine")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    unit = (ROOT / "deploy" / "ngopas.service").read_text()
    assert "ExecStart=/opt/ngopas/.venv/bin/ngopas run" in unit and "User=ngopas" in unit
    # verify checks that ExecStart exists: point it at this checkout's real console script
    ngopas = Path(sys.executable).with_name("ngopas")
    copy = tmp_path / "ngopas.service"
    copy.write_text(unit.replace("/opt/ngopas/.venv/bin/ngopas", str(ngopas)))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ngopas.service" not in result.stderr, result.stderr  # no warning about our unit


def _dockerfile() -> list[tuple[str, str]]:
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    return [tuple(line.strip().split(None, 1)) for line in lines if line.strip() and not line.startswith("#")]


def test_dockerfile_installs_pinned_runs_unprivileged_and_keeps_data_in_a_volume():
    steps = _dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert "pip install -c constraints.txt ." in runs
    copied = " ".join(arg for op, arg in steps if op == "COPY")
    for needed in ("pyproject.toml", "constraints.txt", "bot", "sheets", "reports"):
        assert needed in copied
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("VOLUME", '["/data"]') in steps
    assert ("ENTRYPOINT", '["ngopas"]') in steps and ("CMD", '["run"]') in steps
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "settings.env" in ignored and ".venv" in ignored and "*.db" in ignored  # secrets and data stay out


def test_compose_builds_the_image_with_settings_and_a_volume():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["ngopas"]
    assert service["build"] == "." and service["env_file"] == "settings.env"
    assert "ngopas-data:/data" in service["volumes"] and "ngopas-data" in compose["volumes"]
    assert service["restart"] == "unless-stopped"


def test_the_installed_package_carries_its_data_files(tmp_path):
    """What `pip install .` in the image gets: the survey definition and both locales must be inside."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("ngopas_bot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "bot/base/locales/id.yaml",
        "bot/base/locales/en.yaml",
        "bot/domain/survey/definitions/ngopas.yaml",
        "bot/telegram/handlers/session_admin.mmd",
        "bot/store/migrations/env.py",
        "bot/store/migrations/script.py.mako",
        "bot/store/migrations/versions/0001_chats_sessions_outbox.py",
        "bot/cli/__init__.py",
        "reports/ikm.py",
        "bot/domain/site/templates/base.html",  # the public page (ngopas publish) renders from these
        "bot/domain/site/static/site.css",
    ):
        assert needed in names, needed
    assert not any(name.startswith("tests/") for name in names)


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0,
    reason="no Docker engine reachable here",
)
def test_docker_image_builds_and_answers_help():
    tag = "ngopas-bot:test"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True)
    result = subprocess.run(["docker", "run", "--rm", tag, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "ngopas" in result.stdout.lower()


def test_operator_guide_covers_every_required_setting_in_both_languages():
    guide = (ROOT / "docs" / "panduan-operator.md").read_text()
    indonesian, _, english = guide.partition("## English")
    for text in (indonesian, english):
        for setting in (
            "NGOPAS_BOT_TOKEN",
            "NGOPAS_ADMIN_IDS",
            "NGOPAS_STAFF_CHAT_ID",
            "NGOPAS_PSEUDONYM_SALT",
            "NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE",
            "NGOPAS_GOOGLE_SPREADSHEET_ID",
        ):
            assert setting in text, setting
        for topic in (
            "BotFather",
            "setprivacy",
            "userinfobot",
            "Editor",
            "doctor",
            "systemctl",
            "docker compose",
        ):
            assert topic in text, topic
    example = (ROOT / "settings.example.env").read_text()

    for name in set(re.findall(r"NGOPAS_[A-Z_]+[A-Z]", guide)):
        assert name in example, f"{name} is in the guide but not in settings.example.env"
