"""The report's counts kept in the store with every answer (issue 17 #3): `ngopas report` reads a few
thousand count rows instead of every answer, so the kept counts must always give the report of the rows.

Answers go through the product's own write path (`survey.flow.replace_response`, what chat, paper, files
and Google Forms use), including replacements (the replaced answer's counts and texts taken out, its
group's first and last time read again) and answers on both sides of a month's edge in Asia/Jakarta.  The
figures are compared with the report computed from one row per answer, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import report_counts, reporting
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import replace_response
from bot.store import report_counts as store_counts
from bot.store import surveys
from bot.store.surveys import Response

from .conftest import BOTH_DATABASES, generated_answer, insert_sessions
from .test_report_from_store import _figures, reference_frame

pytestmark = BOTH_DATABASES
# 23.59.59 WIB on 31 March and 00.00.00 WIB on 1 April: two months, two quarters in the office's zone.
EDGE = datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC)


async def _store(rt: Runtime, response: Response) -> None:
    async with rt.store.begin() as conn:
        await replace_response(conn, rt, response)


async def _fill(rt: Runtime) -> None:
    """240 answers to two sessions on both sides of a month's edge through the real write path, the last
    40 replacing an earlier answer; the counts kept from an empty store on."""
    defn = definition_for(rt)
    rng = random.Random(3)
    sessions = await insert_sessions(
        rt, [("Dialog Moderasi", "Bimas Islam", EDGE), ("Haji Ramah", "PHU", EDGE - timedelta(days=40))]
    )
    await report_counts.recount(rt)  # the counts of an empty store: from here on only kept
    for i in range(240):
        answers, followups = generated_answer(rng, defn, i)
        session = sessions[i % 2]
        # around the month's edge: some a second before local midnight, some at it, some days later
        finished = session.starts_at + timedelta(seconds=(i % 3) - 1, days=(i // 60) * 9, microseconds=i)
        await _store(
            rt,
            Response(
                id=f"R{i:05d}",
                session_id=session.id,
                respondent=f"p{i % 200}",  # the last 40 answer again and replace their first answer
                definition_id=defn.id,
                definition_version=defn.version,
                channel="kertas" if i % 7 == 0 else "telegram",
                answers=answers,
                followups=followups,
                started_at=None,
                finished_at=finished,
                replaced_by=None,
            ),
        )


@pytest.fixture
async def rt(generated_answers) -> Runtime:
    """Each test its own copy of the filled database (several change it)."""
    return await generated_answers("report_counts_kept", _fill)


PERIODS = (None, "2026", "2026-Q1", "2026-Q2", "2026-03", "2026-04", "2026-02")


@pytest.mark.parametrize(
    "scope", [{}, {"session_id": 1}, {"section": "PHU"}], ids=["all", "session", "section"]
)
async def test_kept_counts_give_the_report_of_the_rows(rt, scope):
    """Counts kept answer by answer (replacements taken out) equal the report of one row per answer, in
    every period, without being counted again."""
    assert await report_counts.fresh(rt)
    kept = await reporting.report_counts(rt, **scope)
    rows = await reference_frame(rt, **scope)
    assert len(kept) == len(rows) == (200 if not scope else 100)
    shown = 0
    for period in PERIODS:
        chosen = reporting.Scope(period=period, **scope)
        figures = []
        for answers in (kept, rows):
            try:
                figures.append(_figures(reporting.build(answers, chosen, office_name="Kantor")))
            except reporting.NoReport:
                figures.append("no report")
        assert figures[0] == figures[1], period
        shown += figures[0] != "no report"
    assert shown >= 4


async def test_kept_counts_equal_a_recount(rt):
    """The tables kept answer by answer hold exactly what counting every stored answer again gives."""

    async def tables() -> tuple[list, list, list]:
        async with rt.store.connect() as conn:
            got = await store_counts.read(conn)
        return sorted(got.groups), sorted(got.answers), sorted(got.texts)

    kept = await tables()
    assert await report_counts.recount(rt) == 200
    assert await tables() == kept


async def test_replacing_a_groups_first_answer_keeps_its_span_and_counts_exact(rt):
    """The replaced answer was its group's first: the group's first time is read again from the answers
    still counted, and every kept table equals a recount."""
    defn = definition_for(rt)
    async with rt.store.connect() as conn:
        rows = await surveys.counted_responses(conn, session_id=2)
    first = min(rows, key=lambda r: r.finished_at)
    await _store(
        rt,
        Response(
            id="Rnew",
            session_id=2,
            respondent=(await _respondent(rt, first.id)),
            definition_id=defn.id,
            definition_version=defn.version,
            channel="telegram",
            answers={"persyaratan": "4"},
            followups={},
            started_at=None,
            finished_at=first.finished_at + timedelta(days=60),
            replaced_by=None,
        ),
    )
    assert await report_counts.fresh(rt)
    async with rt.store.connect() as conn:
        kept = await store_counts.read(conn, session_id=2)
    local = first.finished_at.astimezone(rt.tz)
    key = (2, local.year * 100 + local.month, first.channel)
    remaining = [r.finished_at for r in rows if r.id != first.id and r.channel == first.channel]
    remaining = [t for t in remaining if t.astimezone(rt.tz).month == local.month]
    (group,) = [g for g in kept.groups if g[0] == key]
    assert group[4] == min(remaining) > first.finished_at
    rows_after = await reference_frame(rt, session_id=2)
    counted = await reporting.report_counts(rt, session_id=2)
    assert len(counted) == len(rows_after) == 100
    built = reporting.build(counted, reporting.Scope(session_id=2), office_name="Kantor")
    expected = reporting.build(rows_after, reporting.Scope(session_id=2), office_name="Kantor")
    assert _figures(built) == _figures(expected)


async def _respondent(rt: Runtime, response_id: str) -> str:
    async with rt.store.connect() as conn:
        for row in await surveys.responses(conn):
            if row.id == response_id:
                return row.respondent
    raise AssertionError(response_id)


async def test_answers_stored_without_counting_are_counted_before_a_report(rt):
    """A database written by an older program (or restored from one) holds answers the counts lack: the
    report notices and counts again instead of showing figures without them."""
    defn = definition_for(rt)
    async with rt.store.begin() as conn:
        await surveys.insert_response(
            conn,
            Response(
                id="Rold",
                session_id=1,
                respondent="old-program",
                definition_id=defn.id,
                definition_version=defn.version,
                channel="telegram",
                answers={"persyaratan": "1", "saran": "Dari program lama"},
                followups={},
                started_at=None,
                finished_at=EDGE,
                replaced_by=None,
            ),
        )
    assert not await report_counts.fresh(rt)
    built = await reporting.report_for(rt, reporting.Scope())
    assert built.report.ikm.respondents == len(await reference_frame(rt)) == 201
    assert "Dari program lama" in built.report.saran
    assert await report_counts.fresh(rt)
