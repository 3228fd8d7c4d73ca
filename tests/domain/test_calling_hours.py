"""Calling hours in the callee's local time: schedules, the cap, DST, zones, holidays.

Every expected result below was worked out by hand from the local wall-clock time the
UTC instant falls on (offsets noted per row), not computed by the code under test.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from callcenter.domain.calling_hours import (
    DEFAULT_SCHEDULE,
    PLATFORM_CAP,
    HoursDecision,
    Schedule,
    _holiday_year,
    check_calling_hours,
    effective_schedule,
    parse_schedule,
    schedule_to_json,
)
from callcenter.domain.phone import InvalidNumber, callee_timezones, normalize_number

NEW_YORK = "+12125550100"
IDAHO = "+12085550100"  # America/Boise (Mountain) and America/Los_Angeles (Pacific)
TOLL_FREE = "+18005550100"  # NANP toll-free: 40+ zones
FREEPHONE = "+80012345678"  # international freephone: no zone at all ("Etc/Unknown")
SHANGHAI = "+862112345678"  # Asia/Shanghai, UTC+8 all year

BOISE_LA = ("America/Boise", "America/Los_Angeles")
NY = ("America/New_York",)
SH = ("Asia/Shanghai",)
BERLIN = ("Europe/Berlin",)

OUT = ("outside_calling_hours",)
HOLIDAY = ("public_holiday",)
BOTH = ("outside_calling_hours", "public_holiday")

WEEKDAYS = parse_schedule(
    {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
)
# Monday differs from the other weekdays, to show make-up days use Monday's intervals.
MONDAY_AFTERNOON = parse_schedule(
    {"mon": [["13:00", "17:00"]], **{d: [["09:00", "18:00"]] for d in ("tue", "wed", "thu", "fri")}}
)
ALL_DAY = parse_schedule({day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
# A tenant asking for more than the platform allows; the cap clips it to 08:00-21:00.
WIDE = effective_schedule(
    parse_schedule(
        {d: [["06:00", "23:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
)
ON = {"no_calls_on_holidays": True}


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def case(name, number, at, allowed, reasons, zones, schedule=DEFAULT_SCHEDULE, **options):
    """One row; the tenant sits in Berlin unless `tenant_timezone` says otherwise."""
    options.setdefault("tenant_timezone", "Europe/Berlin")
    return pytest.param(number, at, schedule, options, allowed, reasons, zones, id=name)


CASES = [
    # New York, day before DST starts (Sat 2026-03-07, EST = UTC-5).
    case("ny-0307-0859-est", NEW_YORK, utc(2026, 3, 7, 13, 59), False, OUT, NY),
    case("ny-0307-0900-est", NEW_YORK, utc(2026, 3, 7, 14, 0), True, (), NY),
    # DST starts Sun 2026-03-08 at 02:00; 09:00 that day is EDT = UTC-4.
    case("ny-0308-0859-edt", NEW_YORK, utc(2026, 3, 8, 12, 59), False, OUT, NY),
    case("ny-0308-0900-edt", NEW_YORK, utc(2026, 3, 8, 13, 0), True, (), NY),
    case("ny-0308-1759-edt", NEW_YORK, utc(2026, 3, 8, 21, 59), True, (), NY),
    case("ny-0308-1800-edt", NEW_YORK, utc(2026, 3, 8, 22, 0), False, OUT, NY),
    # 22:30Z on 03-08 is 18:30 EDT (refused) though it would be 17:30 EST.
    case("ny-0308-1830-edt", NEW_YORK, utc(2026, 3, 8, 22, 30), False, OUT, NY),
    case("ny-0309-0859-edt", NEW_YORK, utc(2026, 3, 9, 12, 59), False, OUT, NY),
    case("ny-0309-0900-edt", NEW_YORK, utc(2026, 3, 9, 13, 0), True, (), NY),
    case("ny-0309-1759-edt", NEW_YORK, utc(2026, 3, 9, 21, 59), True, (), NY),
    case("ny-0309-1800-edt", NEW_YORK, utc(2026, 3, 9, 22, 0), False, OUT, NY),
    # Day before DST ends (Sat 2026-10-31, EDT = UTC-4).
    case("ny-1031-0900-edt", NEW_YORK, utc(2026, 10, 31, 13, 0), True, (), NY),
    case("ny-1031-1800-edt", NEW_YORK, utc(2026, 10, 31, 22, 0), False, OUT, NY),
    # DST ends Sun 2026-11-01 at 02:00; 09:00 that day is EST = UTC-5.
    case("ny-1101-0800-est", NEW_YORK, utc(2026, 11, 1, 13, 0), False, OUT, NY),
    case("ny-1101-0859-est", NEW_YORK, utc(2026, 11, 1, 13, 59), False, OUT, NY),
    case("ny-1101-0900-est", NEW_YORK, utc(2026, 11, 1, 14, 0), True, (), NY),
    case("ny-1101-1759-est", NEW_YORK, utc(2026, 11, 1, 22, 59), True, (), NY),
    case("ny-1101-1800-est", NEW_YORK, utc(2026, 11, 1, 23, 0), False, OUT, NY),
    case("ny-1102-0859-est", NEW_YORK, utc(2026, 11, 2, 13, 59), False, OUT, NY),
    case("ny-1102-0900-est", NEW_YORK, utc(2026, 11, 2, 14, 0), True, (), NY),
    case("ny-1102-1759-est", NEW_YORK, utc(2026, 11, 2, 22, 59), True, (), NY),
    case("ny-1102-1800-est", NEW_YORK, utc(2026, 11, 2, 23, 0), False, OUT, NY),
    # Idaho, Mon 2026-06-15: Boise MDT = UTC-6, Los Angeles PDT = UTC-7.
    case("idaho-boise-0930-la-0830", IDAHO, utc(2026, 6, 15, 15, 30), False, OUT, BOISE_LA),
    case("idaho-boise-1000-la-0900", IDAHO, utc(2026, 6, 15, 16, 0), True, (), BOISE_LA),
    case("idaho-boise-1759-la-1659", IDAHO, utc(2026, 6, 15, 23, 59), True, (), BOISE_LA),
    case("idaho-boise-1800-la-1700", IDAHO, utc(2026, 6, 16, 0, 0), False, OUT, BOISE_LA),
    # Over max_zones: the tenant's zone (New York, 13:00Z = 09:00 EDT) decides.
    case(
        "idaho-max1-tenant-0900",
        IDAHO,
        utc(2026, 6, 15, 13, 0),
        True,
        (),
        NY,
        max_zones=1,
        tenant_timezone="America/New_York",
    ),
    # Toll-free: too many zones, so the tenant's Berlin (CEST = UTC+2) decides.
    case("tollfree-berlin-0900", TOLL_FREE, utc(2026, 6, 15, 7, 0), True, (), BERLIN),
    case("tollfree-berlin-1800", TOLL_FREE, utc(2026, 6, 15, 16, 0), False, OUT, BERLIN),
    case(
        "tollfree-refuse",
        TOLL_FREE,
        utc(2026, 6, 15, 7, 0),
        False,
        OUT,
        (),
        unknown_zone_policy="refuse",
    ),
    case("freephone-berlin-0900", FREEPHONE, utc(2026, 6, 15, 7, 0), True, (), BERLIN),
    case(
        "freephone-refuse",
        FREEPHONE,
        utc(2026, 6, 15, 7, 0),
        False,
        OUT,
        (),
        unknown_zone_policy="refuse",
    ),
    # Shanghai, Mon 2026-06-15, CST = UTC+8.
    case("sh-0859", SHANGHAI, utc(2026, 6, 15, 0, 59), False, OUT, SH),
    case("sh-0900", SHANGHAI, utc(2026, 6, 15, 1, 0), True, (), SH),
    case("sh-1759", SHANGHAI, utc(2026, 6, 15, 9, 59), True, (), SH),
    case("sh-1800", SHANGHAI, utc(2026, 6, 15, 10, 0), False, OUT, SH),
    # Tenant asked 06:00-23:00; effective is 08:00-21:00 (New York, EDT = UTC-4).
    case("cap-0730", NEW_YORK, utc(2026, 6, 15, 11, 30), False, OUT, NY, WIDE),
    case("cap-0800", NEW_YORK, utc(2026, 6, 15, 12, 0), True, (), NY, WIDE),
    case("cap-2059", NEW_YORK, utc(2026, 6, 16, 0, 59), True, (), NY, WIDE),
    case("cap-2100", NEW_YORK, utc(2026, 6, 16, 1, 0), False, OUT, NY, WIDE),
    case("cap-2230", NEW_YORK, utc(2026, 6, 16, 2, 30), False, OUT, NY, WIDE),
    # National Day, Thu 2026-10-01 10:00 Shanghai.
    case("cn-national-day-on", SHANGHAI, utc(2026, 10, 1, 2), False, HOLIDAY, SH, WEEKDAYS, **ON),
    case("cn-national-day-off", SHANGHAI, utc(2026, 10, 1, 2), True, (), SH, WEEKDAYS),
    # Fri 2026-02-20 is a day off in exchange for working Sat 2026-02-14.
    case("cn-swapped-day-off", SHANGHAI, utc(2026, 2, 20, 2), False, HOLIDAY, SH, WEEKDAYS, **ON),
    # Holiday on an uncalled Saturday (2026-10-03): both reasons.
    case("cn-holiday-saturday", SHANGHAI, utc(2026, 10, 3, 2), False, BOTH, SH, WEEKDAYS, **ON),
    # The callee's local date counts, not the UTC date (24h weekday schedule):
    # 2026-10-07 17:00Z is Thu 10-08 01:00 in Shanghai, a working day.
    case("cn-local-date-working", SHANGHAI, utc(2026, 10, 7, 17), True, (), SH, ALL_DAY, **ON),
    # 2026-09-30 16:30Z is Thu 10-01 00:30 in Shanghai, National Day.
    case(
        "cn-local-date-holiday",
        SHANGHAI,
        utc(2026, 9, 30, 16, 30),
        False,
        HOLIDAY,
        SH,
        ALL_DAY,
        **ON,
    ),
    # Christmas, Fri 2026-12-25 10:00 EST in New York.
    case("us-christmas-on", NEW_YORK, utc(2026, 12, 25, 15), False, HOLIDAY, NY, **ON),
    case("us-christmas-off", NEW_YORK, utc(2026, 12, 25, 15), True, (), NY),
    # Make-up working Saturday 2026-02-14 (调休): called like a Monday when the option is on.
    case("cn-makeup-sat-1000-on", SHANGHAI, utc(2026, 2, 14, 2), True, (), SH, WEEKDAYS, **ON),
    case("cn-makeup-sat-1000-off", SHANGHAI, utc(2026, 2, 14, 2), False, OUT, SH, WEEKDAYS),
    case("cn-makeup-sat-1800-on", SHANGHAI, utc(2026, 2, 14, 10), False, OUT, SH, WEEKDAYS, **ON),
    case(
        "cn-makeup-monday-1000",
        SHANGHAI,
        utc(2026, 2, 14, 2),
        False,
        OUT,
        SH,
        MONDAY_AFTERNOON,
        **ON,
    ),
    case(
        "cn-makeup-monday-1400", SHANGHAI, utc(2026, 2, 14, 6), True, (), SH, MONDAY_AFTERNOON, **ON
    ),
    # The Sunday after is an ordinary weekend day.
    case("cn-sunday-0215-on", SHANGHAI, utc(2026, 2, 15, 2), False, OUT, SH, WEEKDAYS, **ON),
    # Sat 2001-12-29 was worked for the 2002 New Year: announced with the next year.
    case("cn-makeup-cross-year", SHANGHAI, utc(2001, 12, 29, 2), True, (), SH, WEEKDAYS, **ON),
]


@pytest.mark.parametrize(
    ("number", "at", "schedule", "options", "allowed", "reasons", "zones"), CASES
)
def test_check_calling_hours_table(number, at, schedule, options, allowed, reasons, zones):
    decision = check_calling_hours(number, at, schedule, **options)
    assert decision == HoursDecision(allowed=allowed, reasons=reasons, timezones=zones)


def test_check_accepts_any_aware_datetime_not_only_utc():
    at = datetime(2026, 3, 8, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    decision = check_calling_hours(NEW_YORK, at, DEFAULT_SCHEDULE, tenant_timezone="UTC")
    assert decision.allowed


def test_check_refuses_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        check_calling_hours(
            NEW_YORK, datetime(2026, 6, 15, 12), DEFAULT_SCHEDULE, tenant_timezone="UTC"
        )


def test_check_rejects_unknown_policy_and_unknown_tenant_zone():
    at = utc(2026, 6, 15, 14)
    with pytest.raises(ValueError, match="unknown_zone_policy"):
        check_calling_hours(
            NEW_YORK, at, DEFAULT_SCHEDULE, tenant_timezone="UTC", unknown_zone_policy="guess"
        )
    with pytest.raises(ValueError, match="unknown time zone"):
        check_calling_hours(NEW_YORK, at, DEFAULT_SCHEDULE, tenant_timezone="Mars/Olympus")


def test_check_raises_invalid_number_for_garbage():
    with pytest.raises(InvalidNumber):
        check_calling_hours("12", utc(2026, 6, 15, 14), DEFAULT_SCHEDULE, tenant_timezone="UTC")


def test_holiday_lookups_are_cached_per_country_and_year():
    _holiday_year.cache_clear()
    for hour in (1, 2, 3):
        check_calling_hours(
            SHANGHAI, utc(2026, 6, 15, hour), DEFAULT_SCHEDULE, tenant_timezone="UTC", **ON
        )
    info = _holiday_year.cache_info()
    assert (info.misses, info.hits) == (1, 2)


# --- the platform cap ------------------------------------------------------------------


def test_tenant_cannot_widen_the_platform_cap():
    assert WIDE == PLATFORM_CAP
    assert schedule_to_json(WIDE)["mon"] == [["08:00", "21:00"]]


def test_tenant_can_narrow_and_split_inside_the_cap():
    tenant = parse_schedule({"mon": [["07:00", "10:00"], ["20:00", "22:00"]], "sat": []})
    assert schedule_to_json(effective_schedule(tenant)) == {
        "mon": [["08:00", "10:00"], ["20:00", "21:00"]]
    }
    assert effective_schedule(DEFAULT_SCHEDULE) == DEFAULT_SCHEDULE


def test_effective_schedule_with_a_custom_cap():
    cap = parse_schedule({"mon": [["10:00", "12:00"], ["14:00", "16:00"]]})
    assert schedule_to_json(effective_schedule(DEFAULT_SCHEDULE, cap)) == {
        "mon": [["10:00", "12:00"], ["14:00", "16:00"]]
    }


# --- parse_schedule --------------------------------------------------------------------


def test_default_schedule_and_cap_json():
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert schedule_to_json(DEFAULT_SCHEDULE) == {d: [["09:00", "18:00"]] for d in days}
    assert schedule_to_json(PLATFORM_CAP) == {d: [["08:00", "21:00"]] for d in days}


def test_parse_schedule_sorts_allows_touching_and_midnight_and_round_trips():
    raw = {"tue": [["12:00", "24:00"], ("00:00", "12:00")], "fri": [["09:05", "09:06"]]}
    schedule = parse_schedule(raw)
    assert schedule.intervals(1) == ((0, 720), (720, 1440))
    assert schedule.intervals(4) == ((545, 546),)
    assert schedule.intervals(0) == ()  # a missing day means no calling
    as_json = schedule_to_json(schedule)
    assert as_json == {"tue": [["00:00", "12:00"], ["12:00", "24:00"]], "fri": [["09:05", "09:06"]]}
    assert parse_schedule(as_json) == schedule


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([["09:00", "18:00"]], "object keyed by day"),
        (None, "object keyed by day"),
        ({"monday": [["09:00", "18:00"]]}, "unknown day"),
        ({"mon": "09:00-18:00"}, "mon: expected a list"),
        ({"mon": None}, "mon: expected a list"),
        ({"mon": [["09:00"]]}, r"mon\[0\]: expected a \[start, end\] pair"),
        ({"mon": ["09:00-18:00"]}, r"mon\[0\]: expected a \[start, end\] pair"),
        ({"mon": [["09:00", "18:00", "20:00"]]}, "expected a"),
        ({"wed": [["9:00", "18:00"]]}, r"wed\[0\]: '9:00' is not a time in HH:MM form"),
        ({"mon": [[900, 1800]]}, "HH:MM"),
        ({"mon": [["09:00", "18h00"]]}, "HH:MM"),
        ({"mon": [["09:60", "18:00"]]}, "outside 00:00-24:00"),
        ({"mon": [["09:00", "24:01"]]}, "outside 00:00-24:00"),
        ({"mon": [["25:00", "26:00"]]}, "outside 00:00-24:00"),
        ({"mon": [["18:00", "09:00"]]}, "start 18:00 must be before end 09:00"),
        ({"mon": [["09:00", "09:00"]]}, "must be before"),
        ({"mon": [["24:00", "24:00"]]}, "must be before"),
        (
            {"sun": [["09:00", "18:00"], ["08:00", "09:30"]]},
            "sun: intervals 08:00-09:30 and 09:00-18:00 overlap",
        ),
        ({"mon": [["09:00", "18:00"], ["09:00", "18:00"]]}, "overlap"),
    ],
)
def test_parse_schedule_rejects_bad_input_with_a_clear_message(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(raw)


def test_schedule_needs_seven_days():
    with pytest.raises(ValueError, match="7 days"):
        Schedule(((),) * 6)


# --- phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 (212) 555-0100", None, "+12125550100"),
        ("  +12125550100 ", None, "+12125550100"),
        ("(212) 555-0100", "US", "+12125550100"),
        ("212.555.0100", "us", "+12125550100"),
        ("021 1234 5678", "CN", "+862112345678"),
        ("+86 139 1234 5678", None, "+8613912345678"),
        ("020 7123 4567", "GB", "+442071234567"),
        ("+44 20 7123 4567", "US", "+442071234567"),  # an explicit + wins over the region
    ],
)
def test_normalize_number_to_e164(raw, region, expected):
    assert normalize_number(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("", None),
        ("   ", None),
        ("hello", "US"),
        ("(212) 555-0100", None),  # national format without a region
        ("+1 212 555", None),  # too short
        ("+1 099 555 0100", None),  # NANP area codes never start with 0
        ("+99912345", None),  # no such country code
    ],
)
def test_normalize_number_rejects_invalid(raw, region):
    with pytest.raises(InvalidNumber) as excinfo:
        normalize_number(raw, region)
    assert isinstance(excinfo.value, ValueError)
    assert excinfo.value.code == "invalid_number"


def test_callee_timezones():
    assert callee_timezones(IDAHO) == BOISE_LA
    assert callee_timezones(SHANGHAI) == SH
    assert callee_timezones(FREEPHONE) == ()  # "Etc/Unknown" is dropped
    assert len(callee_timezones(TOLL_FREE)) > 40


def test_makeup_days_come_from_weekend_workdays():
    year = _holiday_year("CN", 2026)
    assert date(2026, 2, 14) in year.workdays
    assert date(2026, 2, 14) not in year.days_off
    assert date(2026, 2, 17) in year.days_off
