"""Reporting periods as Kemenag offices use them: month, triwulan (quarter), semester, year."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
from babel.dates import format_date

from .period_keys import key_label

__all__ = ["bounds", "describe", "filter_period", "granularity", "key_label", "period_key", "period_label"]

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4])|-S([12]))?$")


def period_label(ts: pd.Series, by: str) -> pd.Series:
    """Vectorised labels: "2026-07", "2026-Q3", "2026-S1", "2026"."""
    year = ts.dt.year.astype(str)
    if by == "month":
        return year + "-" + ts.dt.month.map("{:02d}".format)
    if by == "quarter":
        return year + "-Q" + ts.dt.quarter.astype(str)
    if by == "semester":
        return year + "-S" + ((ts.dt.month > 6).astype(int) + 1).astype(str)
    if by == "year":
        return year
    raise ValueError(by)


def period_key(ts: pd.Series, by: str) -> pd.Series:
    """Integer period keys (2026*10+3 for 2026-Q3): grouping a million rows on ints, not strings."""
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)  # local wall time once, instead of a tz conversion per accessor
    year = ts.dt.year.astype("int64")
    if by == "month":
        return year * 100 + ts.dt.month
    if by == "quarter":
        return year * 10 + ts.dt.quarter
    if by == "semester":
        return year * 10 + (ts.dt.month > 6).astype("int64") + 1
    if by == "year":
        return year
    raise ValueError(by)


def describe(label: str) -> str:
    """ "2026-Q3" → "Triwulan III 2026" (how the office writes it)."""
    m = PERIOD_RE.match(label)
    if not m:
        return label
    year = m[1]
    if m[2]:
        return format_date(pd.Timestamp(f"{year}-{m[2]}-01").date(), "MMMM y", locale="id")
    if m[3]:
        return f"Triwulan {ROMAN[int(m[3])]} {year}"
    if m[4]:
        return f"Semester {ROMAN[int(m[4])]} {year}"
    return f"Tahun {year}"


def filter_period(df: pd.DataFrame, period: str, column: str = "finished_at") -> pd.DataFrame:
    """Rows of `period` (YYYY-MM | YYYY-Qn | YYYY-Sn | YYYY)."""
    m = PERIOD_RE.match(period.strip())
    if not m:
        raise ValueError(f"Periode tidak dikenali: {period}. Contoh: 2026-07, 2026-Q3, 2026-S1, 2026.")
    ts = df[column]
    mask = ts.dt.year == int(m[1])
    if m[2]:
        if not 1 <= int(m[2]) <= 12:
            raise ValueError(f"Periode tidak dikenali: {period}. Bulan harus 01–12.")
        mask &= ts.dt.month == int(m[2])
    elif m[3]:
        mask &= ts.dt.quarter == int(m[3])
    elif m[4]:
        mask &= (ts.dt.month > 6) == (m[4] == "2")
    return df[mask]


def bounds(period: str) -> tuple[date, date]:
    """The first and last day of `period` ("2026-Q3" → 1 July, 30 September 2026), for the report's dates."""
    m = PERIOD_RE.match(period.strip())
    if not m:
        raise ValueError(f"Periode tidak dikenali: {period}.")
    year = int(m[1])
    if m[2]:
        first, months = int(m[2]), 1
    elif m[3]:
        first, months = (int(m[3]) - 1) * 3 + 1, 3
    elif m[4]:
        first, months = (int(m[4]) - 1) * 6 + 1, 6
    else:
        first, months = 1, 12
    start = date(year, first, 1)
    end = (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()
    return start, end


def granularity(period: str | None) -> str:
    """How a period code groups time ("2026-Q3" → "quarter"); quarters when the report covers everything."""
    m = PERIOD_RE.match(period.strip()) if period else None
    if not m:
        return "quarter"
    return "month" if m[2] else "quarter" if m[3] else "semester" if m[4] else "year"
