"""A whole SKM report: IKM, per-unsur table, IPAK, respondent profile, saran, and its text/JSON forms.

The JSON schema is documented in reports/SCHEMA.md and kept stable for other systems.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from .counts import Counts, to_counts
from .deadline_share import DeadlineShare
from .grouping import summarise
from .ikm import IkmResult, compute_ikm, compute_ipak
from .instrument import PROFILE_KEYS as PROFILE
from .instrument import UNSUR
from .numbers import number
from .office import Office
from .periods import bounds, describe, granularity
from .records import ClosingRecord
from .rtl import RtlRow
from .sample import Progress, progress

TREND_PERIODS = 6  # how many periods the trend table and chart show, the report's own the last

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TrendPoint:
    """One earlier (or this) period's IKM, for the trend table and chart."""

    label: str  # "Triwulan III 2026"
    ikm: float
    mutu: str
    respondents: int
    change: float | None  # against the period before, in IKM points


@dataclass
class Report:
    title: str
    office_name: str
    period_label: str
    ikm: IkmResult
    ipak: IkmResult | None
    profile: dict[str, dict[str, int]]
    saran: list[str]
    followups: dict[str, list[str]]
    progress: Progress | None = None
    generated_at: datetime = field(default_factory=datetime.now)
    # Added for the official SKM report (PDF/DOCX) and the infographic; every one has an empty default.
    office: Office | None = None
    subject: str = ""  # what the report is about when narrower than the office: a session's title and date
    period_start: date | None = None
    period_end: date | None = None
    trend: list[TrendPoint] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)  # how answers came in: telegram, kertas, import…
    distribution: dict[str, dict[int, int]] = field(default_factory=dict)  # unsur → answer 1–4 → count
    sections: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    rtl: list[RtlRow] = field(default_factory=list)
    # aspirations answered within their working-day deadline, per section and month of the period
    deadline_shares: list[DeadlineShare] = field(default_factory=list)
    records: list[ClosingRecord] = field(default_factory=list)  # the sessions' closing records

    @property
    def identity(self) -> Office:
        """The office (only its name when no letterhead was configured)."""
        return self.office or Office(name=self.office_name)

    @property
    def saran_grouped(self) -> list[tuple[str, int]]:
        """Suggestions once each, with how many people wrote them, the most frequent first.

        Texts that differ only in case, spacing or final punctuation count as one ("Lebih sering diadakan."
        and "lebih sering  diadakan"); the first spelling seen is shown."""
        return group_texts(self.saran)

    def to_json_dict(self) -> dict[str, Any]:
        data = {
            "schema": SCHEMA_VERSION,
            "title": self.title,
            "office": self.office_name,
            "period": self.period_label,
        }
        data.update(self.ikm.to_dict())
        data["ipak"] = self.ipak.to_dict() if self.ipak else None
        data["profile"] = self.profile
        data["saran"] = self.saran
        data["perbaikan"] = self.followups
        data["sample"] = (
            {
                "population": self.progress.population,
                "target": self.progress.target,
                "response_rate": round(self.progress.response_rate, 4),
            }
            if self.progress
            else None
        )
        data["generated_at"] = self.generated_at.isoformat(timespec="seconds")
        data["subject"] = self.subject or None
        data["period_dates"] = (
            {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()}
            if self.period_start and self.period_end
            else None
        )
        data["saran_grouped"] = [{"text": text, "count": count} for text, count in self.saran_grouped]
        data["trend"] = [
            {
                "period": p.label,
                "ikm": p.ikm,
                "mutu": p.mutu,
                "respondents": p.respondents,
                "change": p.change,
            }
            for p in self.trend
        ]
        data["channels"] = self.channels
        data["records"] = [record.to_dict() for record in self.records]
        return data


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower()).rstrip(".!?,; ")


