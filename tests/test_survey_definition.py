"""The questionnaire is data: the packaged survey is right, broken files are refused with clear messages."""

import pytest
import yaml

from bot.domain.survey.definition import IKM_KEYS, SurveyDefinitionError, load_definition, parse_definition

# The standard answer labels 1 → 4 from PermenPAN-RB 14/2017 (../shared/reference/ikm.md).
STANDARD = {
    "persyaratan": ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    "prosedur": ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
    "waktu": ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
    "biaya": ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
    "produk": ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    "kompetensi": ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
    "perilaku": [
        "Tidak sopan dan ramah",
        "Kurang sopan dan ramah",
        "Sopan dan ramah",
        "Sangat sopan dan ramah",
    ],
    "pengaduan": [
        "Tidak ada",
        "Ada tetapi tidak berfungsi",
        "Berfungsi kurang maksimal",
        "Dikelola dengan baik",
    ],
    "sarana": ["Buruk", "Cukup", "Baik", "Sangat baik"],
}


def test_packaged_survey_has_the_nine_unsur_with_standard_labels():
    d = load_definition("ngopas")
    ikm = [q for q in d.questions if q.kind == "ikm"]
    assert [q.key for q in ikm] == list(IKM_KEYS)
    for q in ikm:
        assert [o.label["id"] for o in q.options] == STANDARD[q.key]
        assert [o.value for o in q.options] == ["1", "2", "3", "4"]
    for q in d.questions:
        assert q.text["id"] and q.text["en"]
        assert all(o.label["id"] and o.label["en"] for o in q.options)


def test_branching_blocks_and_disabled_unsur():
    d = load_definition("ngopas")
    assert d.count_for({"kehadiran": "langsung"}) == d.count_for({"kehadiran": "zoom"}) - 1
    keys = [q.key for q in d.active_questions()]
    assert "ipak_pungli" not in keys and "jenis_kelamin" in keys
    assert "ipak_pungli" in [q.key for q in d.active_questions(ipak=True)]
    assert "biaya" not in [q.key for q in d.active_questions(disabled_unsur=["biaya"])]
    assert d.next_question({"kehadiran": "langsung"}, "manfaat").key == "jenis_kelamin"
    assert d.next_question({"kehadiran": "youtube"}, "manfaat").key == "kualitas_siaran"
    assert d.numeric_value("sarana", "3") == 3 and d.numeric_value("kehadiran", "zoom") is None


def _base():
    return yaml.safe_load(
        """
id: t
version: 1
title: {id: T, en: T}
intro: {id: I, en: I}
thanks: {id: X, en: X}
followup: {text: {id: F, en: F}}
questions:
  - key: kehadiran
    kind: choice
    text: {id: "Hadir?", en: "Attend?"}
    options:
      - {value: langsung, label: {id: Langsung, en: In person}}
      - {value: zoom, label: {id: Zoom, en: Zoom}}
  - key: sarana
    kind: ikm
    text: {id: "Sarana?", en: "Facilities?"}
    options:
      - {value: "1", label: {id: Buruk, en: Poor}}
      - {value: "2", label: {id: Cukup, en: Fair}}
      - {value: "3", label: {id: Baik, en: Good}}
      - {value: "4", label: {id: Sangat baik, en: Very good}}
"""
    )


def test_minimal_definition_is_accepted():
    assert parse_definition(_base(), "t.yaml").version == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["questions"][0].update(optinal=True), "kunci tak dikenal ['optinal']"),
        (lambda d: d["questions"][1]["options"][0]["label"].pop("en"), "tidak punya teks en"),
        (lambda d: d["questions"][1]["options"].pop(), "skala 1, 2, 3, 4"),
        (lambda d: d["questions"][1].update(key="kenyamanan"), "bukan unsur IKM"),
        (lambda d: d["questions"][1].update(show_if={"nanti": ["x"]}), "tidak ada sebelumnya"),
        (lambda d: d["questions"][0].update(show_if={"sarana": ["4"]}), "tidak ada sebelumnya"),
        (lambda d: d["questions"][1].update(show_if={"kehadiran": ["radio"]}), "'radio'"),
        (lambda d: d["questions"].append(dict(d["questions"][0])), "kunci ganda"),
        (
            lambda d: d["questions"][0]["options"][0].update(value="sangat-panjang-sekali-nilainya"),
            "terlalu panjang",
        ),
        (lambda d: d.update(version=0), "version harus bilangan bulat positif"),
        (lambda d: d.update(disabled_unsur=["parkir"]), "bukan unsur IKM"),
        (lambda d: d.update(colour="red"), "kunci tak dikenal ['colour']"),
    ],
)
def test_malformed_definitions_are_refused_with_the_reason(mutate, message):
    data = _base()
    mutate(data)
    with pytest.raises(SurveyDefinitionError) as info:
        parse_definition(data, "rusak.yaml")
    assert message in str(info.value)
    assert "rusak.yaml" in str(info.value)


def test_bad_yaml_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(SurveyDefinitionError, match="YAML tidak valid"):
        load_definition(path)
