"""Service-quality analytics: the IKM method of PermenPAN-RB 14/2017 in pure pandas.

No Telegram, no Google: functions from a DataFrame of answers to results, and renderers that write only
the file they are asked to write.
"""

from .grouping import summarise
from .ikm import IkmResult, NoAnswers, compute_ikm, compute_ipak
from .instrument import GRADES, UNSUR, grade_for_ikm, label_to_value
from .periods import describe, filter_period
from .report import Report, build_report, render_json, render_text
from .sample import krejcie_morgan, progress

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
