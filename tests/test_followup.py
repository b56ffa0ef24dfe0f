"""The follow-up plan (rencana tindak lanjut) without Telegram: what the bot proposes, how it reads what staff
type in the Tindak Lanjut sheet, that citizens and the staff group hear things once, and where the plan shows
(the monthly post, /status and doctor, the SKM report)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from bot.base.clock import FakeClock
from bot.base.i18n import t
from bot.cli import app
from bot.cli.doctor import plan_check
from bot.dev.sandbox import sandbox_settings
from bot.domain import community, followup, reporting, texts
from bot.domain.aspirations import create_ticket, person_of
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import store_response
from bot.domain.worksheets import TINDAK_LANJUT
from bot.store import Store, sheet_rows
from bot.store import rtl as store_rtl
from bot.store import schema as s
from bot.store.aspirations import Aspiration
from bot.store.rtl import Candidate
from bot.store.sessions import insert_session
from bot.store.surveys import Response
from reports.ikm import from_sums
from reports.instrument import UNSUR
from sheets.workbook import SheetRow

from .conftest import TZ
from .test_message_limits import _staff_rt, fits, typed

runner = CliRunner()
STAFF_GROUP = -100900
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=TZ)  # a Monday in the first quarter


# --- what staff type ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("", "Rencana"),
        ("Rencana", "Rencana"),
        ("  berjalan ", "Berjalan"),
        ("Sedang  berjalan", "Berjalan"),
        ("SELESAI", "Selesai"),
        ("done", "Selesai"),
        ("Beres", None),
        ("Selesai?", None),
    ],
)
def test_status_as_staff_type_it(typed, status):
    assert followup.parse_status(typed) == status


def _cells(**values: str) -> dict[str, str]:
    base = {
        "Program/Kegiatan": "Pengeras suara baru di aula",
        "Penanggung jawab": "Subbag TU",
        "Target": "30/06/2026",
        "Status": "Berjalan",
        "Bukti": "",
        "Publik": "Tidak",
    }
    return base | values


def test_a_good_row_reads_as_staff_meant_it():
    cells = followup.read_cells(_cells(Target="2026-06-30", Bukti="drive.google.com/foto", Publik="ya"))
    assert cells.problem is None
    assert cells.target == date(2026, 6, 30) and cells.status == "Berjalan" and cells.public is True
    assert cells.evidence == "https://drive.google.com/foto"
    assert followup.read_cells(_cells(Target="30/06/2026 00.00")).target == date(2026, 6, 30)  # a date cell
    assert followup.read_cells(_cells(Target="30 Juni 2026")).target == date(2026, 6, 30)
    assert followup.read_cells(_cells(Target="")).target is None


@pytest.mark.parametrize(
    ("cells", "says"),
    [
        ({"Status": "Beres"}, 'Status tidak dikenal: "Beres". Pilih salah satu: Rencana, Berjalan, Selesai'),
        ({"Target": "akhir Juni"}, 'Target tidak dikenali: "akhir Juni"'),
        ({"Target": "31/02/2026"}, 'Target tidak dikenali: "31/02/2026"'),
        ({"Bukti": "foto di lemari"}, "Bukti harus berupa tautan"),
        ({"Publik": "mungkin"}, 'Publik tidak dikenal: "mungkin"'),
        ({"Status": "Selesai", "Program/Kegiatan": " "}, "Isi Program/Kegiatan sebelum menandai Selesai"),
    ],
)
def test_a_bad_cell_is_named_in_one_sentence(cells, says):
    problem = followup.read_cells(_cells(**cells)).problem
    assert problem is not None and says in problem


# --- proposing -----------------------------------------------------------------------------------------------


def _ticket(
    i: int, section: str, *, category: str = "langsung", classification: str | None = None
) -> Aspiration:
    return Aspiration(
        id=i,
        ticket=f"ASP-2026-{i:04d}",
        category=category,
        section=section,
        session_id=None,
        text=f"Isi aspirasi nomor {i}",
        photo_file_id=None,
        sender_name=None,
        status="Baru",
        response="",
        public=False,
        version=0,
        created_at=NOW,
        updated_at=NOW,
        resolved_at=None,
        classification=classification,
    )


def test_related_tickets_are_grouped_by_section_and_unsur_or_classification():
    candidates = [
        Candidate(_ticket(1, "Bimas Islam"), None),  # a Keluhan by default
        Candidate(_ticket(2, "Bimas Islam"), None),
        Candidate(_ticket(3, "PHU"), None),  # alone in its section: no row of its own
        Candidate(_ticket(4, "Bimas Islam", classification="informasi"), None),  # another classification
        Candidate(_ticket(5, "Bimas Islam", category="survei"), "survey:R1:sarana"),
        Candidate(_ticket(6, "Bimas Islam", category="survei"), "survey:R2:sarana"),
        Candidate(_ticket(7, "Bimas Islam", category="survei"), "survey:R2:saran"),  # free text: a Saran
    ]
    proposals, by_topic = followup.group_proposals(candidates, key_prefix="periode:2026-Q1")
    assert {p.topic: p.section for p in proposals} == {
        "kelompok:Bimas Islam:keluhan": "Bimas Islam",
        "unsur:Bimas Islam:sarana": "Bimas Islam",
    }
    sarana = next(p for p in proposals if p.unsur == "sarana")
    assert "Sarana dan Prasarana" in sarana.issue and "2 tiket" in sarana.basis
    assert [a.id for a in by_topic["kelompok:Bimas Islam:keluhan"]] == [1, 2]
    assert [a.id for a in by_topic["kelompok:PHU:keluhan"]] == [3]  # joins an open row on its topic, if any
    # A topic the weakest-unsur proposal already covers gets no second row; its tickets still go with it.
    proposals, by_topic = followup.group_proposals(
        candidates, key_prefix="periode:2026-Q1", taken=["unsur:Bimas Islam:sarana"]
    )
    assert [p.topic for p in proposals] == ["kelompok:Bimas Islam:keluhan"]
    assert [a.id for a in by_topic["unsur:Bimas Islam:sarana"]] == [5, 6]


def _result(nrr: dict[str, tuple[int, int]], respondents: int = 4):
    sums = {key: total for key, (total, _) in nrr.items()}
    counts = {key: n for key, (_, n) in nrr.items()}
    return from_sums(sums, counts, respondents, UNSUR)


def test_the_weakest_unsur_of_each_section_is_proposed():
    scores = {key: (14, 4) for key in UNSUR}  # 3,50 everywhere
    bimas = _result(scores | {"sarana": (9, 4), "waktu": (10, 4)})  # sarana 2,25 is the weakest
    phu = _result(scores | {"biaya": (8, 4)})
    proposals = followup.weakest_proposals(
        {"PHU": phu, "Bimas Islam": bimas}, key_prefix="periode:2026-Q1", scope_label="Triwulan I 2026"
    )
    assert [(p.section, p.unsur, p.topic) for p in proposals] == [
        ("Bimas Islam", "sarana", "unsur:Bimas Islam:sarana"),
        ("PHU", "biaya", "unsur:PHU:biaya"),
    ]
    assert proposals[0].issue == "Unsur terlemah: Sarana dan Prasarana"
    assert proposals[0].basis == "NRR 2,25 (D) dari 4 responden, Triwulan I 2026"
    assert bimas.unsur["sarana"].nrr == Fraction(9, 4)


def test_periods_of_the_plan():
    q = followup.period_of(date(2026, 5, 17), "quarter")
    assert (q.code, q.start, q.end, set(q.quarters)) == (
        "2026-Q2",
        date(2026, 4, 1),
        date(2026, 7, 1),
        {20262},
    )
    h = followup.period_of(date(2026, 12, 31), "semester")
    assert (h.code, h.start, h.end, set(h.quarters)) == (
        "2026-S2",
        date(2026, 7, 1),
        date(2027, 1, 1),
        {20263, 20264},
    )
    y = followup.period_of(date(2026, 1, 1), "year")
    assert (y.code, len(y.quarters)) == ("2026", 4)
    assert [followup.period_label(c) for c in ("2026-Q3", "2026-S1", "2026")] == [
        "Triwulan III 2026",
        "Semester I 2026",
        "Tahun 2026",
    ]


# --- with a store ------------------------------------------------------------------------------------------------


@pytest.fixture
async def rt(tmp_path, migrated_database_url):
    settings = sandbox_settings(tmp_path, staff_chat_id=STAFF_GROUP, database_url=migrated_database_url)
    store = await Store.open(settings.database_url)
    runtime = Runtime(settings, store, FakeClock(NOW))
    await followup.watch_sessions(runtime)  # as the bot's first sweep: the session watch starts now
    yield runtime
    await store.close()


async def _session(rt: Runtime, section: str = "Bimas Islam", when: datetime = NOW) -> int:
    async with rt.store.begin() as conn:
        row = await insert_session(
            conn,
            {
                "title": "Dialog Kerukunan",
                "section": section,
                "starts_at": when - timedelta(hours=2),
                "ends_at": when - timedelta(hours=1),
                "survey_closes_at": when + timedelta(days=7),
                "source": "test",
            },
            when,
        )
    return row.id


async def _answer(
    rt: Runtime, session_id: int, n: int, *, score: int, sarana: int, followup_text: str = ""
) -> None:
    defn = definition_for(rt)
    answers = {
        q.key: q.options[(sarana if q.key == "sarana" else score) - 1].value
        for q in defn.questions
        if q.kind == "ikm"
    }
    response = Response(
        f"R{session_id}-{n}",
        session_id,
        f"p{n}",
        defn.id,
        defn.version,
        "telegram",
        answers,
        {"sarana": followup_text} if followup_text else {},
        None,
        rt.clock.now(),
        None,
    )
    async with rt.store.begin() as conn:
        await store_response(conn, rt, response)


async def _citizen_ticket(rt: Runtime, user: int, text: str, section: str = "Bimas Islam") -> Aspiration:
    async with rt.store.begin() as conn:
        return await create_ticket(
            conn, rt, section=section, text=text, person=person_of(rt, user), chat_id=user, language="id"
        )


async def _queued(rt: Runtime, worksheet: str = TINDAK_LANJUT.name):
    async with rt.store.connect() as conn:
        return [row for row in await sheet_rows.pending(conn) if row.worksheet == worksheet]


async def _messages(rt: Runtime, kind: str) -> list[tuple[int, str]]:
    async with rt.store.connect() as conn:
        rows = await conn.execute(
            select(s.outbox.c.chat_id, s.outbox.c.payload).where(s.outbox.c.kind == kind)
        )
        return [(row.chat_id, row.payload["text"]) for row in rows]


async def test_after_a_quarter_the_weakest_unsur_and_related_tickets_are_proposed_once(rt):
    session = await _session(rt)
    await _answer(rt, session, 1, score=4, sarana=2, followup_text="Kursi kurang")
    await _answer(rt, session, 2, score=3, sarana=2, followup_text="Ruangan panas")
    await _citizen_ticket(rt, 501, "Parkir motor di KUA terlalu sempit.")
    await _citizen_ticket(rt, 502, "Antrean di KUA tidak tertib.")
    assert await followup.after_period(rt) == 0  # the first run only remembers where it starts
    rt.clock.set(datetime(2026, 4, 1, 0, 5, tzinfo=TZ))
    assert await followup.after_period(rt) == 2
    assert await followup.after_period(rt) == 0  # once per period
    async with rt.store.connect() as conn:
        rows = await store_rtl.every(conn)
        linked = {row.code: [a.ticket for a in await store_rtl.tickets_of(conn, row.id)] for row in rows}
    assert [(r.code, r.period, r.section, r.unsur) for r in rows] == [
        ("RTL-2026-001", "2026-Q1", "Bimas Islam", "sarana"),
        ("RTL-2026-002", "2026-Q1", "Bimas Islam", None),
    ]
    assert linked == {
        "RTL-2026-001": ["ASP-2026-0001", "ASP-2026-0002"],  # the two survey follow-ups on sarana
        "RTL-2026-002": ["ASP-2026-0003", "ASP-2026-0004"],  # the two complaints of the section
    }
    sheet = {row.row_key: row.values for row in await _queued(rt)}
    assert sheet["RTL-2026-001"]["Prioritas"] == "Unsur terlemah: Sarana dan Prasarana"
    assert sheet["RTL-2026-001"]["Dasar"] == "NRR 2,00 (D) dari 2 responden, Triwulan I 2026"
    assert sheet["RTL-2026-001"]["Periode"] == "Triwulan I 2026"
    assert sheet["RTL-2026-002"]["Tiket"] == "ASP-2026-0003, ASP-2026-0004"
    assert sheet["RTL-2026-002"]["Status"] == "Rencana" and sheet["RTL-2026-002"]["Publik"] == "Tidak"
    # A new ticket on an open row's topic joins that row (its Tiket cell is updated), never a second row.
    await _citizen_ticket(rt, 503, "Toilet KUA kotor.")
    rt.clock.set(datetime(2026, 7, 1, 0, 5, tzinfo=TZ))
    await followup.propose_for_period(rt, followup.period_of(date(2026, 4, 2), "quarter"))
    async with rt.store.connect() as conn:
        assert len(await store_rtl.every(conn)) == 2
        assert [a.ticket for a in await store_rtl.tickets_of(conn, 2)][-1] == "ASP-2026-0005"
    # Proposed on 1 April from the first quarter's results: they belong to that quarter's report.
    assert len(await reporting.plan_for(rt, reporting.Scope(period="2026-Q1"))) == 2
    assert len(await reporting.plan_for(rt, reporting.Scope(period="2025"))) == 0


async def _close_surveys(rt: Runtime) -> int:
    """The surveys of `_session` close a week after; the sweep then judges each session's final IKM."""
    rt.clock.advance(timedelta(days=8))
    return await followup.watch_sessions(rt)


