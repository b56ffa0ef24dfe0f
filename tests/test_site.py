"""Papan IKM without a browser: privacy by construction, the follow-up plan, the atomic swap, rebuilding only
when a figure changed, and `ngopas publish` / `serve` input errors.  (tests/test_site_browser.py opens the
pages in Chromium.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from bot.base.files import FileProblem
from bot.base.i18n import LANGUAGES, catalog_keys
from bot.cli import app
from bot.delivery import publisher
from bot.dev.sandbox import running_sandbox
from bot.domain.site import data as site_data
from bot.domain.site.data import Cell, PlanRow, gather, safe_cells
from bot.domain.site.render import write_site
from bot.store import attendance as store_attendance
from bot.store import rtl as store_rtl
from bot.store import surveys
from bot.store.surveys import Response
from reports.rtl import RtlRow

from . import site_data as fixture
from .conftest import TZ
from .test_survey import ALICE, _answer_all, _open, _session

TEMPLATES = Path(__file__).resolve().parents[1] / "bot" / "domain" / "site" / "templates"


@pytest.fixture
async def rt(tmp_path):
    runtime = await fixture.open_runtime(tmp_path / "ngopas.db")
    await fixture.fill(runtime)
    yield runtime
    await runtime.store.close()


def _text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.html")))


# --- privacy --------------------------------------------------------------------------------------------------


def test_small_profile_cells_are_hidden_and_a_lone_one_cannot_be_worked_out():
    assert safe_cells({"Laki-laki": 12, "Perempuan": 9}) == [Cell("Laki-laki", 12), Cell("Perempuan", 9)]
    # one small cell: the next smallest goes too, else 24 respondents minus the others would reveal it
    assert safe_cells({"SD": 2, "SMA": 15, "S1": 7}) == [Cell("SD", None), Cell("SMA", 15), Cell("S1", None)]
    assert safe_cells({"SD": 2, "SMP": 1, "SMA": 15}) == [
        Cell("SD", None),
        Cell("SMP", None),
        Cell("SMA", 15),
    ]


async def test_published_pages_hold_no_typed_text_no_name_and_no_small_profile(rt, tmp_path):
    await publisher.publish(rt, tmp_path / "situs")
    site = tmp_path / "situs"
    everything = _text(site)
    assert fixture.SECRET_SARAN not in everything  # survey suggestions are only counted
    assert fixture.PRIVATE_TEXT not in everything and "Sudah ditangani" not in everything
    assert fixture.SENDER not in everything
    aspirations = (site / "aspirasi.html").read_text(encoding="utf-8")
    assert fixture.PUBLIC_TEXT in aspirations and "Parkir diperluas mulai Juni." in aspirations
    # the session with 3 respondents: score with its count, no profile at all
    small = (site / "sesi" / "3.html").read_text(encoding="utf-8")
    assert 'data-key="respondents" value="3"' in small
    assert "terlalu sedikit untuk ditampilkan" in small and "<caption>Jenis kelamin</caption>" not in small
    english = (site / "en" / "sesi" / "3.html").read_text(encoding="utf-8")
    assert "Too few respondents to show their profile" in english
    # the big session: a profile, every shown count at least 5, the small ones said to be too few
    big = (site / "sesi" / "1.html").read_text(encoding="utf-8")
    assert "<caption>Jenis kelamin</caption>" in big and "terlalu sedikit untuk ditampilkan" in big
    # channels are a cell per session too: 2 paper answers beside 7 in the chat show neither count
    assert 'data-key="channels.import" value="5"' in big and 'data-key="channels.telegram" value="19"' in big
    nine = (site / "sesi" / "2.html").read_text(encoding="utf-8")
    assert 'data-key="channels.' not in nine and "terlalu sedikit untuk ditampilkan" in nine
    profile = big.split('id="profile"', 1)[1].split('id="channels"', 1)[0]
    counts = [int(n) for n in re.findall(r"</th><td>(\d+)</td>", profile)]
    assert counts and min(counts) >= site_data.MIN_CELL


async def test_a_rebuild_reads_the_kept_counts_never_every_answer(rt, tmp_path):
    """A year of answers must not make each rebuild of the page (in the running bot, after every change) read
    them all: the figures come from the counts kept with every answer, as `ngopas report` takes them.  (The
    fixture stores its answers without their counts, as a database from before the counts: the first rebuild
    counts them once.)"""
    first = await gather(rt)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(rt.store.engine.sync_engine, "before_cursor_execute", seen)
    try:
        data = await gather(rt)
    finally:
        event.remove(rt.store.engine.sync_engine, "before_cursor_execute", seen)
    assert data.overview is not None and data.sessions  # the figures are there ...
    assert [p.report.ikm for p in data.sessions] == [p.report.ikm for p in first.sessions]
    assert statements
    # ... without reading an answer (the kept counts are checked against how many answers there are)
    assert not [q for q in statements if "response.answers" in q or "response.followups" in q]


async def test_sample_short_and_aspiration_shares_are_on_the_page(rt, tmp_path):
    data = await publisher.publish(rt, tmp_path / "situs")
    session = (tmp_path / "situs" / "sesi" / "1.html").read_text(encoding="utf-8")
    assert "24 dari target 28 responden" in session and "sampel belum mencukupi" in session
    # Bimas Islam: one ticket, answered two days after it came, well within its five working days
    assert data.aspirations["Bimas Islam"].on_time == data.aspirations["Bimas Islam"].due == 1
    assert data.aspirations["PHU"].received == 2 and data.aspirations["PHU"].answered == 1
    page = (tmp_path / "situs" / "aspirasi.html").read_text(encoding="utf-8")
    assert "1 dari 1 (100%)" in page


# --- the follow-up plan -------------------------------------------------------------------------------------


async def test_the_plan_shows_status_and_evidence_or_says_there_is_none(rt, tmp_path, monkeypatch):
    await publisher.publish(rt, tmp_path / "empty")
    assert "Rencana tindak lanjut belum ada" in (tmp_path / "empty" / "tindak-lanjut.html").read_text("utf-8")

    @dataclass(frozen=True)
    class WithEvidence(RtlRow):  # the RTL table being built adds an evidence link
        evidence: str = ""

    rows = [
        WithEvidence(
            "Waktu penyelesaian",
            "Antrean daring",
            "Kasubag TU",
            date(2026, 9, 30),
            "Berjalan",
            "https://example.org/foto.jpg",
        ),
        RtlRow("Sarana", "Ruang tunggu ber-AC", "Bimas Islam", None, "Rencana"),
    ]

    async def plan(_rt):
        return rows

    monkeypatch.setattr(site_data, "follow_up_plan", plan)
    await publisher.publish(rt, tmp_path / "plan")
    page = (tmp_path / "plan" / "tindak-lanjut.html").read_text(encoding="utf-8")
    assert "Antrean daring" in page and "30 September 2026" in page and "Berjalan" in page
    assert '<a href="https://example.org/foto.jpg"' in page
    english = (tmp_path / "plan" / "en" / "tindak-lanjut.html").read_text(encoding="utf-8")
    assert "In progress" in english and "Planned" in english


def test_plan_rows_keep_what_a_plain_rtl_row_has():
    assert site_data.plan_rows([RtlRow("A", "B", "C", None, "Selesai")]) == [
        PlanRow("A", "B", "C", None, "Selesai")
    ]


# --- writing the folder ---------------------------------------------------------------------------------------


async def test_publish_swaps_a_link_to_a_whole_new_build_and_removes_the_old(rt, tmp_path):
    target = tmp_path / "situs"
    await publisher.publish(rt, target)
    first = target.resolve()
    assert (
        target.is_symlink() and (target / "index.html").is_file() and (target / "en" / "index.html").is_file()
    )
    assert (target / "infografis.png").stat().st_size > 10_000
    await publisher.publish(rt, target)
    assert target.resolve() != first and not first.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".situs-")) == [
        target.resolve().name
    ]


async def test_a_folder_with_other_files_is_refused_not_replaced(rt, tmp_path):
    target = tmp_path / "dokumen"
    target.mkdir()
    (target / "penting.docx").write_text("x")
    with pytest.raises(FileProblem, match="sudah berisi berkas lain"):
        await publisher.publish(rt, target)
    assert (target / "penting.docx").exists() and not target.is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dokumen")]  # the build is cleaned up
    empty = tmp_path / "kosong"
    empty.mkdir()
    await publisher.publish(rt, empty)
    assert empty.is_symlink() and (empty / "index.html").exists()


async def test_the_bot_rebuilds_only_when_a_figure_changed(rt, tmp_path):
    target = tmp_path / "situs"
    assert await publisher.publish_if_changed(rt, target)
    build = target.resolve()
    assert not await publisher.publish_if_changed(rt, target)
    assert target.resolve() == build
    defn = site_data.definition_for(rt)
    async with rt.store.begin() as conn:
        await surveys.insert_response(
            conn,
            Response(
                id="NEW1",
                session_id=2,
                respondent="new",
                definition_id=defn.id,
                definition_version=defn.version,
                channel="telegram",
                answers={q.key: "1" for q in defn.questions if q.kind == "ikm"},
                followups={},
                started_at=None,
                finished_at=fixture.NOW,
                replaced_by=None,
            ),
        )
    assert await publisher.publish_if_changed(rt, target)
    assert 'data-key="respondents" value="10"' in (target / "sesi" / "2.html").read_text(encoding="utf-8")
    # Check-ins and headcounts change the sample target; staff marking a plan row changes its page.
    async with rt.store.begin() as conn:
        await store_attendance.set_population(conn, 2, 120)
    assert await publisher.publish_if_changed(rt, target)
    assert not await publisher.publish_if_changed(rt, target)
    async with rt.store.begin() as conn:
        row = await store_rtl.create(
            conn,
            source_key="t:1",
            topic="unsur:Bimas Islam:sarana",
            period="2026-Q1",
            section="Bimas Islam",
            issue="Unsur terlemah: Sarana dan Prasarana",
            basis="",
            now=fixture.NOW,
            year=2026,
        )
    assert await publisher.publish_if_changed(rt, target)
    async with rt.store.begin() as conn:
        await store_rtl.apply_staff_change(
            conn,
            row.id,
            program="Pengeras suara baru",
            responsible="TU",
            target=None,
            status="Selesai",
            evidence="",
            public=True,
            now=fixture.NOW + timedelta(minutes=5),
        )
    assert await publisher.publish_if_changed(rt, target)
    assert "Pengeras suara baru" in (target / "tindak-lanjut.html").read_text(encoding="utf-8")


async def test_an_office_without_answers_gets_a_site_that_says_so(tmp_path):
    runtime = await fixture.open_runtime(tmp_path / "kosong.db")
    try:
        data = await gather(runtime)
        folder = tmp_path / "out"
        folder.mkdir()
        write_site(data, folder, tz=runtime.tz)
    finally:
        await runtime.store.close()
    assert "Belum ada jawaban survei" in (folder / "index.html").read_text(encoding="utf-8")
    assert "Belum ada sesi yang dijadwalkan" in (folder / "jadwal.html").read_text(encoding="utf-8")


# --- texts and the command line ----------------------------------------------------------------------------


def test_every_text_the_templates_ask_for_exists_in_both_languages():
    asked = set()
    for template in TEMPLATES.glob("*.html"):
        asked |= set(re.findall(r"r\.t\('([a-z_.]+)'[,)]", template.read_text(encoding="utf-8")))
    assert len(asked) > 60
    for lang in LANGUAGES:
        assert not asked - catalog_keys(lang), lang


def test_publish_without_a_folder_and_serve_without_a_site_say_what_to_do(tmp_path):
    db = tmp_path / "ngopas.db"
    env = fixture.env_file(db, tmp_path / "settings.env")
    result = CliRunner().invoke(app, ["publish", "--env-file", str(env)])
    assert result.exit_code == 2 and "ngopas publish --out" in result.output
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "tidak-ada")])
    assert result.exit_code == 2 and "belum berisi situs" in result.output


# --- the running bot -------------------------------------------------------------------------------------------


async def published(sb, done) -> None:
    """Wait for the bot's publish loop until `done()` holds (each rewrite sets the event)."""
    event = sb.running.delivery.published
    while not done():
        await event.wait()
        event.clear()


