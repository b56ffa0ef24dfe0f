"""`ngopas session import` twice changes nothing the second time: rows are matched by their ID/Kode (or by
title, section and start when there is none), so "fix the bad rows and import again" works; a past date
is refused as `ngopas session add` refuses it (issue 15 #12)."""

from __future__ import annotations

from datetime import datetime

import pytest
from typer.testing import CliRunner

from bot.base.clock import FakeClock
from bot.cli import app
from bot.dev.sandbox import running_sandbox
from bot.domain.session_import import import_sessions, read_rows
from bot.store import chats

from .conftest import TZ

runner = CliRunner()
GROUP = -1003401
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=TZ)


def _env(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n")
    return str(env)


def _listed(env) -> list[str]:
    result = runner.invoke(app, ["session", "list", "--all", "--env-file", env])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("#")]


def test_fix_the_bad_rows_and_import_again(tmp_path):
    env = _env(tmp_path)
    csv = tmp_path / "jadwal.csv"
    csv.write_text(
        "Kode;Judul;Bidang;Tanggal;Jam;Tempat\n"
        "J-01;Dialog A;Bimas Islam;23/03/2030;09.00;Masjid\n"
        "J-02;Dialog B;Pariwisata;24/03/2030;09.00;Aula\n"
        ";Dialog C;PHU;25/03/2030;09.00;Aula\n"
        "J-04;Dialog Lama;PHU;25/03/2020;09.00;Aula\n",
        encoding="utf-8-sig",
    )
    first = runner.invoke(app, ["session", "import", str(csv), "--env-file", env])
    assert first.exit_code == 1
    assert "Baris 3: Bidang tidak dikenal: Pariwisata" in first.output
    assert "Baris 5:" in first.output and "sudah lewat" in first.output  # as `session add` refuses it
    assert len(_listed(env)) == 2

    # The office fixes the bad rows (the past one is removed) and imports the same file again.
    csv.write_text(
        "Kode;Judul;Bidang;Tanggal;Jam;Tempat\n"
        "J-01;Dialog A;Bimas Islam;23/03/2030;09.00;Masjid\n"
        "J-02;Dialog B;PHU;24/03/2030;09.00;Aula\n"
        ";Dialog C;PHU;25/03/2030;09.00;Aula\n",
        encoding="utf-8-sig",
    )
    second = runner.invoke(app, ["session", "import", str(csv), "--env-file", env])
    assert second.exit_code == 0, second.output
    assert "Baris 2: sesi #1 tidak berubah" in second.output
    assert "Baris 3: sesi #3 dibuat" in second.output
    assert "Baris 4: sesi #2 tidak berubah" in second.output
    assert "1 sesi dibuat, 0 diubah, 2 tidak berubah, 0 baris bermasalah." in second.output
    titles = [line.split("  ")[-1] for line in _listed(env)]
    assert sorted(titles) == ["Dialog A", "Dialog B", "Dialog C"]

    third = runner.invoke(app, ["session", "import", str(csv), "--env-file", env])
    assert third.exit_code == 0 and "0 sesi dibuat, 0 diubah, 3 tidak berubah" in third.output
    assert len(_listed(env)) == 3

    # A row with the same Kode and a new time is the same session, moved.
    csv.write_text(
        "Kode;Judul;Bidang;Tanggal;Jam;Tempat\nJ-01;Dialog A;Bimas Islam;23/03/2030;13.00;Masjid\n",
        encoding="utf-8-sig",
    )
    moved = runner.invoke(app, ["session", "import", str(csv), "--env-file", env])
    assert moved.exit_code == 0 and "Baris 2: sesi #1 diubah" in moved.output
    assert len(_listed(env)) == 3 and any("pukul 13.00" in line for line in _listed(env))


def test_a_kode_used_twice_in_one_file_is_imported_once(tmp_path):
    env = _env(tmp_path)
    csv = tmp_path / "jadwal.csv"
    csv.write_text(
        "ID,Judul,Bidang,Waktu\n7,Dialog A,PHU,23/03/2030 09.00\n7,Dialog A (salinan),PHU,24/03/2030 09.00\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["session", "import", str(csv), "--env-file", env])
    assert result.exit_code == 1
    assert "Baris 3: ID 7 sudah dipakai di baris 2" in result.output
    assert len(_listed(env)) == 1


@pytest.fixture
def clock():
    return FakeClock(NOW)


async def test_importing_twice_announces_once(tmp_path, tg, clock):
    tg.add_group(GROUP, "Masjid Agung", supergroup=True)
    path = tmp_path / "jadwal.csv"
    path.write_text(
        "Judul;Bidang;Tanggal;Jam\nDialog A;Bimas Islam;01/05/2026;09.00\nManasik;PHU;02/05/2026;09.00\n",
        encoding="utf-8",
    )
    async with running_sandbox(tmp_path, clock=clock, tg=tg) as sb:
        async with sb.rt.store.begin() as conn:
            await chats.upsert_chat(conn, chat_id=GROUP, type="supergroup", title="t", now=NOW)
            await chats.set_subscriptions(conn, GROUP, [chats.ALL_SECTIONS], by=None, now=NOW)
        for _ in range(3):
            report = await import_sessions(sb.rt, read_rows(path))
            await sb.outbox_idle()
        assert sum("Sesi NGOPAS baru" in text for text in sb.texts(GROUP)) == 2
        assert not any("Perubahan sesi" in text for text in sb.texts(GROUP))
        assert (report.created, report.unchanged, report.failed) == (0, 2, 0)
