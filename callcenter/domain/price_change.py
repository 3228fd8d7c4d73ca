"""What a new rate plan changes, item by item, and which changes are raises.

A raise needs notice (services/rates.py); the same list is what the tenant is told, old
and new prices side by side. Prefix prices are compared at every prefix either plan
names: a number's price under a plan is the price of the longest listed prefix it starts
with, so comparing at the union of prefixes (and the default) covers every number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.domain.rating import rate_for


@dataclass(frozen=True)
class Prices:
    """Everything a tenant pays under one plan, in micro-units."""

    per_minute: int
    increment: tuple[int, int]  # (initial, subsequent) seconds
    connect_fee: int
    prefixes: dict[str, int] = field(default_factory=dict)
    sms_per_segment: int | None = None  # None: no SMS sold
    sms_prefixes: dict[str, int] = field(default_factory=dict)
    seat_price_monthly: int = 0


@dataclass(frozen=True)
class Change:
    """One price that differs: `item` names it ("per_minute", "per_minute:44",
    "billing_increment", "connect_fee", "sms_per_segment", "sms_per_segment:86",
    "seat_price_monthly"); money values in micro-units, the increment as "60/60"."""

    item: str
    old: int | str | None
    new: int | str | None
    raised: bool

    @property
    def is_money(self) -> bool:
        return self.item != "billing_increment"


def _table(item: str, old: dict[str, int], old_default: int, new: dict[str, int],
           new_default: int) -> list[Change]:
    out = []
    if old_default != new_default:
        out.append(Change(item, old_default, new_default, new_default > old_default))
    for prefix in sorted({*old, *new}):
        before, after = rate_for(prefix, old, old_default)[1], rate_for(prefix, new, new_default)[1]
        if before != after:
            out.append(Change(f"{item}:{prefix}", before, after, after > before))
    return out


def changes(old: Prices, new: Prices) -> list[Change]:
    """Every price `new` changes against `old`, raises flagged."""
    out = _table("per_minute", old.prefixes, old.per_minute, new.prefixes, new.per_minute)
    if old.increment != new.increment:
        # Longer increments bill more seconds for the same call.
        raised = new.increment[0] > old.increment[0] or new.increment[1] > old.increment[1]
        out.append(Change("billing_increment", "{}/{}".format(*old.increment),
                          "{}/{}".format(*new.increment), raised))
    if old.connect_fee != new.connect_fee:
        out.append(Change("connect_fee", old.connect_fee, new.connect_fee,
                          new.connect_fee > old.connect_fee))
    if old.sms_per_segment is not None and new.sms_per_segment is not None:
        out += _table("sms_per_segment", old.sms_prefixes, old.sms_per_segment,
                      new.sms_prefixes, new.sms_per_segment)
    elif old.sms_per_segment != new.sms_per_segment:
        # Starting or stopping SMS sales is a change, not a raise of a price paid before.
        out.append(Change("sms_per_segment", old.sms_per_segment, new.sms_per_segment, False))
    if old.seat_price_monthly != new.seat_price_monthly:
        out.append(Change("seat_price_monthly", old.seat_price_monthly, new.seat_price_monthly,
                          new.seat_price_monthly > old.seat_price_monthly))
    return out


def raises(old: Prices, new: Prices) -> list[Change]:
    """The changes that make something dearer."""
    return [c for c in changes(old, new) if c.raised]
