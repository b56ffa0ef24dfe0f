"""The one reader behind `report --input` and `import-responses` (reports/responses_input.py), in milliseconds:
headers placed or named, cells checked, blanks kept as missing, rows fingerprinted the same on every import."""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from openpyxl import Workbook

from bot.domain.reporting import ReportInputError, resolve_section
from bot.domain.response_import import reader_hints
from bot.domain.survey.definition import load_definition
from reports.grouping import summarise
from reports.ikm import compute_ikm
from reports.instrument import QUESTIONS, UNSUR_KEYS, says_nothing
from reports.responses_input import (
    DMY,
    MDY,
    ResponsesInputError,
    date_order_of,
    date_order_option,
    place_columns,
    read_responses,
    table_from_bytes,
    table_from_rows,
)

TZ = ZoneInfo("Asia/Jakarta")
NINE = list(UNSUR_KEYS)


def _read(rows, source="survei.csv", **kwargs):
    return read_responses(table_from_rows(rows, source), tz=TZ, **kwargs)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        (f"1. {QUESTIONS['persyaratan']}", "persyaratan"),
        (f"U8 {QUESTIONS['pengaduan'].upper()}", "pengaduan"),
        ("  Waktu   Penyelesaian ", "waktu"),
        ("4) Biaya/Tarif", "biaya"),
        ("Penilaian layanan [Sarana dan Prasarana]", "sarana"),  # a Google Forms grid column
        ("Jenis Kelamin", "jenis_kelamin"),
        ("Pendidikan Terakhir", "pendidikan"),
        ("Usia (tahun)", "umur"),
        ("Cap waktu", "tanggal"),
        ("Timestamp", "tanggal"),
        ("Kritik dan Saran", "saran"),
        ("Perbaikan: U3 Waktu", "perbaikan_waktu"),  # the Jawaban worksheet, from the survey definition
        ("Bagaimana ketepatan dan kecepatan waktu pelaksanaan dialog?", "waktu"),
        ("How polite and friendly were the staff?", "perilaku"),
        ("Manfaat Dialog", "manfaat"),
    ],
)
def test_headers_are_placed_by_text_ignoring_numbering_case_and_punctuation(header, key):
    hints = reader_hints(load_definition("ngopas"), values=False)
    placed, problems = place_columns([header, "persyaratan"], aliases=hints["aliases"])
    assert placed[0] == key and (problems == [] or key == "persyaratan")


def test_unplaced_headers_are_named_never_guessed_and_map_settles_them():
    rows = [["persyaratan", "Ruang tunggu nyaman?", "Nama"], ["4", "Baik", "Budi"]]
    with pytest.raises(ResponsesInputError) as info:
        _read(rows)
    assert "'Ruang tunggu nyaman?' tidak dikenali" in str(info.value) and "Nama" not in str(info.value)
    read = _read(rows, mapping={"ruang tunggu nyaman": "sarana"})
    assert read.frame["sarana"].tolist() == [3] and read.ignored == ["Nama"]
    assert "Budi" not in read.frame.to_string()  # a name column is never read
    with pytest.raises(ResponsesInputError, match="'kenyamanan' bukan kunci kolom"):
        _read(rows, mapping={"Ruang tunggu nyaman?": "kenyamanan"})
    with pytest.raises(ResponsesInputError, match="tidak ada kolom berjudul 'Ruang'"):
        _read(rows, mapping={"Ruang": "sarana"})


def test_two_headers_for_one_key_are_refused():
    with pytest.raises(ResponsesInputError, match="'Timestamp', 'Tanggal' sama-sama dibaca sebagai tanggal"):
        _read([["Timestamp", "Tanggal", "persyaratan"], ["20/03/2026", "20/03/2026", "4"]])


def test_google_sheet_values_with_blanks_are_missing_answers():
    # what gspread's get_all_values/get_values give: strings, short rows, blank lines
    values = [
        ["Timestamp", *NINE, "saran"],
        ["20/03/2026 09.15", "4", "", "3"],
        [],
        ["21/03/2026 10.00", *["3"] * 9, "nan"],
    ]
    frame = _read(values).frame
    assert frame["prosedur"].isna().tolist() == [True, False] and frame["sarana"].tolist()[1] == 3
    assert frame["saran"].isna().all() and frame["row"].tolist() == [2, 4]
    result = compute_ikm(frame)
    assert result.unsur["persyaratan"].answers == 2 and result.unsur["prosedur"].answers == 1
    assert result.respondents == 2


def test_blank_answers_never_break_the_per_group_tables():
    frame = _read([["bidang", *NINE], ["PHU", *["4"] * 8, ""], ["PHU", *["2"] * 9]]).frame
    table = summarise(frame, "section")
    assert table["ikm"].tolist() == [float(compute_ikm(frame).ikm_rounded)] and table[
        "responden"
    ].tolist() == [2]


