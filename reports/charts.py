"""The charts every report file shares (NRR bars, profile, trend), drawn once, Indonesian numbers on the axes.

Figures are made without pyplot (no global state, safe in the bot's worker thread, no display) and returned
as PNG bytes, which fpdf2 and python-docx both embed.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from .instrument import GRADES
from .numbers import number

MUTU_COLOURS = {"A": "#1b7f3b", "B": "#2f6db5", "C": "#d08a00", "D": "#c0392b"}
PROFILE_TITLES = {
    "jenis_kelamin": "Jenis kelamin",
    "umur": "Usia",
    "pendidikan": "Pendidikan terakhir",
    "pekerjaan": "Pekerjaan",
}


def intervals() -> list[tuple[str, str, str, str]]:
    """(mutu, "88,31 – 100,00", kinerja, "4") per grade, the interval table of PermenPAN-RB 14/2017."""
    rows = []
    upper = Decimal("100.00")
    for grade in GRADES:
        rows.append(
            (grade.mutu, f"{number(grade.lower)} – {number(upper)}", grade.kinerja, str(grade.nilai_persepsi))
        )
        upper = grade.lower - Decimal("0.01")
    return rows


def comma_axis(ax: Axes, axis: str = "x", places: int = 1) -> None:
    """Tick labels with a decimal comma ("3,5"), like every other number on the page."""
    formatter = FuncFormatter(lambda value, _pos: number(value, places=places))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def grade_legend(ax: Axes, *, loc: str = "lower right", fontsize: float = 8) -> None:
    """What the bar colours mean: A Sangat baik (88,31–100,00) … D Tidak baik."""
    handles = [
        Patch(color=MUTU_COLOURS[mutu], label=f"{mutu} {kinerja} ({span})")
        for mutu, span, kinerja, _ in intervals()
    ]
    ax.legend(handles=handles, loc=loc, fontsize=fontsize, frameon=False, title="Mutu (IKM ×25)")


def png(fig: Figure, dpi: int = 150) -> bytes:
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def nrr_bars(ax: Axes, names: list[str], values: list[float], mutu: list[str], fontsize: float = 9) -> None:
    """Horizontal NRR bars (1–4) coloured by grade, value printed inside each bar, first unsur on top."""
    bars = ax.barh(names[::-1], values[::-1], color=[MUTU_COLOURS[m] for m in mutu[::-1]])
    ax.set_xlim(1, 4)
    ax.set_xticks([1, 1.5, 2, 2.5, 3, 3.5, 4])
    comma_axis(ax, "x", places=1)
    for bar, value in zip(bars, values[::-1], strict=True):
        ax.text(
            value - 0.04,
            bar.get_y() + bar.get_height() / 2,
            number(value),
            va="center",
            ha="right",
            color="white",
            fontsize=fontsize,
            weight="bold",
        )
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=fontsize)


def nrr_chart(names: list[str], values: list[float], mutu: list[str]) -> bytes:
    """The NRR per unsur chart of Bab III, with the grade legend."""
    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.add_subplot()
    nrr_bars(ax, names, values, mutu)
    ax.set_xlabel("Nilai rata-rata unsur (NRR, skala 1–4)")
    grade_legend(ax, loc="upper left")
    ax.legend_.set_bbox_to_anchor((1.0, 1.0))
    return png(fig)


def profile_chart(field: str, counts: dict[str, int]) -> bytes:
    """One respondent characteristic as bars with count and percentage."""
    total = sum(counts.values()) or 1
    fig = Figure(figsize=(6.5, 0.5 + 0.42 * max(2, len(counts))))
    ax = fig.add_subplot()
    labels = list(counts)[::-1]
    values = [counts[k] for k in labels]
    bars = ax.barh(labels, values, color="#2f6db5")
    for bar, value in zip(bars, values, strict=True):
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f"  {value} ({number(100 * value / total, places=1)}%)",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, max(values) * 1.35 if values else 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
    ax.set_title(PROFILE_TITLES.get(field, field.replace("_", " ").capitalize()), fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig)


def trend_chart(labels: list[str], values: list[float]) -> bytes:
    """IKM per period with the grade bands behind it, the value on each point."""
    fig = Figure(figsize=(7.0, 3.4))
    ax = fig.add_subplot()
    low = min([*values, 65.0]) - 5
    upper = 100.0
    for mutu, span, _kinerja, _ in intervals():
        lower = float(span.split(" – ")[0].replace(",", "."))
        ax.axhspan(max(lower, low), upper, color=MUTU_COLOURS[mutu], alpha=0.08, lw=0)
        if lower >= low:
            ax.text(
                len(labels) - 0.5, (max(lower, low) + upper) / 2, mutu, color=MUTU_COLOURS[mutu], va="center"
            )
        upper = lower
    ax.plot(range(len(values)), values, marker="o", color="#2f6db5")
    for x, value in enumerate(values):
        ax.annotate(
            number(value), (x, value), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8
        )
    ax.set_xticks(range(len(labels)), labels, fontsize=8, rotation=15)
    ax.set_xlim(-0.5, len(labels) - 0.3)
    ax.set_ylim(low, 100)
    comma_axis(ax, "y", places=0)
    ax.set_ylabel("IKM")
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig)
