"""Report files for the office: the IKM infographic (PNG), the printable SKM report (PDF), tables (XLSX).

Each function writes exactly the file it is given and nothing else.  This module (matplotlib, fpdf2,
openpyxl) is imported only when a file is rendered, so neither the bot nor `import reports` pays for it.  Figures come from the `Report`, formatted the Indonesian way.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from matplotlib import font_manager
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Font

from .instrument import GRADES
from .report import Report, number

MUTU_COLOURS = {"A": "#1b7f3b", "B": "#2f6db5", "C": "#d08a00", "D": "#c0392b"}


def render_png(report: Report, path: str | Path) -> Path:
    """The familiar IKM infographic: big score and grade, per-unsur bars, respondents and profile."""
    r = report.ikm
    # A Figure without pyplot: no global state, safe in the bot's worker thread, no display needed.
    fig = Figure(figsize=(9, 11), dpi=110)
    fig.patch.set_facecolor("white")
    colour = MUTU_COLOURS[r.grade.mutu]
    fig.text(0.5, 0.96, "INDEKS KEPUASAN MASYARAKAT", ha="center", fontsize=18, weight="bold")
    fig.text(
        0.5, 0.925, f"{report.office_name} · {report.period_label}", ha="center", fontsize=11, color="#444"
    )
    fig.text(0.5, 0.83, number(r.ikm_rounded), ha="center", fontsize=60, weight="bold", color=colour)
    fig.text(0.5, 0.785, f"Mutu {r.grade.mutu} · {r.grade.kinerja}", ha="center", fontsize=16, color=colour)
    fig.text(0.5, 0.755, f"{r.respondents} responden", ha="center", fontsize=12, color="#444")
    ax = fig.add_axes((0.38, 0.30, 0.55, 0.42))
    units = list(r.unsur.values())
    names = [u.name for u in units][::-1]
    values = [float(u.nrr) for u in units][::-1]
    bars = ax.barh(names, values, color=[MUTU_COLOURS[u.grade.mutu] for u in units][::-1])
    ax.set_xlim(1, 4)
    ax.set_xlabel("Nilai rata-rata unsur (NRR, skala 1–4)")
    for bar, value in zip(bars, values, strict=True):
        ax.text(
            value - 0.05,
            bar.get_y() + bar.get_height() / 2,
            number(value),
            va="center",
            ha="right",
            color="white",
            fontsize=9,
        )
    ax.spines[["top", "right"]].set_visible(False)
    profile_lines = []
    for field, counts in report.profile.items():
        shown = ", ".join(f"{k}: {v}" for k, v in counts.items())
        profile_lines.append(f"{field.replace('_', ' ').title()}: {shown}")
    weakest = r.weakest
    footer = [
        f"Unsur terlemah: {weakest.name} ({number(float(weakest.nrr))})" if weakest else "",
        *profile_lines[:4],
    ]
    fig.text(0.06, 0.22, "\n".join(line for line in footer if line), fontsize=10, va="top", color="#222")
    fig.text(0.5, 0.03, "Metode: PermenPAN-RB No. 14 Tahun 2017", ha="center", fontsize=9, color="#777")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    return out


def render_xlsx(report: Report, path: str | Path, groups: dict[str, pd.DataFrame] | None = None) -> Path:
    """Tables staff paste into their reports: NRR per unsur, summaries, profile, saran."""
    r = report.ikm
    book = Workbook()
    sheet = book.active
    sheet.title = "IKM"
    sheet.append([report.title])
    sheet.append([f"{report.office_name} · {report.period_label}"])
    sheet.append([])
    sheet.append(["Unsur", "NRR", "NRR tertimbang", "Mutu", "Kinerja", "Jumlah jawaban"])
    for u in r.unsur.values():
        sheet.append(
            [
                u.name,
                round(float(u.nrr), 4),
                round(float(u.weighted), 4),
                u.grade.mutu,
                u.grade.kinerja,
                u.answers,
            ]
        )
    sheet.append([])
    sheet.append(["IKM (skala 1–4)", round(float(r.unit), 4)])
    sheet.append(["IKM (konversi ×25)", r.ikm_rounded])
    sheet.append(["Mutu", r.grade.mutu])
    sheet.append(["Kinerja", r.grade.kinerja])
    sheet.append(["Responden", r.respondents])
    for row in (1, 4):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    intervals = book.create_sheet("Interval")
    intervals.append(["Nilai persepsi", "Interval konversi (×25) mulai", "Mutu", "Kinerja"])
    for grade in GRADES:
        intervals.append([grade.nilai_persepsi, float(grade.lower), grade.mutu, grade.kinerja])
    for name, frame in (groups or {}).items():
        ws = book.create_sheet(name[:31])
        ws.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            ws.append([None if pd.isna(v) else v for v in values])
    profile = book.create_sheet("Profil")
    profile.append(["Aspek", "Kategori", "Jumlah"])
    for field, counts in report.profile.items():
        for key, count in counts.items():
            profile.append([field, key, count])
    saran = book.create_sheet("Saran")
    saran.append(["Saran / aspirasi"])
    for text in report.saran:
        saran.append([text])
        saran.cell(row=saran.max_row, column=1).data_type = "s"  # literal text, never a formula
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Packed in memory and written in one go: openpyxl saving straight to a full disk leaves a half-closed
    # zip whose clean-up prints a traceback after the polite sentence.
    packed = io.BytesIO()
    book.save(packed)
    out.write_bytes(packed.getvalue())
    return out


def render_pdf(report: Report, path: str | Path, *, compress: bool = True) -> Path:
    """A printable SKM report: period, method, NRR table, interval table, profile, saran, conclusion."""
    r = report.ikm
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    regular = font_manager.findfont("DejaVu Sans")
    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, "LAPORAN SURVEI KEPUASAN MASYARAKAT (SKM)", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(
        0,
        6,
        f"{report.office_name}\n{report.title}\nPeriode: {report.period_label}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.multi_cell(
        0,
        6,
        "Metode: Peraturan Menteri PAN-RB Nomor 14 Tahun 2017. Nilai rata-rata (NRR) tiap unsur adalah jumlah nilai "
        "dibagi jumlah jawaban; bobot tiap unsur 1/jumlah unsur aktif; IKM = Σ NRR × bobot, dikonversi ×25.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(
        0,
        8,
        f"IKM {number(r.ikm_rounded)} — Mutu {r.grade.mutu} ({r.grade.kinerja}); {r.respondents} responden",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 10)
    with pdf.table(col_widths=(80, 25, 35, 20)) as table:
        table.row(["Unsur", "NRR", "NRR tertimbang", "Mutu"])
        for u in r.unsur.values():
            table.row(
                [u.name, number(float(u.nrr), places=3), number(float(u.weighted), places=3), u.grade.mutu]
            )
    pdf.ln(4)
    with pdf.table(col_widths=(30, 50, 20, 40)) as table:
        table.row(["Nilai persepsi", "Interval konversi", "Mutu", "Kinerja"])
        bounds = ["88,31 – 100,00", "76,61 – 88,30", "65,00 – 76,60", "25,00 – 64,99"]
        for grade, bound in zip(GRADES, bounds, strict=True):
            table.row([str(grade.nilai_persepsi), bound, grade.mutu, grade.kinerja])
    if report.profile:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, "Profil responden", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for field, counts in report.profile.items():
            pdf.multi_cell(
                0,
                5,
                f"{field.replace('_', ' ').title()}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    if report.saran:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, "Saran dan aspirasi", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for text in report.saran[:50]:
            pdf.multi_cell(0, 5, f"• {text}", new_x="LMARGIN", new_y="NEXT")
    weakest = r.weakest
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "Kesimpulan", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    conclusion = f"Kinerja pelayanan pada periode ini tergolong {r.grade.kinerja.lower()} (mutu {r.grade.mutu}, IKM {number(r.ikm_rounded)})."
    if weakest:
        conclusion += f" Unsur dengan nilai terendah adalah {weakest.name} (NRR {number(float(weakest.nrr))}); unsur ini menjadi prioritas perbaikan."
    pdf.multi_cell(0, 5, conclusion, new_x="LMARGIN", new_y="NEXT")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out
