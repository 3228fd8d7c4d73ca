"""Erasure on request: after termination and settlement the owner may have its customer
data erased at once instead of after the retention period.

The owner must first have had the chance to take its data: the export downloaded after
the settlement (recorded here), or an explicit statement that it does not want it. The
request is confirmed, audited, and acted on in the same transaction (`erasure.perform`);
nothing is erased before the settlement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InvalidInput, InvalidState
from callcenter.models import Erasure, Tenant, Termination
from callcenter.services import audit, erasure, termination
from callcenter.services.access import Actor, require_tenant_role


@dataclass(frozen=True)
class Position:
    """Where a tenant stands: may it ask, has it taken its export, was it erased."""

    settled: Termination | None
    erased: Erasure | None

    @property
    def may_request(self) -> bool:
        return self.settled is not None and self.erased is None

    @property
    def export_downloaded(self) -> bool:
        return self.settled is not None and self.settled.export_downloaded_at is not None


def position(session: Session, tenant: Tenant) -> Position:
    """The tenant's settlement (if settled) and erasure record (if erased)."""
    term = termination.for_tenant(session, tenant.id)
    settled = term if term is not None and term.status == "settled" \
        and tenant.status in (lifecycle.TERMINATED, lifecycle.PURGED) else None
    return Position(settled, erasure.record_for(session, tenant.id))


def record_export(session: Session, tenant: Tenant, *, now: datetime) -> None:
    """Note that the export was built after the settlement (it counts for the request)."""
    pos = position(session, tenant)
    if pos.settled is not None and pos.settled.export_downloaded_at is None:
        pos.settled.export_downloaded_at = now


def request(session: Session, actor: Actor, tenant: Tenant, *, confirm: bool,
            declined_export: bool, secret: str, now: datetime) -> Erasure:
    """The owner's confirmed request: erase now. The caller commits."""
    require_tenant_role(actor, tenant.id, ("owner",))
    pos = position(session, tenant)
    if pos.erased is not None:
        raise InvalidState("this tenant's data was already erased")
    if pos.settled is None:
        raise InvalidState("erasure can be requested only after termination and settlement")
    if not confirm:
        raise InvalidInput("confirm the erasure: it cannot be undone",
                           details={"field": "confirm"})
    if not pos.export_downloaded and not declined_export:
        raise InvalidState("download your data export first, or state that you do not "
                           "want it", details={"field": "declined_export"})
    term = pos.settled
    term.erasure_requested_at, term.erasure_requested_by_user_id = now, actor.user_id
    term.export_declined = bool(declined_export) and not pos.export_downloaded
    audit.record(session, actor, "tenant.erasure_request", tenant_id=tenant.id, now=now,
                 export_downloaded=pos.export_downloaded,
                 export_declined=term.export_declined)
    return erasure.perform(session, actor, tenant.id, secret=secret, now=now,
                           trigger="request")
