"""A whole SKM report: IKM, per-unsur table, IPAK, respondent profile, saran, and its text/JSON forms.

The JSON schema is documented in reports/SCHEMA.md and kept stable for other systems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from .ikm import IkmResult, compute_ikm, compute_ipak
from .instrument import PROFILE_KEYS as PROFILE
from .instrument import UNSUR
from .numbers import number
from .sample import Progress, progress

SCHEMA_VERSION = 1


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
        return data


def _texts(df: pd.DataFrame, column: str) -> list[str]:
    if column not in df.columns:
        return []
    return [str(v).strip() for v in df[column].dropna() if str(v).strip()]


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
) -> Report:
    result = compute_ikm(df, disabled_unsur=disabled_unsur)
    profile = {column: _counts(df[column]) for column in PROFILE if column in df.columns}
    followups = {key: _texts(df, f"perbaikan_{key}") for key in UNSUR if _texts(df, f"perbaikan_{key}")}
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
    )


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