async def test_a_session_whose_survey_closes_below_b_gets_its_weakest_unsur_proposed(rt):
    assert await followup.watch_sessions(rt) == 0  # the first run only remembers where it starts
    good = await _session(rt, section="PHU")
    await _answer(rt, good, 1, score=4, sarana=4)
    low = await _session(rt)
    await _answer(rt, low, 1, score=2, sarana=1)
    assert await followup.watch_sessions(rt) == 0  # the survey is still open: its IKM is not final
    assert await _close_surveys(rt) == 1
    async with rt.store.connect() as conn:
        [row] = await store_rtl.every(conn)
    assert (row.section, row.unsur, row.session_id, row.period) == ("Bimas Islam", "sarana", low, "2026-Q1")
    assert f"sesi #{low} Dialog Kerukunan (IKM 47,22, D)" in row.basis
    rt.clock.advance(timedelta(days=1))
    assert await followup.watch_sessions(rt) == 0  # once per session


async def _staff_set(rt: Runtime, code: str, row_number: int = 2, **values: str):
    return await followup.apply_sheet_rows(rt, [SheetRow(row_number, {"ID": code} | _cells(**values))])


async def test_selesai_tells_each_reachable_citizen_once_whatever_staff_do_next(rt):
    session = await _session(rt)
    await _answer(rt, session, 1, score=2, sarana=1)
    await _citizen_ticket(rt, 501, "Parkir motor di KUA terlalu sempit.")
    await _citizen_ticket(rt, 502, "Antrean di KUA tidak tertib.")
    await _close_surveys(rt)
    code = "RTL-2026-002"  # the two complaints (the weakest unsur is RTL-2026-001)
    result = await _staff_set(rt, code, Status="Berjalan")
    assert result.told == 0 and not result.problems
    result = await _staff_set(rt, code, Status="Selesai", Bukti="https://kemenag.go.id/foto-parkir")
    assert result.told == 2
    [update] = result.updates
    assert update.header == "Status Bot" and update.value.startswith(
        "Selesai; warga di balik tiketnya diberi tahu"
    )
    for status in ("Berjalan", "Selesai", "selesai"):  # set back and forth, read again and again
        assert (await _staff_set(rt, code, Status=status)).told == 0
    told = await _messages(rt, "rtl_done")
    assert sorted(chat for chat, _ in told) == [501, 502]
    text = dict(told)[501]
    assert "Tindak lanjut atas aspirasi Anda (ASP-2026-0001)" in text and "Parkir motor" in text
    assert "Pengeras suara baru di aula" in text and "https://kemenag.go.id/foto-parkir" in text


