"""What carriers report about a call's end, read field by field from their payloads."""

from __future__ import annotations

from callcenter.domain.errors import InvalidInput

FINAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
MAX_PLAUSIBLE_SECONDS = 7 * 24 * 3600
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


def whole_number(value: object, name: str, *, maximum: int = MAX_ID) -> int:
    """A whole number sent as a JSON number or digits; InvalidInput otherwise."""
    if isinstance(value, bool) or not (isinstance(value, int) or
                                       (isinstance(value, str) and value.isdigit())):
        raise InvalidInput(f"{name} must be a whole number")
    number = int(value)
    if not 0 <= number <= maximum:
        raise InvalidInput(f"{name} is not plausible")
    return number


def whole_seconds(value: object, name: str) -> int:
    """A duration in whole seconds, at most a week; InvalidInput otherwise."""
    if isinstance(value, bool) or not (isinstance(value, int) or
                                       (isinstance(value, str) and value.isdigit())):
        raise InvalidInput(f"{name} must be a whole number of seconds")
    return whole_number(value, name, maximum=MAX_PLAUSIBLE_SECONDS)
