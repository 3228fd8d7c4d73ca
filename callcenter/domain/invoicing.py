"""Invoice arithmetic: tax-inclusive amounts split into net and tax, document numbers.

Rounding rule (documented in the README): prices are tax-inclusive, so for a gross
amount G and a rate r the tax is `round_half_up(G * r / (1 + r))` to the currency's
minor unit (a cent, a yen), and the net is `G - tax`. Net + tax = gross, always, by
construction. Computed in integers (the rate in parts per million): no floats.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.domain.errors import InvalidInput
from callcenter.domain.money import minor_unit_micros

PPM = 1_000_000
MAX_TAX_RATE_PPM = PPM  # 100 %: no real VAT is higher
PREFIXES = {"invoice": "INV", "credit_note": "CN"}


@dataclass(frozen=True)
class TaxSplit:
    """A gross (tax-inclusive) amount and its parts."""

    gross: int
    net: int
    tax: int


def _div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    q, r = divmod(abs(numerator), abs(denominator))
    if 2 * r >= abs(denominator):
        q += 1
    return sign * q


def split_tax(gross_micros: int, rate_ppm: int, currency: str) -> TaxSplit:
    """Split a tax-inclusive amount: tax rounded half up to the minor unit, net the rest."""
    if not 0 <= rate_ppm <= MAX_TAX_RATE_PPM:
        raise InvalidInput("the tax rate must be between 0 and 1", details={"field": "tax_rate"})
    unit = minor_unit_micros(currency)
    tax = _div_half_up(gross_micros * rate_ppm, (PPM + rate_ppm) * unit) * unit
    return TaxSplit(gross=gross_micros, net=gross_micros - tax, tax=tax)


def format_rate(rate_ppm: int) -> str:
    """Parts per million as the contract's decimal string: 60000 -> "0.06", 0 -> "0"."""
    whole, frac = divmod(rate_ppm, PPM)
    return f"{whole}.{f'{frac:06d}'.rstrip('0')}" if frac else str(whole)


def document_number(series: str, year: int, sequence: int) -> str:
    """`INV-2026-000042`, `CN-2026-000003`: series prefix, year, six-digit sequence."""
    return f"{PREFIXES[series]}-{year:04d}-{sequence:06d}"
