"""What staff type for dates, links and sections."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.base.i18n import format_when
from bot.domain.parsing import ParseError, match_section, parse_optional_url, parse_when

TZ = ZoneInfo("Asia/Jakarta")
SECTIONS = ["TU/Kerukunan Umat Beragama", "Bimas Islam", "PHU", "Pendidikan Islam"]


@pytest.mark.parametrize(
    "text",
    [
        "23/03/2026 09.00",
        "23-03-2026 09:00",
        "2026-03-23 09.00",
        "Senin, 23 Maret 2026 pukul 09.00 WIB",
        "23/03/26 9.00",
    ],
)
def test_dates_staff_write(text):
    start, end = parse_when(text, TZ)
    assert start == datetime(2026, 3, 23, 9, 0, tzinfo=TZ)
    assert (end - start).total_seconds() == 7200


def test_range_sets_end():
    start, end = parse_when("23/03/2026 09.00-11.30", TZ)
    assert end == datetime(2026, 3, 23, 11, 30, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2026 09.00", "Tanggal tidak dikenali: 31/02/2026"),
        ("besok pagi", "Tanggal tidak dikenali: besok pagi"),
        ("23/03/2026 25.00", "Jam tidak dikenali: 25.00"),
        ("23/03/2026 11.00-09.00", "Jam selesai harus setelah jam mulai"),
        # past the range of dates a reminder or a survey window can be computed for
        ("31/12/9999 09.00", "Tanggal di luar jangkauan: 31/12/9999 (tahun 2000–2100)"),
        ("01/01/0001 09.00", "Tanggal di luar jangkauan: 01/01/0001"),
    ],
)
def test_bad_dates_explained(text, message):
    with pytest.raises(ParseError) as info:
        parse_when(text, TZ)
    assert message in str(info.value)


def test_office_date_format():
    moment = datetime(2022, 3, 23, 9, 0, tzinfo=TZ)
    assert format_when(moment, "id", TZ) == "Rabu, 23 Maret 2022 pukul 09.00 WIB"
    assert format_when(moment, "en", TZ) == "Wednesday, 23 March 2022 at 09:00 WIB"


def test_urls():
    assert parse_optional_url("-") is None
    assert parse_optional_url("zoom.us/j/1") == "https://zoom.us/j/1"
    with pytest.raises(ParseError):
        parse_optional_url("javascript:alert(1)")
    with pytest.raises(ParseError):
        parse_optional_url("bukan tautan")


def test_sections_matched_loosely():
    assert match_section("bimas islam", SECTIONS) == "Bimas Islam"
    assert match_section("KUB", SECTIONS) == "TU/Kerukunan Umat Beragama"
    assert match_section("phu", SECTIONS) == "PHU"
    assert match_section("Pariwisata", SECTIONS) is None