def test_bad_cells_are_all_named_by_row_and_column():
    with pytest.raises(ResponsesInputError) as info:
        _read([["Tanggal", "Persyaratan", "Jenis Kelamin"], ["31/02/2026", "mantap", "X"]], **_choices())
    problems = info.value.problems
    assert any(p.startswith("Baris 2, kolom Tanggal: '31/02/2026' bukan tanggal") for p in problems)
    assert any(p.startswith("Baris 2, kolom Persyaratan: 'mantap' bukan 1–4") for p in problems)
    assert "Baris 2, kolom Jenis Kelamin: 'X' bukan pilihan yang dikenal (Laki-laki, Perempuan)." in problems


def _choices():
    hints = reader_hints(load_definition("ngopas"), values=False)
    return {"choices": hints["choices"], "aliases": hints["aliases"]}


def test_profile_answers_in_any_form_become_the_survey_labels():
    rows = [
        ["persyaratan", "Jenis Kelamin", "Umur", "Pekerjaan"],
        ["4", "L", "34", "pns/tni/polri"],
        ["3", "Female", "70", ""],
    ]
    frame = _read(rows, **_choices()).frame
    assert frame["jenis_kelamin"].tolist() == ["Laki-laki", "Perempuan"]
    assert frame["umur"].tolist() == ["26–35 tahun", "Di atas 65 tahun"]
    assert frame["pekerjaan"].tolist()[0] == "PNS/TNI/POLRI" and pd.isna(frame["pekerjaan"].tolist()[1])
    stored = _read(rows, **reader_hints(load_definition("ngopas"), values=True)).frame
    assert stored["jenis_kelamin"].tolist() == ["L", "P"] and stored["umur"].tolist() == ["26-35", "66+"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["20/03/2026 09.15", "05/04/2026"], datetime(2026, 3, 20, 9, 15)),
        (
            ["3/20/2026 9:15:32", "4/5/2026 10:00:00"],
            datetime(2026, 3, 20, 9, 15, 32),
        ),  # a Sheet set to English
        (["2026/03/20 9:41:07 PM GMT+7", "2026/03/21 7:58:31 AM GMT+7"], datetime(2026, 3, 20, 21, 41, 7)),
        (["2026-03-20T09:15:00", "2026-03-21T00:00:00"], datetime(2026, 3, 20, 9, 15)),  # an XLSX date
        (["2026/03/20 2:41:07 PM GMT", ""], datetime(2026, 3, 20, 21, 41, 7)),  # UTC, shown in Jakarta
    ],
)
def test_dates_as_forms_sheets_and_excel_write_them(cells, expected):
    frame = _read([["Tanggal", "persyaratan"], *[[c, "4"] for c in cells]]).frame
    assert frame["finished_at"].iloc[0] == pd.Timestamp(expected, tz=TZ)


AMBIGUOUS = [["Tanggal", "persyaratan"], ["03/04/2026 09.15", "4"], ["05/06/2026", "3"]]


@pytest.mark.parametrize(
    ("kwargs", "expected", "why"),
    [
        ({}, datetime(2026, 4, 3, 9, 15), "convention"),  # Indonesian: 3 April
        ({"date_convention": MDY}, datetime(2026, 3, 4, 9, 15), "convention"),  # an English (US) source
        ({"date_order": MDY}, datetime(2026, 3, 4, 9, 15), "given"),  # --date-format MM/DD/YYYY
        ({"date_order": DMY, "date_convention": MDY}, datetime(2026, 4, 3, 9, 15), "given"),
    ],
)
def test_dates_that_read_both_ways_follow_the_given_order_else_the_sources_convention(kwargs, expected, why):
    read = _read(AMBIGUOUS, **kwargs)
    assert read.frame["finished_at"].iloc[0] == pd.Timestamp(expected, tz=TZ)
    assert read.dates is not None and read.dates.why == why
    sentence = read.dates.sentence()
    assert sentence.count(".") == 1 and ("hari/bulan/tahun" in sentence) == (expected.month == 4)
    if why == "convention":  # says how to read it the other way
        assert ("--date-format MM/DD/YYYY" in sentence) == (expected.month == 4)


def test_a_date_above_12_settles_the_order_whatever_the_convention():
    rows = [*AMBIGUOUS, ["3/20/2026", "4"]]  # month first: there is no month 20
    read = _read(rows)
    assert read.dates is not None and (read.dates.order, read.dates.why) == (MDY, "data")
    assert read.frame["finished_at"].iloc[0] == pd.Timestamp(datetime(2026, 3, 4, 9, 15), tz=TZ)
    assert _read([*AMBIGUOUS, ["20/03/2026", "4"]], date_convention=MDY).dates.order == DMY
    with pytest.raises(ResponsesInputError, match="Baris 4, kolom Tanggal: '3/20/2026' bukan tanggal"):
        _read(rows, date_order=DMY)  # the user's order is kept; a date it cannot read is named
    assert _read([["Tanggal", "persyaratan"], ["2026-03-20", "4"]]).dates is None  # nothing to decide


