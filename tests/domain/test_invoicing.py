"""Tax-inclusive splits: tax rounded half up to the minor unit, net + tax = gross always."""

from __future__ import annotations

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.domain.invoicing import document_number, format_rate, split_tax

# (gross micros, rate ppm, currency, expected tax micros)
CASES = [
    (106_000_000, 60_000, "CNY", 6_000_000),   # 106.00 at 6 %: exactly 6.00
    (100_000_000, 60_000, "CNY", 5_660_000),   # 5.6603... -> 5.66
    (1_000_000, 60_000, "CNY", 60_000),        # 0.0566 -> 0.06
    (10_000, 60_000, "CNY", 0),                # 0.01: 0.000566 -> 0.00
    (90_000, 130_000, "CNY", 10_000),          # 0.09 at 13 %: 0.01035 -> 0.01
    (265_000, 60_000, "USD", 20_000),          # 0.265: 0.015 exactly -> half up 0.02
    (1_590_000, 60_000, "USD", 90_000),        # 0.09 exactly
    (530_000, 60_000, "USD", 30_000),          # 0.03 exactly
    (5_300_000, 60_000, "USD", 300_000),       # 0.30 exactly
    (1_000_000, 0, "USD", 0),                  # no tax
    (123_456_789, 200_000, "EUR", 20_580_000),  # 20.576131... -> 20.58
    (1_000, 60_000, "USD", 0),                 # a fraction of a cent: 0.0000566 -> 0.00
    (106_000_000, 60_000, "JPY", 6_000_000),   # yen: whole units
    (100_000_000, 100_000, "JPY", 9_000_000),  # 9.0909 -> 9
    (100_000_000, 100_000, "KWD", 9_091_000),  # three decimals: 9.0909 -> 9.091
    (1_000_000_000 * 1_000_000, 60_000, "CNY", 56_603_773_580_000),  # the largest amount
    (7, 1_000_000, "USD", 0),                  # 100 % rate, tiny amount
    (20_000, 1_000_000, "USD", 10_000),        # 0.02 at 100 %: 0.01
]


@pytest.mark.parametrize(("gross", "rate", "currency", "tax"), CASES)
def test_split_rounds_tax_half_up_and_ties_out(gross, rate, currency, tax):
    split = split_tax(gross, rate, currency)
    assert split.tax == tax
    assert split.net + split.tax == split.gross == gross


def test_every_cent_from_0_to_20_at_common_rates_ties_out():
    for rate in (0, 30_000, 60_000, 90_000, 130_000, 200_000):
        for cents in range(0, 2001):
            split = split_tax(cents * 10_000, rate, "CNY")
            assert split.net + split.tax == split.gross
            assert split.tax % 10_000 == 0 and 0 <= split.tax <= split.gross


@pytest.mark.parametrize("rate", [-1, 1_000_001])
def test_rate_outside_0_to_1_is_refused(rate):
    with pytest.raises(InvalidInput):
        split_tax(1_000_000, rate, "USD")


def test_numbers_and_rates_format():
    assert document_number("invoice", 2026, 42) == "INV-2026-000042"
    assert document_number("credit_note", 2026, 3) == "CN-2026-000003"
    assert [format_rate(r) for r in (0, 60_000, 125_000, 1_000_000)] == [
        "0", "0.06", "0.125", "1"]
