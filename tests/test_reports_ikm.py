"""IKM per PermenPAN-RB 14/2017 against hand-worked examples, boundaries and properties."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import compute_ikm, grade_for_ikm, krejcie_morgan, label_to_value, summarise
from reports.instrument import UNSUR_KEYS


def frame(rows, keys=UNSUR_KEYS):
    return pd.DataFrame([dict(zip(keys, r, strict=True)) for r in rows])


def test_all_fours_is_100_a_and_all_ones_is_25_d():
    best = compute_ikm(frame([[4] * 9] * 3))
    assert best.ikm_rounded == 100.0 and best.grade.mutu == "A" and best.grade.kinerja == "Sangat baik"
    worst = compute_ikm(frame([[1] * 9] * 3))
    assert worst.ikm_rounded == 25.0 and worst.grade.mutu == "D" and worst.grade.kinerja == "Tidak baik"


def test_nrr_and_weights_by_hand():
    # two respondents: all 4 and all 3 -> NRR 3.5 per unsur, unit 3.5, IKM 87.50 (B)
    r = compute_ikm(frame([[4] * 9, [3] * 9]))
    assert r.unit == Fraction(7, 2) and r.ikm_rounded == 87.5 and r.grade.mutu == "B"
    assert all(u.nrr == Fraction(7, 2) and u.weighted == Fraction(7, 18) for u in r.unsur.values())
    assert r.respondents == 2


def test_disabled_unsur_changes_the_weight():
    keys = [k for k in UNSUR_KEYS if k != "biaya"]
    r = compute_ikm(frame([[3] * 8], keys))
    assert set(r.unsur) == set(keys)
    assert all(u.weighted == Fraction(3, 8) for u in r.unsur.values())
    assert r.ikm_rounded == 75.0 and r.grade.mutu == "C"
    # disabling explicitly gives the same
    full = frame([[3, 3, 3, 1, 3, 3, 3, 3, 3]])
    assert compute_ikm(full, disabled_unsur=["biaya"]).ikm_rounded == 75.0


def test_missing_answers_count_only_answered():
    df = frame([[4] * 9, [2] * 9])
    df.loc[1, "sarana"] = None
    r = compute_ikm(df)
    assert r.unsur["sarana"].nrr == 4 and r.unsur["sarana"].answers == 1
    assert r.unsur["waktu"].nrr == 3


@pytest.mark.parametrize(
    ("value", "mutu"),
    [
        (25, "D"),
        (64.99, "D"),
        (65.00, "C"),
        (76.60, "C"),
        (76.61, "B"),
        (88.30, "B"),
        (88.31, "A"),
        (100, "A"),
    ],
)
def test_grade_boundaries(value, mutu):
    assert grade_for_ikm(Decimal(str(value))).mutu == mutu


def test_rounding_near_88_30_88_31_is_half_up_on_the_exact_value():
    # 5000 respondents x 9 unsur; total T gives IKM = 25*T/45000 exactly.
    def dataset(total):
        values = np.full(45000, 4)
        values[: 180000 - total] = 3
        return pd.DataFrame(values.reshape(5000, 9), columns=list(UNSUR_KEYS))

    exact = compute_ikm(dataset(158949))  # 88.305 exactly -> shown 88.31 -> A
    assert exact.ikm == Fraction(88305, 1000)
    assert exact.ikm_rounded == 88.31 and exact.grade.mutu == "A"
    below = compute_ikm(dataset(158948))  # 88.3044... -> 88.30 -> B
    assert below.ikm_rounded == 88.30 and below.grade.mutu == "B"


def test_krejcie_morgan():
    assert krejcie_morgan(100) == 80
    assert krejcie_morgan(1000) == 278
    assert krejcie_morgan(10) == 10
    assert krejcie_morgan(0) == 0


def test_labels_and_numbers():
    assert label_to_value("persyaratan", " Sangat  Sesuai ") == 4
    assert label_to_value("biaya", "gratis") == 4
    assert label_to_value("pengaduan", "Ada tetapi tidak berfungsi") == 2
    assert label_to_value("sarana", "3") == 3
    assert label_to_value("sarana", "5") is None and label_to_value("sarana", "mantap") is None


answers = st.lists(st.lists(st.integers(1, 4), min_size=9, max_size=9), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_ikm_within_25_and_100(rows):
    r = compute_ikm(frame(rows))
    assert 25 <= r.ikm <= 100


@settings(max_examples=60, deadline=None)
@given(answers, st.data())
def test_ikm_monotone_in_every_answer(rows, data):
    i = data.draw(st.integers(0, len(rows) - 1))
    j = data.draw(st.integers(0, 8))
    if rows[i][j] == 4:
        return
    better = [list(r) for r in rows]
    better[i][j] += 1
    assert compute_ikm(frame(better)).ikm > compute_ikm(frame(rows)).ikm


def test_summaries_per_quarter_with_change():
    times = pd.to_datetime(["2026-02-01", "2026-02-02", "2026-05-01", "2026-08-01"]).tz_localize(
        "Asia/Jakarta"
    )
    df = frame([[3] * 9, [3] * 9, [4] * 9, [2] * 9])
    df["finished_at"] = times
    df["section"] = ["PHU", "PHU", "Bimas Islam", "PHU"]
    q = summarise(df, "quarter")
    assert list(q["kelompok"]) == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert list(q["ikm"]) == [75.0, 100.0, 50.0]
    assert list(q["perubahan"].iloc[1:]) == [25.0, -50.0]
    s = summarise(df, "section")
    assert dict(zip(s["kelompok"], s["responden"], strict=True)) == {"Bimas Islam": 1, "PHU": 3}


def test_summarise_with_a_skipped_answer_counts_each_unsur_on_its_own():
    """A nullable integer column with a gap (an import with a blank cell) used to crash the per-group sums."""
    frame = pd.DataFrame(
        {
            "persyaratan": pd.array([4, None, 3, 2], dtype="Int64"),
            "prosedur": pd.array([2, 2, None, 4], dtype="Int64"),
            "section": ["Bimas Islam", "Bimas Islam", "PHU", "PHU"],
        }
    )
    rows = summarise(frame, "section").set_index("kelompok")
    for section, part in frame.groupby("section"):
        assert rows.loc[section, "ikm"] == compute_ikm(part).ikm_rounded
        assert rows.loc[section, "responden"] == compute_ikm(part).respondents
