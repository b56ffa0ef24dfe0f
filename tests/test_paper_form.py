"""The survey on paper: `ngopas survey paper` prints what the chat asks, `ngopas survey template` gives staff
a workbook whose dropdowns hold exactly the printed answers, and a typed template counts like any export."""

from __future__ import annotations

import json
import re
from datetime import datetime
from fractions import Fraction

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.response_import import reader_hints
from bot.domain.survey.definition import load_definition
from bot.domain.survey.paper import PAPER_SECTIONS, paper_questions
from reports.instrument import IPAK, IPAK_LABELS, LABELS, PROFILE_KEYS, UNSUR_KEYS, label_to_value
from reports.responses_input import read_responses, table_from_rows

runner = CliRunner()
TITLE = "Dialog Kerukunan “Guyub Rukun” Umat Beragama"
WHEN = "Sabtu, 23 Maret 2030 pukul 09.00 WIB"
VENUE = "Aula Kantor Kemenag Kota Magelang"
SECTION = "Bimas Islam"


@pytest.fixture
def office(tmp_path):
    """A settings file naming the bot and session #1, as an operator has them."""

    def make(**extra: str):
        env = tmp_path / "settings.env"
        env.write_text(
            f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n"
            "NGOPAS_BOT_USERNAME=kemenag_ngopas_bot\n" + "".join(f"{k}={v}\n" for k, v in extra.items())
        )
        added = runner.invoke(
            app,
            [
                *("session", "add", "--title", TITLE, "--section", SECTION),
                *("--when", "23/03/2030 09.00", "--venue", VENUE, "--env-file", str(env)),
            ],
        )
        assert added.exit_code == 0, added.output
        return str(env)

    return make


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _paper_questions(ipak: bool = False):
    defn = load_definition("ngopas")
    return [
        q for q in defn.active_questions(ipak=ipak) if q.section in PAPER_SECTIONS and not q.show_if
    ], defn


def test_the_paper_form_prints_the_chat_questions_with_the_session_and_its_qr_code(tmp_path, office):
    env = office()
    out = tmp_path / "formulir.pdf"
    result = runner.invoke(app, ["survey", "paper", "1", "--out", str(out), "--env-file", env])
    assert result.exit_code == 0, result.output
    assert f"ditulis ke {out}" in result.stdout

    reader = PdfReader(out)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    pages = [_flat(page.extract_text()) for page in reader.pages]
    text = " ".join(pages)
    for expected in (TITLE, WHEN, VENUE, SECTION, "Kantor Kementerian Agama Kota Magelang"):
        assert expected in text, expected
    assert "https://t.me/kemenag_ngopas_bot?start=sv1" in text
    assert "Pindai kode QR" in text and "Telegram" in text
    questions, defn = _paper_questions()
    assert {q.section for q in questions} == {"ikm", "profil", "saran"}
    for q in questions:
        assert _flat(q.text["id"]) in text, q.key
        for option in q.options:
            assert option.label["id"] in text, (q.key, option.label["id"])
    assert defn.followup_text["id"] in text  # the chat's "what should we improve" after a low answer
    for q in questions:  # never a question on one page and its answers on the next
        assert any(
            _flat(q.text["id"]) in page and all(o.label["id"] in page for o in q.options) for page in pages
        ), q.key
    assert defn.question("kehadiran").text["id"] not in text  # chat-only, branches on the answer
    assert "IPAK" not in text and defn.question("ipak_pungli").text["id"] not in text  # off by default

    # Two square QR codes: the survey's, and the check-in's ("✋ Saya hadir") for those with a phone.
    qr = reader.pages[0].images
    assert len(qr) == 2
    assert all(code.image.width == code.image.height for code in qr)
    assert "https://t.me/kemenag_ngopas_bot?start=hadir1" in text and "Tandai kehadiran" in text
    # every page says which session a loose sheet belongs to
    for number, page in enumerate(pages, start=1):
        assert f"sesi #1 · {number}/{len(pages)}" in page
    # large type for older respondents: questions at 14 pt, answers at 13 pt, nothing smaller than 8 pt
    sizes: list[float] = []
    reader.pages[1].extract_text(visitor_text=lambda t, cm, tm, font, size: sizes.append(size))
    assert max(sizes) >= 14 and min(sizes) >= 8


