"""The IKM infographic: who made it, for which period or session, the grade legend, decimal commas, the
profile only when given; phone-sized, or A4 at 300 dpi for print; nothing cut at the edges."""

from __future__ import annotations

import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from bot.domain import reporting
from bot.domain.reporting import Scope
from reports.infographic import PHONE, PRINT_A4, figure, render_png
from reports.numbers import number
from reports.sample import krejcie_morgan

from .page_images import ink_box, ink_share
from .skm_sample import TZ, answers, quarter_report


def texts(fig) -> list[str]:
    """Every text drawn: figure texts, axis titles, tick labels, legend entries."""
    fig.canvas.draw()  # tick labels exist only once drawn
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [ax.get_title(loc) for loc in ("left", "center", "right")]
        found += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        found += [t.get_text() for t in ax.texts]
    return [t for t in found if t]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("infographic")


@pytest.fixture(scope="module")
def quarter(folder):
    report = quarter_report(folder)
    return report, texts(figure(report))


def test_office_ngopas_period_score_and_grade_legend(quarter):
    report, shown = quarter
    joined = "\n".join(shown)
    flat = re.sub(r"\s+", " ", joined)
    assert "Kantor Kementerian Agama Kota Magelang" in flat and "NGOPAS" in flat
    assert "Triwulan III 2026 (1 Juli – 30 September 2026)" in flat
    assert number(report.ikm.ikm_rounded) in shown
    assert f"Mutu {report.ikm.grade.mutu} · {report.ikm.grade.kinerja}" in shown
    # the interval legend: what each colour means
    for legend in (
        "A · Sangat baik",
        "88,31 – 100,00",
        "B · Baik",
        "C · Kurang baik",
        "D · Tidak baik",
        "25,00 – 64,99",
    ):
        assert legend in shown
    target = krejcie_morgan(120)
    assert f"{report.ikm.respondents} responden dari target sampel {target} (Krejcie–Morgan)" in shown
    assert any("Sarana dan Prasarana" in t for t in shown)


def test_every_number_uses_a_decimal_comma(quarter):
    _, shown = quarter
    decimals = [t for t in shown if re.fullmatch(r"[\d.,]+", t) and not t.isdigit()]
    assert decimals and all("," in t and "." not in t for t in decimals), decimals
    assert "1,5" in shown and "3,5" in shown  # axis ticks of the NRR scale


def test_profile_only_when_given(folder):
    with_profile = "\n".join(texts(figure(quarter_report(folder))))
    without = "\n".join(texts(figure(quarter_report(folder, profile=False))))
    assert "Profil responden" in with_profile and "Jenis kelamin" in with_profile
    assert "Profil responden" not in without and "Jenis kelamin" not in without and "Usia" not in without


def session_report(title: str = "Dialog Kerukunan Umat Beragama"):
    frame = answers()
    frame = frame[frame["session_id"] == 3]

    class Dated:
        starts_at = frame["finished_at"].iloc[0].to_pydatetime().replace(hour=9, minute=0)
        population = 40

    Dated.title = title
    return reporting.build(
        frame, Scope(session_id=3), office_name="Kantor", sessions={3: Dated}, tz=TZ
    ).report


def test_a_session_infographic_names_the_session_and_its_date_not_all_periods():
    shown = re.sub(r"\s+", " ", "\n".join(texts(figure(session_report()))))
    assert "Semua periode" not in shown
    assert "Dialog Kerukunan Umat Beragama" in shown and "Sabtu, 1 Agustus 2026 pukul 09.00 WIB" in shown
    assert "1–12 Agustus 2026" in shown  # the days its answers came in
    assert f"dari target sampel {krejcie_morgan(40)}" in shown


@pytest.mark.parametrize(
    ("for_print", "size", "dpi"), [(False, (1080, 1920), None), (True, (2481, 3507), 300)]
)
def test_phone_and_print_sizes_not_blank_nothing_cut(folder, for_print, size, dpi):
    path = render_png(quarter_report(folder), folder / f"ikm-{for_print}.png", for_print=for_print)
    with Image.open(path) as image:
        assert image.size == size
        if dpi:
            assert round(image.info["dpi"][0]) == dpi
        rgb = image.convert("RGB")
    assert ink_share(rgb) > 0.05
    # below the full-width header band, everything keeps a margin from the edges
    body = rgb.crop((0, int(rgb.height * 0.1), rgb.width, rgb.height))
    left, _top, right, bottom = ink_box(body)
    assert (
        left >= rgb.width * 0.02 and right <= rgb.width * 0.98 and bottom <= body.height - rgb.height * 0.005
    )


LONG = "Ngobrol Kerukunan di Masjid Agung Kota Magelang bersama tokoh lintas agama dan pemuda se-Kecamatan"


@pytest.mark.parametrize("size", [PHONE, PRINT_A4], ids=["phone", "print"])
@pytest.mark.parametrize("which", ["session with a long title", "quarter"])
def test_no_two_texts_overlap(folder, size, which):
    """Long session titles and office names wrap and push what follows down instead of drawing over it."""
    report = session_report(LONG) if which.startswith("session") else quarter_report(folder)
    fig = figure(report, size)
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts if t.get_text().strip()]
    clashes = [
        (a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1 :] if box_a.overlaps(box_b)
    ]
    assert clashes == []
    width, height = fig.bbox.width, fig.bbox.height
    outside = [t for t, box in boxes if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height]
    assert outside == []
