"""Maintenance notices: admins schedule them; affected tenants see and get them by mail.

A notice is published when it is scheduled and shown on the dashboards of the tenants
it concerns (all, or the listed ones) until it ends. Its mail is one background job
(`notice.mail`) written with the notice, which fans out one outbox mail per owner of
each affected open account, each under its own dedupe key, so a repeated run sends
nobody a second copy and scheduling a notice for thousands of tenants stays one quick
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.clock import system_clock
from callcenter.domain.errors import InvalidInput, ShortNotice
from callcenter.models import Notice, NoticeTenant, Tenant, User
from callcenter.services import audit, background, mail, mail_texts
from callcenter.services.access import Actor, require_admin
from callcenter.services.uow import UnitOfWork

FANOUT = "notice.mail"
TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class NoticeDraft:
    """A notice as an admin asks for it (`tenant_ids` None: every tenant)."""

    starts_at: datetime
    ends_at: datetime
    message: str
    services: list[str] | None = None
    tenant_ids: list[int] | None = None
    override_short_notice: bool = False


def _check(session: Session, draft: NoticeDraft, now: datetime) -> list[int] | None:
    if draft.ends_at <= draft.starts_at:
        raise InvalidInput("ends_at must be after starts_at", details={"field": "ends_at"})
    if draft.ends_at <= now:
        raise InvalidInput("ends_at is in the past", details={"field": "ends_at"})
    if not draft.message.strip():
        raise InvalidInput("message is required", details={"field": "message"})
    if draft.tenant_ids is None:
        return None
    ids = sorted(set(draft.tenant_ids))
    if not ids:
        raise InvalidInput("tenant_ids lists no tenant; leave it out to notify every tenant",
                           details={"field": "tenant_ids"})
    known = set(session.scalars(sa.select(Tenant.id).where(Tenant.id.in_(ids))))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidInput(f"no such tenant: {', '.join(map(str, unknown))}",
                           details={"field": "tenant_ids", "unknown": unknown})
    return ids


def schedule(uow: UnitOfWork, actor: Actor, draft: NoticeDraft, *, now: datetime,
             min_notice_hours: int) -> Notice:
    """Publish a notice and queue its mail; sooner than `min_notice_hours` ahead needs
    the override, which is audited. The caller commits."""
    require_admin(actor)
    session = uow.session
    tenant_ids = _check(session, draft, now)
    ahead = draft.starts_at - now
    short = ahead < timedelta(hours=min_notice_hours)
    if short and not draft.override_short_notice:
        raise ShortNotice(
            f"maintenance must be announced at least {min_notice_hours} hours ahead; "
            "send override_short_notice to publish it anyway",
            details={"min_notice_hours": min_notice_hours,
                     "hours_ahead": round(ahead.total_seconds() / 3600, 1)})
    notice = Notice(starts_at=draft.starts_at, ends_at=draft.ends_at,
                    message=draft.message.strip(), services=sorted(set(draft.services or [])),
                    all_tenants=tenant_ids is None, short_notice=short,
                    created_by=actor.user_id, published_at=now, created_at=now)
    session.add(notice)
    session.flush()
    session.add_all([NoticeTenant(notice_id=notice.id, tenant_id=t) for t in tenant_ids or []])
    details: dict[str, Any] = {"notice_id": notice.id, "starts_at": draft.starts_at.isoformat(),
                               "ends_at": draft.ends_at.isoformat(),
                               "tenants": tenant_ids or "all"}
    audit.record(session, actor, "notice.schedule", now=now, **details)
    if short:
        audit.record(session, actor, "notice.short_notice_override", now=now,
                     hours_ahead=round(ahead.total_seconds() / 3600, 1),
                     min_notice_hours=min_notice_hours, **details)
    background.enqueue(uow, FANOUT, {"notice_id": notice.id}, now=now,
                       dedupe_key=f"notice:{notice.id}")
    session.flush()
    return notice


def _concerns(tenant_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(Notice.all_tenants.is_(True),
                  sa.exists().where(NoticeTenant.notice_id == Notice.id,
                                    NoticeTenant.tenant_id == tenant_id))


def current_for(session: Session, tenant_id: int, *, now: datetime) -> list[Notice]:
    """The notices a tenant sees now: published, not ended, for all or for it."""
    return list(session.scalars(
        sa.select(Notice).where(Notice.published_at <= now, Notice.ends_at > now,
                                _concerns(tenant_id))
        .order_by(Notice.starts_at, Notice.id)))


def visible(session: Session, actor: Actor, *, now: datetime, before_id: int | None = None,
            limit: int = 50) -> list[Notice]:
    """Admins: every notice, newest first; tenant users: their tenant's current ones."""
    if not actor.is_admin:
        return current_for(session, actor.tenant_id, now=now)
    stmt = sa.select(Notice)
    if before_id is not None:
        stmt = stmt.where(Notice.id < before_id)
    return list(session.scalars(stmt.order_by(Notice.id.desc()).limit(limit)))


def tenant_ids(session: Session, notice_ids: list[int]) -> dict[int, list[int]]:
    """The tenants each listed notice names (empty for notices to all tenants)."""
    found: dict[int, list[int]] = {i: [] for i in notice_ids}
    if notice_ids:
        for nid, tid in session.execute(
                sa.select(NoticeTenant.notice_id, NoticeTenant.tenant_id)
                .where(NoticeTenant.notice_id.in_(notice_ids))
                .order_by(NoticeTenant.tenant_id)):
            found[nid].append(tid)
    return found


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(TIME_FORMAT)


@background.handler(FANOUT)
def mail_owners(uow: UnitOfWork, job: background.Claimed, context: dict[str, Any]) -> None:
    """One mail per owner of each open account the notice concerns, times in its zone."""
    session = uow.session
    notice = session.get(Notice, job.payload["notice_id"])
    if notice is None:
        return
    now = ((context.get("config") or {}).get("CLOCK") or system_clock)()
    stmt = (sa.select(Tenant.id, Tenant.timezone, User.id, User.email, User.locale)
            .join(User, sa.and_(User.tenant_id == Tenant.id, User.role == "owner",
                                User.active.is_(True)))
            .where(Tenant.status.in_(lifecycle.OPEN))
            .order_by(Tenant.id, User.id))
    if not notice.all_tenants:
        stmt = stmt.where(Tenant.id.in_(sa.select(NoticeTenant.tenant_id)
                                        .where(NoticeTenant.notice_id == notice.id)))
    for tenant_id, zone, user_id, email, locale in session.execute(stmt).all():
        subject, body = mail_texts.notice(
            locale=locale,
            starts=_local(notice.starts_at, zone), ends=_local(notice.ends_at, zone),
            timezone=zone, services=list(notice.services or []), message=notice.message)
        mail.queue(uow, to=[email], subject=subject, body=body, topic="notice",
                   now=now, tenant_id=tenant_id, path="/portal/",
                   dedupe_key=f"notice:{notice.id}:user:{user_id}")
