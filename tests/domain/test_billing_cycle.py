"""Seat rental cycles: month arithmetic, periods without drift, proration, late fees."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from callcenter.domain.billing_cycle import (
    Period,
    add_months,
    late_fee,
    next_period,
    period_containing,
    prorated_rent,
)

# --- add_months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (date(2027, 1, 15), 1, date(2027, 2, 15)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # 2028 is a leap year
        (date(2027, 1, 31), 2, date(2027, 3, 31)),
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2027, 1, 30), 1, date(2027, 2, 28)),
        (date(2027, 1, 29), 1, date(2027, 2, 28)),
        (date(2028, 1, 29), 1, date(2028, 2, 29)),
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 1, 15), -1, date(2026, 12, 15)),
        (date(2027, 5, 10), 0, date(2027, 5, 10)),
    ],
)
def test_add_months_keeps_day_or_clamps_to_month_end(anchor, months, expected):
    assert add_months(anchor, months) == expected


# --- Period ----------------------------------------------------------------------


def test_period_days_counts_end_exclusive():
    assert Period(date(2027, 2, 1), date(2027, 3, 1)).days == 28
    assert Period(date(2028, 2, 1), date(2028, 3, 1)).days == 29
    assert Period(date(2027, 1, 1), date(2027, 2, 1)).days == 31


def test_period_rejects_empty_or_inverted_range():
    with pytest.raises(ValueError):
        Period(date(2027, 2, 1), date(2027, 2, 1))
    with pytest.raises(ValueError):
        Period(date(2027, 2, 2), date(2027, 2, 1))


# --- period_containing / next_period ---------------------------------------------


def test_anchor_day_opens_the_first_period():
    period = period_containing(date(2027, 1, 31), 1, date(2027, 1, 31))
    assert period == Period(date(2027, 1, 31), date(2027, 2, 28))
    assert period.days == 28


def test_month_end_anchor_does_not_drift_after_february():
    anchor = date(2027, 1, 31)
    assert period_containing(anchor, 1, date(2027, 2, 27)) == Period(
        date(2027, 1, 31), date(2027, 2, 28)
    )
    assert period_containing(anchor, 1, date(2027, 2, 28)) == Period(
        date(2027, 2, 28), date(2027, 3, 31)
    )
    # Mar 30 still belongs to the Feb 28 period: the next one starts on Mar 31, not Mar 28.
    assert period_containing(anchor, 1, date(2027, 3, 30)) == Period(
        date(2027, 2, 28), date(2027, 3, 31)
    )
    assert period_containing(anchor, 1, date(2027, 3, 31)) == Period(
        date(2027, 3, 31), date(2027, 4, 30)
    )
    assert period_containing(anchor, 1, date(2027, 5, 1)) == Period(
        date(2027, 4, 30), date(2027, 5, 31)
    )


@pytest.mark.parametrize(
    ("anchor", "day", "expected"),
    [
        (date(2027, 1, 30), date(2027, 3, 29), Period(date(2027, 2, 28), date(2027, 3, 30))),
        (date(2028, 1, 30), date(2028, 3, 29), Period(date(2028, 2, 29), date(2028, 3, 30))),
        (date(2027, 1, 29), date(2027, 3, 1), Period(date(2027, 2, 28), date(2027, 3, 29))),
        (date(2028, 1, 29), date(2028, 3, 1), Period(date(2028, 2, 29), date(2028, 3, 29))),
        (date(2027, 12, 15), date(2028, 1, 14), Period(date(2027, 12, 15), date(2028, 1, 15))),
    ],
)
def test_periods_for_anchors_on_the_30th_29th_and_year_end(anchor, day, expected):
    assert period_containing(anchor, 1, day) == expected


def test_quarterly_period_from_a_30th_anchor_through_leap_february():
    anchor = date(2027, 11, 30)
    first = period_containing(anchor, 3, date(2028, 2, 28))
    assert first == Period(date(2027, 11, 30), date(2028, 2, 29))
    assert first.days == 91
    second = next_period(anchor, 3, first)
    assert second == Period(date(2028, 2, 29), date(2028, 5, 30))
    assert second.days == 91


def test_yearly_period_from_leap_day_anchor_returns_to_leap_day():
    anchor = date(2028, 2, 29)
    assert period_containing(anchor, 12, date(2029, 2, 27)) == Period(
        date(2028, 2, 29), date(2029, 2, 28)
    )
    leap = period_containing(anchor, 12, date(2032, 3, 1))
    assert leap == Period(date(2032, 2, 29), date(2033, 2, 28))
    assert period_containing(anchor, 12, date(2032, 2, 28)) == Period(
        date(2031, 2, 28), date(2032, 2, 29)
    )
    assert period_containing(anchor, 12, date(2032, 2, 28)).days == 366


def test_twelve_monthly_periods_from_jan_31_tile_the_leap_year():
    anchor = date(2028, 1, 31)
    period = period_containing(anchor, 1, anchor)
    starts = []
    for _ in range(12):
        starts.append(period.start)
        following = next_period(anchor, 1, period)
        assert following.start == period.end  # contiguous, no gaps or overlaps
        period = following
    assert [d.day for d in starts] == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert (period.start - anchor).days == 366


def test_every_day_falls_in_exactly_the_period_returned():
    anchor = date(2027, 1, 31)
    day = anchor
    while day < date(2029, 3, 1):
        for months in (1, 3, 12):
            period = period_containing(anchor, months, day)
            assert period.start <= day < period.end
        day += timedelta(days=1)


def test_day_before_anchor_is_rejected():
    with pytest.raises(ValueError, match="before"):
        period_containing(date(2027, 1, 31), 1, date(2027, 1, 30))


@pytest.mark.parametrize("months", [0, 2, 6, -1, 24])
def test_unsupported_period_lengths_are_rejected(months):
    with pytest.raises(ValueError, match="period_months"):
        period_containing(date(2027, 1, 1), months, date(2027, 1, 1))


def test_next_period_rejects_a_period_not_on_the_cycle():
    with pytest.raises(ValueError):
        next_period(date(2027, 1, 31), 1, Period(date(2027, 2, 1), date(2027, 3, 1)))


# --- prorated_rent ---------------------------------------------------------------

FEB_2027 = Period(date(2027, 2, 1), date(2027, 3, 1))  # 28 days
FEB_2028 = Period(date(2028, 2, 1), date(2028, 3, 1))  # 29 days
JAN_2027 = Period(date(2027, 1, 1), date(2027, 2, 1))  # 31 days
PRICE = 30_000_000  # 30.00 per month


def test_first_day_of_period_costs_the_full_price():
    assert prorated_rent(PRICE, 1, FEB_2027, date(2027, 2, 1)) == 30_000_000
    assert prorated_rent(PRICE, 1, JAN_2027, date(2027, 1, 1)) == 30_000_000


def test_last_day_costs_one_day_rounded_down():
    # 30,000,000 / 28 = 1,071,428.57...
    assert prorated_rent(PRICE, 1, FEB_2027, date(2027, 2, 28)) == 1_071_428
    # 30,000,000 / 29 = 1,034,482.75...
    assert prorated_rent(PRICE, 1, FEB_2028, date(2028, 2, 29)) == 1_034_482
    # 30,000,000 / 31 = 967,741.93...
    assert prorated_rent(PRICE, 1, JAN_2027, date(2027, 1, 31)) == 967_741


def test_mid_month_in_28_and_31_day_months():
    # 14 of 28 days remain: exactly half.
    assert prorated_rent(PRICE, 1, FEB_2027, date(2027, 2, 15)) == 15_000_000
    # 15 of 31 days: 30,000,000 * 15 / 31 = 14,516,129.03...
    assert prorated_rent(PRICE, 1, JAN_2027, date(2027, 1, 17)) == 14_516_129
    # 15 of 29 days: 30,000,000 * 15 / 29 = 15,517,241.37...
    assert prorated_rent(PRICE, 1, FEB_2028, date(2028, 2, 15)) == 15_517_241


def test_quarterly_rent_prorates_over_the_whole_quarter():
    quarter = Period(date(2027, 1, 1), date(2027, 4, 1))  # 31 + 28 + 31 = 90 days
    assert prorated_rent(10_000_000, 3, quarter, date(2027, 1, 1)) == 30_000_000
    # 30 of 90 days remain: a third of 30.00.
    assert prorated_rent(10_000_000, 3, quarter, date(2027, 3, 2)) == 10_000_000
    # One day: 30,000,000 / 90 = 333,333.33...
    assert prorated_rent(10_000_000, 3, quarter, date(2027, 3, 31)) == 333_333


def test_yearly_rent_prorates_over_a_leap_year():
    year = Period(date(2028, 1, 1), date(2029, 1, 1))  # 366 days
    assert prorated_rent(10_000_000, 12, year, date(2028, 1, 1)) == 120_000_000
    # 184 days remain from Jul 1: 120,000,000 * 184 / 366 = 60,327,868.85...
    assert prorated_rent(10_000_000, 12, year, date(2028, 7, 1)) == 60_327_868
    # 120,000,000 / 366 = 327,868.85...
    assert prorated_rent(10_000_000, 12, year, date(2028, 12, 31)) == 327_868


def test_free_seat_prorates_to_zero():
    assert prorated_rent(0, 1, FEB_2027, date(2027, 2, 10)) == 0


@pytest.mark.parametrize("day", [date(2027, 1, 31), date(2027, 3, 1), date(2027, 4, 1)])
def test_start_day_outside_the_period_is_rejected(day):
    with pytest.raises(ValueError, match="outside"):
        prorated_rent(PRICE, 1, FEB_2027, day)


def test_negative_price_and_bad_period_length_are_rejected():
    with pytest.raises(ValueError):
        prorated_rent(-1, 1, FEB_2027, date(2027, 2, 1))
    with pytest.raises(ValueError):
        prorated_rent(PRICE, 2, FEB_2027, date(2027, 2, 1))


@pytest.mark.parametrize("price", [1, 7, 999_999, 29_990_000, 30_000_000, 123_456_789_012])
@pytest.mark.parametrize(
    ("anchor", "months"),
    [
        (date(2027, 2, 1), 1),
        (date(2028, 2, 1), 1),
        (date(2027, 1, 31), 1),
        (date(2027, 11, 30), 3),
        (date(2028, 2, 29), 12),
    ],
)
def test_prorated_amounts_are_bounded_monotone_and_sum_to_full_price(price, anchor, months):
    period = period_containing(anchor, months, anchor)
    full = price * months
    days = [period.start + timedelta(days=i) for i in range(period.days)]
    amounts = [prorated_rent(price, months, period, d) for d in days]

    assert all(type(a) is int for a in amounts)
    assert all(0 <= a <= full for a in amounts)
    assert amounts[0] == full
    assert all(a >= b for a, b in zip(amounts, amounts[1:], strict=False))
    # Day-by-day charges (prorated(d) - prorated(d + 1)) plus the last day's amount
    # add up to the full price: no micro-unit is lost or invented across the period.
    daily = [a - b for a, b in zip(amounts, amounts[1:], strict=False)]
    assert sum(daily) + amounts[-1] == full


# --- late_fee --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrears", "percent", "expected"),
    [
        (1_000_000, Decimal("0.1"), 1_000),
        (1_000_000, Decimal("0"), 0),
        (0, Decimal("2"), 0),
        (333, Decimal("0.05"), 0),  # 0.1665 micro-units rounds down to nothing
        (123_456_789, Decimal("1.5"), 1_851_851),  # 1,851,851.835
        (50_000_000, Decimal("100"), 50_000_000),
        (10**15 + 7, Decimal("0.0000001"), 1_000_000),  # beyond float-exact territory, still exact
    ],
)
def test_late_fee_is_one_days_percentage_rounded_down(arrears, percent, expected):
    assert late_fee(arrears, percent) == expected


def test_late_fee_rejects_negative_nan_and_float_inputs():
    with pytest.raises(ValueError):
        late_fee(1_000_000, Decimal("-0.1"))
    with pytest.raises(ValueError):
        late_fee(1_000_000, Decimal("NaN"))
    with pytest.raises(ValueError):
        late_fee(1_000_000, Decimal("Infinity"))
    with pytest.raises(ValueError):
        late_fee(-1, Decimal("0.1"))
    with pytest.raises(TypeError):
        late_fee(1_000_000, 0.1)  # type: ignore[arg-type]
