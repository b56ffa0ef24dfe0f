"""A report's figures come from counts (reports.counts): counting stored answers as they are read gives the
same report as one row per answer, whatever the answers (issue 17 #3).

Generated answers: skipped, blank, unknown and non-text values, keys never asked, follow-ups (blank ones
too), three sessions in two sections, three channels, times on both sides of a month's and a quarter's
edge in the office's zone, an unsur switched off; read in chunks as the store gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import reporting
from bot.domain.survey.definition import load_definition
from reports.count_one import OneAnswer
from reports.counts import CountsBuilder
from reports.frame import responses_frame
from reports.grouping import summarise
from reports.instrument import PROFILE_KEYS

DEFN = load_definition("ngopas")
SCORED = [q.key for q in DEFN.questions if q.kind in ("ikm", "scale")]
TZ = ZoneInfo("Asia/Jakarta")
TITLES = {1: ("Dialog Moderasi", "Bimas Islam"), 2: ("Haji Ramah", "PHU"), 3: ("Dialog Moderasi", "PHU")}
# 17.00 UTC is midnight in Magelang: answers either side of 1 April and 1 July fall in other months/quarters.
TIMES = [
    datetime(2025, 3, 31, 16, 59, tzinfo=UTC),
    datetime(2025, 3, 31, 17, 0, tzinfo=UTC),
    datetime(2025, 6, 30, 17, 30, tzinfo=UTC),
    datetime(2025, 11, 2, 3, 0, tzinfo=UTC),
    datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
]


def _value(key: str) -> st.SearchStrategy[Any]:
    question = DEFN.question(key)
    options = [o.value for o in question.options] or ["Lebih sering", "lebih  sering.", "Zoom putus"]
    odd = [None, "", "  ", "-", "5", "tidak tahu"]
    if key in SCORED:
        odd.append(3)  # a number where the bot stores text: not an answer
    return st.one_of(st.sampled_from(options), st.sampled_from(odd))


@st.composite
def responses(draw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 40))):
        answers = {}
        for key in [*SCORED, *PROFILE_KEYS, "saran"]:
            if draw(st.booleans()):  # a key never asked is absent
                answers[key] = draw(_value(key))
        followups = {}
        for key in draw(st.lists(st.sampled_from(SCORED[:9]), max_size=2, unique=True)):
            followups[key] = draw(st.sampled_from(["Perbaiki antrean", "", "  ", None]))
        out.append(
            {
                "response_id": f"R{i:03d}",
                "session_id": draw(st.sampled_from(list(TITLES))),
                "finished_at": draw(st.sampled_from(TIMES)) + timedelta(seconds=draw(st.integers(0, 3))),
                "channel": draw(st.sampled_from(["telegram", "import", "kertas"])),
                "answers": answers,
                "followups": followups,
            }
        )
    return sorted(out, key=lambda r: (r["finished_at"], r["response_id"]))  # the store's order


def _rows(answers: list[dict[str, Any]], drop: tuple[str, ...]) -> Any:
    """One row per answer, as the report read them before issue 17 (tests/test_report_from_store.py)."""
    records = []
    for r in answers:
        record: dict[str, Any] = {
            "response_id": r["response_id"],
            "session_id": r["session_id"],
            "session_title": TITLES[r["session_id"]][0],
            "section": TITLES[r["session_id"]][1],
            "finished_at": r["finished_at"],
            "channel": r["channel"],
        }
        for key in SCORED:
            record[key] = DEFN.numeric_value(key, r["answers"].get(key))
        for key in PROFILE_KEYS:
            value = r["answers"].get(key)
            record[key] = DEFN.question(key).label(value, "id") if value else None
        record["saran"] = r["answers"].get("saran")
        for key, text in r["followups"].items():
            if text is not None:
                record[f"perbaikan_{key}"] = text
        records.append(record)
    return responses_frame(records, scored=SCORED, tz=TZ, drop=drop)


def _counted(answers: list[dict[str, Any]], drop: tuple[str, ...]) -> Any:
    translate: dict[str, Any] = {key: (lambda v, k=key: DEFN.numeric_value(k, v)) for key in SCORED}
    for key in PROFILE_KEYS:
        translate[key] = lambda v, q=DEFN.question(key): q.label(v, "id") if v else None
    builder = CountsBuilder(
        translate=translate, scored=SCORED, profile=PROFILE_KEYS, titles=TITLES, tz=TZ, drop=drop
    )
    half = len(answers) // 2
    for part in (answers[:half], answers[half:]):  # two chunks: a group may span both
        builder.add(
            response_id=[r["response_id"] for r in part],
            session_id=[r["session_id"] for r in part],
            finished_at=[r["finished_at"].strftime("%Y-%m-%d %H:%M:%S.%f") for r in part],  # as SQLite gives
            channel=[r["channel"] for r in part],
            answers=[r["answers"] for r in part],
            followups=[r["followups"] or None for r in part],
        )
    return builder.counts()


def _figures(answers: Any, scope: reporting.Scope) -> Any:
    try:
        built = reporting.build(answers, scope, office_name="Kantor", tz=TZ)
    except reporting.NoReport:
        return "no report"
    report = built.report
    report.generated_at = datetime(2026, 6, 1, 10, 0)
    return (
        reporting.render(built, "json"),
        report.distribution,
        report.sections,
        report.sessions,
        (report.period_start, report.period_end),
        {by: summarise(built.frame, by).to_json() for by in ("session", "section", "month", "quarter")},
    )


@settings(max_examples=8, deadline=None)  # each example builds eight reports; the suite stays quick
@given(answers=responses(), drop=st.sampled_from([(), ("biaya",)]))
def test_counting_stored_answers_gives_the_report_of_one_row_per_answer(answers, drop):
    counted, rows = _counted(answers, drop), _rows(answers, drop)
    assert len(counted) == len(rows)
    for scope in (
        reporting.Scope(),
        reporting.Scope(section="PHU"),
        reporting.Scope(period="2025-Q1"),
        reporting.Scope(period="2025-04"),
        reporting.Scope(section="Bimas Islam", period="2025-S2"),
    ):
        assert _figures(counted, scope) == _figures(rows, scope), scope


def test_one_answer_counted_in_plain_python_equals_the_builders_count():
    """The running bot counts each stored answer without pandas (reports.count_one); for every kind of
    answer it must give exactly what the builder gives for a chunk of one: missing, NaN and unknown values,
    a switched-off unsur and its follow-up, no channel, a time without a zone, a month edge in Magelang."""

    def score(value):
        return {"1": 1, "2": 2, "3": 3, "4": 4, 4: 4}.get(value)

    rules = {
        "translate": {"persyaratan": score, "prosedur": score, "waktu": score, "pak1": score},
        "scored": ["persyaratan", "prosedur", "waktu", "pak1"],
        "profile": ["jenis_kelamin", "usia"],
        "tz": ZoneInfo("Asia/Jakarta"),
        "drop": ["waktu"],
    }
    cases = [
        (
            {"persyaratan": "4", "prosedur": "9", "waktu": "2", "jenis_kelamin": "P", "saran": "Lebih awal"},
            {},
        ),
        (
            {"persyaratan": None, "prosedur": float("nan"), "usia": 41, "saran": "-"},
            {"waktu": "Kursi kurang"},
        ),
        ({"pak1": 4, "jenis_kelamin": float("nan")}, {"prosedur": "tidak ada", "lain": "x"}),
        ({}, {}),
    ]
    times = [datetime(2026, 9, 30, 17, 30, tzinfo=UTC), datetime(2026, 9, 30, 16, 59), datetime(2026, 1, 1)]
    for i, (answers, followups) in enumerate(cases):
        for when in times:
            for channel in ("telegram", None, "kertas"):
                builder = CountsBuilder(titles={}, **rules)
                builder.add(
                    response_id=[f"R{i}"],
                    session_id=[7],
                    finished_at=[when],
                    channel=[channel],
                    answers=[answers],
                    followups=[followups or None],
                )
                one = OneAnswer(**rules).count(
                    response_id=f"R{i}",
                    session_id=7,
                    finished_at=when,
                    channel=channel,
                    answers=answers,
                    followups=followups or None,
                )
                groups, counted, texts = builder.state()
                assert one == (groups, counted, texts), (answers, followups, when, channel)
