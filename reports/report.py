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

from .deadline_share import DeadlineShare
from .grouping import summarise
from .ikm import IkmResult, compute_ikm, compute_ipak, numeric
from .instrument import PROFILE_KEYS as PROFILE
from .instrument import UNSUR, says_nothing
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


def _texts(df: pd.DataFrame, column: str) -> list[str]:
    if column not in df.columns:
        return []
    return [str(v).strip() for v in df[column].dropna() if not says_nothing(v)]


def _counts(column: pd.Series) -> dict[str, int]:
    """Answers per option as text, sorted: counted first, then named (a million rows are never turned into
    a million strings)."""
    counts: dict[str, int] = {}
    for value, n in column.value_counts(dropna=True).items():
        counts[str(value)] = counts.get(str(value), 0) + int(n)
    return dict(sorted(counts.items()))


def build_report(
    df: pd.DataFrame,
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
    history: pd.DataFrame | None = None,
    rtl: list[RtlRow] | None = None,
    records: list[ClosingRecord] | None = None,
) -> Report:
    """The report over `df`.  `period` (a code like "2026-Q3") gives its dates; otherwise the first and
    last answer do.  `history` (answers of every period, unfiltered) gives the trend up to this period."""
    result = compute_ikm(df, disabled_unsur=disabled_unsur)
    # Only what respondents gave: a profile question nobody answered is left out, not shown as an empty line.
    profile = {
        column: _counts(df[column]) for column in PROFILE if column in df.columns and df[column].notna().any()
    }
    followups = {key: _texts(df, f"perbaikan_{key}") for key in UNSUR if _texts(df, f"perbaikan_{key}")}
    start, end = _dates(df, period)
    return Report(
        title=title,
        office_name=office_name,
        period_label=period_label,
        ikm=result,
        ipak=compute_ipak(df),
        profile=profile,
        saran=_texts(df, "saran"),
        followups=followups,
        progress=progress(result.respondents, population) if population else None,
        generated_at=generated_at or datetime.now(),
        office=office,
        subject=subject,
        period_start=start,
        period_end=end,
        trend=_trend(history, period, disabled_unsur) if history is not None else [],
        channels=_counts(df["channel"]) if "channel" in df.columns else {},
        distribution={key: _distribution(df[key]) for key in result.unsur},
        sections=_per_session(df, "section"),
        sessions=_per_session(df, "session_title"),
        rtl=list(rtl or []),
        records=list(records or []),
    )


def _dates(df: pd.DataFrame, period: str | None) -> tuple[date | None, date | None]:
    if period:
        return bounds(period)
    if "finished_at" not in df.columns or df["finished_at"].isna().all():
        return None, None
    times = df["finished_at"].dropna()
    return times.min().date(), times.max().date()


def _distribution(column: pd.Series) -> dict[int, int]:
    """How many answered 1, 2, 3 and 4 (one counting pass; no float copy for a plain integer column).

    An integer column with a blank (nullable Int64: a blank cell of an imported file) goes the float way,
    which drops the blanks."""
    if column.dtype.kind in "iu" and not column.hasnans:
        answers = column.to_numpy(dtype="int64")
    else:
        values = numeric(column)
        answers = values[~np.isnan(values)]
    counts = np.bincount(answers.astype(np.intp).clip(0, 5), minlength=6)
    return {answer: int(counts[answer]) for answer in (1, 2, 3, 4)}


def _per_session(df: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a per-session column (section, session title), sorted.

    Read from each session's first row when the frame has session numbers: hashing a million small ints is
    a few milliseconds, hashing a million strings a third of a second (bench.report_1m)."""
    if column not in df.columns:
        return []
    values = df[column]
    if "session_id" in df.columns and pd.api.types.is_integer_dtype(df["session_id"].dtype):
        values = values[~df["session_id"].duplicated()]
    return sorted({str(v) for v in values.dropna().unique()})


def _trend(history: pd.DataFrame, period: str | None, disabled: tuple[str, ...]) -> list[TrendPoint]:
    """IKM of the last periods up to `period` (same granularity; quarters when the report covers all)."""
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
