"""The IKM infographic offices post (WhatsApp, Instagram, Telegram) and pin on the notice board.

Phone size by default (1080 × 1920 px, portrait), or A4 portrait at 300 dpi for print.  It carries what
published SKM infographics carry: office and NGOPAS identity, the period or the session and its date, the
score and its grade with the interval legend, the nine unsur coloured by grade (legend included), the
respondents against the sample target, and the respondent profile only when respondents gave one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import FancyBboxPatch

from . import charts
from .charts import MUTU_COLOURS, PROFILE_TITLES
from .numbers import number
from .report import Report
from .skm_content import period_line


@dataclass(frozen=True)
class Size:
    width_in: float
    height_in: float
    dpi: int


PHONE = Size(7.2, 12.8, 150)  # 1080 × 1920 px
PRINT_A4 = Size(8.27, 11.69, 300)  # 2481 × 3507 px
BRAND = "#0f5132"


def render_png(report: Report, path: str | Path, *, for_print: bool = False) -> Path:
    """Write the infographic of `report` to `path` (PNG); `for_print` makes it A4 portrait at 300 dpi."""
    size = PRINT_A4 if for_print else PHONE
    fig = figure(report, size)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", dpi=size.dpi, facecolor="white")
    return out


def figure(report: Report, size: Size = PHONE) -> Figure:
    """The infographic as a matplotlib Figure (without pyplot: safe in the bot's worker thread)."""
    fig = Figure(figsize=(size.width_in, size.height_in), dpi=size.dpi)
    fig.patch.set_facecolor("white")
    _draw(fig, report)
    return fig


def _draw(fig: Figure, report: Report) -> None:
    r = report.ikm
    office = report.identity
    colour = MUTU_COLOURS[r.grade.mutu]
    # header band: office logo and name left, the NGOPAS mark right
    fig.patches.append(
        FancyBboxPatch((0, 0.905), 1, 0.095, boxstyle="square,pad=0", transform=fig.transFigure, color=BRAND)
    )
    logo = office.logo_file()
    text_x = 0.05
    if logo is not None:
        ax_logo = fig.add_axes((0.04, 0.915, 0.12, 0.075))
        ax_logo.imshow(imread(str(logo)))
        ax_logo.axis("off")
        text_x = 0.18
    fig.text(text_x, 0.988, _wrap(office.name, 34, 2), color="white", fontsize=12, weight="bold", va="top")
    fig.text(text_x, 0.915, "Survei Kepuasan Masyarakat", color="#d7f0df", fontsize=10, va="bottom")
    fig.text(0.95, 0.962, "NGOPAS", color="white", fontsize=16, weight="bold", ha="right", va="center")
    fig.text(
        0.95,
        0.928,
        "Ngobrol Pembangunan Agama\nPada Masyarakat",
        color="#d7f0df",
        fontsize=7,
        ha="right",
        va="center",
    )
    # what and when: the session (title, then its date) or the survey's name, then the period and its dates
    subject = report.subject or "Indeks Kepuasan Masyarakat"
    title, _, when = subject.rpartition(" · ") if " · " in subject else (subject, "", "")
    title = _wrap(title, 40, 2)
    fig.text(0.5, 0.888, title, ha="center", va="top", fontsize=14, weight="bold")
    y = 0.888 - _height(fig, title, 14) - 0.006
    period = period_line(report)
    details = [when, f"Jawaban masuk {period}" if when and period else period]
    fig.text(0.5, y, "\n".join(d for d in details if d), ha="center", va="top", fontsize=10, color="#444")
    # the score
    fig.text(0.5, 0.745, number(r.ikm_rounded), ha="center", fontsize=58, weight="bold", color=colour)
    fig.text(
        0.5,
        0.705,
        f"Mutu {r.grade.mutu} · {r.grade.kinerja}",
        ha="center",
        fontsize=16,
        weight="bold",
        color=colour,
    )
    respondents = f"{r.respondents} responden"
    if report.progress:
        respondents += f" dari target sampel {report.progress.target} (Krejcie–Morgan)"
    fig.text(0.5, 0.682, respondents, ha="center", fontsize=10, color="#333")
    # the interval legend (what A–D mean)
    spans = charts.intervals()
    for i, (mutu, span, kinerja, _) in enumerate(spans):
        x = 0.06 + i * 0.225
        current = mutu == r.grade.mutu  # the office's grade solid; the others tinted, text in their colour
        ink = "white" if current else MUTU_COLOURS[mutu]
        fig.patches.append(
            FancyBboxPatch(
                (x, 0.635),
                0.205,
                0.038,
                boxstyle="round,pad=0.002",
                transform=fig.transFigure,
                color=MUTU_COLOURS[mutu],
                alpha=1.0 if current else 0.15,
            )
        )
        fig.text(
            x + 0.1025,
            0.660,
            f"{mutu} · {kinerja}",
            ha="center",
            va="center",
            fontsize=7.5,
            color=ink,
            weight="bold",
        )
        fig.text(x + 0.1025, 0.644, span, ha="center", va="center", fontsize=7, color=ink)
    # unsur bars
    has_profile = any(report.profile.values())
    bottom = 0.30 if has_profile else 0.13
    ax = fig.add_axes((0.40, bottom, 0.54, 0.575 - bottom))
    units = list(r.unsur.values())
    charts.nrr_bars(
        ax,
        [_wrap(u.name, 26) for u in units],
        [float(u.nrr) for u in units],
        [u.grade.mutu for u in units],
        fontsize=8,
    )
    ax.set_title("Nilai per unsur (NRR, skala 1–4; warna = mutu)", fontsize=9.5, loc="right")
    weakest = r.weakest
    if weakest:
        fig.text(
            0.5,
            bottom - 0.045,
            f"Prioritas perbaikan: {weakest.name} ({number(float(weakest.nrr))})",
            ha="center",
            fontsize=9.5,
            color="#333",
        )
    if has_profile:
        _profile(fig, report)
    fig.text(
        0.5,
        0.025,
        "Metode: PermenPAN-RB No. 14 Tahun 2017 · IKM = Σ(NRR × bobot) × 25",
        ha="center",
        fontsize=7.5,
        color="#666",
    )


def _profile(fig: Figure, report: Report) -> None:
    """Small bars per profile question, only those respondents answered."""
    fields = [(key, counts) for key, counts in report.profile.items() if counts][:4]
    width = 0.88 / len(fields)
    for i, (key, counts) in enumerate(fields):
        ax = fig.add_axes((0.06 + i * width + 0.05, 0.07, width - 0.06, 0.13))
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:4]
        labels = [_wrap(k, 12) for k, _ in top][::-1]
        values = [v for _, v in top][::-1]
        ax.barh(labels, values, color="#2f6db5")
        for y, value in enumerate(values):
            ax.text(value, y, f" {value}", va="center", fontsize=7)
        ax.set_xlim(0, max(values) * 1.4)
        ax.set_xticks([])
        ax.tick_params(axis="y", labelsize=6.5)
        ax.spines[["top", "right", "bottom"]].set_visible(False)
        ax.set_title(PROFILE_TITLES.get(key, key), fontsize=8, loc="left")
    fig.text(0.5, 0.225, "Profil responden", ha="center", fontsize=10, weight="bold")


def _height(fig: Figure, text: str, fontsize: float) -> float:
    """The height of `text` in figure fractions (lines × 1.2 × font size), to place the next line under it."""
    return (text.count("\n") + 1) * 1.2 * fontsize / (fig.get_figheight() * 72)


def _wrap(text: str, width: int, most: int = 3) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    if len(lines) > most:
        lines = [*lines[: most - 1], " ".join(lines[most - 1 :])[: width - 1] + "…"]
    return "\n".join(lines)
