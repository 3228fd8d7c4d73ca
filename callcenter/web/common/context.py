"""Request-scoped helpers: the clock, the unit of work, the acting user and tenant.

The acting user and the tenant a request acts on are resolved here and nowhere else:
API views and pages alike call `actor()` and `acting_tenant()` / `own_tenant()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import wraps
from typing import TypeVar

from flask import abort, current_app, flash, g, request
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from callcenter.domain.clock import system_clock
from callcenter.domain.errors import DomainError, InvalidInput, Unauthorized
from callcenter.extensions import db
from callcenter.models import Tenant
from callcenter.services.access import Actor, tenant_for
from callcenter.services.auth import ThrottlePolicy
from callcenter.services.compliance import CompliancePolicy, policy_from_config
from callcenter.services.group_commit import Committer
from callcenter.services.uow import UnitOfWork
from callcenter.web.common.i18n import error_text

T = TypeVar("T")


def now() -> datetime:
    """The injected clock (tests) or the system clock."""
    clock = current_app.config.get("CLOCK") or system_clock
    return clock()


def uow() -> UnitOfWork:
    """This request's unit of work over the app's session."""
    here = g._get_current_object()  # once: every request that writes runs this (hot path)
    found = here.get("uow")
    if found is None:
        found = here.uow = UnitOfWork(db.session)
    return found


def session() -> Session:
    """The request's session, for the services a view calls (views run no SQL)."""
    return uow().session


def commit() -> None:
    """End the request's business transaction; its after-commit effects run next."""
    uow().commit()


def rollback() -> None:
    """Undo the request's transaction and drop its effects."""
    uow().rollback()


def actor() -> Actor:
    """The acting user: the API token's owner, or the signed-in page user."""
    user = getattr(g, "api_user", None)
    if user is None:
        if not current_user.is_authenticated:
            raise Unauthorized("sign in first")
        user = current_user
    return Actor(user_id=user.id, role=user.role, tenant_id=user.tenant_id)


def acting_tenant(tenant_id: int, roles: tuple[str, ...] = ("admin", "owner", "agent")
                  ) -> Tenant:
    """The tenant the actor acts on: another tenant's is not found, a wrong role forbidden."""
    return tenant_for(db.session, actor(), tenant_id, roles=roles)


def own_tenant(roles: tuple[str, ...] = ("owner", "agent")) -> Tenant:
    """A tenant page's tenant: the signed-in user's own; other roles get a 404 page."""
    if current_user.role not in roles:
        abort(404)
    return acting_tenant(current_user.tenant_id, roles)


def admin_required(view):
    """Signed in as a platform admin, or 404 (admin pages do not announce themselves)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.role != "admin":
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def json_body() -> dict:
    """The request's JSON object, or a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    return data


def form_action(action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a page form's use case and commit; on a domain error roll back and flash it."""
    try:
        result = action()
        commit()
    except DomainError as exc:
        rollback()
        flash(error_text(exc), "error")
        return False, None
    return True, result


def manual_topup_limit() -> int:
    """MAX_MANUAL_TOPUP in micro-units: manual credits above it are refused."""
    from callcenter.domain.money import parse_amount

    return parse_amount(str(current_app.config["MAX_MANUAL_TOPUP"]))


def idempotency_key() -> str | None:
    """The client's Idempotency-Key header, if sent (1 to 100 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 100:
        raise InvalidInput("Idempotency-Key must be 1 to 100 characters")
    return key


def client_ip() -> str:
    """The client's address; behind `TRUSTED_PROXIES` proxies, as the first one saw it."""
    return request.remote_addr or "unknown"


def throttle_policy() -> ThrottlePolicy:
    """The sign-in throttle's settings."""
    cfg = current_app.config
    return ThrottlePolicy(account_free=cfg["LOGIN_MAX_FAILURES_PER_EMAIL"],
                          client_free=cfg["LOGIN_MAX_FAILURES_PER_IP"],
                          account_max_delay=cfg["LOGIN_MAX_DELAY_PER_EMAIL"],
                          client_max_delay=cfg["LOGIN_MAX_DELAY_PER_IP"],
                          window=cfg["LOGIN_WINDOW_SECONDS"])


def compliance_policy() -> CompliancePolicy:
    """The platform's calling-hours policy, parsed from the configuration once per app."""
    policy = current_app.extensions.get("compliance_policy")
    if policy is None:
        policy = policy_from_config(current_app.config)
        current_app.extensions["compliance_policy"] = policy
    return policy


def group_committer() -> Committer | None:
    """The process's group committer when this request may use one: PostgreSQL,
    GROUP_COMMIT on, and a threaded server (others settle one request at a time, so a
    batch would only ever hold one piece). None: run the work in the request."""
    if not request.environ.get("wsgi.multithread"):
        return None
    app = current_app._get_current_object()  # noqa: SLF001 - the app the thread serves
    found = app.extensions.get("group_commit", _UNSET)
    if found is _UNSET:
        with _COMMITTER_MADE:  # the worker's threads start together: make one, once
            found = app.extensions.get("group_commit", _UNSET)
            if found is _UNSET:
                found = None
                if app.config.get("GROUP_COMMIT") and db.engine.dialect.name == "postgresql":
                    found = Committer(_batch_scope(app),
                                      max_batch=app.config.get("GROUP_COMMIT_MAX", 64))
                app.extensions["group_commit"] = found
    return found


_UNSET = object()
_COMMITTER_MADE = threading.Lock()


def _batch_scope(app) -> Callable[[], AbstractContextManager[Session]]:
    """A batch's session: the app's scoped session in an app context of its own."""

    @contextmanager
    def scope() -> Iterator[Session]:
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    return scope
