"""`reports.counts.from_rows` (the vectorised reduction of a frame of answers to counts) gives exactly what a
plain recount of the same rows gives, one row at a time in Python: same groups in the same order, same
rows, respondents, IPAK respondents, first and last answer, same count for every (group, key, value), same
free texts.  Every figure of a report is computed from these counts, so a faster reduction cannot change a
figure without failing here.

The frames vary what the fast paths depend on: scores as whole numbers without gaps, as nullable integers
(what `reports.frame.responses_frame` gives), as floats with NaN and as text from a file; sections and
channels as text, as categories and missing; several sessions; months across a year's end; times a second
either side of midnight in Magelang (17.00 UTC), where an answer at 31 March 18.00 UTC belongs to April."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from reports.counts import TEXTS, from_rows
from reports.grouping import summarise
from reports.ikm_sums import from_sums
from reports.instrument import IPAK, PROFILE_KEYS, UNSUR, says_nothing

TZ = ZoneInfo("Asia/Jakarta")
EDGES = [  # local midnight is 17.00 UTC the day before
    datetime(2025, 12, 31, 16, 59, 59, tzinfo=UTC),  # 31 December 23.59.59 WIB: December 2025
    datetime(2025, 12, 31, 17, 0, 0, tzinfo=UTC),  # 1 January 00.00 WIB: January 2026
    datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC),  # March
    datetime(2026, 3, 31, 18, 0, 0, tzinfo=UTC),  # 1 April 01.00 WIB: April (and the second quarter)
    datetime(2026, 6, 30, 17, 0, 0, tzinfo=UTC),  # July: the second semester
]
SECTIONS = ["Bimas Islam", "PHU", "TU/Kerukunan Umat Beragama", "Pendidikan Islam"]


def _frame(seed: int, scores: str, keys: str, n: int = 400) -> pd.DataFrame:
    """`n` answers: scores stored as `scores` (int8 | Int64 | float | text), sections and channels as
    `keys` (text | category | str), some of both missing where the kind can hold a gap."""
    rng = np.random.default_rng(seed)
    spread = [
        datetime(2025, 11, 1, tzinfo=UTC) + timedelta(seconds=int(s)) for s in rng.integers(0, 200 * 86400, n)
    ]
    edges = [EDGES[i] for i in rng.integers(0, len(EDGES), n)]
    times = [e if pick else s for e, s, pick in zip(edges, spread, rng.random(n) < 0.4, strict=True)]
    frame = pd.DataFrame({"session_id": rng.choice([3, 7, 12, 40], n)})
    frame["session_title"] = rng.choice(["Dialog Moderasi", "Haji Ramah", None], n)
    sections = rng.choice([*SECTIONS, None], n)
    channels = rng.choice(["telegram", "kertas", "import", None], n)
    if keys == "category":
        frame["section"] = pd.Categorical(sections)
        frame["channel"] = pd.Categorical(channels)
    elif keys == "str":
        frame["section"] = pd.Series(sections, dtype="str")
        frame["channel"] = pd.Series(channels, dtype="str")
    else:
        frame["section"] = pd.Series(sections, dtype=object)
        frame["channel"] = pd.Series(channels, dtype=object)
    frame["finished_at"] = pd.to_datetime(pd.Series(times), utc=True).dt.tz_convert(TZ)
    skipped = {"unsur": rng.random(n) < 0.1, "ipak": rng.random(n) < 0.3}  # answered none of them
    for key in [*UNSUR, *list(IPAK)[:3]]:
        given = rng.integers(1, 5, n)
        gap = (rng.random(n) < 0.15) | skipped["unsur" if key in UNSUR else "ipak"]
        if scores == "int8":
            frame[key] = given.astype("int8")
        elif scores == "Int64":
            frame[key] = pd.array(np.where(gap, 0, given), dtype="Int64")
            frame.loc[gap, key] = pd.NA
        elif scores == "float":
            frame[key] = np.where(gap, np.nan, given.astype("float64"))
        else:  # a file read as text: numbers as text, blanks, something that is no number
            frame[key] = pd.Series(
                np.where(gap, rng.choice(["", "x", None], n), given.astype(str)), dtype=object
            )
    for key in PROFILE_KEYS[:2]:
        frame[key] = pd.Series(rng.choice(["Laki-laki", "Perempuan", "SMA", None], n), dtype=object)
    frame["saran"] = pd.Series(
        rng.choice(["Antrean lebih cepat", "-", "  ", None, " Ruang tunggu "], n), dtype=object
    )
    frame["perbaikan_waktu"] = pd.Series(rng.choice(["Lebih cepat", None, "tidak ada"], n), dtype=object)
    return frame


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _score(value: Any) -> float | None:
    if _missing(value):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _recount(frame: pd.DataFrame) -> dict[str, Any]:
    """The counts of `frame`, one answer at a time, months read from each time in Magelang's zone."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    answers: Counter[tuple[Any, ...]] = Counter()
    texts = []
    for row in frame.to_dict("records"):
        when = row["finished_at"]
        local = None if _missing(when) else when.to_pydatetime().astimezone(TZ)
        key = (
            int(row["session_id"]),
            None if _missing(row["session_title"]) else row["session_title"],
            None if _missing(row["section"]) else row["section"],
            None if local is None else local.year * 100 + local.month,
            None if _missing(row["channel"]) else row["channel"],
        )
        group = groups.setdefault(key, {"rows": 0, "respondents": 0, "ipak": 0, "times": []})
        group["rows"] += 1
        group["respondents"] += any(_score(row[k]) is not None for k in UNSUR if k in row)
        group["ipak"] += any(not _missing(row[k]) for k in IPAK if k in row)
        if local is not None:
            group["times"].append(when)
        for name in [*UNSUR, *IPAK]:
            if name in row and _score(row[name]) is not None:
                answers[(key, name, _score(row[name]))] += 1
        for name in PROFILE_KEYS:
            if name in row and not _missing(row[name]):
                answers[(key, name, str(row[name]))] += 1
        for column in TEXTS:
            if column in row and not _missing(row[column]) and not says_nothing(row[column]):
                texts.append((key, column, str(row[column]).strip()))
    return {
        "groups": [
            (
                key,
                g["rows"],
                g["respondents"],
                g["ipak"],
                min(g["times"], default=None),
                max(g["times"], default=None),
            )
            for key, g in groups.items()
        ],
        "answers": dict(answers),
        "texts": sorted(texts, key=repr),
        "per_key": _per_key(answers),
    }


