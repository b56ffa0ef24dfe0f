"""Service-quality analytics: the IKM method of PermenPAN-RB 14/2017 in pure pandas.

No Telegram, no Google: functions from a DataFrame of answers to results, and renderers that write only
the file they are asked to write.

The names below are loaded on first use (PEP 562): `reports.instrument`, the regulation's tables, is read
by the bot at start-up, and must not pull pandas (about 45 MB) into a bot that has not made a report yet.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .grouping import summarise
    from .ikm import IkmResult, NoAnswers, compute_ikm, compute_ipak
    from .instrument import GRADES, UNSUR, grade_for_ikm, label_to_value
    from .periods import describe, filter_period
    from .report import Report, build_report, render_json, render_text
    from .sample import krejcie_morgan, progress

_WHERE = {
    "summarise": "grouping",
    "IkmResult": "ikm",
    "NoAnswers": "ikm",
    "compute_ikm": "ikm",
    "compute_ipak": "ikm",
    "GRADES": "instrument",
    "UNSUR": "instrument",
    "grade_for_ikm": "instrument",
    "label_to_value": "instrument",
    "describe": "periods",
    "filter_period": "periods",
    "Report": "report",
    "build_report": "report",
    "render_json": "report",
    "render_text": "report",
    "krejcie_morgan": "sample",
    "progress": "sample",
}

__all__ = [
    "GRADES",
    "UNSUR",
    "IkmResult",
    "NoAnswers",
    "Report",
    "build_report",
    "compute_ikm",
    "compute_ipak",
    "describe",
    "filter_period",
    "grade_for_ikm",
    "krejcie_morgan",
    "label_to_value",
    "progress",
    "render_json",
    "render_text",
    "summarise",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
