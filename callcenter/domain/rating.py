"""Per-minute call rating: billing increments, charges and affordable call length.

Pure integer arithmetic in micro-units (see CONTRACT.md, "Rating"); no floats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# An increment longer than an hour is almost certainly a typo (e.g. "60/6000").
MAX_INCREMENT_SECONDS = 3600

# ASCII digits only: str.isdigit() would also accept "²" or Arabic-Indic digits.
_INCREMENT_RE = re.compile(r"\s*([0-9]{1,9})\s*/\s*([0-9]{1,9})\s*")


@dataclass(frozen=True)
class Increment:
    """Billing increment `initial/subsequent` in seconds, e.g. 60/60 or 30/6."""

    initial: int
    subsequent: int

    def __post_init__(self) -> None:
        for name, value in (("initial", self.initial), ("subsequent", self.subsequent)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"increment {name} must be an integer, got {value!r}")
            if not 1 <= value <= MAX_INCREMENT_SECONDS:
                raise ValueError(
                    f"increment {name} must be between 1 and {MAX_INCREMENT_SECONDS} "
                    f"seconds, got {value}"
                )

    def __str__(self) -> str:
        return f"{self.initial}/{self.subsequent}"


DEFAULT_INCREMENT = Increment(60, 60)


def parse_increment(text: str) -> Increment:
    """Parse "initial/subsequent" (e.g. "60/60") into an Increment."""
    match = _INCREMENT_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"billing increment must look like 'initial/subsequent' in whole seconds, "
            f"e.g. '60/60' or '30/6'; got {text!r}"
        )
    return Increment(int(match.group(1)), int(match.group(2)))


def _ceil_div(numerator: int, denominator: int) -> int:
    # Floor division of the negation rounds toward +infinity: exact, no floats.
    return -(-numerator // denominator)


def billed_seconds(duration: int, inc: Increment) -> int:
    """Return the seconds billed for a call of `duration` seconds under `inc`."""
    if duration < 0:
        raise ValueError(f"call duration must not be negative, got {duration}")
    if duration == 0:
        return 0
    if duration <= inc.initial:
        return inc.initial
    return inc.initial + _ceil_div(duration - inc.initial, inc.subsequent) * inc.subsequent


def charge_micros(rate_per_minute_micros: int, billed: int, connect_fee_micros: int = 0) -> int:
    """Return connect fee + ceil(rate * billed / 60); an unanswered call (billed 0) costs 0."""
    if rate_per_minute_micros < 0 or connect_fee_micros < 0:
        raise ValueError("rate and connect fee must not be negative")
    if billed < 0:
        raise ValueError(f"billed seconds must not be negative, got {billed}")
    if billed == 0:
        # The contract: unanswered calls cost nothing, not even the connect fee.
        return 0
    # Rounding up to the next micro-unit: the platform never bills below its rate.
    return connect_fee_micros + _ceil_div(rate_per_minute_micros * billed, 60)


def rate_for(e164_digits: str, prefixes: Mapping[str, int], default: int) -> tuple[str | None, int]:
    """Return the longest prefix of `e164_digits` in `prefixes` and its rate, or (None, default)."""
    # Tolerate a leading '+' so callers cannot miss every prefix by passing raw E.164.
    digits = e164_digits.removeprefix("+")
    # At most 15 dict lookups (E.164 maximum length): cheaper than a trie to maintain.
    for length in range(len(digits), 0, -1):
        prefix = digits[:length]
        if prefix in prefixes:
            return prefix, prefixes[prefix]
    return None, default


def max_affordable_seconds(
    available_micros: int,
    rate_per_minute_micros: int,
    inc: Increment,
    connect_fee_micros: int,
    cap_seconds: int,
) -> int:
    """Return the longest increment-boundary duration <= cap whose charge fits `available`."""
    if rate_per_minute_micros < 0 or connect_fee_micros < 0:
        raise ValueError("rate and connect fee must not be negative")
    if cap_seconds < inc.initial:
        return 0
    # The first increment is the cheapest answered call; if it does not fit, nothing does.
    if charge_micros(rate_per_minute_micros, inc.initial, connect_fee_micros) > available_micros:
        return 0
    limit = cap_seconds
    if rate_per_minute_micros > 0:
        budget = available_micros - connect_fee_micros
        # For an integer budget, ceil(rate * b / 60) <= budget  <=>  rate * b <= 60 * budget,
        # so the largest affordable b is exactly floor(60 * budget / rate): the closed
        # form needs no correction step for the ceiling in charge_micros.
        limit = min(limit, 60 * budget // rate_per_minute_micros)
    # Round down onto the grid initial, initial + subsequent, ...; limit >= initial
    # holds here because the first increment was affordable and within the cap.
    steps = (limit - inc.initial) // inc.subsequent
    return inc.initial + steps * inc.subsequent