def _per_key(answers: Counter[tuple[Any, ...]]) -> dict[str, dict[Any, int]]:
    """How many gave each value of each key, over every group, in order of value."""
    totals: dict[str, Counter[Any]] = {}
    for (_, name, value), n in answers.items():
        totals.setdefault(name, Counter())[value] += n
    return {name: dict(sorted(values.items())) for name, values in sorted(totals.items())}


def _counted(frame: pd.DataFrame) -> dict[str, Any]:
    """What `from_rows` made of `frame`, in the shape of `_recount`."""
    counts = from_rows(frame)
    keys = []
    groups = []
    for row in counts.groups.to_dict("records"):
        key = tuple(
            None if _missing(row[k]) else row[k]
            for k in ("session_id", "session_title", "section", "month", "channel")
        )
        keys.append(key)
        first, last = (None if _missing(row[k]) else row[k] for k in ("first", "last"))
        groups.append((key, row["rows"], row["respondents"], row["ipak_respondents"], first, last))
    answers: Counter[tuple[Any, ...]] = Counter()
    for group, name, value, n in counts.answers.itertuples(index=False):
        answers[(keys[group], name, value)] += n
    texts = [(keys[g], c, t) for g, c, t in counts.texts.itertuples(index=False)]
    per_key = {}  # as the report's distribution and profile read it (Counts.answer_counts)
    for name in sorted([*UNSUR, *IPAK, *PROFILE_KEYS]):
        counted = counts.answer_counts(name)
        if len(counted):
            per_key[name] = {value: int(n) for value, n in counted.items()}
    return {
        "groups": groups,
        "answers": dict(answers),
        "texts": sorted(texts, key=repr),
        "per_key": per_key,
    }


