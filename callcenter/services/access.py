"""Who is acting, and the one place tenant-owned lookups are scoped."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from callcenter.domain.errors import Forbidden, NotFound
from callcenter.models import Tenant


@dataclass(frozen=True)
class Actor:
    """The signed-in user as services see it."""

    user_id: int | None  # None: the platform itself (scheduled jobs)
    role: str
    tenant_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require_admin(actor: Actor) -> None:
    """Only platform admins may go on."""
    if not actor.is_admin:
        raise Forbidden("only platform admins may do this")


def require_role(actor: Actor, roles: tuple[str, ...]) -> None:
    """The actor's role is one of `roles` (checked before a request's body is read)."""
    if actor.role not in roles:
        raise Forbidden("your role does not allow this")


def visible_tenant_id(actor: Actor, tenant_id: int) -> int:
    """The tenant id if the actor may see it; another tenant's id is simply not found."""
    if not actor.is_admin and actor.tenant_id != tenant_id:
        raise NotFound("tenant not found")
    return tenant_id


def require_tenant_role(actor: Actor, tenant_id: int | None,
                        roles: tuple[str, ...] = ("admin", "owner")) -> None:
    """The actor may write to this tenant with one of `roles`; the platform's own lists
    (tenant None) are for admins; another tenant's is not found."""
    if tenant_id is None:
        require_admin(actor)
        return
    visible_tenant_id(actor, tenant_id)
    if actor.role not in roles:
        raise Forbidden("your role does not allow this")


def tenant_for(session: Session, actor: Actor, tenant_id: int, *,
               roles: tuple[str, ...] = ("admin", "owner", "agent")) -> Tenant:
    """Load a tenant the actor may act on with one of `roles`; 404 before 403."""
    visible_tenant_id(actor, tenant_id)
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    if actor.role not in roles:
        raise Forbidden("your role does not allow this")
    return tenant


SYSTEM = Actor(user_id=None, role="admin", tenant_id=None)
