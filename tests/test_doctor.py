"""`ngopas doctor` against the local Telegram emulator: verdicts with fixes, exit status, no secrets."""

import asyncio
import os
import subprocess
import sys

from bot.cli.doctor import broadcast_check
from bot.dev.sandbox import sandbox_settings
from bot.store import head_revision

TOKEN = "123456789:SANDBOX-token-for-the-local-emulator"


async def _doctor(tmp_path, tg, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGOPAS_")}
    env.update(
        {
            "NGOPAS_BOT_TOKEN": TOKEN,
            "NGOPAS_BOT_API_BASE_URL": tg.base_url,
            "NGOPAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
            "NGOPAS_WORKBOOK_PATH": str(tmp_path / "wb.xlsx"),
            "NGOPAS_PSEUDONYM_SALT": "a-long-random-secret-for-tests-only",
            "NGOPAS_ADMIN_IDS": "1001",
            **extra,
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "doctor",  # settings.env in the working folder, which is absent: everything comes from the environment
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await proc.communicate()  # however long a busy machine takes; the hang guard is global
    return proc.returncode, out.decode()


async def test_doctor_all_good(tmp_path, tg):
    code, out = await _doctor(tmp_path, tg)
    assert code == 0, out
    assert "✅ Token bot: valid, bot @ngopas_bot" in out
    assert "Mode privasi: aktif" in out and "Spreadsheet" in out
    assert f"✅ Basis data: dapat ditulis, skema revisi {head_revision()} (terbaru)" in out
    assert "settings.env tidak ditemukan" in out  # a warning with its fix, not a failure
    assert TOKEN not in out


async def test_doctor_blocking_problems(tmp_path, tg):
    code, out = await _doctor(
        tmp_path,
        tg,
        NGOPAS_BOT_TOKEN="987654321:WRONG-token-wrong-token-wrong",
        NGOPAS_PSEUDONYM_SALT="ganti-dengan-rahasia-acak",
        NGOPAS_ADMIN_IDS="",
    )
    assert code == 1
    assert "❌ Token bot: Token ditolak Telegram." in out and "@BotFather" in out
    assert "❌ Garam pseudonim" in out and "⚠️  Petugas" in out
    assert "2 masalah menghalangi bot berjalan." in out
    assert "WRONG-token" not in out and "Traceback" not in out


def test_doctor_warns_what_paid_broadcast_costs(tmp_path):
    """Paid broadcast spends the bot's Stars on every message: doctor says so, with the figure and the way
    back; the free default is simply fine."""
    free = broadcast_check(sandbox_settings(tmp_path))
    assert free.status == "ok" and "gratis" in free.message
    paid = broadcast_check(sandbox_settings(tmp_path, paid_broadcast=True, broadcast_per_second=500))
    assert paid.status == "warn"
    assert "500 pesan/detik" in paid.message and "0,1 Star per pesan" in paid.message
    assert "100 Star untuk setiap 1.000 pesan" in paid.message
    assert "NGOPAS_PAID_BROADCAST=false" in paid.fix