def group_texts(texts: list[str]) -> list[tuple[str, int]]:
    """Equal texts (ignoring case, spacing, final punctuation) once, with their count, most frequent first."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for text in texts:
        key = _norm(text)
        if not key:
            continue
        counts[key] += 1
        first.setdefault(key, text.strip())
    return [(first[key], n) for key, n in counts.most_common()]


def _texts(counts: Counts, column: str) -> list[str]:
    """The non-empty texts of `column` (saran, perbaikan_<unsur>), in answer order."""
    texts = counts.texts
    return texts.loc[texts["column"] == column, "text"].tolist()


def _counts(counted: pd.Series) -> dict[str, int]:
    """Answers per option as text, sorted (the values come named and counted)."""
    counts: dict[str, int] = {}
    for value, n in counted.items():
        counts[str(value)] = counts.get(str(value), 0) + int(n)
    return dict(sorted(counts.items()))


def build_report(
    df: pd.DataFrame | Counts,
    *,
    title: str,
    office_name: str,
    period_label: str,
    population: int | None = None,
    disabled_unsur: tuple[str, ...] = (),
    generated_at: datetime | None = None,
    office: Office | None = None,
    subject: str = "",
    period: str | None = None,
    history: pd.DataFrame | Counts | None = None,
    rtl: list[RtlRow] | None = None,
    records: list[ClosingRecord] | None = None,
) -> Report:
    """The report over `df`: rows of answers, or their counts (`reports.counts`; rows are reduced to them
    first, so every figure has one computation).  `period` (a code like "2026-Q3") gives its dates;
    otherwise the first and last answer do.  `history` (answers of every period, unfiltered) gives the
    trend up to this period."""
    counts = to_counts(df)
    result = compute_ikm(counts, disabled_unsur=disabled_unsur)
    # Only what respondents gave: a profile question nobody answered is left out, not shown as an empty line.
    given = {column: counts.answer_counts(column) for column in PROFILE if column in counts.columns}
    profile = {column: _counts(values) for column, values in given.items() if len(values)}
    followups = {key: _texts(counts, f"perbaikan_{key}") for key in UNSUR}
    followups = {key: texts for key, texts in followups.items() if texts}
    start, end = _dates(counts, period)
    return Report(
        title=title,
        office_name=office_name,
        period_label=period_label,
        ikm=result,
        ipak=compute_ipak(counts),
        profile=profile,
        saran=_texts(counts, "saran"),
        followups=followups,
        progress=progress(result.respondents, population) if population else None,
        generated_at=generated_at or datetime.now(),
        office=office,
        subject=subject,
        period_start=start,
        period_end=end,
        trend=_trend(history, period, disabled_unsur) if history is not None else [],
        channels=_channels(counts),
        distribution={key: _distribution(counts.answer_counts(key)) for key in result.unsur},
        sections=_per_session(counts, "section"),
        sessions=_per_session(counts, "session_title"),
        rtl=list(rtl or []),
        records=list(records or []),
    )


def _dates(counts: Counts, period: str | None) -> tuple[date | None, date | None]:
    if period:
        return bounds(period)
    if "finished_at" not in counts.columns:
        return None, None
    first, last = counts.groups["first"].dropna(), counts.groups["last"].dropna()
    if first.empty:
        return None, None
    return first.min().date(), last.max().date()


def _channels(counts: Counts) -> dict[str, int]:
    """How many answers came in by each channel (telegram, kertas, import…)."""
    if "channel" not in counts.columns:
        return {}
    groups = counts.groups
    return _counts(groups["rows"].groupby(groups["channel"].to_numpy(dtype=object), dropna=True).sum())


def _distribution(counted: pd.Series) -> dict[int, int]:
    """How many answered 1, 2, 3 and 4 (a value outside counts in no column)."""
    out = dict.fromkeys((1, 2, 3, 4), 0)
    for value, n in counted.items():
        answer = int(np.clip(int(value), 0, 5))
        if answer in out:
            out[answer] += int(n)
    return out


def _per_session(counts: Counts, column: str) -> list[str]:
    """The distinct values of a per-session column (section, session title), sorted."""
    if column not in counts.columns:
        return []
    return sorted({str(v) for v in counts.groups[column].dropna().unique()})


def _trend(history: pd.DataFrame | Counts, period: str | None, disabled: tuple[str, ...]) -> list[TrendPoint]:
    """IKM of the last periods up to `period` (same granularity; quarters when the report covers all)."""
    history = to_counts(history)
    if "finished_at" not in history.columns or history.empty:
        return []
    table = summarise(history, granularity(period), disabled_unsur=disabled)
    if period:
        table = table[table["kelompok"] <= period.strip()]
    table = table.tail(TREND_PERIODS)
    points = []
    previous: float | None = None
    for row in table.itertuples(index=False):
        ikm = float(row.ikm)
        change = round(ikm - previous, 2) if previous is not None else None
        points.append(TrendPoint(describe(str(row.kelompok)), ikm, str(row.mutu), int(row.responden), change))
        previous = ikm
    return points


def render_text(report: Report, lang: str = "id") -> str:
    """A Telegram-ready summary (plain text)."""
    r = report.ikm
    weakest = r.weakest
    if lang == "id":
        lines = [
            f"📊 {report.title}",
            f"{report.office_name} · {report.period_label}",
            "",
            f"IKM {number(r.ikm_rounded)} — {r.grade.mutu} ({r.grade.kinerja}), {r.respondents} responden",
            "",
            "Nilai per unsur (NRR 1–4):",
        ]
        lines += [f"• {u.name}: {number(float(u.nrr), places=2)} ({u.grade.mutu})" for u in r.unsur.values()]
        if weakest:
            lines += ["", f"Unsur terlemah: {weakest.name} ({number(float(weakest.nrr))})."]
        if report.ipak:
            lines.append(
                f"IPAK {number(report.ipak.ikm_rounded)} — {report.ipak.grade.mutu} ({report.ipak.grade.kinerja})"
            )
        if report.progress:
            p = report.progress
            lines.append(f"Target sampel (Krejcie–Morgan): {p.respondents} dari {p.target} responden.")
        if report.saran:
            lines.append(f"Saran masuk: {len(report.saran)}.")
    else:
        lines = [
            f"📊 {report.title}",
            f"{report.office_name} · {report.period_label}",
            "",
            f"IKM {number(r.ikm_rounded, 'en')} — {r.grade.mutu}, {r.respondents} respondents",
            "",
            "Score per element (NRR 1–4):",
        ]
        lines += [f"• {u.name}: {number(float(u.nrr), 'en')} ({u.grade.mutu})" for u in r.unsur.values()]
        if weakest:
            lines += ["", f"Weakest element: {weakest.name} ({number(float(weakest.nrr), 'en')})."]
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2)
