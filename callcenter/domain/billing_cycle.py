"""Seat rental cycles: monthly (or quarterly, yearly) rent billed in advance.

Pure functions on dates and integer micro-units; no I/O, no floats. Periods are
always derived from the seat's original anchor date so that month-end anchors do not
drift (Jan 31 -> Feb 28 -> Mar 31, never Jan 31 -> Feb 28 -> Mar 28).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Monthly, quarterly and yearly plans; anything else is a configuration mistake.
ALLOWED_PERIOD_MONTHS = frozenset({1, 3, 12})


def add_months(anchor: date, months: int) -> date:
    """Return the same day-of-month `months` later, clamped to the month's last day."""
    # divmod on a zero-based month index handles negative offsets and year wraps.
    year, month0 = divmod(anchor.year * 12 + (anchor.month - 1) + months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(anchor.day, last_day))


@dataclass(frozen=True)
class Period:
    """A billing period [start, end): `end` is the first day of the next period."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} must be after start {self.start}")

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def _check_period_months(period_months: int) -> None:
    if period_months not in ALLOWED_PERIOD_MONTHS:
        allowed = ", ".join(str(m) for m in sorted(ALLOWED_PERIOD_MONTHS))
        raise ValueError(f"period_months must be one of {allowed}, got {period_months!r}")


def period_containing(anchor: date, period_months: int, day: date) -> Period:
    """Return the billing period, counted from `anchor`, that contains `day`."""
    _check_period_months(period_months)
    if day < anchor:
        raise ValueError(f"day {day} is before the billing anchor {anchor}")
    # Whole calendar months between anchor and day give the period index directly,
    # except when the day-of-month has not yet reached the (clamped) anchor day:
    # then the candidate starts after `day` and the previous period is the one.
    elapsed = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    k = elapsed // period_months
    start = add_months(anchor, k * period_months)
    if start > day:
        k -= 1
        start = add_months(anchor, k * period_months)
    # Always offset from the anchor, never from the previous period's start: that
    # is what keeps a Jan 31 anchor on Mar 31 after a short February.
    return Period(start, add_months(anchor, (k + 1) * period_months))


def next_period(anchor: date, period_months: int, period: Period) -> Period:
    """Return the period that follows `period` in the cycle anchored at `anchor`."""
    if period_containing(anchor, period_months, period.start) != period:
        raise ValueError(f"{period} is not a period of the cycle anchored at {anchor}")
    return period_containing(anchor, period_months, period.end)


def prorated_rent(
    monthly_price_micros: int, period_months: int, period: Period, start_day: date
) -> int:
    """Rent from `start_day` (inclusive) to the period end, rounded down in the tenant's favour."""
    _check_period_months(period_months)
    if monthly_price_micros < 0:
        raise ValueError("monthly price must not be negative")
    if start_day not in period:
        raise ValueError(f"{start_day} is outside {period.start}..{period.end} (end exclusive)")
    full = monthly_price_micros * period_months
    remaining_days = (period.end - start_day).days
    # floor(full * remaining / days) in exact integer arithmetic. Rounding down means
    # the tenant never pays a fraction of a micro-unit more than the exact pro rata;
    # the first day of the period yields exactly the full price.
    return full * remaining_days // period.days


def late_fee(arrears_micros: int, percent_per_day: Decimal) -> int:
    """Return one day's late fee on `arrears_micros`, rounded down."""
    if isinstance(percent_per_day, float):
        # A float percentage would smuggle binary rounding into money.
        raise TypeError("percent_per_day must be a Decimal, not a float")
    percent = Decimal(percent_per_day)
    if not percent.is_finite() or percent < 0:
        raise ValueError(f"percent_per_day must be a finite, non-negative number: {percent}")
    if arrears_micros < 0:
        raise ValueError("arrears must not be negative")
    # as_integer_ratio() is exact, so the floor below does not depend on the
    # Decimal context's precision.
    numerator, denominator = percent.as_integer_ratio()
    return arrears_micros * numerator // (denominator * 100)
