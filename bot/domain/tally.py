"""The IKM per session, section and quarter from running tallies: what the Ringkasan sheet shows.

Every stored answer adds its scores to its session's and quarter's tally in the same transaction (and a
replaced answer takes its own out), so the summary is computed from a few hundred rows, never from every
answer: a Sheets flush costs the same with ten answers or a million.  The figures are exactly those of
`reports.grouping.summarise` over all counted answers (the same integer sums and counts, the same
PermenPAN-RB 14/2017 arithmetic).

The quarter is taken in the office's timezone and "respondent" depends on which unsur the survey has
switched off, so the tallies record the basis they were built on; when it changes (or right after the
upgrade that added them) they are rebuilt once from the stored answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.runtime import Runtime
from bot.domain.survey.definition import SurveyDefinition, definition_for
from bot.store import Connection, meta, surveys
from bot.store import tally as store_tally
from bot.store.surveys import Response
from bot.store.tally import UNSUR, Tally, TallyRow
from reports.ikm_sums import IkmResult, NoAnswers, from_sums
from reports.instrument import UNSUR as NAMES
from reports.period_keys import key_label

BASIS_KEY = "tally_basis"
LEVELS = (("Sesi", "session"), ("Bidang", "section"), ("Triwulan", "quarter"))


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary: its level (Sesi, Bidang, Triwulan), group and the IKM result."""

    level: str
    by: str
    group: str
    result: Any  # reports.ikm.IkmResult


def basis(rt: Runtime) -> str:
    defn = definition_for(rt)
    return f"{rt.settings.timezone}|{defn.id}:{defn.version}|{','.join(sorted(defn.disabled_unsur))}"


def quarter(when: datetime, tz: ZoneInfo) -> int:
    local = when.astimezone(tz)
    return local.year * 10 + (local.month - 1) // 3 + 1


def _scores(defn: SurveyDefinition, answers: Mapping[str, Any]) -> tuple[int, dict[str, int], dict[str, int]]:
    active = [key for key in UNSUR if key not in defn.disabled_unsur]
    sums: dict[str, int] = {}
    counts: dict[str, int] = {}
    for key in UNSUR:
        value = defn.numeric_value(key, answers.get(key))
        if value is not None:
            sums[key] = value
            counts[key] = 1
    return int(any(key in counts for key in active)), sums, counts


def contribution(defn: SurveyDefinition, response: Response, tz: ZoneInfo, sign: int = 1) -> Tally:
    """What one answer adds to its tally (`sign` -1: what a replaced answer takes out)."""
    respondents, sums, counts = _scores(defn, response.answers)
    return Tally(
        response.session_id,
        quarter(response.finished_at, tz),
        sign * respondents,
        {k: sign * v for k, v in sums.items()},
        {k: sign * v for k, v in counts.items()},
    )


async def record(conn: Connection, rt: Runtime, response: Response, sign: int = 1) -> None:
    """In the transaction that stores (or replaces, `sign` -1) an answer."""
    await store_tally.add(conn, contribution(definition_for(rt), response, rt.tz, sign))


async def rows(rt: Runtime, session_ids: Iterable[int] | None = None) -> list[TallyRow]:
    """Every tally (of `session_ids`, when given) with its session's title and section, rebuilt first if
    its basis changed."""
    wanted = basis(rt)
    async with rt.store.connect() as conn:
        if await meta.get(conn, BASIS_KEY) == wanted:
            return await store_tally.every(conn, session_ids=session_ids)
    await rebuild(rt)
    async with rt.store.connect() as conn:
        return await store_tally.every(conn, session_ids=session_ids)


async def session_results(
    rt: Runtime, session_ids: Iterable[int], conn: Connection | None = None
) -> dict[int, IkmResult]:
    """The IKM of each of these sessions (those with an answer to an active unsur), from its tallies over
    all its quarters: the figures `reports.ikm.compute_ikm` gives over the session's counted answers, for the
    bot's live alert and its closing post, which so never read the answers nor load pandas.

    `conn`: the caller's write transaction (a scheduled job), read through and, if the tallies' basis
    changed, rebuilt in; otherwise a connection of its own."""
    ids = list(session_ids)
    if conn is None:
        tallies = await rows(rt, ids)
    else:
        if await meta.get(conn, BASIS_KEY) != basis(rt):
            await _rebuild(conn, rt)
        tallies = await store_tally.every(conn, session_ids=ids)
    names = active_unsur(definition_for(rt).disabled_unsur)
    grouped: dict[int, list[Any]] = {}
    for row in tallies:
        _add(grouped, row.tally.session_id, row.tally, names)
    out: dict[int, IkmResult] = {}
    for session_id, (respondents, sums, counts) in grouped.items():
        with contextlib.suppress(NoAnswers):
            out[session_id] = from_sums(sums, counts, respondents, names)
    return out