async def test_one_bad_row_gets_a_note_and_the_others_are_applied(rt):
    session = await _session(rt)
    await _answer(rt, session, 1, score=2, sarana=1)
    await _citizen_ticket(rt, 501, "Parkir motor di KUA terlalu sempit.")
    await _citizen_ticket(rt, 502, "Antrean di KUA tidak tertib.")
    await _close_surveys(rt)
    rows = [
        SheetRow(2, {"ID": "RTL-2026-001"} | _cells(Target="besok")),
        SheetRow(3, {"ID": "RTL-2026-002"} | _cells(Status="Selesai")),
        SheetRow(4, {"ID": "RTL-2026-999"} | _cells()),
    ]
    result = await followup.apply_sheet_rows(rt, rows)
    notes = {u.row_number: u.value for u in result.updates}
    assert notes[2] == 'Target tidak dikenali: "besok". Tulis tanggal seperti 30/06/2026'
    assert notes[4] == "ID tindak lanjut tidak dikenal; baris ini tidak dibaca bot"
    assert result.told == 2 and len(result.problems) == 2
    async with rt.store.connect() as conn:
        first = await store_rtl.by_code(conn, "RTL-2026-001")
    assert first is not None and first.program == "" and first.target is None  # not applied at all


async def test_the_staff_group_is_reminded_a_week_before_a_target_once(rt):
    session = await _session(rt)
    await _answer(rt, session, 1, score=2, sarana=1)
    await _close_surveys(rt)
    await _staff_set(rt, "RTL-2026-001", Target="14/04/2026")  # two weeks ahead (it is 31 March)
    assert await followup.remind_targets(rt) == 0
    rt.clock.set(datetime(2026, 4, 7, 8, 30, tzinfo=TZ))  # a week before
    assert await followup.remind_targets(rt) == 1
    rt.clock.advance(timedelta(hours=3))
    assert await followup.remind_targets(rt) == 0  # once
    [(chat, text)] = await _messages(rt, "rtl_reminder")
    assert chat == STAFF_GROUP and "RTL-2026-001" in text and "Selasa, 14 April 2026" in text
    await _staff_set(rt, "RTL-2026-001", Target="10/04/2026")  # a new target is a new reminder
    assert await followup.remind_targets(rt) == 1
    await _staff_set(rt, "RTL-2026-001", Target="10/04/2026", Status="Selesai")
    rt.clock.set(datetime(2026, 4, 20, 9, 0, tzinfo=TZ))
    assert await followup.overdue(rt) == []  # done: never overdue
    await _staff_set(rt, "RTL-2026-001", Target="10/04/2026", Status="Berjalan")
    [late] = await followup.overdue(rt)
    assert late.code == "RTL-2026-001"
    assert "Tindak lanjut lewat target</b>: 1" in await followup.status_text(rt, "id")
    check = await plan_check(rt)  # ngopas doctor
    assert check.status == "warn" and "1 baris lewat target: RTL-2026-001" in check.message
    assert "lembar Tindak Lanjut" in check.fix


