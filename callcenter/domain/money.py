"""Money at the edges: decimal strings in, integer micro-units inside, strings out."""

from __future__ import annotations

import re
from decimal import Decimal

from callcenter.domain.errors import N_, InvalidInput

MICROS = 1_000_000
# One billion major units: far beyond any real prepayment, far below the int64 limit.
MAX_AMOUNT_MICROS = 1_000_000_000 * MICROS
_AMOUNT_RE = re.compile(r"^(0|[1-9]\d{0,11})(\.\d{1,6})?$")

# ISO 4217 active codes with their minor-unit exponent when it is not 2.
_EXPONENTS = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3,
    "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0,
    "TND": 3, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWL""".split()
)


def parse_amount(value: object, *, field: str = "amount", allow_zero: bool = False) -> int:
    """Parse a positive decimal string such as "12.50" into micro-units, strictly."""
    if not isinstance(value, str):
        raise InvalidInput.of(N_('%(field)s must be a decimal string such as "12.50"'),
                              details={"field": field}, field=field)
    if not _AMOUNT_RE.match(value):
        raise InvalidInput.of(
            N_("%(field)s must be a plain decimal with at most 6 decimal places"),
            details={"field": field}, field=field,
        )
    micros = int(Decimal(value) * MICROS)
    if micros == 0 and not allow_zero:
        raise InvalidInput.of(N_("%(field)s must be greater than zero"),
                              details={"field": field}, field=field)
    if micros > MAX_AMOUNT_MICROS:
        raise InvalidInput.of(N_("%(field)s is too large"), details={"field": field},
                              field=field)
    return micros


def format_amount(micros: int) -> str:
    """Micro-units as a decimal string with at least two decimals: "12.50", "0.013"."""
    sign = "-" if micros < 0 else ""
    whole, frac = divmod(abs(micros), MICROS)
    digits = f"{frac:06d}".rstrip("0")
    return f"{sign}{whole}.{digits.ljust(2, '0')}"


def normalize_currency(code: object) -> str:
    """An ISO 4217 code, upper-cased, or InvalidInput."""
    if not isinstance(code, str) or code.upper() not in CURRENCIES:
        raise InvalidInput("currency must be an ISO 4217 code such as \"USD\"",
                           details={"field": "currency"})
    return code.upper()


def minor_unit_micros(currency: str) -> int:
    """Micro-units in one minor unit of the currency (cent: 10,000)."""
    return MICROS // 10 ** _EXPONENTS.get(currency, 2)