async def rebuild(rt: Runtime) -> int:
    """Recount every tally from the stored answers (once after the upgrade, or when the basis changed), in
    one write transaction so no answer stored meanwhile is missed or counted twice.  Returns answers read."""
    async with rt.store.begin() as conn:
        return await _rebuild(conn, rt)


async def _rebuild(conn: Connection, rt: Runtime) -> int:
    defn = definition_for(rt)
    totals: dict[tuple[int, int], list[Any]] = {}
    read = 0
    await store_tally.clear(conn)
    async for chunk in surveys.counted_columns(conn, answer_keys=list(UNSUR), followup_keys=[]):
        read += len(chunk["session_id"])
        await asyncio.to_thread(_accumulate, totals, chunk, defn, rt.tz)
    for (session_id, period), (respondents, sums, counts) in totals.items():
        await store_tally.add(conn, Tally(session_id, period, respondents, dict(sums), dict(counts)))
    await meta.put(conn, BASIS_KEY, basis(rt))
    return read


def _accumulate(
    totals: dict[tuple[int, int], list[Any]], chunk: Mapping[str, Any], defn: SurveyDefinition, tz: ZoneInfo
) -> None:
    for i, session_id in enumerate(chunk["session_id"]):
        finished = chunk["finished_at"][i]
        if isinstance(finished, str):
            finished = datetime.fromisoformat(finished)
        if finished.tzinfo is None:
            finished = finished.replace(tzinfo=UTC)
        respondents, sums, counts = _scores(defn, dict(zip(UNSUR, chunk["answers"][i], strict=False)))
        entry = totals.setdefault(
            (session_id, quarter(finished, tz)), [0, defaultdict(int), defaultdict(int)]
        )
        entry[0] += respondents
        for key, value in sums.items():
            entry[1][key] += value
            entry[2][key] += counts[key]


async def summary_on_loop(
    tallies: list[TallyRow], disabled: Iterable[str] = (), *, step: int = 20
) -> list[SummaryRow]:
    """`summary`, giving the event loop its turn every `step` rows and groups: pure-Python arithmetic in a
    worker thread would hold the GIL for tens of ms at a time, this never holds the loop for more than ~2 ms."""
    grouped: dict[str, dict[Any, list[Any]]] = {by: {} for _, by in LEVELS}
    for start in range(0, len(tallies), step * 10):
        _group(tallies[start : start + step * 10], disabled, grouped)
        await asyncio.sleep(0)
    out: list[SummaryRow] = []
    for level, by in LEVELS:
        keys = sorted(grouped[by])
        for start in range(0, len(keys), step):
            out += _results(
                level, by, {key: grouped[by][key] for key in keys[start : start + step]}, disabled
            )
            await asyncio.sleep(0)
    return out


def summary(tallies: Iterable[TallyRow], disabled: Iterable[str] = ()) -> list[SummaryRow]:
    """The IKM per session, section and quarter, ordered and labelled as `reports.grouping.summarise`
    orders them (session "12 · Judul" and section as text, quarters in time); groups without an answer to
    any active unsur are left out."""
    grouped: dict[str, dict[Any, list[Any]]] = {by: {} for _, by in LEVELS}
    _group(tallies, disabled, grouped)
    out: list[SummaryRow] = []
    for level, by in LEVELS:
        out += _results(level, by, {key: grouped[by][key] for key in sorted(grouped[by])}, disabled)
    return out


def active_unsur(disabled: Iterable[str]) -> dict[str, str]:
    """The unsur the survey counts (key: name), in the regulation's order."""
    return {key: name for key, name in NAMES.items() if key not in set(disabled)}


def _group(
    tallies: Iterable[TallyRow], disabled: Iterable[str], groups: dict[str, dict[Any, list[Any]]]
) -> None:
    names = active_unsur(disabled)
    for row in tallies:
        t = row.tally
        for by, key in (
            ("session", f"{t.session_id} · {row.title}"),
            ("section", row.section),
            ("quarter", t.period),
        ):
            _add(groups[by], key, t, names)


def _add(groups: dict[Any, list[Any]], key: Any, t: Tally, names: Iterable[str]) -> None:
    """Add one tally row to the group `key`: [respondents, sums per unsur, answers per unsur]."""
    entry = groups.setdefault(key, [0, defaultdict(int), defaultdict(int)])
    entry[0] += t.respondents
    for unsur in names:
        entry[1][unsur] += t.sums.get(unsur, 0)
        entry[2][unsur] += t.counts.get(unsur, 0)


def _results(
    level: str, by: str, groups: Mapping[Any, list[Any]], disabled: Iterable[str]
) -> list[SummaryRow]:
    names = active_unsur(disabled)
    out: list[SummaryRow] = []
    for key, (respondents, sums, counts) in groups.items():
        try:
            result = from_sums(sums, counts, respondents, names)
        except NoAnswers:
            continue
        out.append(SummaryRow(level, by, key_label(key, by) if by == "quarter" else str(key), result))
    return out
