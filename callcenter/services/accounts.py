"""Account care: the owner's agent users, and everyone's own password.

Disabling an agent or resetting its password ends its page sessions (the user's session
version) and revokes its API tokens; changing one's own password ends the other page
sessions (the caller signs the current one in again with the new version). Every
change is audited; passwords never appear in the audit trail.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InvalidInput, InvalidState, NotFound
from callcenter.models import Seat, Tenant, User
from callcenter.services import audit, auth
from callcenter.services.access import Actor, require_tenant_role

OWNER = ("owner",)


def agents(session: Session, actor: Actor, tenant: Tenant) -> list[User]:
    """The tenant's agent users, active first (owner and admin)."""
    require_tenant_role(actor, tenant.id)
    return list(session.scalars(
        sa.select(User).where(User.tenant_id == tenant.id, User.role == "agent")
        .order_by(User.active.desc(), User.email)))


def agent(session: Session, actor: Actor, tenant: Tenant, user_id: int) -> User:
    """One agent of the tenant; another tenant's user (or any non-agent) is not found."""
    require_tenant_role(actor, tenant.id)
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant.id or user.role != "agent":
        raise NotFound("no such agent")
    return user


def create_agent(session: Session, actor: Actor, tenant: Tenant, *, email: str,
                 password: str, now: datetime) -> User:
    """A new agent user of the tenant with an initial password (the owner's)."""
    require_tenant_role(actor, tenant.id, OWNER)
    if tenant.status in lifecycle.CLOSED:
        raise InvalidState(f"a {tenant.status} account gets no new users")
    user = auth.create_user(session, email=email, password=password, role="agent",
                            tenant_id=tenant.id, now=now)
    audit.record(session, actor, "users.create_agent", tenant_id=tenant.id, now=now,
                 user_id=user.id, email=user.email)
    return user


def _cut_off(session: Session, user: User, now: datetime) -> None:
    auth.end_sessions(session, user.id)
    auth.revoke_tokens(session, user.id, now=now)
    session.refresh(user)


def set_agent_active(session: Session, actor: Actor, tenant: Tenant, user_id: int,
                     active: bool, *, now: datetime) -> User:
    """Disable an agent (its sessions and tokens end, its seats are unassigned) or enable
    it again."""
    require_tenant_role(actor, tenant.id, OWNER)
    user = agent(session, actor, tenant, user_id)
    if user.active == active:
        return user
    if active and tenant.status in lifecycle.CLOSED:
        raise InvalidState(f"a {tenant.status} account gets no users back")
    user.active = active
    if not active:
        session.execute(sa.update(Seat).where(Seat.agent_user_id == user.id)
                        .values(agent_user_id=None)
                        .execution_options(synchronize_session=False))
        _cut_off(session, user, now)
    audit.record(session, actor, "users.enable" if active else "users.disable",
                 tenant_id=tenant.id, now=now, user_id=user.id, email=user.email)
    return user


def reset_agent_password(session: Session, actor: Actor, tenant: Tenant, user_id: int,
                         password: str, *, now: datetime) -> User:
    """The owner sets a new password for an agent; the agent's sessions and tokens end."""
    require_tenant_role(actor, tenant.id, OWNER)
    user = agent(session, actor, tenant, user_id)
    auth.set_password(user, password)
    _cut_off(session, user, now)
    audit.record(session, actor, "users.reset_password", tenant_id=tenant.id, now=now,
                 user_id=user.id, email=user.email)
    return user


def change_own_password(session: Session, actor: Actor, *, current: str, new: str,
                        now: datetime) -> int:
    """Change the actor's own password (the current one is required); every other page
    session ends. Returns the new session version, for the caller's own cookie."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active:
        raise NotFound("no such user")
    if not auth.password_matches(user, current):
        raise InvalidInput("the current password is wrong",
                           details={"field": "current_password"})
    auth.check_password_rules(new, "new_password")
    if auth.password_matches(user, new):
        raise InvalidInput("the new password must differ from the current one",
                           details={"field": "new_password"})
    auth.set_password(user, new)
    version = auth.end_sessions(session, user.id)
    audit.record(session, actor, "users.change_password", tenant_id=user.tenant_id,
                 now=now, user_id=user.id)
    return version
