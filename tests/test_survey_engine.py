"""The pure survey engine: every rule of the walk, without Telegram, the store or a clock (milliseconds).

The end-to-end tests in test_survey.py drive the same rules through python-telegram-bot and the emulator;
these pin each rule down on its own, on the packaged questionnaire and on small made-up ones.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.survey import engine
from bot.domain.survey.definition import load_definition, parse_definition
from bot.domain.survey.engine import FOLLOWUP, REPLACE, SUMMARY, Action
from bot.store.sessions import Session
from bot.store.surveys import Draft

NOW = datetime(2026, 3, 20, 3, 5, tzinfo=UTC)
NGOPAS = load_definition("ngopas")
IKM_ORDER = [
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "pengaduan",
    "sarana",
]


def session(**changes: object) -> Session:
    values: dict[str, object] = {
        "id": 7,
        "title": "Dialog <Kerukunan>",
        "section": "Bimas Islam",
        "venue": "Aula",
        "starts_at": NOW - timedelta(hours=2),
        "ends_at": NOW - timedelta(hours=1),
        "zoom_url": None,
        "youtube_url": None,
        "speaker": None,
        "status": "planned",
        "rev": 1,
        "version": 1,
        "survey_closes_at": NOW + timedelta(days=7),
        "population": None,
        "source": "test",
        "external_key": None,
    }
    values.update(changes)
    return Session(**values)  # type: ignore[arg-type]


def fresh(defn=NGOPAS, *, ipak: bool = False, replaces: str | None = None) -> Draft:
    return engine.new_draft(
        defn,
        session_id=7,
        respondent="r1",
        chat_id=42,
        lang="id",
        now=NOW,
        ipak=ipak,
        replaces=replaces,
    )


def answer(draft: Draft, value: str, defn=NGOPAS) -> Draft:
    """Press the option with `value` at the current question."""
    q = defn.question(draft.current)
    moved = engine.choose(defn, draft, [o.value for o in q.options].index(value))
    assert moved is not None, (draft.current, value)
    return moved


def walk_to_summary(draft: Draft, score: str = "4", attendance: str = "langsung") -> Draft:
    """Answer every question the person is shown, skipping the optional ones."""
    while draft.current != SUMMARY:
        if draft.current.startswith(FOLLOWUP):
            draft = engine.skip(NGOPAS, draft)
            continue
        q = NGOPAS.question(draft.current)
        if q.key == "kehadiran":
            draft = answer(draft, attendance)
        elif q.optional:
            draft = engine.skip(NGOPAS, draft)
        else:
            draft = answer(draft, score)
        assert draft is not None
    return draft


# --- the walk ---------------------------------------------------------------------------------------


def test_a_fresh_draft_starts_at_the_first_question_with_nothing_answered():
    draft = fresh()
    assert draft.current == "kehadiran"
    assert (draft.step, draft.answers, draft.history) == (0, {}, [])


def test_each_answer_moves_one_step_and_records_the_value():
    draft = answer(fresh(), "langsung")
    assert draft.current == "persyaratan"
    assert draft.step == 1
    assert draft.answers == {"kehadiran": "langsung"}
    assert draft.history == ["kehadiran"]
    draft = answer(draft, "3")
    assert draft.current == "prosedur"
    assert draft.answers["persyaratan"] == "3"


def test_the_nine_unsur_come_in_the_regulations_order():
    draft = answer(fresh(), "langsung")
    seen = []
    while draft.current in IKM_ORDER:
        seen.append(draft.current)
        draft = answer(draft, "4")
    assert seen == IKM_ORDER


def test_a_low_score_asks_one_follow_up_and_a_typed_reason_is_kept():
    draft = answer(answer(fresh(), "langsung"), "2")
    assert draft.current == FOLLOWUP + "persyaratan"
    draft = engine.write(NGOPAS, draft, "  Undangan datang terlambat  ")
    assert draft is not None
    assert draft.followups == {"persyaratan": "Undangan datang terlambat"}
    assert draft.current == "prosedur"


def test_a_follow_up_can_be_skipped_and_a_good_score_asks_none():
    low = answer(answer(fresh(), "langsung"), "1")
    skipped = engine.skip(NGOPAS, low)
    assert skipped is not None and skipped.current == "prosedur" and skipped.followups == {}
    good = answer(answer(fresh(), "langsung"), "3")
    assert good.current == "prosedur"


def test_raising_a_low_score_later_drops_its_follow_up():
    draft = answer(answer(fresh(), "langsung"), "1")
    draft = engine.write(NGOPAS, draft, "Syarat tidak jelas")
    draft = engine.back(engine.back(draft))  # back to persyaratan
    assert draft.current == "persyaratan"
    draft = answer(draft, "4")
    assert "persyaratan" not in draft.followups


def test_stream_quality_is_asked_only_of_people_who_followed_online():
    in_person = walk_to_summary(fresh(), attendance="langsung")
    online = walk_to_summary(fresh(), attendance="zoom")
    assert "kualitas_siaran" not in in_person.answers
    assert "kualitas_siaran" in online.answers
    shown = [q.key for q in engine.visible_questions(NGOPAS, online)]
    assert "kualitas_siaran" in shown


def test_switching_to_in_person_forgets_the_stream_quality_answer():
    online = walk_to_summary(fresh(), attendance="youtube")
    assert "kualitas_siaran" in online.answers
    restarted = engine.restart_for_edit(NGOPAS, online)
    assert restarted is not None and restarted.current == "kehadiran"
    switched = answer(restarted, "langsung")
    assert "kualitas_siaran" not in switched.answers
    assert switched.answers["persyaratan"] == "4"  # the rest stays


def test_ipak_questions_only_when_the_office_switches_them_on():
    without = [q.key for q in engine.visible_questions(NGOPAS, fresh(ipak=False))]
    with_ipak = [q.key for q in engine.visible_questions(NGOPAS, fresh(ipak=True))]
    assert not any(k.startswith("ipak_") for k in without)
    assert [k for k in with_ipak if k.startswith("ipak_")] == [
        "ipak_diskriminasi",
        "ipak_prosedur",
        "ipak_gratifikasi",
        "ipak_pungli",
        "ipak_calo",
    ]


def test_only_optional_questions_can_be_skipped():
    draft = fresh()
    assert engine.skip(NGOPAS, draft) is None  # kehadiran is required
    draft = walk_to_summary(draft)
    assert draft.answers["jenis_kelamin"] is None  # skipped optional answers are kept as "skipped"


def test_back_returns_to_the_previous_step_and_counts_as_a_step():
    draft = answer(answer(fresh(), "zoom"), "4")
    back = engine.back(draft)
    assert back is not None
    assert back.current == "persyaratan"
    assert back.step == draft.step + 1
    assert back.answers == draft.answers  # nothing is forgotten by going back
    assert engine.back(fresh()) is None  # nothing before the first question


def test_free_text_is_cut_to_its_limit_and_too_long_says_which_limit():
    draft = walk_to_summary(fresh())
    draft = engine.restart_for_edit(NGOPAS, draft)
    while draft.current != "saran":
        draft = engine.skip(NGOPAS, draft) or answer(draft, NGOPAS.question(draft.current).options[-1].value)
    assert engine.too_long(NGOPAS, draft, "x" * 1000) is None
    assert engine.too_long(NGOPAS, draft, "x" * 1001) == 1000
    written = engine.write(NGOPAS, draft, "Semoga rutin setiap bulan")
    assert written is not None and written.answers["saran"] == "Semoga rutin setiap bulan"


def test_text_where_a_button_is_expected_and_buttons_where_text_is_expected_change_nothing():
    draft = fresh()
    assert engine.write(NGOPAS, draft, "langsung") is None  # a choice question
    followup = answer(answer(draft, "langsung"), "1")
    assert engine.choose(NGOPAS, followup, 0) is None  # the follow-up wants text
    assert engine.choose(NGOPAS, draft, 99) is None  # an option that does not exist


def test_the_summary_accepts_only_send_change_and_back():
    summary = walk_to_summary(fresh())
    assert engine.choose(NGOPAS, summary, 0) is None
    assert engine.skip(NGOPAS, summary) is None
    assert engine.write(NGOPAS, summary, "halo") is None
    assert engine.apply(NGOPAS, summary, Action.CHANGE) is not None
    assert engine.apply(NGOPAS, summary, Action.BACK) is not None
    assert engine.apply(NGOPAS, summary, Action.SEND) is None  # the flow stores it, not the engine


def test_apply_dispatches_each_navigation_action():
    draft = fresh()
    assert engine.apply(NGOPAS, draft, Action.CHOOSE, 0) == engine.choose(NGOPAS, draft, 0)
    moved = answer(draft, "langsung")
    assert engine.apply(NGOPAS, moved, Action.BACK) == engine.back(moved)
    assert engine.apply(NGOPAS, draft, Action.CHANGE) is None  # only on the summary
    assert engine.apply(NGOPAS, draft, Action.CHOOSE) is None  # no option given


def test_answering_again_starts_at_the_choice_and_a_fresh_walk_keeps_the_start_time():
    again = fresh(replaces="R1")
    assert again.current == REPLACE
    assert engine.choose(NGOPAS, again, 0) is None
    later = NOW + timedelta(hours=1)
    restarted = engine.start_again(NGOPAS, again, later)
    assert restarted is not None
    assert restarted.current == "kehadiran"
    assert restarted.replaces == "R1"
    assert restarted.step == again.step + 1
    assert restarted.started_at == NOW
    assert engine.start_again(NGOPAS, fresh(), later) is None  # only from the choice


# --- the protocol on the buttons -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "parsed"),
    [
        ("o0", (Action.CHOOSE, 0)),
        ("o12", (Action.CHOOSE, 12)),
        ("s", (Action.SKIP, None)),
        ("b", (Action.BACK, None)),
        ("u", (Action.CHANGE, None)),
        ("k", (Action.SEND, None)),
        ("r", (Action.REPLACE, None)),
        ("n", (Action.KEEP, None)),
        ("go", (Action.OPEN, None)),
    ],
)
def test_button_codes_round_trip(code, parsed):
    assert Action.parse(code) == parsed
    action, option = parsed
    assert action.code(option) == code


@pytest.mark.parametrize("code", ["", "o", "o-1", "ox", "o99999", "o²", "x", "kk", "SEND", "o 1"])
def test_forged_button_codes_are_refused(code):
    assert Action.parse(code) is None


def test_every_button_the_engine_draws_parses_back_to_an_action():
    draft = fresh(ipak=True)
    views = []
    while draft.current != SUMMARY:
        views.append(engine.render(NGOPAS, draft, session(), "id"))
        draft = (
            engine.skip(NGOPAS, draft)
            if draft.current.startswith(FOLLOWUP) or NGOPAS.question(draft.current).optional
            else answer(
                draft, "1" if draft.current == "sarana" else NGOPAS.question(draft.current).options[0].value
            )
        )
    views.append(engine.render(NGOPAS, draft, session(), "id"))
    views.append(engine.render(NGOPAS, fresh(replaces="R1"), session(), "id"))
    codes = [code for view in views for row in view.buttons for _, code in row]
    assert codes and all(Action.parse(code) is not None for code in codes)


# --- what the person sees ---------------------------------------------------------------------------


def test_a_question_shows_progress_the_escaped_title_and_one_button_per_option():
    view = engine.render(NGOPAS, answer(fresh(), "langsung"), session(), "id")
    assert "Pertanyaan 2 dari" in view.text
    assert "Dialog &lt;Kerukunan&gt;" in view.text  # the title staff typed is HTML-escaped
    labels = [label for row in view.buttons for label, _ in row]
    assert labels[:4] == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
    assert any("Kembali" in label for label in labels)


def test_the_chosen_option_is_marked_when_the_person_comes_back():
    draft = engine.back(answer(answer(fresh(), "langsung"), "3"))
    labels = [label for row in engine.render(NGOPAS, draft, session(), "id").buttons for label, _ in row]
    assert "✓ Sesuai" in labels


def test_the_total_shrinks_when_a_branch_hides_questions():
    online = engine.render(NGOPAS, answer(fresh(), "zoom"), session(), "id").text
    in_person = engine.render(NGOPAS, answer(fresh(), "langsung"), session(), "id").text
    total = NGOPAS.count_for({"kehadiran": "zoom"})
    assert f"dari {total}" in online
    assert f"dari {total - 1}" in in_person


def test_the_summary_lists_every_answer_skips_and_reasons_in_the_readers_language():
    draft = answer(answer(fresh(), "langsung"), "2")
    draft = engine.write(NGOPAS, draft, "Undangan <terlambat>")
    draft = walk_to_summary(draft)
    id_view = engine.render(NGOPAS, draft, session(), "id")
    en_view = engine.render(NGOPAS, replace(draft, language="en"), session(), "en")
    assert "<b>Hadir langsung</b>" in id_view.text
    assert "Undangan &lt;terlambat&gt;" in id_view.text
    assert "(dilewati)" in id_view.text
    assert "<b>In person</b>" in en_view.text
    codes = [code for row in id_view.buttons for _, code in row]
    assert codes[:2] == [Action.SEND.code(), Action.CHANGE.code()]


def test_a_small_definition_walks_as_written():
    defn = parse_definition(
        {
            "id": "mini",
            "version": 1,
            "title": {"id": "Mini", "en": "Mini"},
            "intro": {"id": "i", "en": "i"},
            "thanks": {"id": "t", "en": "t"},
            "followup": {"text": {"id": "Kenapa?", "en": "Why?"}},
            "questions": [
                {
                    "key": "cara",
                    "kind": "choice",
                    "text": {"id": "Cara?", "en": "How?"},
                    "options": [
                        {"value": "a", "label": {"id": "A", "en": "A"}},
                        {"value": "b", "label": {"id": "B", "en": "B"}},
                    ],
                },
                {
                    "key": "sarana",
                    "kind": "ikm",
                    "followup_on_low": True,
                    "show_if": {"cara": ["b"]},
                    "text": {"id": "Sarana?", "en": "Facilities?"},
                    "options": [
                        {"value": str(v), "label": {"id": str(v), "en": str(v)}} for v in range(1, 5)
                    ],
                },
            ],
        },
        "mini.yaml",
    )
    a = answer(fresh(defn), "a", defn)
    assert a.current == SUMMARY  # the branch hides `sarana`
    b = answer(answer(fresh(defn), "b", defn), "1", defn)
    assert b.current == FOLLOWUP + "sarana"
    done = engine.write(defn, b, "Sound system")
    assert done is not None and done.current == SUMMARY and done.followups == {"sarana": "Sound system"}


def test_open_and_closed_surveys():
    now = NOW
    assert engine.survey_open(session(), now)
    assert not engine.survey_open(session(status="cancelled"), now)
    assert not engine.survey_open(session(starts_at=now + timedelta(minutes=1)), now)
    assert not engine.survey_open(session(survey_closes_at=now - timedelta(seconds=1)), now)
    with pytest.raises(engine.SurveyUnavailable, match="dibatalkan|batal"):
        engine.check_open(session(status="cancelled"), now, "id")
    with pytest.raises(engine.SurveyUnavailable):
        engine.check_open(None, now, "id")
