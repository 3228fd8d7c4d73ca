"""Phone number normalization and callee metadata (pure: no I/O, no clock).

Everything downstream (rating prefixes, consent and do-not-call lists, calling hours)
keys on the E.164 form, so numbers are normalized once, at the edge, with the same
library that later answers "where is this callee".
"""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import timezone as pn_timezone

from callcenter.domain.errors import N_

# phonenumbers answers this placeholder when it knows no zone for the number
# (non-geographic ranges such as +800 international freephone).
_UNKNOWN_ZONE = "Etc/Unknown"

# Regions phonenumbers uses for "no country": non-geographic entities and unknown.
_NO_COUNTRY = frozenset({"001", "ZZ"})


class InvalidNumber(ValueError):
    """The input is not a valid phone number; maps to the `invalid_number` reason.

    Like a DomainError built with `.of`, it keeps a translatable `template` and `params`.
    """

    code = "invalid_number"

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.template, self.params = template, params


def _parse(raw: str, default_region: str | None = None) -> phonenumbers.PhoneNumber:
    """Parse and validate, raising InvalidNumber for anything unusable."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidNumber(N_("phone number is empty"))
    region = default_region.upper() if default_region else None
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        # phonenumbers' own wording ("(0) Missing or invalid default region.") is for
        # developers: say what to write instead.
        raise InvalidNumber(N_("not a phone number: %(number)s; write it with its country "
                               "code, such as +44 20 7946 0000"),
                            number=repr(raw.strip()[:40])) from exc
    # is_valid (not merely is_possible) so that unallocated ranges are caught before
    # they cost money or pollute consent lists.
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber(N_("not a valid phone number: %(number)s"), number=repr(raw))
    return number


def normalize_number(raw: str, default_region: str | None = None) -> str:
    """Return `raw` in E.164 form; national formats need `default_region` (e.g. "US")."""
    if not isinstance(raw, str):  # an unhashable input must not reach the cache
        raise InvalidNumber("phone number is empty")
    return _normalized(raw, default_region)


# Parsing is the costly part of a call's compliance check and the answers never change
# for a given string, so each process keeps the recent ones (a few MB at most).
@functools.lru_cache(maxsize=65536)
def _normalized(raw: str, default_region: str | None) -> str:
    number = _parse(raw, default_region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=65536)
def callee_timezones(e164: str) -> tuple[str, ...]:
    """IANA zones the number may ring in; empty when phonenumbers does not know."""
    number = _parse(e164)
    zones = pn_timezone.time_zones_for_number(number)
    return tuple(zone for zone in zones if zone != _UNKNOWN_ZONE)


@functools.lru_cache(maxsize=65536)
def callee_country(e164: str) -> str | None:
    """ISO 3166 alpha-2 country of the number, or None for non-geographic numbers."""
    region = phonenumbers.region_code_for_number(_parse(e164))
    return None if region is None or region in _NO_COUNTRY else region
