"""Property tests (hypothesis) of the pure money, rating, calling-hours and settlement
functions: what must hold for every input, not only the examples we thought of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.domain.calling_hours import (
    PLATFORM_CAP,
    check_calling_hours,
    effective_schedule,
    parse_schedule,
)
from callcenter.domain.errors import InvalidInput
from callcenter.domain.money import MAX_AMOUNT_MICROS, format_amount, parse_amount
from callcenter.domain.rating import (
    Increment,
    billed_seconds,
    charge_micros,
    max_affordable_seconds,
)
from callcenter.domain.segments import PART, SINGLE, segment
from callcenter.domain.settlement import waterfall

FAST = settings(max_examples=200, deadline=None, database=None)
micros = st.integers(min_value=0, max_value=MAX_AMOUNT_MICROS)
increments = st.builds(Increment, st.integers(1, 3600), st.integers(1, 3600))
rates = st.integers(min_value=0, max_value=100_000_000)  # up to 100 a minute


@FAST
@given(micros)
def test_formatted_amounts_parse_back_to_the_same_micros(value):
    assert parse_amount(format_amount(value), allow_zero=True) == value


@FAST
@given(st.text(max_size=30))
def test_parse_amount_takes_only_plain_decimals_and_never_crashes(text):
    try:
        value = parse_amount(text, allow_zero=True)
    except InvalidInput:
        return
    assert 0 <= value <= MAX_AMOUNT_MICROS
    assert Decimal(text) * 1_000_000 == value  # exact: no float, no rounding
    assert text.isascii()


@FAST
@given(st.integers(0, 7 * 24 * 3600), increments)
def test_billed_seconds_cover_the_call_on_the_increment_grid(duration, inc):
    billed = billed_seconds(duration, inc)
    if duration == 0:
        assert billed == 0
        return
    assert billed >= duration and billed >= inc.initial
    assert (billed - inc.initial) % inc.subsequent == 0
    assert billed - duration < max(inc.initial, inc.subsequent)  # never a step too many


@FAST
@given(rates, st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**7))
def test_charges_grow_with_the_billed_time_and_round_up(rate, a, b, fee):
    low, high = sorted((a, b))
    assert charge_micros(rate, low, fee) <= charge_micros(rate, high, fee)
    if low:  # an unanswered call (0 s billed) costs nothing, not even the connect fee
        assert charge_micros(rate, low, fee) * 60 >= rate * low + fee * 60


@FAST
@given(micros, rates, increments, st.integers(0, 10**7), st.integers(0, 86_400))
def test_the_affordable_limit_is_affordable_and_the_next_step_is_not(available, rate, inc,
                                                                     fee, cap):
    limit = max_affordable_seconds(available, rate, inc, fee, cap)
    assert 0 <= limit <= cap
    if limit == 0:
        return
    assert charge_micros(rate, billed_seconds(limit, inc), fee) <= available
    assert (limit - inc.initial) % inc.subsequent == 0
    following = limit + inc.subsequent
    if following <= cap:
        assert charge_micros(rate, billed_seconds(following, inc), fee) > available


debts = st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 10**10), st.just("a")),
                 max_size=5, unique_by=lambda d: d[0])
# Card payments refund whole major units here, a multiple of every currency's minor unit.
cards = st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 10**4).map(lambda n: n * 10**6),
                           st.just("p")), max_size=5, unique_by=lambda c: c[0])


@FAST
@given(st.sampled_from(["USD", "JPY", "KWD"]), st.integers(-10**10, 10**11),
       st.integers(0, 10**9), debts, cards)
def test_the_waterfall_settles_every_micro_unit(currency, balance, seat_credit, arrears,
                                                payments):
    lines = waterfall(currency=currency, balance=balance, seat_credit=seat_credit,
                      arrears=arrears, payments=payments)
    out = {kind: sum(x.amount for x in lines if x.kind == kind)
           for kind in ("arrears", "card_refund", "bank_refund", "write_off", "receivable")}
    credit = max(balance + seat_credit, 0)
    # Every unit of credit goes somewhere, once: arrears, refunds or a write-off.
    assert out["arrears"] + out["card_refund"] + out["bank_refund"] + out["write_off"] \
        == credit
    assert all(x.amount > 0 for x in lines if x.kind != "balance")
    for payment_id, refundable, _ in payments:  # no card gets more than it can refund
        assert sum(x.amount for x in lines if x.payment_id == payment_id) <= refundable
    unit = {"USD": 10_000, "JPY": 1_000_000, "KWD": 1_000}[currency]
    assert out["write_off"] < unit
    assert all(x.amount % unit == 0 for x in lines if x.kind.endswith("_refund"))
    owed = sum(a for _, a, _ in arrears)
    assert out["arrears"] + sum(x.amount for x in lines if x.kind == "receivable"
                                and x.arrear_id is not None) == owed


windows = st.tuples(st.integers(0, 23 * 60), st.integers(1, 24 * 60)).filter(
    lambda w: w[0] < w[1])


@FAST
@given(windows, st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1),
                             timezones=st.just(UTC)))
def test_a_call_is_allowed_only_inside_the_window_in_the_callee_time(window, at):
    start, end = (f"{m // 60:02d}:{m % 60:02d}" if m < 24 * 60 else "24:00" for m in window)
    tenant = parse_schedule({day: [[start, end]] for day in
                             ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    schedule = effective_schedule(tenant, PLATFORM_CAP)
    decision = check_calling_hours("+442079460000", at, schedule,
                                   tenant_timezone="UTC")
    local = at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    minute = local.hour * 60 + local.minute
    inside = max(window[0], 8 * 60) <= minute < min(window[1], 21 * 60)
    assert decision.allowed == inside
    assert decision.timezones == ("Europe/London",)


@FAST
@given(st.text(max_size=800))
def test_segments_cover_the_text_and_none_is_wasted(text):
    counted = segment(text)
    if text == "":
        return
    single, part = SINGLE[counted.encoding], PART[counted.encoding]
    if counted.units <= single:
        assert counted.segments == 1
    else:  # every part is full but the last, which holds something
        assert (counted.segments - 1) * part < counted.units <= counted.segments * part


@FAST
@given(st.text(alphabet="abcdefghij0123456789 .,", max_size=400),
       st.sampled_from(["€", "[", "~", "中", "😀"]))
def test_a_character_outside_the_basic_set_never_makes_a_message_cheaper(text, extra):
    assert segment(text + extra).segments >= segment(text).segments


@FAST
@given(st.integers(0, 10**6))
def test_every_day_of_the_week_is_checked_the_same_way(offset_minutes):
    at = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=offset_minutes)
    schedule = effective_schedule(parse_schedule({}), PLATFORM_CAP)  # no day: no calls
    assert not check_calling_hours("+442079460000", at, schedule,
                                   tenant_timezone="UTC").allowed
