"""The report's counts kept in the store: every answer counted when it is stored, taken out when replaced.

A report needs no answer by itself (`reports.counts`): per session, local month and channel, how many
answered, how many gave each value, the first and last answer, and the few free texts.  Counting a million
stored answers means reading and parsing a million JSON texts (15–20 s on the office's machine), so the
counts are kept instead, in the transaction that stores or replaces each answer (chat, paper, CSV/XLSX,
Google Forms and the Jawaban sheet all go through `survey.flow.store_response`), and `ngopas report` reads a
few thousand rows.

One answer is counted by the same `reports.counts.CountsBuilder` that counts them all, so a kept count and
a recount cannot disagree by construction.  A month depends on the office's timezone, a value's meaning
and "respondent" on the survey definition, so the counts record the basis they were taken on; when it
changes, right after the upgrade that added them, or when they no longer hold as many answers as the store
(a database restored from elsewhere, or written by an older program), they are counted again from the
stored answers before a report uses them.  `ngopas report --recount` does the same on request.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from bot.domain import tally
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import SurveyDefinition, definition_for
from bot.store import Connection, meta, surveys
from bot.store import report_counts as store
from bot.store.surveys import Response
from reports.count_one import OneAnswer
from reports.ikm_sums import IkmResult, NoAnswers, from_sums
from reports.instrument import PROFILE_KEYS

BASIS_KEY = "report_counts_basis"


def basis(rt: Runtime) -> str:
    defn = definition_for(rt)
    return f"{rt.settings.timezone}|{defn.id}:{defn.version}|{','.join(sorted(defn.disabled_unsur))}"


def _scored(defn: SurveyDefinition) -> list[str]:
    return [q.key for q in defn.questions if q.kind in ("ikm", "scale")]


def _label(question: Any, value: Any) -> str | None:
    """A profile answer as its option's Indonesian label (as the sheet and the report show it)."""
    return question.label(value, "id") if value else None


def _rules(rt: Runtime) -> dict[str, Any]:
    """How this office's stored answers are counted: values translated as the report shows them, the
    switched-off unsur left out, months in the office's zone."""
    defn = definition_for(rt)
    scored = _scored(defn)
    translate: dict[str, Callable[[Any], Any]] = {key: partial(defn.numeric_value, key) for key in scored}
    for key in PROFILE_KEYS:
        translate[key] = partial(_label, defn.question(key))
    return {
        "translate": translate,
        "scored": scored,
        "profile": PROFILE_KEYS,
        "tz": rt.tz,
        "drop": defn.disabled_unsur,
    }


def builder(rt: Runtime, titles: dict[int, tuple[str, str]] | None = None) -> Any:
    """A `reports.counts.CountsBuilder` for this office's survey (pandas: only for recounts and reports)."""
    from reports.counts import CountsBuilder

    return CountsBuilder(titles=titles or {}, **_rules(rt))


def _stamp(nanos: int) -> datetime:
    return datetime.fromtimestamp(nanos // 1_000_000_000, UTC) + timedelta(
        microseconds=nanos % 1_000_000_000 // 1000
    )


