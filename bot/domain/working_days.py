"""Working days as the office counts them: no weekends, no national holidays, no cuti bersama.

Complaint deadlines (SP4N-LAPOR!: first response in 3 working days, follow-up in 5, 14 or 60) are counted
in working days.  The national holidays come from the `holidays` package (Indonesia, including the Islamic
holidays it estimates from the calendar); the joint leave days (cuti bersama) are set each year by a joint
ministerial decree, so the office lists them in `NGOPAS_CUTI_BERSAMA`.

Pure: dates in, dates out; the caller turns a received time into its local date.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import holidays
from holidays.registry import IMPORT_LOCK

# Far enough for any deadline (60 working days is about three months) and still a few years of counting.
_MAX_STEPS = 3660


_INDONESIA = "holidays.countries.indonesia"


def indonesia() -> type[holidays.HolidayBase]:
    """Indonesia's holidays (the class `holidays.country_holidays("ID")` makes), loaded from its own module.

    The package offers every country lazily by name (`holidays.ID`), but the first one asked for imports
    `holidays.countries`, whose __init__ imports all 279 countries: 8 MB of the running bot's memory for good
    (bench.footprint), from the first aspiration's deadline on.  Its module is loaded here under its own name,
    without that package; a later `holidays.countries` import (another country, in a test) runs the package
    as usual and finds this module already loaded, so both name the same class.
    """
    with IMPORT_LOCK:  # the lock the package's own lazy loader takes
        module = sys.modules.get(_INDONESIA)
        if module is None:
            spec = importlib.util.spec_from_file_location(
                _INDONESIA, Path(holidays.__file__).with_name("countries") / "indonesia.py"
            )
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[_INDONESIA] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[_INDONESIA]
                raise
    return module.ID  # type: ignore[no-any-return]  # the class holidays.ID names (a subclass of Indonesia)


class WorkingCalendar:
    """Which days the office works, and counting working days forward and back."""

    def __init__(self, joint_leave: Iterable[date] = ()) -> None:
        # as holidays.country_holidays("ID", language="id") makes it; years filled in as asked
        self._national = indonesia()(language="id")
        self._joint_leave = frozenset(joint_leave)

    def closed_because(self, day: date) -> str | None:
        """Why the office is closed on `day` ("Sabtu"/"Minggu", the holiday's name, "Cuti bersama"), or None."""
        if day.weekday() == 5:
            return "Sabtu"
        if day.weekday() == 6:
            return "Minggu"
        name = self._national.get(day)
        if name:
            return str(name)
        if day in self._joint_leave:
            return "Cuti bersama"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.closed_because(day) is None

    def add(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself is not counted, whatever it is).

        A ticket received on Friday with 3 working days is due on Wednesday; received on Saturday, it is
        due on Wednesday too: the clock starts on the first working day after it arrived.
        """
        if days < 0:
            raise ValueError("days must be zero or more")
        day = start
        left = days
        for _ in range(_MAX_STEPS):
            if left == 0:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        raise ValueError("no working day found within ten years")

    def previous(self, day: date) -> date:
        """The last working day before `day` (the day a reminder goes out)."""
        for _ in range(_MAX_STEPS):
            day -= timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day found within ten years")

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
