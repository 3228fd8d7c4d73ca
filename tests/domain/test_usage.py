"""Dashboard arithmetic: local days across DST, burn rate, days left, answer rate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from callcenter.domain import usage


def test_local_days_follow_the_timezone_and_its_dst_change():
    bounds = usage.day_bounds("America/New_York", date(2026, 3, 9), 2)
    assert bounds == [datetime(2026, 3, 8, 5, tzinfo=UTC),  # EST midnight
                      datetime(2026, 3, 9, 4, tzinfo=UTC),  # EDT midnight: a 23-hour day
                      datetime(2026, 3, 10, 4, tzinfo=UTC)]
    shanghai = usage.day_bounds("Asia/Shanghai", date(2026, 3, 2), 1)
    assert shanghai == [datetime(2026, 3, 1, 16, tzinfo=UTC), datetime(2026, 3, 2, 16, tzinfo=UTC)]


def test_days_left_at_the_burn_rate():
    per_day = usage.burn_rate(7_000_000)  # 7.00 over 7 days
    assert per_day == 1_000_000
    assert usage.days_left(12_340_000, per_day) == Decimal("12.3")
    assert usage.days_left(-5, per_day) == Decimal("0.0")
    assert usage.days_left(12_340_000, 0) is None  # nothing spent: no estimate
    assert usage.burn_rate(-3) == 0


def test_answer_rate_is_answered_over_placed():
    assert usage.answer_rate(3, 1) == Decimal("33.3")
    assert usage.answer_rate(0, 0) is None


def test_series_fill_missing_days_and_balances_carry_forward():
    first = date(2026, 3, 1)
    assert [p.value for p in usage.series(first, {1: 5}, 3)] == [0, 5, 0]
    assert [p.value for p in usage.carried(first, {1: 5}, 9, 3)] == [9, 5, 5]