def test_the_ipak_questions_are_printed_and_typed_when_the_office_asks_them(tmp_path, office):
    env = office(NGOPAS_SURVEY_IPAK="true")
    pdf, xlsx = tmp_path / "f.pdf", tmp_path / "isian.xlsx"
    assert runner.invoke(app, ["survey", "paper", "1", "--out", str(pdf), "--env-file", env]).exit_code == 0
    text = _flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))
    questions, _ = _paper_questions(ipak=True)
    ipak = [q for q in questions if q.section == "ipak"]
    assert [q.key for q in ipak] == list(IPAK)
    for q in ipak:
        assert q.text["id"] in text
    assert (
        runner.invoke(app, ["survey", "template", "1", "--out", str(xlsx), "--env-file", env]).exit_code == 0
    )
    lists = _dropdowns(load_workbook(xlsx))
    for key in IPAK:
        assert lists[key] == list(IPAK_LABELS)


def _dropdowns(book) -> dict[str, list[str]]:
    """Each column key of the Isian sheet and the answers its dropdown offers (resolved like Excel does)."""
    sheet = book["Isian"]
    headers = {cell.column: cell.value for cell in sheet[1]}
    found: dict[str, list[str]] = {}
    for check in sheet.data_validations.dataValidation:
        if check.type != "list":
            continue
        where, cells = check.formula1.split("!")
        source = book[where.strip("'")]
        min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
        values = [
            source.cell(row=r, column=c).value
            for r in range(min_row, max_row + 1)
            for c in range(min_col, max_col + 1)
        ]
        col, first_row, _, last_row = range_boundaries(str(check.sqref))
        assert (first_row, last_row) == (2, 501)
        found[headers[col]] = values
    return found


def test_the_template_has_the_reader_keys_and_a_dropdown_of_the_printed_answers(tmp_path, office):
    env = office()
    out = tmp_path / "isian.xlsx"
    result = runner.invoke(app, ["survey", "template", "1", "--out", str(out), "--env-file", env])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["Isian", "Petunjuk"]
    sheet = book["Isian"]
    headers = [cell.value for cell in sheet[1]]
    questions, defn = _paper_questions()
    expected = ["sesi", "bidang", "tanggal"]
    for q in questions:
        expected += [q.key] + ([f"perbaikan_{q.key}"] if q.followup_on_low else [])
    assert headers == expected
    assert set(UNSUR_KEYS) | set(PROFILE_KEYS) | {"saran"} <= set(headers)
    assert sheet.freeze_panes == "A2"

    lists = _dropdowns(book)
    answer_columns = [q.key for q in questions if q.options]
    assert sorted(lists) == sorted(["sesi", "bidang", *answer_columns])  # every answer column, nothing else
    for q in questions:
        if q.options:
            assert lists[q.key] == [o.label["id"] for o in q.options], q.key
    for key in UNSUR_KEYS:
        assert lists[key] == list(LABELS[key])  # the regulation's labels: the reader knows them
        assert [label_to_value(key, label) for label in lists[key]] == [1, 2, 3, 4]
    assert lists["sesi"] == [1] and lists["bidang"] == [SECTION]  # the one right value, to pick or copy
    dates = [c for c in sheet.data_validations.dataValidation if c.type == "date"]
    assert len(dates) == 1 and str(dates[0].sqref) == "C2:C501"
    # row 2 holds session, section and date, to copy beside the typed rows; nothing else is below the
    # header, so an export from Excel or LibreOffice holds only the rows staff typed
    assert [sheet.cell(row=2, column=c).value for c in (1, 2, 3)] == [1, SECTION, datetime(2030, 3, 23)]
    assert sheet["C2"].number_format == "DD/MM/YYYY"
    assert sheet.max_row == 2 and all(cell.value is None for cell in sheet[2][3:])
    guide = [row for row in book["Petunjuk"].iter_rows(values_only=True)]
    assert any(row[0] and "import-responses isian.xlsx --session 1" in row[0] for row in guide)
    assert ("persyaratan", defn.question("persyaratan").text["id"], *LABELS["persyaratan"]) in [
        tuple(v for v in row if v is not None) for row in guide
    ]


