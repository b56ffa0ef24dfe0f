"""`ngopas report` reads the store with one SQL query (issue 17 #3): the same figures as a dict per answer.

The reference below is the reader the product used before (every response a Python object, every answer
translated one by one); the fast reader must give the same frame and the same JSON on answers with every
kind of gap: skipped questions, blank and whitespace suggestions, unknown values, replaced answers,
follow-ups, several sessions and sections, imports."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from bot.domain import reporting
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import SurveyDefinition, definition_for
from bot.store import surveys
from bot.store.surveys import Response
from reports.frame import responses_frame as to_frame
from reports.grouping import summarise
from reports.instrument import PROFILE_KEYS

from .conftest import ANSWERS_NOW as NOW
from .conftest import BOTH_DATABASES, generated_answer, insert_sessions

pytestmark = BOTH_DATABASES


def reference_records(rows: list[surveys.CountedResponse], defn: SurveyDefinition) -> list[dict[str, Any]]:
    """The reader before issue 17: one dict per answer (also the reference of tests/test_imports_roundtrip.py)."""
    scored = [q.key for q in defn.questions if q.kind in ("ikm", "scale")]
    records: list[dict[str, Any]] = []
    for row in rows:
        record: dict[str, Any] = {
            "response_id": row.id,
            "session_id": row.session_id,
            "session_title": row.title,
            "section": row.section,
            "finished_at": row.finished_at,
            "channel": row.channel,
        }
        for key in scored:
            record[key] = defn.numeric_value(key, row.answers.get(key))
        for key in PROFILE_KEYS:
            value = row.answers.get(key)
            record[key] = defn.question(key).label(value, "id") if value else None
        record["saran"] = row.answers.get("saran")
        for key, text in (row.followups or {}).items():
            record[f"perbaikan_{key}"] = text
        records.append(record)
    return records


async def reference_frame(rt: Runtime, **scope: Any) -> pd.DataFrame:
    defn = definition_for(rt)
    async with rt.store.connect() as conn:
        rows = await surveys.counted_responses(conn, **scope)
    return to_frame(
        reference_records(rows, defn),
        scored=[q.key for q in defn.questions if q.kind in ("ikm", "scale")],
        tz=rt.tz,
        drop=defn.disabled_unsur,
    )


async def _fill(rt: Runtime) -> None:
    """400 answers to three sessions over a year, some replaced, written row by row (no counts kept)."""
    defn = definition_for(rt)
    rng = random.Random(17)
    titles = [("Dialog Moderasi", "Bimas Islam"), ("Haji Ramah", "PHU"), ("Dialog Moderasi", "PHU")]
    sessions = await insert_sessions(
        rt,
        [(title, section, NOW - timedelta(days=400 - 90 * n)) for n, (title, section) in enumerate(titles)],
    )
    async with rt.store.begin() as conn:
        for i in range(400):
            answers, followups = generated_answer(rng, defn, i)
            session = sessions[i % 3]
            response_id = f"R{i:05d}"
            await surveys.insert_response(
                conn,
                Response(
                    id=response_id,
                    session_id=session.id,
                    respondent=f"p{i % 350}",  # some answered twice and replaced the first answer
                    definition_id=defn.id,
                    definition_version=defn.version,
                    channel="import" if i % 11 == 0 else "telegram",
                    answers=answers,
                    followups=followups,
                    started_at=None,
                    finished_at=session.starts_at + timedelta(minutes=90, seconds=37 * i, microseconds=i),
                    replaced_by=None,
                ),
            )
            if i >= 350:
                await surveys.mark_replaced(conn, f"R{i - 350 - (i - 350) % 3 + i % 3:05d}", response_id)


@pytest.fixture
async def rt(generated_answers) -> Runtime:
    return await generated_answers("report_from_store", _fill)


@pytest.mark.parametrize(
    "scope", [{}, {"session_id": 2}, {"section": "PHU"}], ids=["all", "session", "section"]
)
async def test_the_sql_reader_gives_the_frame_and_json_of_a_dict_per_answer(rt, scope):
    fast = await reporting.responses_frame(rt, **scope)
    slow = await reference_frame(rt, **scope)
    assert len(fast) == len(slow) > 100

    # Text columns are plain objects now (no string inference per chunk); values, order and number types match.
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(object).where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(fast), plain(slow), check_like=True)
    numbers = [c for c in slow.columns if slow[c].dtype != "str"]
    assert (fast[numbers].dtypes == slow[numbers].dtypes).all()
    when = datetime(2026, 6, 1, 10, 0)
    shown = 0
    for period in (None, "2025", "2026-Q1"):
        chosen = reporting.Scope(period=period, **scope)
        texts = []
        for frame in (fast, slow):
            try:
                built = reporting.build(frame, chosen, office_name="Kantor")
            except reporting.NoReport:
                texts.append("no report")
                continue
            built.report.generated_at = when
            texts.append(reporting.render(built, "json"))
        assert texts[0] == texts[1]
        if texts[0] != "no report":
            shown += 1
            report = json.loads(texts[0])
            assert report["profile"] and report["saran"] and report["perbaikan"]
    assert shown >= 2


def _figures(built: reporting.Built) -> dict[str, Any]:
    """Everything a report shows: its JSON and what only its files show (answer spread, sections,
    sessions, dates), plus the XLSX tables per quarter, section and session."""
    report = built.report
    report.generated_at = datetime(2026, 6, 1, 10, 0)
    tables = {by: summarise(built.frame, by).to_json() for by in ("session", "section", "quarter", "month")}
    return {
        "json": reporting.render(built, "json"),
        "text": reporting.render(built, "text"),
        "distribution": report.distribution,
        "sections": report.sections,
        "sessions": report.sessions,
        "dates": (report.period_start, report.period_end),
        "tables": tables,
        "answers": len(built.frame),
    }


@pytest.mark.parametrize(
    "scope", [{}, {"session_id": 2}, {"section": "PHU"}], ids=["all", "session", "section"]
)
async def test_the_report_from_counted_answers_equals_the_report_from_rows(rt, scope):
    """`ngopas report` counts the answers per session, month and channel as it reads them; every figure
    equals the report computed from one row per answer (skipped, blank and unknown answers, replaced
    answers, imports, follow-ups, two sections, several quarters)."""
    counted = await reporting.report_counts(rt, **scope)
    rows = await reference_frame(rt, **scope)
    shown = 0
    for period in (None, "2025", "2025-Q2", "2025-Q3", "2026-Q1", "2026-03", "2025-S2"):
        chosen = reporting.Scope(period=period, **scope)
        figures = []
        for answers in (counted, rows):
            try:
                figures.append(_figures(reporting.build(answers, chosen, office_name="Kantor")))
            except reporting.NoReport:
                figures.append("no report")
        assert figures[0] == figures[1], period
        if figures[0] != "no report":
            shown += 1
            report = json.loads(figures[0]["json"])
            assert report["profile"] and report["trend"]
    assert shown >= 3
