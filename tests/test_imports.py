"""Survey answers from outside the chat, through the commands staff use (`report --input`,
`import-responses`), with files offices really produce (tests/fixtures/imports/)."""

import json
import re
import warnings
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app

from .conftest import BOTH_DATABASES

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "imports"
FORMS = FIXTURES / "google-forms-ikm.csv"  # question texts as headers, Timestamp, label answers
EXCEL = FIXTURES / "excel-windows-1252.csv"  # Windows-1252, semicolons, day-first dates
PAPER = FIXTURES / "kertas-kosong.csv"  # skipped questions, empty suggestions


def _env(tmp_path: Path, database_url: str | None = None) -> str:
    env = tmp_path / "settings.env"
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    env.write_text(f"NGOPAS_DATABASE_URL={url}\nNGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n")
    return str(env)


def _json_report(env: str, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "ikm.json"
    result = runner.invoke(app, ["report", *args, "--format", "json", "--out", str(out), "--env-file", env])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def _add_session(env: str) -> None:
    add = ["session", "add", "--title", "Dialog", "--section", "Bimas Islam", "--when", "20/03/2030 09.00"]
    result = runner.invoke(app, [*add, "--env-file", env])
    assert result.exit_code == 0, result.output


def test_google_forms_export_is_read_by_its_question_texts(tmp_path):
    env = _env(tmp_path)
    data = _json_report(env, tmp_path, "--input", str(FORMS), "--period", "2026-Q1")
    assert data["respondents"] == 7 and data["ikm"] == 89.29  # (9 NRR from the labels) / 9 × 25
    assert data["unsur"]["sarana"]["nrr"] == round(23 / 7, 4) and data["unsur"]["biaya"]["answers"] == 7
    assert data["profile"]["jenis_kelamin"] == {"Laki-laki": 3, "Perempuan": 3}
    assert data["profile"]["pendidikan"]["S1"] == 2
    # "" and "-" are no suggestion
    assert data["saran"] == [
        "Semoga dialog seperti ini rutin tiap bulan.",
        "Suara kurang jelas di bagian belakang.",
        "Parkir sempit",
        "Tambah sesi tanya jawab",
    ]


def test_excel_csv_from_indonesian_windows_is_read(tmp_path):
    env = _env(tmp_path)
    data = _json_report(env, tmp_path, "--input", str(EXCEL))
    assert data["respondents"] == 4
    assert "Mohon “materi” dibagikan sesudah acara…" in data["saran"]
    assert "Kursi kurang – banyak yang berdiri" in data["saran"] and len(data["saran"]) == 3
    assert data["profile"]["umur"]["46–55 tahun"] == 1


def test_blank_answers_are_missing_answers_in_every_format(tmp_path):
    env = _env(tmp_path)
    data = _json_report(env, tmp_path, "--input", str(PAPER))
    assert data["respondents"] == 4
    assert data["unsur"]["waktu"]["answers"] == 3 and data["unsur"]["waktu"]["nrr"] == round(10 / 3, 4)
    assert data["unsur"]["persyaratan"]["answers"] == 4 and data["unsur"]["persyaratan"]["nrr"] == 3.25
    assert data["saran"] == ["Terima kasih, sangat membantu"]
    assert data["perbaikan"] == {"sarana": ["Kipas angin kurang"]}
    text = runner.invoke(app, ["report", "--input", str(PAPER), "--env-file", env])
    assert "Saran masuk: 1." in text.output and not re.search(r"\b(nan|None)\b", text.output)
    for fmt in ("xlsx", "pdf", "png", "docx"):
        out = tmp_path / f"laporan.{fmt}"
        with warnings.catch_warnings():  # a blank cast to an integer warns (and counts in no column)
            warnings.simplefilter("error", RuntimeWarning)
            result = runner.invoke(
                app, ["report", "--input", str(PAPER), "--format", fmt, "--out", str(out), "--env-file", env]
            )
        assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "laporan.xlsx")
    spread = {row[0]: row[1:] for row in book["Sebaran Jawaban"].iter_rows(min_row=2, values_only=True)}
    assert spread["Waktu Penyelesaian"] == (0, 0, 2, 1, 3)  # the blank is in no column and not in the total
    assert [row[1:] for row in book["Saran"].iter_rows(min_row=2, values_only=True)] == [
        ("Terima kasih, sangat membantu", 1)
    ]


