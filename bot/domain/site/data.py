"""Every figure of the public page, computed through the report service and filtered for privacy once.

Each score comes from `reporting.build` over the store's answers for a `Scope` (a quarter, a session, a
section's latest quarter): the same function and the same numbers as `ngopas report --format json` for that
scope.  What leaves this module is already safe to publish:

- no respondent-profile cell (nor a whole profile) for fewer than `MIN_CELL` respondents; when only one
  cell of a question is hidden the next smallest is hidden too, so it cannot be worked out by subtraction;
- no free text a respondent typed (survey suggestions are only counted); an aspiration's text and the
  office's reply only when staff marked the ticket Publik; never a name;
- every score travels with its respondent count.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.base.i18n import t
from bot.domain import deadlines, reporting
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.store import aspirations as store_aspirations
from bot.store import rtl as store_rtl
from bot.store import sessions as store_sessions
from bot.store.sessions import Session
from reports.instrument import PROFILE_KEYS

MIN_CELL = 5  # fewer respondents than this in a cell: "terlalu sedikit untuk ditampilkan"
ASPIRATION_MONTHS = 12  # aspirations in numbers: this month and the eleven before
UPCOMING = 20
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Cell:
    label: str  # the option as the survey writes it, in the page's language
    count: int | None  # None: hidden, too few


@dataclass(frozen=True)
class ProfileTable:
    key: str  # jenis_kelamin | umur | pendidikan | pekerjaan
    cells: list[Cell]


@dataclass(frozen=True)
class Page:
    """One scope's figures: its report (reports.report.Report) and the profile safe to show."""

    slug: str  # "periode/2026-Q1", "sesi/3"
    scope: reporting.Scope
    report: Any
    profile: dict[str, list[ProfileTable]]  # per language; empty when too few answered
    channels: list[Cell]  # respondents per channel (telegram, import), small cells hidden like the profile
    session: Session | None = None

    @property
    def respondents(self) -> int:
        return int(self.report.ikm.respondents)


@dataclass(frozen=True)
class SectionLatest:
    section: str
    period: str  # 2026-Q1: the section's latest quarter with answers
    page: Page


@dataclass(frozen=True)
class PlanRow:
    """A row of the follow-up plan (RTL) as the page shows it, with its evidence link when staff gave one."""

    issue: str
    program: str
    responsible: str
    target: date | None
    status: str
    evidence: str = ""


@dataclass
class AspirationCount:
    received: int = 0
    answered: int = 0
    on_time: int = 0  # answered within the follow-up deadline (deadlines.shares)
    due: int = 0  # tickets whose deadline passed or that were answered: the share's denominator

    @property
    def percent(self) -> float | None:
        return 100.0 * self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class PublicTicket:
    ticket: str
    section: str
    status: str
    text: str
    response: str
    created: date


@dataclass
class SiteData:
    office_name: str
    generated_at: datetime  # office time
    overview: Page | None  # the latest quarter, office-wide
    trend: Page | None  # every answer, office-wide: its report's trend is per quarter
    sections: list[SectionLatest] = field(default_factory=list)
    periods: list[Page] = field(default_factory=list)
    sessions: list[Page] = field(default_factory=list)
    plan: list[PlanRow] = field(default_factory=list)
    aspirations: dict[str, AspirationCount] = field(default_factory=dict)  # per section
    aspiration_months: list[tuple[date, AspirationCount]] = field(default_factory=list)  # office, per month
    aspiration_window: tuple[date, date] | None = None
    public_tickets: list[PublicTicket] = field(default_factory=list)
    upcoming: list[Session] = field(default_factory=list)
    deadline_days: dict[str, int] = field(default_factory=dict)  # response, followup, dispute, field

    @property
    def aspiration_total(self) -> AspirationCount:
        total = AspirationCount()
        for c in self.aspirations.values():
            total.received += c.received
            total.answered += c.answered
            total.on_time += c.on_time
            total.due += c.due
        return total


# --- privacy -----------------------------------------------------------------------------------------------


def safe_cells(counts: dict[str, int]) -> list[Cell]:
    """The categories of one profile question with counts under MIN_CELL hidden; when that hides exactly
    one, the next smallest is hidden too (else respondents minus the others would give it away)."""
    hidden = {label for label, n in counts.items() if 0 < n < MIN_CELL}
    shown = sorted((n, label) for label, n in counts.items() if label not in hidden and n > 0)
    if len(hidden) == 1 and shown:
        hidden.add(shown[0][1])
    return [Cell(label, None if label in hidden else n) for label, n in counts.items() if n > 0]


