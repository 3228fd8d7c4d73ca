"""Request-scoped helpers: the clock, the acting user, the one commit per request."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import current_app, flash, g, request
from flask_login import current_user

from callcenter.domain.calling_hours import PLATFORM_CAP, parse_schedule
from callcenter.domain.clock import system_clock
from callcenter.domain.errors import DomainError, InvalidInput, Unauthorized
from callcenter.extensions import db
from callcenter.services.access import Actor
from callcenter.services.compliance import CompliancePolicy

T = TypeVar("T")


def now() -> datetime:
    """The injected clock (tests) or the system clock."""
    clock = current_app.config.get("CLOCK") or system_clock
    return clock()


def actor() -> Actor:
    """The acting user: the API token's owner, or the signed-in page user."""
    user = getattr(g, "api_user", None)
    if user is None:
        if not current_user.is_authenticated:
            raise Unauthorized("sign in first")
        user = current_user
    return Actor(user_id=user.id, role=user.role, tenant_id=user.tenant_id)


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
        db.session.rollback()
        flash(exc.message, "error")
        return False, None
    return True, result


def commit() -> None:
    """End the request's business transaction."""
    db.session.commit()


def idempotency_key() -> str | None:
    """The client's Idempotency-Key header, if sent (1 to 100 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 100:
        raise InvalidInput("Idempotency-Key must be 1 to 100 characters")
    return key


def client_ip() -> str:
    """The client address as the first trusted proxy saw it."""
    return request.remote_addr or "unknown"


def compliance_policy() -> CompliancePolicy:
    """The platform's calling-hours policy, parsed from the configuration once per app."""
    policy = current_app.extensions.get("compliance_policy")
    if policy is None:
        cfg = current_app.config
        cap = cfg.get("CALLING_HOURS_CAP")
        policy = CompliancePolicy(
            cap=parse_schedule(json.loads(cap)) if cap else PLATFORM_CAP,
            unknown_zone_policy=cfg.get("CALLING_HOURS_UNKNOWN_ZONE", "tenant_timezone"),
            max_zones=cfg.get("CALLING_HOURS_MAX_ZONES", 5))
        current_app.extensions["compliance_policy"] = policy
    return policy