@pytest.mark.parametrize("keys", ["text", "category", "str"])
@pytest.mark.parametrize("scores", ["int8", "Int64", "float", "text"])
def test_the_fast_reduction_counts_what_a_plain_recount_counts(scores, keys):
    for seed in range(3):
        frame = _frame(seed, scores, keys)
        assert _counted(frame) == _recount(frame), (scores, keys, seed)


def test_an_answer_after_local_midnight_belongs_to_the_next_month_quarter_and_year():
    frame = _frame(5, "int8", "text", n=200)
    frame["finished_at"] = pd.to_datetime(pd.Series(EDGES * 40), utc=True).dt.tz_convert(TZ)
    months = summarise(from_rows(frame), "month")
    assert months[["kelompok", "responden"]].values.tolist() == [
        ["2025-12", 40],
        ["2026-01", 40],
        ["2026-03", 40],
        ["2026-04", 40],
        ["2026-07", 40],
    ]
    quarters = summarise(from_rows(frame), "quarter")
    assert quarters[["kelompok", "responden"]].values.tolist() == [
        ["2025-Q4", 40],
        ["2026-Q1", 80],
        ["2026-Q2", 40],
        ["2026-Q3", 40],
    ]


def test_answers_without_a_time_are_counted_in_a_group_without_a_month():
    """A gap in the times (a file with an empty date cell) counts as an answer of no month, not as an error."""
    frame = _frame(9, "float", "text", n=120)
    frame.loc[frame.index[::7], "finished_at"] = pd.NaT
    assert _counted(frame) == _recount(frame)
    assert any(key[3] is None for key, *_ in _counted(frame)["groups"])


def test_a_frame_in_another_order_gives_the_same_counts_per_group():
    """Groups are numbered in order of first appearance; their counts do not depend on the order."""
    frame = _frame(11, "Int64", "category")
    shuffled = frame.sample(frac=1, random_state=2).reset_index(drop=True)
    assert sorted(_counted(shuffled)["groups"], key=repr) == sorted(_counted(frame)["groups"], key=repr)
    assert _counted(shuffled)["answers"] == _counted(frame)["answers"]


def test_times_spread_over_decades_are_counted_in_their_months():
    """Few answers over seventy years (an import of old paper forms, a mistyped year): the month is read per
    answer instead of from a table of the days covered; before 1970 too."""
    frame = _frame(13, "float", "text", n=60)
    rng = np.random.default_rng(13)
    seconds = rng.integers(-10 * 365 * 86400, 60 * 365 * 86400, len(frame))
    frame["finished_at"] = pd.to_datetime(seconds, unit="s", utc=True).tz_convert(TZ)
    assert _counted(frame) == _recount(frame)


@pytest.mark.parametrize("scores", ["Int64", "text"])
def test_the_ikm_per_month_and_section_is_that_of_the_recounted_sums(scores):
    """The figures themselves: per month and per section, the IKM and respondents `summarise` gives equal
    the regulation's computation (`from_sums`) over sums added up one answer at a time."""
    frame = _frame(21, scores, "str", n=600)
    recount = _recount(frame)
    for by, part in (("month", 3), ("section", 2)):
        sums: dict[Any, Counter[str]] = {}
        given: dict[Any, Counter[str]] = {}
        respondents: Counter[Any] = Counter()
        for (key, name, value), n in recount["answers"].items():
            if name in UNSUR and key[part] is not None:
                sums.setdefault(key[part], Counter())[name] += int(value) * n
                given.setdefault(key[part], Counter())[name] += n
        for key, _, answered, *_ in recount["groups"]:
            if key[part] is not None:
                respondents[key[part]] += answered
        expected = {}
        for label in sums:
            result = from_sums(sums[label], given[label], respondents[label], UNSUR)
            name = f"{label // 100}-{label % 100:02d}" if by == "month" else label
            expected[name] = (result.ikm_rounded, result.respondents)
        table = summarise(from_rows(frame), by)
        assert {row.kelompok: (row.ikm, row.responden) for row in table.itertuples()} == expected, by
