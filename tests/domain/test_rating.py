"""Call rating: increments, billed seconds, charges, prefixes and affordable length."""

import random

import pytest

from callcenter.domain.rating import (
    DEFAULT_INCREMENT,
    Increment,
    billed_seconds,
    charge_micros,
    max_affordable_seconds,
    parse_increment,
    rate_for,
)

# --- Increment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "initial", "subsequent"),
    [
        ("60/60", 60, 60),
        ("30/6", 30, 6),
        ("1/1", 1, 1),
        ("3600/3600", 3600, 3600),
        (" 6 / 6 ", 6, 6),
        ("060/060", 60, 60),
    ],
)
def test_parse_increment_accepts_whole_seconds(text, initial, subsequent):
    assert parse_increment(text) == Increment(initial, subsequent)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "60",
        "60/",
        "/60",
        "60/60/60",
        "abc",
        "60:60",
        "1.5/60",
        "-1/60",
        "60/-6",
        "\uff16\uff10/60",
        "6\u00b2/60",
    ],
)
def test_parse_increment_rejects_malformed_text_with_a_hint(text):
    with pytest.raises(ValueError, match="initial/subsequent"):
        parse_increment(text)


@pytest.mark.parametrize("text", ["0/60", "60/0", "3601/60", "60/3601", "999999999/1"])
def test_parse_increment_rejects_out_of_range_seconds(text):
    with pytest.raises(ValueError, match="between 1 and 3600"):
        parse_increment(text)


def test_increment_validates_on_construction_too():
    with pytest.raises(ValueError):
        Increment(0, 60)
    with pytest.raises(ValueError):
        Increment(60, True)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["60/60", "30/6", "1/1", "3600/1"])
def test_increment_str_round_trips(text):
    assert str(parse_increment(text)) == text


def test_default_increment_bills_every_started_minute():
    assert str(DEFAULT_INCREMENT) == "60/60"


# --- billed_seconds and charge_micros: the hand-computed table ---------------------

RATE = 10_000  # 0.01 per minute = 166.66... micro-units per second
FEE = 50_000  # 0.05 connect fee

# (increment, duration, billed seconds, charge without connect fee)
# Charges are ceil(10,000 * billed / 60), worked out by hand.
TABLE = [
    ("60/60", 0, 0, 0),
    ("60/60", 1, 60, 10_000),
    ("60/60", 59, 60, 10_000),
    ("60/60", 60, 60, 10_000),
    ("60/60", 61, 120, 20_000),
    ("60/60", 3599, 3600, 600_000),
    ("60/60", 3600, 3600, 600_000),
    ("6/6", 0, 0, 0),
    ("6/6", 1, 6, 1_000),
    ("6/6", 59, 60, 10_000),
    ("6/6", 60, 60, 10_000),
    ("6/6", 61, 66, 11_000),
    ("6/6", 3599, 3600, 600_000),
    ("6/6", 3600, 3600, 600_000),
    ("1/1", 0, 0, 0),
    ("1/1", 1, 1, 167),  # 166.66... up
    ("1/1", 59, 59, 9_834),  # 9,833.33... up
    ("1/1", 60, 60, 10_000),
    ("1/1", 61, 61, 10_167),  # 10,166.66... up
    ("1/1", 3599, 3599, 599_834),  # 599,833.33... up
    ("1/1", 3600, 3600, 600_000),
    ("30/6", 0, 0, 0),
    ("30/6", 1, 30, 5_000),
    ("30/6", 59, 60, 10_000),  # 30 + ceil(29 / 6) * 6 = 30 + 30
    ("30/6", 60, 60, 10_000),
    ("30/6", 61, 66, 11_000),  # 30 + ceil(31 / 6) * 6 = 30 + 36
    ("30/6", 3599, 3600, 600_000),  # 30 + ceil(3569 / 6) * 6 = 30 + 3570
    ("30/6", 3600, 3600, 600_000),
]


@pytest.mark.parametrize(("increment", "duration", "billed", "charge"), TABLE)
def test_billed_seconds_and_charge_follow_the_contract(increment, duration, billed, charge):
    inc = parse_increment(increment)
    assert billed_seconds(duration, inc) == billed
    assert charge_micros(RATE, billed) == charge
    # The connect fee applies to every answered call and never to an unanswered one.
    assert charge_micros(RATE, billed, FEE) == (0 if duration == 0 else charge + FEE)


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        billed_seconds(-1, DEFAULT_INCREMENT)


def test_unanswered_call_costs_nothing_even_with_connect_fee():
    assert charge_micros(RATE, 0, FEE) == 0


@pytest.mark.parametrize(
    ("billed", "expected"),
    [
        (1, 217),  # 13,000 / 60 = 216.66...
        (6, 1_300),
        (7, 1_517),  # 1,516.66...
        (59, 12_784),  # 12,783.33...
        (60, 13_000),
        (61, 13_217),  # 13,216.66...
    ],
)
def test_sub_micro_rate_rounds_up_to_the_next_micro(billed, expected):
    # 0.013 per minute, as in the contract's JSON example.
    assert charge_micros(13_000, billed) == expected


def test_tiny_and_zero_rates():
    assert charge_micros(1, 1) == 1  # 1/60 of a micro still costs one micro
    assert charge_micros(0, 60) == 0
    assert charge_micros(0, 60, FEE) == FEE


def test_charge_rejects_negative_inputs():
    with pytest.raises(ValueError):
        charge_micros(-1, 60)
    with pytest.raises(ValueError):
        charge_micros(RATE, -1)
    with pytest.raises(ValueError):
        charge_micros(RATE, 60, -1)


# --- rate_for --------------------------------------------------------------------

