"""Deadlines of one ticket, without a bot: classification typed by staff, both dates per classification,
which notices are due on which day, and what the citizen reads in /aspirasiku."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.base.clock import FakeClock
from bot.base.settings import load_settings
from bot.domain import deadlines
from bot.store.aspirations import Aspiration

from .conftest import TZ

RECEIVED = datetime(2026, 5, 22, 15, 0, tzinfo=TZ)  # Friday before Idul Adha week


def _rt(now: datetime = RECEIVED) -> SimpleNamespace:
    return SimpleNamespace(
        settings=load_settings(None, cuti_bersama="2026-05-28", staff_chat_id=-100),
        clock=FakeClock(now),
        tz=TZ,
    )


def _ticket(**changes: object) -> Aspiration:
    values: dict[str, object] = {
        "id": 1,
        "ticket": "ASP-2026-0001",
        "category": "langsung",
        "section": "PHU",
        "session_id": None,
        "text": "Kapan manasik dimulai?",
        "photo_file_id": None,
        "sender_name": None,
        "status": "Baru",
        "response": "",
        "public": False,
        "version": 0,
        "created_at": RECEIVED,
        "updated_at": RECEIVED,
        "resolved_at": None,
    }
    values.update(changes)
    return Aspiration(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("Informasi", "informasi"),
        ("  keluhan ", "keluhan"),
        ("SARAN", "saran"),
        ("Sengketa", "sengketa"),
        ("pengaduan", "sengketa"),
        ("Pengaduan perlu peninjauan lapangan", "lapangan"),
        ("pengaduan yang perlu  peninjauan lapangan", "lapangan"),
        ("Permintaan informasi", "informasi"),
        ("", ""),
        ("segera!", None),
    ],
)
def test_classification_as_staff_type_it(typed, parsed):
    assert deadlines.parse_classification(typed) == parsed


@pytest.mark.parametrize(
    ("classification", "followup"),
    [
        # From Friday 22 May: 25, 26, (27 Idul Adha, 28 cuti bersama), 29, (1 June Pancasila), 2, 3 ...
        ("informasi", date(2026, 6, 3)),
        ("keluhan", date(2026, 6, 3)),
        ("saran", date(2026, 6, 3)),
        ("sengketa", date(2026, 6, 17)),  # 14: over Islamic New Year (16 June)
        ("lapangan", date(2026, 8, 21)),  # 60: and over Independence Day (17 August)
        (None, date(2026, 6, 3)),  # a ticket from before revision 0010, written with /aspirasi
    ],
)
def test_both_deadlines_per_classification(classification, followup):
    due = deadlines.deadlines_of(_rt(), _ticket(classification=classification))
    assert due.response == date(2026, 5, 29)
    assert due.followup == followup


def test_a_survey_suggestion_is_a_saran_until_staff_say_otherwise():
    assert deadlines.classification_of(_ticket(category="survei")) == "saran"
    assert deadlines.classification_of(_ticket(category="survei", classification="keluhan")) == "keluhan"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 5, 25), []),
        # Due Friday 29; Thursday is cuti bersama and Wednesday Idul Adha: the working day before is Tuesday.
        (date(2026, 5, 26), [("tanggapan", False)]),
        (date(2026, 5, 29), [("tanggapan", False)]),  # a bot down since then still reminds on the day
        (date(2026, 5, 30), [("tanggapan", True)]),
        (date(2026, 6, 2), [("tanggapan", True), ("tindaklanjut", False)]),
        (date(2026, 6, 4), [("tanggapan", True), ("tindaklanjut", True)]),
    ],
)
def test_which_notices_are_due_on_a_day(today, expected):
    found = deadlines.notices_due(_rt(), [_ticket()], today)
    assert [(n.stage, n.passed) for n in found] == expected


def test_an_answered_stage_is_never_announced():
    answered = _ticket(first_response_at=RECEIVED + timedelta(days=1))
    closed = replace(answered, status="Selesai", resolved_at=RECEIVED + timedelta(days=2))
    assert [n.stage for n in deadlines.notices_due(_rt(), [answered], date(2026, 6, 4))] == ["tindaklanjut"]
    assert deadlines.notices_due(_rt(), [closed], date(2026, 6, 4)) == []


def test_the_citizen_reads_the_deadline_and_plainly_when_it_passed():
    before = deadlines.citizen_note(_rt(datetime(2026, 5, 29, 16, 0, tzinfo=TZ)), _ticket(), "id")
    assert "⏳ Batas tanggapan pertama: Jumat, 29 Mei 2026" in before and "maaf" not in before
    after = deadlines.citizen_note(_rt(datetime(2026, 5, 30, 0, 1, tzinfo=TZ)), _ticket(), "id")
    assert "Batas tanggapan pertama (Jumat, 29 Mei 2026) sudah terlewati" in after
    assert "Mohon maaf" in after and "⏳ Batas tindak lanjut: Rabu, 3 Juni 2026" in after
    english = deadlines.citizen_note(_rt(datetime(2026, 5, 30, tzinfo=TZ)), _ticket(), "en")
    assert "The first response deadline (Friday, 29 May 2026) has passed." in english
    assert "Deadline for the follow-up: Wednesday, 3 June 2026" in english
    assert deadlines.citizen_note(_rt(), _ticket(status="Selesai"), "id") == ""
