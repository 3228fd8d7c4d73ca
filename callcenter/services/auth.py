"""Users, passwords, API tokens and login throttling."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from callcenter.domain.errors import Conflict, InvalidInput, NotFound, RateLimited
from callcenter.domain.untrusted import MAX_ID, ascii_digits
from callcenter.models import ApiToken, LoginAttempt, User

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
# werkzeug's default (scrypt). The test suite lowers it: hashing cost is not under test.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash algorithm name, not a secret
# A token's last_used_at is refreshed at most this often, to keep reads from writing.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def normalize_email(email: object) -> str:
    """Lower-cased, trimmed email, or InvalidInput."""
    if not isinstance(email, str) or not _EMAIL_RE.match(email.strip()) or len(email) > 254:
        raise InvalidInput("a valid email address is required", details={"field": "email"})
    return email.strip().lower()


def check_password_rules(password: object, field: str = "password") -> str:
    """A password string of a sensible length, or InvalidInput."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= 200:
        raise InvalidInput(f"{field} must be {MIN_PASSWORD} to 200 characters",
                           details={"field": field})
    return password


def create_user(session: Session, *, email: str, password: str, role: str,
                tenant_id: int | None, now: datetime) -> User:
    """Create a user; the email must be new."""
    email = normalize_email(email)
    check_password_rules(password)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise Conflict("a user with this email already exists", details={"field": "email"})
    digest = generate_password_hash(password, method=PASSWORD_METHOD)
    user = User(email=email, password_hash=digest, role=role,
                tenant_id=tenant_id, active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, *, ip: str, now: datetime,
                 max_per_email: int, max_per_ip: int, window_seconds: int) -> User | None:
    """The active user with these credentials, or None after recording the failure.

    The caller commits either way, so failed attempts count even though the request fails.
    """
    email = (email or "").strip().lower()
    since = now - timedelta(seconds=window_seconds)
    recent = sa.select(sa.func.count(LoginAttempt.id)).where(LoginAttempt.created_at >= since)
    if (session.scalar(recent.where(LoginAttempt.email == email)) >= max_per_email
            or session.scalar(recent.where(LoginAttempt.ip == ip)) >= max_per_ip):
        raise RateLimited("too many failed sign-ins; try again later")
    user = session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active or not check_password_hash(user.password_hash,
                                                                   password or ""):
        session.add(LoginAttempt(email=email[:254], ip=ip[:64], created_at=now))
        return None
    return user


def end_sessions(session: Session, user_id: int) -> int:
    """End every page session of the user (cookies carry the old version); the new one."""
    return session.execute(
        sa.update(User).where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .returning(User.session_version)
        .execution_options(synchronize_session=False)).scalar_one()


def user_for_session(session: Session, cookie_id: str) -> User | None:
    """The active user a sign-in cookie names, if its session version is still current."""
    user_id, _, version = cookie_id.partition(":")
    if not (ascii_digits(user_id) and ascii_digits(version)) or int(user_id) > MAX_ID \
            or int(version) > MAX_ID:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, *, now: datetime,
                name: str | None = None) -> str:
    """A new bearer token for the user; the plain value is returned once, never stored."""
    token = "cc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), prefix=token[:10],
                         name=name, created_at=now))
    session.flush()
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> User | None:
    """The active user owning a live token, or None."""
    row = session.execute(
        sa.select(ApiToken, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None),
               User.active.is_(True))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_TOUCH_INTERVAL:
        api_token.last_used_at = now
    return user


def revoke_token(session: Session, user: User, token_id: int, *, now: datetime) -> None:
    """Revoke one of the user's own tokens."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound("no such token")
    api_token.revoked_at = api_token.revoked_at or now


def prune_login_attempts(session: Session, *, before: datetime) -> int:
    """Forget failed sign-ins older than `before` (the throttle only looks back minutes)."""
    result = session.execute(sa.delete(LoginAttempt).where(LoginAttempt.created_at < before))
    return result.rowcount or 0