async def test_rows_marked_public_go_into_the_monthly_post_with_what_was_done(rt):
    session = await _session(rt)
    await _answer(rt, session, 1, score=2, sarana=1)
    await _close_surveys(rt)
    await _staff_set(rt, "RTL-2026-001", Status="Selesai", Publik="Ya", Bukti="https://kemenag.go.id/aula")
    post = await community.render(rt, community.Month(2026, 3), "id")
    assert post is not None
    assert "Rencana tindak lanjut yang sudah kami jalankan" in post
    assert "Unsur terlemah: Sarana dan Prasarana" in post and "Pengeras suara baru di aula" in post
    assert "https://kemenag.go.id/aula" in post
    await _staff_set(rt, "RTL-2026-001", Status="Selesai", Publik="Tidak")
    assert "Pengeras suara" not in (await community.render(rt, community.Month(2026, 3), "id") or "")


async def test_the_report_prints_the_stored_plan(rt):
    session = await _session(rt)
    await _answer(rt, session, 1, score=2, sarana=1)
    await _close_surveys(rt)
    await _staff_set(rt, "RTL-2026-001", Status="Berjalan")
    built = await reporting.report_for(rt, reporting.Scope(period="2026-Q1"))
    [row] = built.report.rtl
    assert row.issue == "Unsur terlemah: Sarana dan Prasarana (Bimas Islam)"
    assert (row.program, row.responsible, row.target, row.status) == (
        "Pengeras suara baru di aula",
        "Subbag TU",
        date(2026, 6, 30),
        "Berjalan",
    )
    assert (
        await reporting.plan_for(rt, reporting.Scope(period="2026-Q1", section="PHU")) == []
    )  # not its section
    assert await reporting.plan_for(rt, reporting.Scope(period="2025-Q4")) == []  # proposed after that period
    assert len(await reporting.plan_for(rt, reporting.Scope(period="2026-Q2"))) == 1  # still open: carried on


