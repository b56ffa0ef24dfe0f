"""The public page as files: Jinja2 templates (shipped in this package) over `SiteData`, Indonesian at the
root and English under /en/, one stylesheet, no script, nothing fetched from elsewhere.

Links are relative, so the folder works from any address (the office website, GitHub Pages, a notice-board
PC opening the files).  Every figure is marked `<data value="…">` with the value `ngopas report --format json`
gives, so the browser tests can hold the page to the report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from babel.dates import format_date
from markupsafe import Markup

from bot.base.i18n import LANGUAGES, format_when, t
from bot.domain.site.data import AspirationCount, Page, SiteData, quarter_label
from bot.store.sessions import Session
from reports.instrument import UNSUR_KEYS
from reports.numbers import number

MARKER = ".ngopas-site"  # in every folder this module wrote: `publish` replaces only such a folder
STYLESHEET = "site.css"
OG_IMAGE = "infografis.png"


@dataclass(frozen=True)
class Link:
    slug: str  # path without the language prefix and ".html": "", "periode/2026-Q1"
    key: str  # its name in the navigation (locale key)


NAV = (
    Link("index", "site.nav_overview"),
    Link("tindak-lanjut", "site.nav_plan"),
    Link("aspirasi", "site.nav_aspirations"),
    Link("jadwal", "site.nav_upcoming"),
    Link("metode", "site.nav_method"),
)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.domain.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def trend_svg(points: list[Any], lang: str) -> Markup:
    """The IKM per quarter as a small line chart (inline SVG, no script), with its values written on it;
    the table beside it says the same for screen readers."""
    if not points:
        return Markup("")
    width, height, left, right, top, bottom = 640, 240, 44, 16, 20, 44
    low = min(60.0, min(p.ikm for p in points) - 5)
    high = 100.0

    def x(i: int) -> float:
        return left + (width - left - right) * (i + 0.5) / len(points)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (high - v) / (high - low)

    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" aria-labelledby="trend-title" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">{escape(t("site.trend_title", lang))}</title>',
    ]
    for v in (65.0, 76.61, 88.31, 100.0):
        if v >= low:
            parts.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="axis">'
                f"{escape(number(v, lang, 0 if v == 100 else 2))}</text>"
            )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.ikm):.1f}" for i, p in enumerate(points))
    parts.append(f'<path d="{path}" class="line"/>')
    for i, p in enumerate(points):
        label = _quarter_words(p.label, lang)
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.ikm):.1f}" r="4" class="dot"/>'
            f'<text x="{x(i):.1f}" y="{y(p.ikm) - 9:.1f}" text-anchor="middle" class="value">'
            f"{escape(number(p.ikm, lang))}</text>"
            f'<text x="{x(i):.1f}" y="{height - 24}" text-anchor="middle" class="axis">'
            f"{escape(label.rsplit(' ', 1)[0])}</text>"
            f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" class="axis">'
            f"{escape(label.rsplit(' ', 1)[-1])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def _quarter_words(label: str, lang: str) -> str:
    """A trend label as the report writes it ("Triwulan I 2026") in the page's language."""
    return label.replace("Triwulan", t("site.quarter_word", lang))


