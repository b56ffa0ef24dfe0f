"""Papan IKM in a real browser: Debian's headless Chromium through selenium (chromium-driver), axe-core from
the local npm copy (`scripts/ensure-browser`, run by `make test`); nothing is downloaded while testing.

One site, one served folder and one browser for the whole module: pages load without console errors, every
internal link resolves, the figures equal `ngopas report --format json` for the same scope, the page is not
blank and does not scroll sideways at 360 px and 1280 px, printing hides the navigation, and axe reports no
serious or critical violation.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import io
import json
import shutil
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from typer.testing import CliRunner

from bot.cli import app

from . import site_data as fixture

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium/chromium-driver not installed (make test installs them: scripts/ensure-browser)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The fixture office's site written by `ngopas publish`, and its settings file for `ngopas report`."""
    folder = tmp_path_factory.mktemp("papan")
    db = folder / "ngopas.db"

    async def make() -> None:
        rt = await fixture.open_runtime(db)
        try:
            await fixture.fill(rt)
        finally:
            await rt.store.close()

    asyncio.run(make())
    env = fixture.env_file(db, folder / "settings.env")
    result = CliRunner().invoke(app, ["publish", "--env-file", str(env), "--out", str(folder / "situs")])
    assert result.exit_code == 0, result.output
    return folder / "situs", env


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(QuietHandler, directory=str(site[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test output is not the place for an access log
        pass


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=id"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    browser.set_window_size(1280, 900)
    yield browser
    browser.quit()


# overview, scope (a period and a session), plan, aspirations, upcoming sessions, method
ONE_PER_TEMPLATE = [
    "index.html",
    "periode/2026-Q1.html",
    "sesi/1.html",
    "tindak-lanjut.html",
    "aspirasi.html",
    "jadwal.html",
    "metode.html",
]


def pages(site_folder: Path) -> list[str]:
    return sorted(str(p.relative_to(site_folder)) for p in site_folder.rglob("*.html"))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value and not value.startswith(("data:", "#")):
                self.found.append(value)


def report_json(env: Path, *scope: str) -> dict:
    result = CliRunner().invoke(app, ["report", "--env-file", str(env), "--format", "json", *scope])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def figures(driver, css: str) -> dict[str, str]:
    """The figures (`<data data-key value>`) inside the element `css` selects."""
    block = driver.find_element(By.CSS_SELECTOR, css)
    return {
        e.get_attribute("data-key"): e.get_attribute("value")
        for e in block.find_elements(By.CSS_SELECTOR, "data.fig")
    }


def test_every_page_loads_without_console_errors_and_every_internal_link_resolves(site, base_url, driver):
    folder, _ = site
    checked: set[str] = set()
    for page in ONE_PER_TEMPLATE + ["en/" + p for p in ONE_PER_TEMPLATE]:
        driver.get(urljoin(base_url, page))
        assert driver.title, page
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, (page, errors)
    for page in pages(folder):
        url = urljoin(base_url, page)
        parser = Links()
        parser.feed((folder / page).read_text(encoding="utf-8"))
        for link in parser.found:
            target = urljoin(url, link).split("#")[0]
            if urlparse(target).netloc != urlparse(base_url).netloc or target in checked:
                continue
            try:
                with urllib.request.urlopen(target) as response:  # noqa: S310 - the local server
                    assert response.status == 200, (page, link)
            except urllib.error.HTTPError as exc:
                pytest.fail(f"{page}: {link} → {exc.code}")
            checked.add(target)
    assert len(checked) > 15  # pages, the stylesheet, the infographic, both languages


def _same(page: dict[str, str], report: dict) -> None:
    assert float(page["ikm"]) == report["ikm"]
    assert page["mutu"] == report["mutu"]
    assert int(page["respondents"]) == report["respondents"]
    for key, unsur in report["unsur"].items():
        if f"unsur.{key}.nrr" in page:
            assert float(page[f"unsur.{key}.nrr"]) == unsur["nrr"], key
    for channel, n in report["channels"].items():
        if f"channels.{channel}" in page:
            assert int(page[f"channels.{channel}"]) == n


def test_the_figures_on_the_page_equal_ngopas_report_json(site, base_url, driver):
    _, env = site
    driver.get(urljoin(base_url, "index.html"))
    latest = driver.find_element("css selector", ".score").get_attribute("data-scope").split(":", 1)[1]
    _same(figures(driver, ".score"), report_json(env, "--period", latest))
    rows = driver.find_elements("css selector", "tr[data-scope^='section:']")
    assert len(rows) == 2
    for row in rows:
        _, section, period = row.get_attribute("data-scope").split(":")
        shown = {
            e.get_attribute("data-key"): e.get_attribute("value")
            for e in row.find_elements("css selector", "data.fig")
        }
        _same(shown, report_json(env, "--section", section, "--period", period))
    for session in (1, 2, 3):
        driver.get(urljoin(base_url, f"en/sesi/{session}.html"))
        shown = figures(driver, "main")
        report = report_json(env, "--session", str(session))
        _same(shown, report)
        assert sum(1 for k in shown if k.startswith("unsur.")) == len(report["unsur"])
    driver.get(urljoin(base_url, f"periode/{latest}.html"))
    _same(figures(driver, "main"), report_json(env, "--period", latest))


@pytest.mark.parametrize("width", [360, 1280])
def test_a_screenshot_is_not_blank_and_nothing_scrolls_sideways(site, base_url, driver, width):
    for page in ("index.html", "sesi/1.html", "aspirasi.html", "en/index.html"):
        driver.set_window_size(width, 900)
        driver.get(urljoin(base_url, page))
        inner = driver.execute_script("return window.innerWidth")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= inner, (page, width)
        image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("L")
        dark = sum(image.histogram()[:128]) / (image.width * image.height)
        assert 0.02 < dark < 0.6, (page, width, dark)  # text and the header band, not an empty page
    driver.set_window_size(1280, 900)


def test_printing_hides_the_navigation(base_url, driver):
    driver.get(urljoin(base_url, "index.html"))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert (
            driver.execute_script("return getComputedStyle(document.querySelector('nav')).display") == "none"
        )
        assert (
            driver.execute_script("return getComputedStyle(document.querySelector('main')).display")
            == "block"
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


@pytest.mark.skipif(
    not AXE.exists(), reason="axe-core not in .cache/axe (make test installs it: scripts/ensure-browser)"
)
def test_axe_finds_no_serious_accessibility_violation(site, base_url, driver):
    axe = AXE.read_text(encoding="utf-8")
    found = {}
    for page in [*ONE_PER_TEMPLATE, "sesi/3.html", "en/index.html"]:
        driver.get(urljoin(base_url, page))
        driver.execute_script(axe)
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
            "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))));"
        )
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        if serious:
            found[page] = serious
    assert not found, found
