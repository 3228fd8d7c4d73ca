"""Checks on untrusted input shared by every edge (API, pages, webhooks, provider payloads).

What a caller sends must be refused with a 400 before it can reach the database as a
value the database refuses (a 500, which a provider retries forever): ids beyond the
32-bit id columns, NUL bytes and other control characters in text, lone surrogates
(not encodable as UTF-8), digits outside ASCII (`"²".isdigit()` is true, `int("²")`
fails), JSON nested deeper than any body we accept, and duplicate JSON keys (the last
one silently winning is how `{"amount": "1", "amount": "1000"}` credits 1,000).
"""

from __future__ import annotations

import json
import re
from typing import Any

from callcenter.domain.errors import InvalidInput

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns
MAX_OFFSET = 2**31 - 1
MAX_JSON_DEPTH = 32

# C0 controls except tab, newline and carriage return; DEL; C1 controls; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def ascii_digits(value: object) -> bool:
    """True for a non-empty string of the digits 0-9 only."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def bad_characters(value: str) -> bool:
    """True if `value` holds a control character (tab and line breaks aside) or a lone
    surrogate: nothing a person types, and NUL cannot be stored in PostgreSQL text."""
    return _FORBIDDEN.search(value) is not None


def clean_text(value: str, name: str) -> str:
    """`value`, or InvalidInput naming the field when it holds forbidden characters."""
    if bad_characters(value):
        raise InvalidInput(f"{name} contains control characters",
                           details={"field": name})
    return value


def parse_id(raw: object, name: str, *, maximum: int = MAX_ID) -> int:
    """An id (or offset) sent as ASCII digits, within the column's range; else InvalidInput."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif ascii_digits(raw):
        number = int(raw)  # type: ignore[arg-type]
    else:
        raise InvalidInput(f"{name} must be a whole number", details={"field": name})
    if not 0 <= number <= maximum:
        raise InvalidInput(f"{name} must be from 0 to {maximum}", details={"field": name})
    return number


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidInput(f"the JSON object has the key {key!r} twice",
                               details={"field": key})
        out[key] = value
    return out


def check_tree(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Walk parsed JSON without recursion: refuse deep nesting and forbidden characters."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if bad_characters(node):
                raise InvalidInput("text in the body contains control characters")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > max_depth:
            raise InvalidInput(f"the JSON is nested deeper than {max_depth} levels")
        if isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((value, depth + 1) for value in node.values())
        else:
            stack.extend((value, depth + 1) for value in node)
    return data


def strict_json(raw: str | bytes) -> Any:
    """Parse a JSON body: no duplicate keys, no deep nesting, no control characters.

    Raises InvalidInput (not ValueError) so the refusal keeps its reason even where the
    caller parses leniently; malformed JSON raises ValueError as `json.loads` does.
    """
    try:
        data = json.loads(raw, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise InvalidInput(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels") \
            from None
    return check_tree(data)


_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text a tenant typed that starts like a
    formula (`=HYPERLINK(...)`, `+`, `-`, `@`) gets a leading `'`. Plain numbers, signed
    amounts and E.164 phone numbers stay as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