@pytest.mark.parametrize(
    ("locale", "order"),
    [("id", DMY), ("in_ID", DMY), ("en", MDY), ("en_US", MDY), ("en_GB", DMY), (None, DMY), ("xx_YY", DMY)],
)
def test_the_convention_of_a_locale_is_the_one_its_short_dates_use(locale, order):
    assert date_order_of(locale) == order


@pytest.mark.parametrize(
    ("text", "order"), [("DD/MM/YYYY", DMY), ("mm/dd/yyyy", MDY), ("dmy", DMY), ("bulan/hari", MDY)]
)
def test_date_format_option(text, order):
    assert date_order_option(text) == order
    with pytest.raises(ResponsesInputError, match="DD/MM/YYYY"):
        date_order_option("YYYY-MM-DD")


def test_fingerprints_are_stable_and_tell_identical_rows_apart():
    rows = [["persyaratan", "prosedur"], ["4", "4"], ["4", "4"], ["3", "2"]]
    first = _read(rows, "kertas.csv").frame["fingerprint"].tolist()
    assert len(set(first)) == 3  # two people who answered alike are two respondents
    assert _read(rows, "kertas.csv").frame["fingerprint"].tolist() == first
    assert (
        _read([*rows, ["1", "1"]], "kertas.csv").frame["fingerprint"].tolist()[:3] == first
    )  # rows added later
    form = [["Timestamp", "persyaratan"], ["20/03/2026 09.15", "4"]]
    assert (
        _read(form, "Formulir (Respons).csv").frame["fingerprint"].tolist()
        == _read(form, "unduhan-lagi.csv").frame["fingerprint"].tolist()
    )  # a form's row is the same row whatever the download is called


def test_csv_encodings_and_delimiters():
    text = "Persyaratan;Saran\n4;Kursi kurang – banyak yang berdiri\n"
    for data in (text.encode("cp1252"), text.encode("utf-16"), ("\ufeff" + text).encode("utf-8")):
        frame = read_responses(table_from_bytes(data, "x.csv")).frame
        assert frame["saran"].tolist() == ["Kursi kurang – banyak yang berdiri"]
    tabbed = read_responses(table_from_bytes(b"persyaratan\tprosedur\n4\t3\n", "x.tsv")).frame
    assert tabbed["prosedur"].tolist() == [3]
    with pytest.raises(ResponsesInputError, match="baris 3 punya 3 kolom padahal judulnya 2"):
        table_from_bytes(b"persyaratan,prosedur\n4,3\n4,3,2\n", "x.csv")


def test_empty_texts_say_nothing():
    assert all(says_nothing(t) for t in (None, "", " ", "-", "nan", "None", "Tidak ada.", "NIHIL"))
    assert not any(says_nothing(t) for t in ("Nanas segar", "AC mati", "0"))


def test_section_by_case_prefix_or_a_sentence_naming_the_known_ones():
    known = ["TU/Kerukunan Umat Beragama", "Bimas Islam", "PHU", "Pendidikan Islam"]
    assert resolve_section("bimas islam", known) == "Bimas Islam"
    assert resolve_section("pend", known) == "Pendidikan Islam"
    with pytest.raises(ReportInputError, match="'P' cocok dengan PHU, Pendidikan Islam; tulis lebih lengkap"):
        resolve_section("P", known)
    with pytest.raises(ReportInputError, match="bidang yang ada: Bimas Islam, PHU, Pendidikan Islam, TU"):
        resolve_section("Haji", known)


def test_xlsx_typed_from_paper_with_real_dates_and_numbers():
    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Tanggal", *[k.capitalize() for k in NINE], "Saran"])
    sheet.append([1, datetime(2026, 3, 23, 9, 30), *[4] * 8, None, "Lanjutkan"])
    sheet.append([2, datetime(2026, 3, 24), *[3] * 9, None])
    data = BytesIO()
    book.save(data)
    read = read_responses(table_from_bytes(data.getvalue(), "entri.xlsx"), tz=TZ)
    assert read.frame["sarana"].isna().tolist() == [True, False] and read.frame["persyaratan"].tolist() == [
        4,
        3,
    ]
    assert read.frame["finished_at"].iloc[0] == pd.Timestamp(datetime(2026, 3, 23, 9, 30), tz=TZ)
    assert read.frame["saran"].tolist()[0] == "Lanjutkan" and read.ignored == ["No"]