def _nanos(when: datetime) -> int:
    delta = when.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _tables(state: tuple[Any, Any, Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """Counts (`CountsBuilder.state()`) as the store's rows (values as text; texts with their answer's time)."""
    groups, answers, texts = state
    return (
        [(key, e[0], e[1], e[2], _stamp(e[3]), _stamp(e[4])) for key, e in groups.items()],
        [(key, name, str(value), n) for (key, name, value), n in answers.items()],
        [(rid, column, key, _stamp(nanos), str(text)) for nanos, rid, key, column, text in texts],
    )


def _count_one(rt: Runtime, response: Response) -> tuple[Any, Any, Any]:
    """One answer's counts in plain Python (no pandas in the running bot; the same counts as a recount)."""
    return OneAnswer(**_rules(rt)).count(
        response_id=response.id,
        session_id=response.session_id,
        finished_at=response.finished_at,
        channel=response.channel,
        answers=response.answers,
        followups=response.followups or None,
    )


def _month_span(month: int, rt: Runtime) -> tuple[datetime, datetime]:
    """The UTC bounds of a local month (202607)."""
    year, mon = divmod(month, 100)
    start = datetime(year, mon, 1, tzinfo=rt.tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=rt.tz)
    return start.astimezone(UTC), end.astimezone(UTC)


async def record(conn: Connection, rt: Runtime, response: Response, sign: int = 1) -> None:
    """In the transaction that stores an answer (or replaces it, `sign` -1, after it was marked replaced)."""
    groups, answers, texts = _tables(_count_one(rt, response))
    if sign > 0:
        await store.add(conn, groups, answers, texts)
        return
    await store.take_out(
        conn,
        response.id,
        [(key, rows, respondents, ipak) for key, rows, respondents, ipak, _, _ in groups],
        answers,
        [(key, *_month_span(key[1], rt)) for key, *_ in groups],
    )


async def recount(rt: Runtime) -> int:
    """Count every stored answer again, in one write transaction (no answer stored meanwhile is missed or
    counted twice).  Returns the answers counted."""
    counted = builder(rt)
    read = 0
    async with rt.store.begin() as conn:
        await store.clear(conn)
        async for chunk in surveys.counted_raw(conn):
            read += len(chunk.answers)
            counted.add(**chunk._asdict())
        await store.add(conn, *_tables(counted.state()))
        await meta.put(conn, BASIS_KEY, basis(rt))
    return read


async def stamp_when_empty(rt: Runtime) -> None:
    """At the bot's start: with no answer stored yet, the (empty) counts are on today's basis.  Without the
    stamp the first use (the monthly post) would count every answer again inside the running bot."""
    async with rt.store.begin() as conn:
        if await meta.get(conn, BASIS_KEY) is None and (await store.totals(conn))[1] == 0:
            await meta.put(conn, BASIS_KEY, basis(rt))


async def fresh(rt: Runtime) -> bool:
    """Whether the kept counts can be used: taken on today's basis and holding every counted answer."""
    async with rt.store.connect() as conn:
        if await meta.get(conn, BASIS_KEY) != basis(rt):
            return False
        held, stored = await store.totals(conn)
    return held == stored


async def counts(rt: Runtime, *, session_id: int | None = None, section: str | None = None) -> Any:
    """The counts (`reports.counts.Counts`) of one session, one section or every answer, counted again
    first when they cannot be used as kept."""
    if not await fresh(rt):
        await recount(rt)
    async with rt.store.connect() as conn:
        titles = await surveys.session_titles(conn)
        kept = await store.read(conn, session_id=session_id, section=section)
    out = builder(rt, titles)
    out.load(
        [
            (key, (rows, respondents, ipak, _nanos(first), _nanos(last)))
            for key, rows, respondents, ipak, first, last in kept.groups
        ],
        [(key, name, _value(name, value, out.scored), n) for key, name, value, n in kept.answers],
        [(_nanos(at), rid, key, column, text) for rid, column, key, at, text in kept.texts],
    )
    return out.counts()


async def month_results(rt: Runtime, months: Iterable[int]) -> dict[int, IkmResult]:
    """The IKM of each local month (202603) with an answer to an active unsur, from the kept counts: the
    figures of the report over that month's answers, for the bot's monthly post, which so never reads a
    year of answers on its event loop nor loads pandas (counted again first when they cannot be used)."""
    if not await fresh(rt):
        await recount(rt)
    async with rt.store.connect() as conn:
        respondents, answers = await store.month_sums(conn, list(months))
    names = tally.active_unsur(definition_for(rt).disabled_unsur)
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, key, value, n in answers:
        if key in names:
            sums[month][key] += int(value) * n
            counts[month][key] += n
    out: dict[int, IkmResult] = {}
    for month, people in respondents.items():
        with contextlib.suppress(NoAnswers):
            out[month] = from_sums(sums[month], counts[month], people, names)
    return out


def _value(key: str, value: str, scored: list[str]) -> Any:
    """A stored value as the builder counts it: scores as numbers, labels as text."""
    return int(value) if key in scored else value