class Renderer:
    """Renders every page of `data` for one language into a folder."""

    def __init__(self, data: SiteData, lang: str, *, tz: Any, public_url: str = "", og_image: bool) -> None:
        self.data = data
        self.lang = lang
        self.tz = tz
        self.public_url = public_url.rstrip("/") + "/" if public_url else ""
        self.og_image = og_image
        self.env = _environment()

    # -- helpers the templates call ------------------------------------------------------------------------

    def t(self, key: str, **kwargs: Any) -> str:
        return t(key, self.lang, **kwargs)

    def num(self, value: float, places: int = 2) -> str:
        return number(float(value), self.lang, places)

    def fig(self, key: str, value: float | int | str, places: int = 2) -> Markup:
        """A figure on the page, its exact value (as the report's JSON gives it) in `value`."""
        shown = value if isinstance(value, str | int) else self.num(value, places)
        return Markup('<data class="fig" data-key="{}" value="{}">{}</data>').format(key, value, shown)

    def when(self, moment: datetime) -> str:
        return format_when(moment, self.lang, self.tz)

    def day(self, value: date) -> str:
        return format_date(value, "d MMMM y", locale=self.lang)

    def month(self, value: date) -> str:
        return format_date(value, "MMMM y", locale=self.lang)

    def grade(self, mutu: str) -> str:
        return t(f"site.grade_{mutu}", self.lang)

    def unsur(self, key: str) -> str:
        return t(f"site.unsur_{key}", self.lang)

    def status(self, value: str) -> str:
        key = f"site.status_{value.strip().lower()}"
        text = t(key, self.lang)
        return value if text == key else text

    unsur_keys = UNSUR_KEYS

    def channel(self, name: str) -> str:
        key = f"site.channel_{name}"
        text = t(key, self.lang)
        return name if text == key else text

    def share(self, count: AspirationCount) -> str:
        """ "3 dari 4 (75%)", or a dash while no deadline has come."""
        if not count.due:
            return "–"
        return t(
            "site.share", self.lang, on_time=count.on_time, due=count.due, percent=f"{count.percent:.0f}"
        )

    def ticket_status(self, status: str) -> str:
        return t(f"aspiration.status_{status}", self.lang)

    def calendar_link(self, session: Session) -> str:
        """An "add to calendar" link (Google Calendar's event template: works from any phone browser)."""
        stamp = "%Y%m%dT%H%M%SZ"
        details = " ".join(u for u in (session.youtube_url, session.zoom_url) if u)
        query = urlencode(
            {
                "action": "TEMPLATE",
                "text": session.title,
                "dates": f"{session.starts_at.astimezone(UTC):{stamp}}/{session.ends_at.astimezone(UTC):{stamp}}",
                "location": session.venue,
                "details": details,
            }
        )
        return f"https://calendar.google.com/calendar/render?{query}"

    def scope_label(self, page: Page) -> str:
        if page.session is not None:
            return page.session.title
        return quarter_label(page.scope.period or "", self.lang)

    # -- pages -----------------------------------------------------------------------------------------------

    def pages(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """slug → (template, its variables)."""
        d = self.data
        found: dict[str, tuple[str, dict[str, Any]]] = {
            "index": ("overview.html", {"title": self.t("site.overview_title")}),
            "tindak-lanjut": ("plan.html", {"title": self.t("site.plan_title")}),
            "aspirasi": ("aspirations.html", {"title": self.t("site.aspirations_title")}),
            "jadwal": ("upcoming.html", {"title": self.t("site.upcoming_title")}),
            "metode": ("method.html", {"title": self.t("site.method_title")}),
        }
        for page in d.periods:
            found[page.slug] = (
                "scope.html",
                {"title": self.t("site.period_title", period=self.scope_label(page)), "page": page},
            )
        for page in d.sessions:
            found[page.slug] = (
                "scope.html",
                {"title": self.t("site.session_title", title=self.scope_label(page)), "page": page},
            )
        return found

    def render(self, slug: str, template: str, variables: dict[str, Any]) -> str:
        depth = slug.count("/") + (1 if self.lang != "id" else 0)
        root = "../" * depth  # from this page to the site's root (the Indonesian pages)
        here = "../" * slug.count("/")  # to this language's root
        other_lang = "en" if self.lang == "id" else "id"
        other = f"{root}{'en/' if other_lang == 'en' else ''}{slug}.html"
        path_from_root = f"{'en/' if self.lang != 'id' else ''}{slug}.html"
        return self.env.get_template(template).render(
            r=self,
            d=self.data,
            lang=self.lang,
            slug=slug,
            root=root,
            here=here,
            nav=NAV,
            other_lang=other_lang,
            other_url=other,
            og_image=(self.public_url or root) + OG_IMAGE if self.og_image else "",
            canonical=self.public_url + path_from_root if self.public_url else "",
            trend_svg=trend_svg(self.data.trend.report.trend if self.data.trend else [], self.lang),
            **variables,
        )


def write_site(
    data: SiteData,
    folder: Path,
    *,
    tz: Any,
    public_url: str = "",
    og_image: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Every page of `data` in Indonesian and English, the stylesheet and the Open Graph image (drawn by
    `og_image` into the path it is given) into the empty `folder`; the files written."""
    written: list[Path] = []
    if og_image is not None and data.overview is not None:
        og_image(folder / OG_IMAGE)
        written.append(folder / OG_IMAGE)
    static = resources.files("bot.domain.site").joinpath("static", STYLESHEET)
    with resources.as_file(static) as css:
        shutil.copyfile(css, folder / STYLESHEET)
    written.append(folder / STYLESHEET)
    for lang in LANGUAGES:
        renderer = Renderer(data, lang, tz=tz, public_url=public_url, og_image=(folder / OG_IMAGE).exists())
        base = folder if lang == "id" else folder / lang
        for slug, (template, variables) in renderer.pages().items():
            path = base / f"{slug}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(renderer.render(slug, template, variables), encoding="utf-8")
            written.append(path)
    (folder / MARKER).write_text("ngopas publish\n", encoding="utf-8")
    return written