# --- what is sent fits one Telegram message --------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    program=typed,
    text=typed,
    evidence=st.sampled_from(["", "https://kemenag.go.id/" + "a" * 470]),
    lang=st.sampled_from(["id", "en"]),
    count=st.integers(min_value=1, max_value=40),
)
def test_the_citizen_message_and_the_staff_reminder_fit(program, text, evidence, lang, count):
    """Staff may write a whole report in Program/Kegiatan; a citizen's ticket is up to 2,000 characters."""
    rt = _staff_rt(lang)
    row = store_rtl.Rtl(
        id=1,
        code="RTL-2026-001",
        source_key="k",
        topic="t",
        period="2026-Q1",
        session_id=None,
        section="Bimas Islam",
        unsur=None,
        issue=text or "x",
        basis="",
        program=program or "x",
        responsible=text[:200],
        target=date(2026, 6, 30),
        status="Berjalan",
        evidence=evidence,
        public=False,
        created_at=NOW,
        updated_at=NOW,
        done_at=None,
        told_at=None,
        reminded_target=None,
    )
    message = followup.done_text(rt, row, replace(_ticket(1, "Bimas Islam"), text=text or "x"), lang)
    assert fits(message) and "ASP-2026-0001" in message
    items = [followup._staff_item(row, lang) for _ in range(count)]
    reminder = texts.fit_list(lambda joined: t("rtl.staff_reminder", lang, count=count, items=joined), items)
    assert fits(reminder) and "RTL-2026-001" in reminder