async def test_the_running_bot_rewrites_the_page_when_a_citizen_answers(tmp_path, tg, clock):
    """NGOPAS_PUBLISH_DIR: the page appears when the bot starts and shows a survey answered in the chat."""
    target = tmp_path / "papan"
    async with running_sandbox(tmp_path, clock=clock, tg=tg, publish_dir=target) as sb:
        tg.add_user(ALICE, "Bu Siti")
        await published(sb, lambda: (target / "index.html").exists())  # the first build, at start-up
        assert "Belum ada jawaban survei" in (target / "index.html").read_text(encoding="utf-8")
        session = await _session(sb)
        clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
        await _open(sb, ALICE, session.id)
        await _answer_all(sb, ALICE)
        await sb.press(ALICE, ALICE, "Kirim")
        page = target / "sesi" / f"{session.id}.html"
        await published(sb, page.exists)  # rebuilt by the bot's publish loop once the answer is stored
        assert 'data-key="respondents" value="1"' in page.read_text(encoding="utf-8")
        assert 'value="100.0"' in (target / "index.html").read_text(encoding="utf-8")


async def test_the_plan_page_shows_the_stored_rows_staff_made_public_and_no_other(rt, tmp_path):
    """The page reads the Tindak Lanjut table: a row marked Publik shows with its program, status and
    evidence; a row not marked (its issue may quote a citizen) stays off the public page."""
    now = rt.clock.now()
    async with rt.store.begin() as conn:
        shown = await store_rtl.create(
            conn,
            source_key="t:1",
            topic="unsur:Bimas Islam:sarana",
            period="2026-Q1",
            section="Bimas Islam",
            issue="Unsur terlemah: Sarana dan Prasarana",
            basis="NRR 2,10",
            now=now,
            year=2026,
        )
        hidden = await store_rtl.create(
            conn,
            source_key="t:2",
            topic="kelompok:PHU:keluhan",
            period="2026-Q1",
            section="PHU",
            issue="Keluhan berulang dari warga, mis. «Pak Ahmad di loket kasar»",
            basis="2 tiket",
            now=now,
            year=2026,
        )
        await store_rtl.apply_staff_change(
            conn,
            shown.id,
            program="Pengeras suara baru di aula",
            responsible="Subbag TU",
            target=date(2026, 6, 30),
            status="Selesai",
            evidence="https://kemenag.go.id/aula",
            public=True,
            now=now,
        )
        await store_rtl.apply_staff_change(
            conn,
            hidden.id,
            program="Pelatihan layanan loket",
            responsible="PHU",
            target=None,
            status="Berjalan",
            evidence="",
            public=False,
            now=now,
        )
    await publisher.publish(rt, tmp_path / "site")
    page = (tmp_path / "site" / "tindak-lanjut.html").read_text(encoding="utf-8")
    assert "Pengeras suara baru di aula" in page and "30 Juni 2026" in page and "Selesai" in page
    assert '<a href="https://kemenag.go.id/aula"' in page
    assert "Pak Ahmad" not in page and "Pelatihan layanan loket" not in page
    assert "belum ada" not in page