def safe_profile(report: Any, labels: dict[str, dict[str, str]]) -> list[ProfileTable]:
    """The report's respondent profile as it may be published (nothing when fewer than MIN_CELL answered);
    `labels` turns the stored Indonesian option labels into the page's language."""
    if report.ikm.respondents < MIN_CELL:
        return []
    tables = []
    for key in PROFILE_KEYS:
        counts = report.profile.get(key)
        if not counts or sum(counts.values()) < MIN_CELL:
            continue
        names = labels.get(key, {})
        tables.append(
            ProfileTable(key, [Cell(names.get(c.label, c.label), c.count) for c in safe_cells(counts)])
        )
    return tables


def option_labels(rt: Runtime, lang: str) -> dict[str, dict[str, str]]:
    """Per profile question: the Indonesian label of each option (as stored) → its label in `lang`."""
    defn = definition_for(rt)
    return {
        key: {o.label["id"]: o.label.get(lang) or o.label["id"] for o in defn.question(key).options}
        for key in PROFILE_KEYS
    }


# --- the follow-up plan ----------------------------------------------------------------------------------


async def follow_up_plan(rt: Runtime) -> list[Any]:
    """The follow-up plan's rows staff marked Publik (the Tindak Lanjut sheet's column), oldest first.

    Only those: a proposed row's issue may quote a citizen's words ("Keluhan berulang dari warga, mis.
    «…»"), and free text reaches the public page only when staff chose so."""
    async with rt.store.connect() as conn:
        rows = await store_rtl.every(conn)
    return [row for row in rows if row.public]


def plan_rows(rows: list[Any]) -> list[PlanRow]:
    """RTL rows as the page shows them; a row that carries an evidence link (`evidence`) keeps it."""
    return [
        PlanRow(
            issue=r.issue,
            program=r.program,
            responsible=r.responsible,
            target=r.target,
            status=r.status,
            evidence=str(getattr(r, "evidence", "") or ""),
        )
        for r in rows
    ]


# --- gathering -------------------------------------------------------------------------------------------


