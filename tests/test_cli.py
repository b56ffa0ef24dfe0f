"""The CLI: every command has help; session commands share validation with /sesi_baru; bad input is polite."""

import json

import typer.main
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from bot.cli import app
from reports.instrument import UNSUR_KEYS

runner = CliRunner()


def _commands(group=None, prefix=()):
    click_app = typer.main.get_command(app) if group is None else group
    for name, cmd in getattr(click_app, "commands", {}).items():
        yield (*prefix, name), cmd
        yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help():
    for path, cmd in _commands():
        assert cmd.help and cmd.help.strip(), f"ngopas {' '.join(path)} has no help"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output


def _env(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n")
    return str(env)


def _add_session(env, title: str, when: str):
    add = ["session", "add", "--title", title, "--section", "PHU", "--when", when]
    return runner.invoke(app, [*add, "--env-file", str(env)])


def test_session_add_list_edit_cancel(tmp_path):
    env = _env(tmp_path)
    bad = runner.invoke(
        app,
        [
            "session",
            "add",
            "--env-file",
            env,
            "--title",
            "X",
            "--section",
            "Pariwisata",
            "--when",
            "31/02/2030 09.00",
        ],
    )
    assert bad.exit_code == 2
    assert (
        "Bidang tidak dikenal: Pariwisata" in bad.output
        and "Tanggal tidak dikenali: 31/02/2030" in bad.output
    )
    assert "Traceback" not in bad.output

    ok = runner.invoke(
        app,
        [
            "session",
            "add",
            "--env-file",
            env,
            "--title",
            "Dialog KUB",
            "--section",
            "kub",
            "--when",
            "23/03/2030 09.00",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "Sesi #1 disimpan" in ok.output
    listed = runner.invoke(app, ["session", "list", "--env-file", env])
    assert (
        "Sabtu, 23 Maret 2030 pukul 09.00 WIB" in listed.output
        and "TU/Kerukunan Umat Beragama" in listed.output
    )
    edited = runner.invoke(app, ["session", "edit", "1", "--env-file", env, "--venue", "Aula"])
    assert edited.exit_code == 0 and "diubah" in edited.output
    cancelled = runner.invoke(app, ["session", "cancel", "1", "--env-file", env])
    assert cancelled.exit_code == 0 and "dibatalkan" in cancelled.output
    missing = runner.invoke(app, ["session", "cancel", "99", "--env-file", env])
    assert missing.exit_code == 2 and "tidak ditemukan" in missing.output


def test_session_import_reports_bad_rows(tmp_path):
    env = _env(tmp_path)
    csv = tmp_path / "jadwal.csv"
    csv.write_text(
        "Judul;Bidang;Tanggal;Jam;Tempat\n"
        "Dialog A;Bimas Islam;23/03/2030;09.00;Masjid\n"
        "Dialog B;Pariwisata;24/03/2030;09.00;Aula\n"
        "Dialog C;PHU;31/02/2030;09.00;Aula\n",
        encoding="utf-8-sig",
    )
    result = runner.invoke(app, ["session", "import", str(csv), "--env-file", env])
    assert result.exit_code == 1
    assert "Baris 2: sesi #1 dibuat" in result.output
    assert "Baris 3: Bidang tidak dikenal: Pariwisata" in result.output
    assert "Baris 4: Tanggal tidak dikenali: 31/02/2030" in result.output


def test_invalid_settings_one_clear_sentence(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text("NGOPAS_ADMIN_IDS=abc\n")
    result = runner.invoke(app, ["session", "list", "--env-file", str(env)])
    assert result.exit_code == 2
    assert "NGOPAS_ADMIN_IDS" in result.output and "Traceback" not in result.output


def test_missing_or_unreadable_settings_file_one_clear_sentence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = runner.invoke(app, ["run", "--env-file", "kantor.env"])
    assert missing.exit_code == 2
    assert "kantor.env tidak ditemukan" in missing.output and "settings.example.env" in missing.output
    folder = runner.invoke(app, ["doctor", "--env-file", str(tmp_path)])
    assert folder.exit_code == 2 and "adalah folder" in folder.output
    garbled = tmp_path / "garbled.env"
    garbled.write_bytes(b"NGOPAS_BOT_TOKEN=\xff\xfe\n")
    for command in (["run"], ["doctor"], ["session", "list"]):
        result = runner.invoke(app, [*command, "--env-file", str(garbled)])
        assert result.exit_code == 2, command
        assert "bukan teks UTF-8" in result.output and "Traceback" not in result.output
    # only the default name may be absent: the offline demo runs on defaults, and doctor says so
    doctor = runner.invoke(app, ["doctor"])
    assert "settings.env tidak ditemukan; memakai nilai bawaan" in doctor.output
    assert "Traceback" not in doctor.output


def test_unreadable_service_account_key_explained(tmp_path):
    env = tmp_path / "settings.env"
    base = f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\nNGOPAS_GOOGLE_SPREADSHEET_ID=abc\n"
    not_a_file = tmp_path / "kunci"  # a folder where the key should be: unreadable even for root
    not_a_file.mkdir()
    for key, expected in ((tmp_path / "hilang.json", "tidak ditemukan"), (not_a_file, "tidak dapat dibaca")):
        env.write_text(base + f"NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE={key}\n")
        for command in (["sync"], ["doctor"]):
            result = runner.invoke(app, [*command, "--env-file", str(env)])
            assert result.exit_code != 0, (command, result.output)
            assert expected in result.output and str(key) in result.output, result.output
            assert "Traceback" not in result.output


def test_run_without_token_explains(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text("")
    result = runner.invoke(app, ["run", "--env-file", str(env)])
    assert result.exit_code == 2 and "NGOPAS_BOT_TOKEN" in result.output


def test_survey_link_and_qr(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\nNGOPAS_BOT_USERNAME=kemenag_ngopas_bot\n"
    )
    runner.invoke(
        app,
        [
            "session",
            "add",
            "--env-file",
            str(env),
            "--title",
            "Dialog",
            "--section",
            "PHU",
            "--when",
            "23/03/2030 09.00",
        ],
    )
    link = runner.invoke(app, ["survey", "link", "1", "--env-file", str(env)])
    assert link.exit_code == 0 and link.output.strip() == "https://t.me/kemenag_ngopas_bot?start=sv1"
    png = tmp_path / "qr.png"
    qr = runner.invoke(app, ["survey", "qr", "1", "--out", str(png), "--env-file", str(env)])
    assert qr.exit_code == 0, qr.output

    with Image.open(png) as image:
        assert image.size[0] > 200
    missing = runner.invoke(app, ["survey", "link", "7", "--env-file", str(env)])
    assert missing.exit_code == 2 and "tidak ditemukan" in missing.output


def test_run_refuses_default_salt(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(
        "NGOPAS_BOT_TOKEN=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\nNGOPAS_PSEUDONYM_SALT=ganti-dengan-rahasia-acak\n"
    )
    result = runner.invoke(app, ["run", "--env-file", str(env)])
    assert result.exit_code == 2
    assert "NGOPAS_PSEUDONYM_SALT" in result.output
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in result.output


def test_sheets_init_local_and_bad_google_key(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\nNGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n"
    )
    ok = runner.invoke(app, ["sheets", "init", "--env-file", str(env)])
    assert ok.exit_code == 0 and "wb.xlsx" in ok.output
    key = tmp_path / "key.json"
    key.write_text(
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nrusak\\n-----END PRIVATE KEY-----\\n", "client_email": "a@b.c"}'
    )
    env.write_text(
        env.read_text() + f"NGOPAS_GOOGLE_SERVICE_ACCOUNT_FILE={key}\nNGOPAS_GOOGLE_SPREADSHEET_ID=abc\n"
    )
    bad = runner.invoke(app, ["sheets", "init", "--env-file", str(env)])
    assert bad.exit_code == 2
    assert "rusak" in bad.output and "PRIVATE KEY" not in bad.output and "Traceback" not in bad.output


def test_sheets_init_creates_the_five_worksheets_and_sync_reports(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\nNGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n"
    )
    assert runner.invoke(app, ["sheets", "init", "--env-file", str(env)]).exit_code == 0
    assert load_workbook(tmp_path / "wb.xlsx").sheetnames == [
        "Jadwal",
        "Jawaban",
        "Aspirasi",
        "Ringkasan",
        "Tindak Lanjut",
    ]
    _add_session(env, "Dialog", "23/03/2030 09.00")
    synced = runner.invoke(app, ["sync", "--env-file", str(env)])
    assert synced.exit_code == 0, synced.output
    assert "Jadwal: 1 baris ditulis" in synced.output and "0 baris menunggu" in synced.output


def test_report_from_csv_and_import_into_store(tmp_path):
    env = _env(tmp_path)
    csv = tmp_path / "kertas.csv"
    keys = list(UNSUR_KEYS)
    header = "tanggal," + ",".join(keys)
    csv.write_text(f"{header}\n05/03/2026,{','.join(['4'] * 9)}\n06/03/2026,{','.join(['3'] * 9)}\n")
    text = runner.invoke(app, ["report", "--input", str(csv), "--period", "2026-Q1", "--env-file", env])
    assert text.exit_code == 0, text.output
    assert "IKM 87,50 — B (Baik), 2 responden" in text.output and "Triwulan I 2026" in text.output
    out = tmp_path / "ikm.json"
    as_json = runner.invoke(
        app, ["report", "--input", str(csv), "--format", "json", "--out", str(out), "--env-file", env]
    )
    assert as_json.exit_code == 0

    assert json.loads(out.read_text())["ikm"] == 87.5
    bad = tmp_path / "rusak.csv"
    bad.write_text("persyaratan\nmantap\n")
    refused = runner.invoke(app, ["report", "--input", str(bad), "--env-file", env])
    assert refused.exit_code == 2 and "Baris 2, kolom persyaratan" in refused.output

    _add_session(env, "Dialog", "23/03/2030 09.00")
    loaded = runner.invoke(app, ["import-responses", str(csv), "--session", "1", "--env-file", env])
    assert loaded.exit_code == 0 and "Sesi #1: 2 baru, 0 sudah ada." in loaded.output
    stored = runner.invoke(app, ["report", "--session", "1", "--env-file", env])
    assert "IKM 87,50 — B (Baik), 2 responden" in stored.output
    # the import counted its answers as it stored them; an operator's recount gives the same report
    recounted = runner.invoke(app, ["report", "--session", "1", "--recount", "--env-file", env])
    assert recounted.exit_code == 0 and recounted.output == stored.output


def test_report_files_from_csv(tmp_path):
    env = _env(tmp_path)
    csv = tmp_path / "kertas.csv"
    keys = list(UNSUR_KEYS)
    csv.write_text("tanggal,bidang," + ",".join(keys) + "\n05/03/2026,PHU," + ",".join(["4"] * 9) + "\n")
    for fmt in ("png", "pdf", "xlsx"):
        out = tmp_path / f"laporan.{fmt}"
        result = runner.invoke(
            app, ["report", "--input", str(csv), "--format", fmt, "--out", str(out), "--env-file", env]
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000 and "IKM 100,00 (A)" in result.output
    missing_out = runner.invoke(app, ["report", "--input", str(csv), "--format", "pdf", "--env-file", env])
    assert missing_out.exit_code == 2 and "--out" in missing_out.output


def test_backup_and_restore_round_trip(tmp_path):
    env = _env(tmp_path)
    _add_session(env, "Sebelum", "23/03/2030 09.00")
    saved = runner.invoke(app, ["backup", str(tmp_path / "cadangan" / "b.db"), "--env-file", env])
    assert saved.exit_code == 0, saved.output
    _add_session(env, "Sesudah", "24/03/2030 09.00")
    restored = runner.invoke(app, ["restore", str(tmp_path / "cadangan" / "b.db"), "--env-file", env])
    assert restored.exit_code == 0 and "sebelum-pulih" in restored.output
    listed = runner.invoke(app, ["session", "list", "--env-file", env])
    assert "Sebelum" in listed.output and "Sesudah" not in listed.output
    junk = tmp_path / "junk.db"
    junk.write_text("bukan basis data")
    refused = runner.invoke(app, ["restore", str(junk), "--env-file", env])
    assert refused.exit_code == 2 and "bukan cadangan" in refused.output


def test_quiet_leaves_only_problems_and_exit_codes(tmp_path):
    env = _env(tmp_path)
    csv = tmp_path / "jadwal.csv"
    csv.write_text(
        "Judul;Bidang;Tanggal;Jam\nDialog A;PHU;23/03/2030;09.00\nDialog B;Pariwisata;24/03/2030;09.00\n"
    )
    imported = runner.invoke(app, ["session", "import", str(csv), "--env-file", env, "-q"])
    assert imported.exit_code == 1  # one bad row: a script sees it in the exit status
    assert imported.stdout == "" and "Baris 3: Bidang tidak dikenal: Pariwisata" in imported.stderr
    loud = runner.invoke(app, ["backup", str(tmp_path / "a.db"), "--env-file", env])
    assert loud.exit_code == 0 and loud.stdout.startswith("Cadangan ditulis ke")
    quiet = runner.invoke(app, ["backup", str(tmp_path / "b.db"), "--env-file", env, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and (tmp_path / "b.db").exists()
    synced = runner.invoke(app, ["sync", "--env-file", env, "--quiet"])
    assert synced.exit_code == 0 and synced.stdout == ""


def test_webhook_needs_https(tmp_path):
    env = tmp_path / "settings.env"
    env.write_text(
        "NGOPAS_BOT_TOKEN=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\nNGOPAS_PSEUDONYM_SALT=0123456789abcdef0123\n"
    )
    result = runner.invoke(app, ["run", "--env-file", str(env), "--webhook", "http://contoh.id/ngopas"])
    assert result.exit_code == 2 and "https://" in result.output
    env.write_text(env.read_text() + "NGOPAS_WEBHOOK_SECRET=pendek\n")
    result = runner.invoke(app, ["run", "--env-file", str(env), "--webhook", "https://contoh.id/ngopas"])
    assert result.exit_code == 2 and "NGOPAS_WEBHOOK_SECRET" in result.output


def test_report_docx_print_png_population_and_session_title(tmp_path):
    """The Word report, the A4 infographic, the sample target from --population, a session's own title and
    date (not "Semua periode"), and one sentence for options that do not fit."""
    env = _env(tmp_path)
    csv = tmp_path / "kertas.csv"
    csv.write_text("tanggal," + ",".join(UNSUR_KEYS) + "\n05/03/2026," + ",".join(["4"] * 9) + "\n")
    _add_session(env, "Dialog Haji", "23/03/2030 09.00")
    assert (
        runner.invoke(app, ["import-responses", str(csv), "--session", "1", "--env-file", env]).exit_code == 0
    )
    word = tmp_path / "laporan.docx"
    made = runner.invoke(
        app,
        [
            "report",
            "--session",
            "1",
            "--format",
            "docx",
            "--population",
            "40",
            "--out",
            str(word),
            "--env-file",
            env,
        ],
    )
    assert made.exit_code == 0, made.output
    text = "\n".join(p.text for p in Document(str(word)).paragraphs)
    assert "Dialog Haji · Sabtu, 23 Maret 2030 pukul 09.00 WIB" in text and "Semua periode" not in text
    assert "target sampel 36" in text  # Krejcie–Morgan for 40
    poster = tmp_path / "ikm.png"
    printed = runner.invoke(
        app,
        ["report", "--session", "1", "--format", "png", "--print", "--out", str(poster), "--env-file", env],
    )
    assert printed.exit_code == 0, printed.output
    with Image.open(poster) as image:
        assert image.size == (2481, 3507)
    for bad, says in (
        (["--format", "pdf", "--print"], "--print hanya untuk --format png"),
        (["--format", "pdf", "--population", "0"], "--population harus 1 sampai"),
    ):
        refused = runner.invoke(app, ["report", *bad, "--out", str(tmp_path / "x.pdf"), "--env-file", env])
        assert refused.exit_code == 2 and says in refused.output and "Traceback" not in refused.output
