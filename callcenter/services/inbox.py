"""One inbound-event inbox for every provider: each (provider, event id) is taken once.

A webhook's service records the event first, inside the transaction that applies it. A
redelivery finds the key taken and changes nothing; a concurrent delivery of the same
event waits (on PostgreSQL) for the first one's commit and then finds it taken. The
insert is one `INSERT ... ON CONFLICT DO NOTHING RETURNING id`: no savepoint, no
exception. A call report's insert is the first step of the settlement's one statement
(`services.call_store`), with the columns `event_values` gives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.dbsupport import insert_or_skip
from callcenter.models import InboundEvent

_events = InboundEvent.__table__
# Built once: SQLAlchemy compiles it once (both databases have ON CONFLICT DO NOTHING).
_RECORD = (insert_or_skip(_events, "provider", "event_id")
           .values({name: sa.bindparam(name, type_=column.type)
                    for name, column in _events.c.items() if name != "id"})
           .returning(_events.c.id))


class Applied(NamedTuple):
    """What applying an event did, and whose it turned out to be."""

    outcome: str
    tenant_id: int | None = None


def event_values(provider: str, event_id: str, *, type: str,  # noqa: A002
                 payload: dict[str, Any], now: datetime, outcome: str = "received",
                 call_id: int | None = None, tenant_id: int | None = None,
                 object_id: str | None = None,
                 provider_created: int | None = None) -> dict[str, Any]:
    """The inbox row's columns, cut to their lengths."""
    return {"provider": provider, "event_id": event_id[:255], "type": type[:100],
            "outcome": outcome[:32], "call_id": call_id, "tenant_id": tenant_id,
            "object_id": object_id[:255] if object_id else None,
            "provider_created": provider_created, "payload": payload, "received_at": now}


def record(session: Session, provider: str, event_id: str, *, type: str,  # noqa: A002
           payload: dict[str, Any], now: datetime, outcome: str = "received",
           call_id: int | None = None, tenant_id: int | None = None,
           object_id: str | None = None, provider_created: int | None = None) -> int | None:
    """Take the event's key and store it; its row id, or None for a duplicate."""
    values = event_values(provider, event_id, type=type, payload=payload, now=now,
                          outcome=outcome, call_id=call_id, tenant_id=tenant_id,
                          object_id=object_id, provider_created=provider_created)
    return session.execute(_RECORD, values).scalar()


def set_outcome(session: Session, row_id: int, outcome: str, *,
                tenant_id: int | None = None) -> None:
    """Record what applying the event did (and whose it was, once known)."""
    values: dict[str, Any] = {"outcome": outcome[:32]}
    if tenant_id is not None:
        values["tenant_id"] = tenant_id
    session.execute(sa.update(InboundEvent).where(InboundEvent.id == row_id).values(**values)
                    .execution_options(synchronize_session=False))


def unclaimed(session: Session, *, limit: int = 100) -> list[InboundEvent]:
    """Reports about calls nobody authorized, newest first, for an admin to look at."""
    return list(session.scalars(sa.select(InboundEvent)
                                .where(InboundEvent.outcome == "unknown_call")
                                .order_by(InboundEvent.id.desc()).limit(limit)))
