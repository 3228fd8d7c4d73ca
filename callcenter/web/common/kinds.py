"""The kinds of values request bodies carry: each a parser and the schema it documents.

Also the rate plan's body, which the API and the admin rate editor both parse.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from callcenter.domain.calling_hours import parse_schedule, schedule_to_json
from callcenter.domain.clock import parse_as_of
from callcenter.domain.errors import InvalidInput
from callcenter.domain.money import normalize_currency, parse_amount
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.domain.rating import MAX_INCREMENT_SECONDS, parse_increment
from callcenter.domain.untrusted import clean_text
from callcenter.services import auth, rates
from callcenter.services import number_lists as lists
from callcenter.web.common.inputs import Body, Field, Kind, invalid

_TIMEZONES = frozenset(available_timezones())


def string(*, min_length: int = 0, max_length: int | None = None, example: str | None = None,
           fmt: str | None = None) -> Kind:
    """A string, as sent (services judge its content)."""
    schema: dict[str, Any] = {"type": "string"}
    if min_length:
        schema["minLength"] = min_length
    if max_length:
        schema["maxLength"] = max_length
    if fmt:
        schema["format"] = fmt
    if example is not None:
        schema["example"] = example

    def check(value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise invalid(name, f"{name} must be a string")
        if len(value) < min_length:
            raise invalid(name, f"{name} must be at least {min_length} character(s)")
        if max_length and len(value) > max_length:
            raise invalid(name, f"{name} must be at most {max_length} characters")
        return clean_text(value, name)

    return Kind(schema, check)


def text(max_length: int, *, example: str | None = None) -> Kind:
    """Non-blank text up to `max_length` characters, trimmed."""
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": r"\S"}
    if example is not None:
        schema["example"] = example

    def check(value: Any, name: str) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            raise invalid(name, f"{name} is required (text up to {max_length} characters)")
        return clean_text(value.strip(), name)

    return Kind(schema, check)


def choice(*values: str | int) -> Kind:
    """One of `values` (booleans are not numbers here)."""
    schema = {"type": "integer" if isinstance(values[0], int) else "string",
              "enum": list(values)}

    def check(value: Any, name: str) -> Any:
        if isinstance(value, bool) or value not in values:
            raise invalid(name, f"{name} must be one of: {', '.join(map(str, values))}")
        return value

    return Kind(schema, check)


def boolean() -> Kind:
    """true or false (no 0/1, no strings)."""
    def check(value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise invalid(name, f"{name} must be true or false")
        return value

    return Kind({"type": "boolean"}, check)


def integer(minimum: int, maximum: int) -> Kind:
    """A whole number from `minimum` to `maximum`."""
    def check(value: Any, name: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) \
                or not minimum <= value <= maximum:
            raise invalid(name, f"{name} must be a whole number from {minimum} to {maximum}")
        return value

    return Kind({"type": "integer", "minimum": minimum, "maximum": maximum}, check)


def array(item: Kind, *, max_items: int, min_items: int = 0) -> Kind:
    """A JSON list of `item` values, `min_items` to `max_items` long."""
    def check(value: Any, name: str) -> list:
        if not isinstance(value, list) or not min_items <= len(value) <= max_items:
            raise invalid(name, f"{name} must be a list of {min_items} to {max_items} items")
        return [item.parse(v, f"{name}[{i}]") for i, v in enumerate(value)]

    schema: dict[str, Any] = {"type": "array", "items": dict(item.schema),
                              "maxItems": max_items}
    if min_items:
        schema["minItems"] = min_items
    return Kind(schema, check)


def amount(*, allow_zero: bool = False, example: str = "12.50") -> Kind:
    """A decimal string ("12.50", up to 6 decimals) as integer micro-units."""
    return Kind({"type": "string", "format": "decimal", "example": example,
                 "description": "decimal string, up to 6 decimals"
                                + ("" if allow_zero else ", above zero")},
                lambda value, name: parse_amount(value, field=name, allow_zero=allow_zero))


def signed_amount(*, example: str = "-12.50") -> Kind:
    """A non-zero decimal string that may start with "-", as signed micro-units."""
    def check(value: Any, name: str) -> int:
        negative = isinstance(value, str) and value.startswith("-")
        micros = parse_amount(value[1:] if negative else value, field=name)
        return -micros if negative else micros

    return Kind({"type": "string", "format": "decimal", "example": example,
                 "pattern": r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?$",
                 "description": "signed decimal string, up to 6 decimals, not zero"}, check)


def percent() -> Kind:
    """A percentage string ("0.5", up to 4 decimals, at most 100) as parts per million."""
    def check(value: Any, name: str) -> int:
        micros = parse_amount(value, field=name, allow_zero=True)
        if micros > 100 * 1_000_000:
            raise invalid(name, f"{name} must be at most 100")
        if micros % 100:
            raise invalid(name, f"{name} takes at most 4 decimals")
        return micros // 100

    return Kind({"type": "string", "format": "decimal", "example": "0.5",
                 "description": "percent, up to 4 decimals, at most 100"}, check)


def tax_rate() -> Kind:
    """A tax rate as a decimal fraction ("0.06", up to 6 decimals, at most 1) as ppm."""
    def check(value: Any, name: str) -> int:
        ppm = parse_amount(value, field=name, allow_zero=True)  # 6 decimals: micros = ppm
        if ppm > 1_000_000:
            raise invalid(name, f"{name} must be at most 1")
        return ppm

    return Kind({"type": "string", "format": "decimal", "example": "0.06",
                 "description": "fraction, up to 6 decimals, at most 1"}, check)


def _increment(value: Any, name: str):
    try:
        return parse_increment(value)
    except ValueError as exc:
        raise invalid(name, f"{name}: {exc}") from exc


INCREMENT = Kind({"type": "string", "pattern": r"^\s*[0-9]{1,9}\s*/\s*[0-9]{1,9}\s*$",
                  "example": "6/6",
                  "description": "initial/subsequent billing increment in seconds, each "
                                 f"1 to {MAX_INCREMENT_SECONDS}"},
                 _increment)


def _moment(value: Any, name: str):
    try:
        return parse_as_of(value)
    except InvalidInput:
        raise invalid(name, f"{name} must be an ISO 8601 date or time") from None


MOMENT = Kind({"type": "string", "format": "date-time", "example": "2026-03-02T14:00:00Z",
               "description": "ISO 8601; a date means its start, no zone means UTC"}, _moment)


def _timezone(value: Any, name: str) -> str:
    if not isinstance(value, str) or value not in _TIMEZONES:
        raise invalid(name, f"{name} must be an IANA name such as \"Asia/Shanghai\"")
    return value


TIMEZONE = Kind({"type": "string", "example": "Asia/Shanghai"}, _timezone)


def _currency(value: Any, name: str) -> str:
    try:
        return normalize_currency(value)
    except InvalidInput as exc:
        raise invalid(name, exc.message) from None


CURRENCY = Kind({"type": "string", "example": "USD", "description": "ISO 4217 code"},
                _currency)


def _email(value: Any, name: str) -> str:
    try:
        return auth.normalize_email(value)
    except InvalidInput as exc:
        raise invalid(name, exc.message) from None


EMAIL = Kind({"type": "string", "format": "email", "example": "owner@example.com"}, _email)
PASSWORD = Kind({"type": "string", "minLength": auth.MIN_PASSWORD, "maxLength": 200,
                 "format": "password"}, auth.check_password_rules)


def _schedule(value: Any, name: str) -> dict:
    try:
        return schedule_to_json(parse_schedule(value))
    except ValueError as exc:
        raise invalid(name, f"{name}: {exc}") from exc


SCHEDULE = Kind({"type": "object", "example": {"mon": [["09:00", "18:00"]]},
                 "description": "day (mon..sun) -> [[start, end], ...] in local time; "
                                "a missing day means no calls"}, _schedule)
NUMBERS = Kind({"type": "array", "items": {"type": "string"}, "minItems": 1,
                "maxItems": lists.MAX_ROWS, "example": ["+14155550123"]},
               lambda value, name: lists.rows_from_numbers(value))


_MESSAGING_SERVICE = re.compile(r"MG[0-9a-fA-F]{32}")


def _sender(value: Any, name: str) -> str:
    if isinstance(value, str) and _MESSAGING_SERVICE.fullmatch(value.strip()):
        return value.strip()
    try:
        return normalize_number(value)
    except InvalidNumber:
        raise invalid(name, f"{name} must be an E.164 number or a Messaging Service SID "
                            "(MG...)") from None


SENDER = Kind({"type": "string", "example": "+14155550100",
               "description": "E.164 number or Twilio Messaging Service SID"}, _sender)


def number_list(max_items: int) -> Kind:
    """A non-empty list of phone numbers as strings (services judge each number)."""
    def check(value: Any, name: str) -> list[str]:
        if not isinstance(value, list) or not value or len(value) > max_items:
            raise invalid(name, f"{name} must be a list of 1 to {max_items} numbers")
        if not all(isinstance(item, str) for item in value):
            raise invalid(name, f"{name} must list numbers as strings")
        return value

    return Kind({"type": "array", "items": {"type": "string"}, "minItems": 1,
                 "maxItems": max_items, "example": ["+14155550123", "+8613800138000"]}, check)


def _prefix(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() \
            or not 1 <= len(value) <= 15:
        raise invalid(name, f"{name} must be 1-15 digits (no +)")
    return value


def _rate_prefix(prefix: str, per_minute: int | None, sms_per_segment: int | None):
    if per_minute is None and sms_per_segment is None:
        raise InvalidInput("a prefix needs per_minute, sms_per_segment or both",
                           details={"field": "per_minute"})
    return prefix, per_minute, sms_per_segment


RATE_PREFIX = Body("RatePrefix", (
    Field("prefix", Kind({"type": "string", "pattern": "^[0-9]{1,15}$", "example": "4420",
                          "description": "leading digits of the E.164 number, no +"},
                         _prefix), required=True),
    Field("per_minute", amount(allow_zero=True, example="0.015"),
          description="calls to this prefix; absent: a shorter prefix or the default"),
    Field("sms_per_segment", amount(allow_zero=True, example="0.04"),
          description="one SMS segment to this prefix; absent: a shorter prefix or the "
                      "default"),
), build=_rate_prefix)


def _rate_table(value: Any, name: str) -> tuple[dict[str, int], dict[str, int]]:
    """The prefix list as two tables: per-minute call rates and per-segment SMS prices."""
    if not isinstance(value, list) or len(value) > rates.MAX_PREFIXES:
        raise invalid(name, f"{name} must be a list of at most {rates.MAX_PREFIXES} entries")
    calls: dict[str, int] = {}
    sms: dict[str, int] = {}
    seen: set[str] = set()
    for i, item in enumerate(value):
        prefix, per_minute, per_segment = RATE_PREFIX.parse(
            item if isinstance(item, dict) else {}, path=f"{name}[{i}].")
        if prefix in seen:
            raise invalid(f"{name}[{i}].prefix", f"prefix {prefix} is listed twice")
        seen.add(prefix)
        if per_minute is not None:
            calls[prefix] = per_minute
        if per_segment is not None:
            sms[prefix] = per_segment
    return calls, sms


def _rates(*, prefixes: tuple[dict[str, int], dict[str, int]], **values: Any) -> rates.Rates:
    return rates.Rates(prefixes=prefixes[0], sms_prefixes=prefixes[1], **values)


# Shared by `PUT /tenants/{id}/rates` and the admin rate editor page.
RATE_PLAN = Body("RatePlan", (
    Field("default_per_minute", amount(allow_zero=True, example="0.02"), required=True,
          into="default_per_minute_micros"),
    Field("billing_increment", INCREMENT, default="60/60", into="increment"),
    Field("connect_fee", amount(allow_zero=True, example="0.01"), default="0",
          into="connect_fee_micros"),
    Field("sms_per_segment", amount(allow_zero=True, example="0.0075"),
          into="sms_per_segment_micros",
          description="price of one SMS segment; absent: this plan sells no SMS"),
    Field("prefixes", Kind({"type": "array", "maxItems": rates.MAX_PREFIXES,
                            "items": RATE_PREFIX.schema()}, _rate_table), default=[]),
    Field("seat_price_monthly", amount(allow_zero=True, example="30.00"),
          into="seat_price_monthly_micros",
          description="monthly rent of one seat; absent: the seat price stays as it is"),
    Field("effective_at", MOMENT,
          description="when the plan takes effect; default now. A plan that raises any "
                      "price takes effect PRICE_NOTICE_DAYS after publication at the "
                      "earliest, unless tenant_consent"),
    Field("tenant_consent", boolean(), default=False,
          description="the tenant agreed to a raise on shorter notice (audited; needs "
                      "consent_note)"),
    Field("consent_note", text(500, example="Signed addendum of 2026-11-20"),
          description="how the tenant agreed"),
), build=_rates)
