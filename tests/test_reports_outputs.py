"""Report outputs: golden text and JSON, CSV input with clear per-cell errors."""

import json
from datetime import datetime

import pandas as pd
import pytest

from reports import build_report, render_json, render_text
from reports.instrument import UNSUR_KEYS
from reports.responses_input import ResponsesInputError, read_responses, read_table


def _report():
    df = pd.DataFrame([dict.fromkeys(UNSUR_KEYS, 4), dict.fromkeys(UNSUR_KEYS, 3)])
    df.loc[1, "sarana"] = 2
    df["saran"] = ["Lebih sering", None]
    return build_report(
        df,
        title="Survei Kepuasan NGOPAS",
        office_name="Kemenag Kota Magelang",
        period_label="Triwulan I 2026",
        population=10,
        generated_at=datetime(2026, 4, 1, 8, 0),
    )


def test_golden_text():
    # sarana NRR = (4+2)/2 = 3; others 3.5; unit = (8*3.5 + 3)/9 = 31/9 = 3.4444; IKM = 86.11 (B)
    assert render_text(_report()) == "\n".join(
        [
            "📊 Survei Kepuasan NGOPAS",
            "Kemenag Kota Magelang · Triwulan I 2026",
            "",
            "IKM 86,11 — B (Baik), 2 responden",
            "",
            "Nilai per unsur (NRR 1–4):",
            "• Persyaratan: 3,50 (B)",
            "• Sistem, Mekanisme, dan Prosedur: 3,50 (B)",
            "• Waktu Penyelesaian: 3,50 (B)",
            "• Biaya/Tarif: 3,50 (B)",
            "• Produk Spesifikasi Jenis Pelayanan: 3,50 (B)",
            "• Kompetensi Pelaksana: 3,50 (B)",
            "• Perilaku Pelaksana: 3,50 (B)",
            "• Penanganan Pengaduan, Saran dan Masukan: 3,50 (B)",
            "• Sarana dan Prasarana: 3,00 (C)",
            "",
            "Unsur terlemah: Sarana dan Prasarana (3,00).",
            "Target sampel (Krejcie–Morgan): 2 dari 10 responden.",
            "Saran masuk: 1.",
        ]
    )


def test_golden_json_schema():
    data = json.loads(render_json(_report()))
    assert data["ikm"] == 86.11 and data["ikm_unit"] == 3.4444
    assert data["mutu"] == "B" and data["kinerja"] == "Baik" and data["respondents"] == 2
    assert data["unsur"]["sarana"] == {
        "name": "Sarana dan Prasarana",
        "nrr": 3.0,
        "nrr_weighted": 0.3333,
        "mutu": "C",
        "kinerja": "Kurang baik",
        "answers": 2,
    }
    assert data["unsur"]["persyaratan"]["nrr"] == 3.5 and data["weakest_unsur"] == "sarana"
    assert data["ipak"] is None and data["saran"] == ["Lebih sering"]
    assert data["sample"] == {"population": 10, "target": 10, "response_rate": 0.2}


def test_csv_with_labels_numbers_bom_and_semicolons(tmp_path):
    path = tmp_path / "paper.csv"
    header = ";".join(["tanggal", *UNSUR_KEYS, "saran"])
    path.write_text(
        f"{header}\n"
        "05/03/2026;Sangat sesuai;4;4;Gratis;4;4;4;Dikelola dengan baik;Sangat baik;Bagus\n"
        "06/03/2026;3;3;Cepat;4;3;3;3;3;Baik;\n",
        encoding="utf-8-sig",
    )
    df = read_responses(read_table(path)).frame
    assert list(df["persyaratan"]) == [4, 3] and list(df["waktu"]) == [4, 3]
    assert df["finished_at"].iloc[0].month == 3 and df["finished_at"].iloc[0].day == 5


def test_csv_bad_cells_reported_and_nothing_computed(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("persyaratan,prosedur,tanggal\nSangat sesuai,5,01/02/2026\nmantap,3,31/02/2026\n")
    with pytest.raises(ResponsesInputError) as info:
        read_responses(read_table(path))
    problems = info.value.problems
    assert (
        "Baris 2, kolom prosedur: '5' bukan 1–4 atau Tidak mudah, Kurang mudah, Mudah, Sangat mudah."
        in problems
    )
    assert (
        "Baris 3, kolom persyaratan: 'mantap' bukan 1–4 atau Tidak sesuai, Kurang sesuai, Sesuai, Sangat sesuai."
        in problems
    )
    assert any(p.startswith("Baris 3, kolom tanggal") for p in problems)


def test_absent_column_means_disabled(tmp_path):
    path = tmp_path / "free.csv"
    keys = [k for k in UNSUR_KEYS if k != "biaya"]
    path.write_text(",".join(keys) + "\n" + ",".join(["3"] * 8) + "\n")
    df = read_responses(read_table(path)).frame
    report = build_report(df, title="t", office_name="o", period_label="p")
    assert "biaya" not in report.ikm.unsur and report.ikm.ikm_rounded == 75.0