def test_a_typed_template_counts_as_the_paper_forms_said(tmp_path, office):
    """Staff pick answers from the dropdowns for three forms; the file, saved as CSV, gives the IKM the
    regulation gives for those answers, with the profile and the suggestions."""
    env = office()
    out = tmp_path / "isian.xlsx"
    assert (
        runner.invoke(app, ["survey", "template", "1", "--out", str(out), "--env-file", env]).exit_code == 0
    )
    book = load_workbook(out)
    sheet = book["Isian"]
    lists = _dropdowns(book)
    column = {cell.value: cell.column for cell in sheet[1]}
    forms = [  # the index of the ticked box per unsur, as on three paper forms
        dict(zip(UNSUR_KEYS, [3, 3, 2, 3, 3, 3, 3, 2, 1], strict=True)),
        dict(zip(UNSUR_KEYS, [2, 3, 3, 3, 2, 3, 3, 3, 3], strict=True)),
        dict(zip(UNSUR_KEYS, [1, 2, 3, 3, 3, 3, 2, 3, 0], strict=True)),
    ]
    for row, ticks in enumerate(forms, start=2):
        for key, tick in ticks.items():
            sheet.cell(row=row, column=column[key], value=lists[key][tick])
        for auto in ("sesi", "bidang", "tanggal"):  # copied down from row 2 (Ctrl+D)
            sheet.cell(row=row, column=column[auto], value=sheet.cell(row=2, column=column[auto]).value)
    sheet.cell(row=2, column=column["jenis_kelamin"], value=lists["jenis_kelamin"][1])
    sheet.cell(row=3, column=column["jenis_kelamin"], value=lists["jenis_kelamin"][1])
    sheet.cell(row=2, column=column["umur"], value=lists["umur"][5])
    sheet.cell(row=4, column=column["saran"], value="Suara pengeras kurang jelas di belakang")
    sheet.cell(row=4, column=column["perbaikan_sarana"], value="Tambah pengeras suara")
    book.save(out)

    csv = tmp_path / "isian.csv"
    pd.read_excel(out, sheet_name=0, dtype=str).to_csv(csv, index=False)
    typed = pd.read_csv(csv, dtype=str)
    assert len(typed) == 3 and set(typed["sesi"]) == {"1"} and set(typed["bidang"]) == {SECTION}
    args = ["report", "--input", str(csv), "--period", "2030-Q1", "--format", "json", "--env-file", env]
    result = runner.invoke(app, args)  # the period from the forms' date, not the day they were typed
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)

    nrr = [Fraction(sum(f[key] + 1 for f in forms), len(forms)) for key in UNSUR_KEYS]
    ikm = sum(nrr) / len(nrr) * 25
    assert report["period"] == "Triwulan I 2030" and report["respondents"] == 3
    assert report["ikm"] == pytest.approx(float(round(ikm, 2)))
    for key, value in zip(UNSUR_KEYS, nrr, strict=True):
        assert report["unsur"][key]["nrr"] == pytest.approx(float(round(value, 4)))
    assert report["profile"]["jenis_kelamin"] == {"Perempuan": 2}
    assert report["profile"]["umur"] == {"Di atas 65 tahun": 1}
    assert report["saran"] == ["Suara pengeras kurang jelas di belakang"]
    assert report["perbaikan"] == {"sarana": ["Tambah pengeras suara"]}


@pytest.mark.parametrize("command", ["paper", "template"])
def test_an_unknown_session_or_a_wrong_file_type_is_one_sentence(tmp_path, office, command):
    env = office()
    name = {"paper": "f.pdf", "template": "f.xlsx"}[command]
    missing = runner.invoke(app, ["survey", command, "7", "--out", str(tmp_path / name), "--env-file", env])
    assert missing.exit_code == 2 and missing.stderr.strip() == "Sesi #7 tidak ditemukan."
    wrong = runner.invoke(app, ["survey", command, "1", "--out", str(tmp_path / "f.docx"), "--env-file", env])
    assert wrong.exit_code == 2 and "berakhiran" in wrong.stderr and "Traceback" not in wrong.output
    assert not (tmp_path / name).exists() and not (tmp_path / "f.docx").exists()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_printed_answer_in_every_language_reads_back_to_its_value(lang):
    """An office whose paper and template are in English types the English labels; each reads back as the
    value the same button in the chat stores, in the file reader (`report --input`, `import-responses`)."""
    defn = load_definition("ngopas")
    printed = paper_questions(defn, lang, ipak=True)
    by_key = {q.key: q for q in defn.questions}
    widest = max(len(q.options) for q in printed)
    headers = [q.key for q in printed if q.options]
    rows = [[q.options[i % len(q.options)] for q in printed if q.options] for i in range(widest)]
    for hints_values in (True, False):
        frame = read_responses(
            table_from_rows([headers, *rows], "isian.xlsx"), **reader_hints(defn, values=hints_values)
        ).frame
        for key in headers:
            options = by_key[key].options
            expected = [options[i % len(options)].value for i in range(widest)]
            if by_key[key].kind == "choice" and not hints_values:
                expected = [by_key[key].label(v, "id") for v in expected]  # reports show Indonesian labels
            assert [str(v) for v in frame[key].tolist()] == expected, (lang, key)