PREFIXES = {"44": 20_000, "4420": 15_000, "44207": 12_000, "1": 10_000}
DEFAULT_RATE = 30_000


@pytest.mark.parametrize(
    ("number", "prefix", "rate"),
    [
        ("442071234567", "44207", 12_000),
        ("442081234567", "4420", 15_000),
        ("447911123456", "44", 20_000),
        ("12125550100", "1", 10_000),
        ("+442071234567", "44207", 12_000),
        ("33123456789", None, DEFAULT_RATE),
        ("4", None, DEFAULT_RATE),
        ("", None, DEFAULT_RATE),
    ],
)
def test_rate_for_picks_the_longest_matching_prefix(number, prefix, rate):
    assert rate_for(number, PREFIXES, DEFAULT_RATE) == (prefix, rate)


def test_rate_for_without_prefixes_uses_the_default():
    assert rate_for("442071234567", {}, DEFAULT_RATE) == (None, DEFAULT_RATE)


def test_rate_for_matches_a_prefix_equal_to_the_whole_number():
    assert rate_for("4420", PREFIXES, DEFAULT_RATE) == ("4420", 15_000)


# --- max_affordable_seconds ------------------------------------------------------

MINUTE = parse_increment("60/60")


def test_exactly_affordable_minutes_are_allowed():
    # Three minutes at 0.01 cost exactly 30,000.
    assert max_affordable_seconds(30_000, RATE, MINUTE, 0, 3600) == 180


def test_one_micro_short_loses_the_last_increment():
    assert max_affordable_seconds(29_999, RATE, MINUTE, 0, 3600) == 120


def test_first_increment_unaffordable_gives_zero():
    assert max_affordable_seconds(9_999, RATE, MINUTE, 0, 3600) == 0
    assert max_affordable_seconds(0, RATE, MINUTE, 0, 3600) == 0
    assert max_affordable_seconds(-5_000, RATE, MINUTE, 0, 3600) == 0


def test_connect_fee_is_paid_before_any_seconds():
    assert max_affordable_seconds(60_000, RATE, MINUTE, FEE, 3600) == 60
    assert max_affordable_seconds(59_999, RATE, MINUTE, FEE, 3600) == 0
    assert max_affordable_seconds(80_000, RATE, MINUTE, FEE, 3600) == 180


def test_cap_smaller_than_affordable_rounds_down_to_a_boundary():
    assert max_affordable_seconds(10**12, RATE, MINUTE, 0, 3600) == 3600
    assert max_affordable_seconds(10**12, RATE, MINUTE, 0, 100) == 60
    assert max_affordable_seconds(10**12, RATE, parse_increment("30/6"), 0, 100) == 96


def test_cap_below_the_initial_increment_gives_zero():
    assert max_affordable_seconds(10**12, RATE, MINUTE, 0, 59) == 0
    assert max_affordable_seconds(10**12, RATE, parse_increment("30/6"), 0, 29) == 0


def test_zero_rate_is_limited_only_by_cap_and_connect_fee():
    assert max_affordable_seconds(0, 0, MINUTE, 0, 3600) == 3600
    assert max_affordable_seconds(0, 0, MINUTE, 0, 3599) == 3540
    assert max_affordable_seconds(0, 0, parse_increment("30/6"), 0, 100) == 96
    assert max_affordable_seconds(FEE, 0, MINUTE, FEE, 3600) == 3600
    assert max_affordable_seconds(FEE - 1, 0, MINUTE, FEE, 3600) == 0


def test_sub_micro_rate_affordability_follows_the_rounded_charge():
    per_second = parse_increment("1/1")
    # 1 second costs 217 and 2 seconds cost 434 at 0.013 per minute.
    assert max_affordable_seconds(216, 13_000, per_second, 0, 3600) == 0
    assert max_affordable_seconds(217, 13_000, per_second, 0, 3600) == 1
    assert max_affordable_seconds(433, 13_000, per_second, 0, 3600) == 1
    assert max_affordable_seconds(434, 13_000, per_second, 0, 3600) == 2


def test_huge_balance_is_answered_without_iterating():
    # A loop over seconds would take far too long here; the closed form is instant.
    assert max_affordable_seconds(10**18, 1, parse_increment("1/1"), 0, 10**15) == 10**15


def test_max_affordable_rejects_negative_rate_or_fee():
    with pytest.raises(ValueError):
        max_affordable_seconds(1_000, -1, MINUTE, 0, 3600)
    with pytest.raises(ValueError):
        max_affordable_seconds(1_000, RATE, MINUTE, -1, 3600)


def _scan_for_longest_affordable(available, rate, inc, fee, cap):
    """Reference answer: walk every increment boundary up to the cap."""
    best = 0
    boundary = inc.initial
    while boundary <= cap:
        cost = fee + -(-rate * boundary // 60)  # the contract's formula, written out
        if cost <= available:
            best = boundary
        boundary += inc.subsequent
    return best


def test_max_affordable_matches_a_brute_force_scan():
    rng = random.Random(20270131)
    for _ in range(3000):
        inc = Increment(rng.randint(1, 90), rng.randint(1, 60))
        rate = rng.choice([0, 1, 7, 59, 60, 61, 13_000, rng.randint(0, 100_000)])
        fee = rng.choice([0, 0, 1, rng.randint(0, 50_000)])
        available = rng.randint(-1_000, 120_000)
        cap = rng.randint(0, 900)
        expected = _scan_for_longest_affordable(available, rate, inc, fee, cap)
        got = max_affordable_seconds(available, rate, inc, fee, cap)
        assert got == expected, (available, rate, str(inc), fee, cap)
        # Consistency with the rating functions the settlement will use.
        if got:
            assert charge_micros(rate, billed_seconds(got, inc), fee) <= available