# --- staff without the sheet: ngopas rtl -------------------------------------------------------------------------


def test_staff_without_the_sheet_list_complete_and_propose_on_the_command_line(tmp_path):
    settings = sandbox_settings(tmp_path, staff_chat_id=STAFF_GROUP)

    async def prepare() -> None:
        store = await Store.open(settings.database_url)
        runtime = Runtime(settings, store, FakeClock(NOW))
        await followup.watch_sessions(runtime)
        session = await _session(runtime)
        await _answer(runtime, session, 1, score=2, sarana=1)
        await _citizen_ticket(runtime, 501, "Parkir motor di KUA terlalu sempit.")
        await _citizen_ticket(runtime, 502, "Antrean di KUA tidak tertib.")
        await _close_surveys(runtime)
        await store.close()

    async def sheet_updates() -> list[dict]:
        store = await Store.open(settings.database_url)
        async with store.connect() as conn:
            rows = [r.values for r in await sheet_rows.pending(conn) if r.op == "update"]
        await store.close()
        return rows

    asyncio.run(prepare())
    env = tmp_path / "settings.env"
    env.write_text(
        f"NGOPAS_DATABASE_URL={settings.database_url}\nNGOPAS_WORKBOOK_PATH={tmp_path / 'wb.xlsx'}\n"
    )

    def ngopas(*args: str):
        return runner.invoke(app, ["rtl", *args, "--env-file", str(env)])

    listed = ngopas("list")
    assert listed.exit_code == 0, listed.output
    assert "RTL-2026-001 · Bimas Islam · Rencana" in listed.output
    assert "Tiket: ASP-2026-0001, ASP-2026-0002" in listed.output
    refused = ngopas("set", "RTL-2026-001", "--status", "Selesai")
    assert refused.exit_code == 2 and "Isi Program/Kegiatan sebelum menandai Selesai" in refused.output
    assert ngopas("set", "RTL-2026-009", "--status", "Berjalan").exit_code == 1
    assert ngopas("set", "rtl-2026-002", "--target", "besok").exit_code == 2
    done = ngopas(
        "set", "rtl-2026-002", "--status", "Selesai", "--program", "Parkir diperluas", "--publik", "ya"
    )
    assert done.exit_code == 0 and "2 warga akan diberi tahu" in done.output
    again = ngopas("set", "RTL-2026-002", "--status", "Selesai")
    assert again.exit_code == 0 and "warga akan" not in again.output  # told once, ever
    [update, *_] = [
        u for u in asyncio.run(sheet_updates()) if u.get("Program/Kegiatan") == "Parkir diperluas"
    ]
    assert update["Status"] == "Selesai" and update["Publik"] == "Ya"  # the sheet will show what was set
    assert "RTL-2026-002" not in ngopas("list").output
    assert "RTL-2026-002 · Bimas Islam · Selesai" in ngopas("list", "--semua").output
    assert ngopas("propose", "--period", "2026-Q5").exit_code == 2
    proposed = ngopas("propose", "--period", "2026-Q1")
    assert proposed.exit_code == 0 and "baris baru diusulkan" in proposed.output
