"""Which module writes which report file: the SKM report (PDF, DOCX), the infographic (PNG), the tables (XLSX).

Each renderer writes exactly the file it is given and nothing else.  The renderers (matplotlib, fpdf2,
python-docx, openpyxl) are imported only when a file is rendered, so neither the bot nor `import reports`
pays for them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .infographic import render_png
from .report import Report
from .skm_docx import render_docx
from .skm_pdf import render_pdf
from .xlsx_export import render_xlsx

FILE_FORMATS = ("pdf", "docx", "png", "xlsx")

__all__ = ["FILE_FORMATS", "render_docx", "render_file", "render_pdf", "render_png", "render_xlsx"]


def render_file(
    report: Report,
    fmt: str,
    path: str | Path,
    *,
    groups: dict[str, pd.DataFrame] | None = None,
    for_print: bool = False,
) -> Path:
    """Write `report` as `fmt` to `path`; `groups` are the extra XLSX tables, `for_print` the A4 infographic."""
    if fmt == "png":
        return render_png(report, path, for_print=for_print)
    if fmt == "pdf":
        return render_pdf(report, path)
    if fmt == "docx":
        return render_docx(report, path)
    if fmt == "xlsx":
        return render_xlsx(report, path, groups)
    raise ValueError(f"Format tidak dikenal: {fmt}")
