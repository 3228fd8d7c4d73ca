"""What carriers report about a call's end, read field by field from their payloads."""

from __future__ import annotations

from callcenter.domain.errors import InvalidInput
from callcenter.domain.untrusted import MAX_ID, ascii_digits

FINAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
MAX_PLAUSIBLE_SECONDS = 7 * 24 * 3600


def _digits_or_int(value: object, name: str, what: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or ascii_digits(value)):
        raise InvalidInput(f"{name} must be {what}")
    return int(value)  # type: ignore[arg-type]


def whole_number(value: object, name: str, *, maximum: int = MAX_ID) -> int:
    """A whole number sent as a JSON number or ASCII digits; InvalidInput otherwise."""
    number = _digits_or_int(value, name, "a whole number")
    if not 0 <= number <= maximum:
        raise InvalidInput(f"{name} is not plausible")
    return number


def reported_seconds(value: object, name: str) -> int:
    """A provider's reported duration: whole seconds; one beyond a week counts as a week.

    The call is then charged at most its hold and flagged over the limit: answering 400
    would leave the hold open and the provider retrying forever.
    """
    seconds = _digits_or_int(value, name, "a whole number of seconds")
    if seconds < 0:
        raise InvalidInput(f"{name} cannot be negative")
    return min(seconds, MAX_PLAUSIBLE_SECONDS)
