"""Working days against the real 2026 calendar: weekends, national holidays (from the `holidays` package)
and the office's cuti bersama (from NGOPAS_CUTI_BERSAMA)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.base.settings import SettingsError, load_settings
from bot.domain.working_days import WorkingCalendar

# Cuti bersama 2026 as an office would set it (around Nyepi and Idul Fitri).
JOINT_LEAVE = "2026-03-18,2026-03-20,2026-03-23,2026-03-24"


@pytest.fixture(scope="module")
def office() -> WorkingCalendar:
    return WorkingCalendar(load_settings(None, cuti_bersama=JOINT_LEAVE).cuti_bersama)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (date(2026, 1, 12), 3, date(2026, 1, 15)),  # Monday, an ordinary week
        (date(2026, 1, 14), 3, date(2026, 1, 20)),  # Friday 16 January is Isra Mikraj
        (date(2026, 1, 30), 3, date(2026, 2, 4)),  # Friday: the weekend does not count
        (date(2026, 1, 31), 3, date(2026, 2, 4)),  # Saturday: the clock starts on Monday
        (date(2026, 3, 17), 3, date(2026, 3, 27)),  # Nyepi 19, Idul Fitri 21-22, cuti bersama 18, 20, 23, 24
        (date(2026, 3, 16), 14, date(2026, 4, 13)),  # the same, and Good Friday 3 April
        (date(2026, 5, 8), 5, date(2026, 5, 18)),  # Ascension Thursday 14 May
        (date(2026, 5, 25), 3, date(2026, 5, 29)),  # Idul Adha Wednesday 27 May
        (date(2026, 5, 29), 1, date(2026, 6, 2)),  # the weekend, then Hari Lahir Pancasila Monday 1 June
        (date(2026, 8, 14), 3, date(2026, 8, 20)),  # Independence Day Monday 17 August
        (date(2026, 8, 21), 3, date(2026, 8, 27)),  # Maulid Nabi Tuesday 25 August
        (date(2026, 12, 23), 5, date(2026, 12, 31)),  # Christmas Friday 25 December
        (date(2026, 12, 29), 3, date(2027, 1, 4)),  # New Year's Day 2027 is a Friday
        (date(2026, 3, 2), 60, date(2026, 6, 8)),  # a field check: about three months
        (date(2026, 4, 7), 0, date(2026, 4, 7)),
    ],
)
def test_deadline_in_working_days(office, received, days, due):
    assert office.add(received, days) == due
    assert office.between(received, due) == days


def test_joint_leave_days_only_count_when_set():
    """Without the office's cuti bersama, 18, 20, 23 and 24 March are ordinary working days."""
    assert WorkingCalendar().add(date(2026, 3, 17), 3) == date(2026, 3, 23)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 3, 19), "Hari Suci Nyepi"),
        (date(2026, 3, 23), "Cuti bersama"),
        (date(2026, 3, 21), "Sabtu"),
        (date(2026, 3, 22), "Minggu"),
        (date(2026, 8, 17), "Hari Kemerdekaan Republik Indonesia"),
        (date(2026, 5, 27), "Hari Raya Idul Adha"),
        (date(2026, 3, 25), None),
    ],
)
def test_why_the_office_is_closed(office, day, reason):
    assert office.closed_because(day) == reason
    assert office.is_working_day(day) == (reason is None)


@pytest.mark.parametrize(
    ("deadline", "reminder"),
    [
        (date(2026, 3, 27), date(2026, 3, 26)),
        (date(2026, 3, 25), date(2026, 3, 17)),  # back over the whole Lebaran break
        (date(2026, 6, 2), date(2026, 5, 29)),  # over the weekend and Hari Lahir Pancasila
        (date(2026, 1, 19), date(2026, 1, 15)),  # over the weekend and Isra Mikraj
    ],
)
def test_the_working_day_before(office, deadline, reminder):
    assert office.previous(deadline) == reminder


def test_negative_days_refused(office):
    with pytest.raises(ValueError, match="zero or more"):
        office.add(date(2026, 1, 5), -1)


@pytest.mark.parametrize("value", ["2026-02-30", "besok", "2026-03-18;kemarin"])
def test_a_joint_leave_day_that_is_not_a_date_is_one_sentence(value):
    with pytest.raises(SettingsError, match="NGOPAS_CUTI_BERSAMA.*tanggal seperti 2026-03-18"):
        load_settings(None, cuti_bersama=value)


def test_joint_leave_dates_in_office_notation():
    settings = load_settings(None, cuti_bersama="18/03/2026; 2026-03-20\n23-03-2026")
    assert settings.cuti_bersama == [date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23)]