def quarters_in(counts: Any) -> list[str]:
    """The quarters ("2026-Q1") the counted answers (`reports.counts.Counts`) fall in, oldest first."""
    groups = counts.groups
    months = {int(m) for m, rows in zip(groups["month"], groups["rows"], strict=True) if rows and m == m}
    codes = sorted({m // 100 * 10 + (m % 100 - 1) // 3 + 1 for m in months})
    return [f"{c // 10}-Q{c % 10}" for c in codes]


def period_slug(period: str) -> str:
    return f"periode/{period}"


def session_slug(session_id: int) -> str:
    return f"sesi/{session_id}"


class _Builder:
    """Builds the report of each scope from one read of the counts the store keeps with every answer."""

    def __init__(self, rt: Runtime, counts: Any, sessions: dict[int, Session]) -> None:
        self.rt = rt
        self.counts = counts
        self.sessions = sessions
        self.labels = {lang: option_labels(rt, lang) for lang in ("id", "en")}
        self.now = rt.clock.now().astimezone(rt.tz)

    def page(self, slug: str, scope: reporting.Scope) -> Page | None:
        counts = self.counts
        if scope.session_id is not None:
            counts = counts.where(counts.groups["session_id"].to_numpy() == scope.session_id)
        try:
            built = reporting.build(
                counts,
                scope,
                office_name=self.rt.settings.office_name,
                office=reporting.office_of(self.rt.settings),
                sessions=self.sessions,
                tz=self.rt.tz,
                now=self.now,
            )
        except reporting.NoReport:
            return None
        profile = {lang: safe_profile(built.report, labels) for lang, labels in self.labels.items()}
        session = self.sessions.get(scope.session_id) if scope.session_id is not None else None
        return Page(slug, scope, built.report, profile, safe_cells(built.report.channels), session)


async def gather(rt: Runtime) -> SiteData:
    """Everything the public page shows, from the store, as of the clock's now.

    The store's kept counts are read here (a few thousand rows however many answers there are, as
    `ngopas report` reads them: reading every answer cost seconds per rebuild with a year of them); the
    reports of every scope (pandas, the CPU part) are built in a worker thread, so a running bot keeps
    answering citizens while its page is rebuilt."""
    counts = await reporting.report_counts(rt)
    sessions = await reporting.sessions_of(rt, counts)
    cfg = rt.settings
    data = SiteData(
        office_name=cfg.office_name,
        generated_at=rt.clock.now().astimezone(rt.tz),
        overview=None,
        trend=None,
    )
    data.deadline_days = {
        "response": cfg.aspiration_response_days,
        "followup": cfg.aspiration_followup_days,
        "dispute": cfg.aspiration_dispute_days,
        "field": cfg.aspiration_field_check_days,
    }
    data.plan = plan_rows(await follow_up_plan(rt))
    await _aspirations(rt, data)
    async with rt.store.connect() as conn:
        data.upcoming = await store_sessions.list_sessions(conn, starts_from=rt.clock.now(), limit=UPCOMING)
    await asyncio.to_thread(_scores, _Builder(rt, counts, sessions), data)
    return data


def _scores(b: _Builder, data: SiteData) -> None:
    """The pages of every quarter and session, and each section's latest quarter, into `data`."""
    counts, sessions = b.counts, b.sessions
    for period in quarters_in(counts):
        page = b.page(period_slug(period), reporting.Scope(period=period))
        if page is not None:
            data.periods.append(page)
    if data.periods:
        data.overview = data.periods[-1]
        data.trend = b.page("", reporting.Scope())
    if not counts.empty:
        for section in sorted(
            {str(s) for s in counts.groups["section"].dropna().unique() if str(s) not in ("", "-")}
        ):
            own = quarters_in(counts.section(section))
            if not own:
                continue
            page = b.page(period_slug(own[-1]), reporting.Scope(section=section, period=own[-1]))
            if page is not None:
                data.sections.append(SectionLatest(section, own[-1], page))
    for session_id in sorted(sessions, key=lambda i: (sessions[i].starts_at, i), reverse=True):
        page = b.page(session_slug(session_id), reporting.Scope(session_id=session_id))
        if page is not None:
            data.sessions.append(page)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


async def _aspirations(rt: Runtime, data: SiteData) -> None:
    """Received, answered and answered within deadline per section over the last ASPIRATION_MONTHS months,
    the office's share per month, and the tickets staff marked Publik."""
    today = data.generated_at.date()
    first = _month_start(today, ASPIRATION_MONTHS - 1)
    following = _month_start(today, -1)
    start = datetime(first.year, first.month, 1, tzinfo=rt.tz)
    end = datetime(following.year, following.month, 1, tzinfo=rt.tz)
    data.aspiration_window = (first, following - timedelta(days=1))
    async with rt.store.connect() as conn:
        tickets = await store_aspirations.created_between(conn, start, end)
    counts: dict[str, AspirationCount] = defaultdict(AspirationCount)
    for a in tickets:
        counts[a.section].received += 1
        if a.status in store_aspirations.CLOSED_STATUSES:
            counts[a.section].answered += 1
    for section, share in (await deadlines.shares(rt, start, end)).items():
        counts[section].on_time += share.on_time
        counts[section].due += share.due
    data.aspirations = dict(sorted(counts.items()))
    for back in range(ASPIRATION_MONTHS - 1, -1, -1):
        month = _month_start(today, back)
        nxt = _month_start(month, -1)
        found = await deadlines.shares(
            rt,
            datetime(month.year, month.month, 1, tzinfo=rt.tz),
            datetime(nxt.year, nxt.month, 1, tzinfo=rt.tz),
        )
        total = AspirationCount(
            on_time=sum(s.on_time for s in found.values()), due=sum(s.due for s in found.values())
        )
        if total.due:
            data.aspiration_months.append((month, total))
    data.public_tickets = [
        PublicTicket(a.ticket, a.section, a.status, a.text, a.response, a.created_at.astimezone(rt.tz).date())
        for a in reversed(tickets)
        if a.public
    ]


def quarter_label(period: str, lang: str) -> str:
    """ "2026-Q1" → "Triwulan I 2026" / "Quarter 1 2026"."""
    m = _QUARTER.match(period)
    if not m:
        return period
    return t("site.quarter", lang, roman=("I", "II", "III", "IV")[int(m[2]) - 1], year=m[1])