def test_imported_blanks_reach_ringkasan_and_tickets_without_nan(tmp_path):
    env = _env(tmp_path)
    assert runner.invoke(app, ["sheets", "init", "--env-file", env]).exit_code == 0
    _add_session(env)
    loaded = runner.invoke(app, ["import-responses", str(PAPER), "--session", "1", "--env-file", env])
    assert loaded.exit_code == 0, loaded.output
    synced = runner.invoke(app, ["sync", "--env-file", env])
    assert synced.exit_code == 0, synced.output
    book = load_workbook(tmp_path / "wb.xlsx")
    summary = list(book["Ringkasan"].iter_rows(min_row=2, values_only=True))
    assert summary and summary[0][0] == "Sesi" and summary[0][6] == 4  # responden
    headers = [cell.value for cell in book["Aspirasi"][1]]
    tickets = [
        dict(zip(headers, row, strict=False))["Isi"]
        for row in book["Aspirasi"].iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(tickets) == ["Terima kasih, sangat membantu", "[U9 Sarana] Kipas angin kurang"]
    # the office's own workbook read back: the Jawaban rows are the answers already stored
    again = runner.invoke(
        app, ["import-responses", str(tmp_path / "wb.xlsx"), "--session", "1", "--env-file", env]
    )
    assert again.exit_code == 0 and "0 baru, 4 sudah ada" in again.output, again.output


@BOTH_DATABASES
def test_import_twice_adds_nothing_and_keeps_profile_and_dates(tmp_path, database_url):
    env = _env(tmp_path, database_url)
    _add_session(env)
    preview = runner.invoke(
        app, ["import-responses", str(FORMS), "--session", "1", "--dry-run", "--env-file", env]
    )
    assert preview.exit_code == 0, preview.output
    assert "Baris 2" in preview.output and "Baris 8" in preview.output
    assert "7 baru, 0 sudah ada" in preview.output and "tidak ada yang disimpan" in preview.output
    first = runner.invoke(app, ["import-responses", str(FORMS), "--session", "1", "--env-file", env])
    assert first.exit_code == 0 and "7 baru, 0 sudah ada" in first.output, first.output
    again = runner.invoke(app, ["import-responses", str(FORMS), "--session", "1", "--env-file", env])
    assert again.exit_code == 0 and "0 baru, 7 sudah ada" in again.output, again.output
    # the file's own dates: the answers belong to March 2026, whenever they were imported
    data = _json_report(env, tmp_path, "--session", "1", "--period", "2026-03")
    assert data["respondents"] == 7 and data["ikm"] == 89.29
    assert data["profile"]["jenis_kelamin"] == {"Laki-laki": 3, "Perempuan": 3}
    assert data["profile"]["umur"]["Di atas 65 tahun"] == 1
    assert len(data["saran"]) == 4


def test_dates_that_read_both_ways_follow_the_convention_unless_date_format_says_and_it_is_kept(tmp_path):
    env = _env(tmp_path)
    _add_session(env)
    survey = tmp_path / "survei-kua.csv"  # 03/04 is 3 April in Indonesia, March 4 in the US
    survey.write_text(
        "Tanggal,Persyaratan,Sarana\n03/04/2026 09.00,4,3\n03/05/2026 10.00,3,3\n", encoding="utf-8"
    )
    preview = runner.invoke(
        app, ["import-responses", str(survey), "--session", "1", "--dry-run", "--env-file", env]
    )
    assert preview.exit_code == 0, preview.output
    assert "Baris 2: 03/04/2026 09.00" in preview.output
    assert "Tanggal dibaca sebagai hari/bulan/tahun" in preview.output
    assert "--date-format MM/DD/YYYY" in preview.output  # what to do when the file is month first
    args = [
        "import-responses",
        str(survey),
        "--session",
        "1",
        "--date-format",
        "MM/DD/YYYY",
        "--env-file",
        env,
    ]
    stored = runner.invoke(app, args)
    assert stored.exit_code == 0 and "2 baru, 0 sudah ada" in stored.output, stored.output
    assert _json_report(env, tmp_path, "--session", "1", "--period", "2026-03")["respondents"] == 2
    # the order was saved for this file: the next look needs no --date-format
    again = runner.invoke(
        app, ["import-responses", str(survey), "--session", "1", "--dry-run", "--env-file", env]
    )
    assert "0 baru, 2 sudah ada" in again.output and "sesuai --date-format" in again.output, again.output
    assert _json_report(env, tmp_path, "--input", str(survey), "--period", "2026-03")["respondents"] == 2
    wrong = runner.invoke(app, [*args[:4], "--date-format", "YYYY/MM/DD", "--env-file", env])
    assert wrong.exit_code == 2 and "DD/MM/YYYY" in wrong.output


def test_import_keeps_perbaikan(tmp_path):
    env = _env(tmp_path)
    _add_session(env)
    assert (
        runner.invoke(app, ["import-responses", str(PAPER), "--session", "1", "--env-file", env]).exit_code
        == 0
    )
    data = _json_report(env, tmp_path, "--session", "1")
    assert data["perbaikan"] == {"sarana": ["Kipas angin kurang"]} and data["unsur"]["waktu"]["answers"] == 3


def test_unknown_column_is_named_and_map_settles_it_once_per_source(tmp_path):
    env = _env(tmp_path)
    _add_session(env)
    survey = tmp_path / "survei-balai-nikah.csv"
    survey.write_text(
        "Tanggal;Persyaratan;Prosedur;Waktu;Biaya;Produk;Kompetensi;Perilaku;Pengaduan;Ruang tunggu nyaman?\n"
        "20/03/2026;4;4;4;4;4;4;4;4;2\n20/03/2026;3;3;3;3;3;3;3;3;1\n",
        encoding="utf-8",
    )
    refused = runner.invoke(app, ["import-responses", str(survey), "--session", "1", "--env-file", env])
    assert refused.exit_code == 2 and "'Ruang tunggu nyaman?' tidak dikenali" in refused.output
    assert "--map" in refused.output
    mapped = runner.invoke(
        app,
        [
            "import-responses",
            str(survey),
            "--session",
            "1",
            "--map",
            "Ruang tunggu nyaman?=sarana",
            "--env-file",
            env,
        ],
    )
    assert mapped.exit_code == 0 and "2 baru, 0 sudah ada" in mapped.output, mapped.output
    # the mapping was saved for this file: the next import (and report) needs no --map
    again = runner.invoke(app, ["import-responses", str(survey), "--session", "1", "--env-file", env])
    assert again.exit_code == 0 and "0 baru, 2 sudah ada" in again.output, again.output
    data = _json_report(env, tmp_path, "--input", str(survey))
    assert data["unsur"]["sarana"]["nrr"] == 1.5
    bad_key = runner.invoke(
        app, ["report", "--input", str(survey), "--map", "Ruang tunggu nyaman?=ruangan", "--env-file", env]
    )
    assert bad_key.exit_code == 2 and "'ruangan' bukan kunci kolom" in bad_key.output


@pytest.mark.parametrize(
    ("given", "expected"),
    [("bimas islam", "Bimas Islam"), ("BIMAS", "Bimas Islam"), ("phu", "PHU")],
)
def test_section_by_case_and_prefix(tmp_path, given, expected):
    env = _env(tmp_path)
    survey = tmp_path / "dua-bidang.csv"
    survey.write_text(
        "bidang,persyaratan,prosedur\nBimas Islam,4,4\nBimas Islam,3,3\nPHU,2,2\n", encoding="utf-8"
    )
    data = _json_report(env, tmp_path, "--input", str(survey), "--section", given)
    assert data["respondents"] == (2 if expected == "Bimas Islam" else 1)
    assert data["title"].endswith(expected)


def test_unknown_section_lists_the_known_ones(tmp_path):
    env = _env(tmp_path)
    _add_session(env)
    assert (
        runner.invoke(app, ["import-responses", str(PAPER), "--session", "1", "--env-file", env]).exit_code
        == 0
    )
    found = runner.invoke(app, ["report", "--section", "bimas", "--env-file", env])
    assert found.exit_code == 0 and "4 responden" in found.output, found.output
    unknown = runner.invoke(app, ["report", "--section", "Haji", "--env-file", env])
    assert unknown.exit_code == 2, unknown.output
    assert "Bidang 'Haji' tidak dikenal" in unknown.output and "Bimas Islam" in unknown.output
    assert "Belum ada jawaban" not in unknown.output
