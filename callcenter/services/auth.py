"""Users, passwords, API tokens and login throttling."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from callcenter.domain.errors import Conflict, InvalidInput, NotFound, RateLimited
from callcenter.domain.untrusted import MAX_ID, ascii_digits
from callcenter.models import ApiToken, LoginThrottle, User
from callcenter.services import locales

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


@dataclass(frozen=True)
class ThrottlePolicy:
    """Sign-in throttling: a few free failures, then a doubling delay (1 s, 2 s, 4 s, ...).

    Per client address the delay grows to `client_max_delay` (one client guessing stays
    slow); per account only to `account_max_delay`, and not at all for the client that
    last signed in to it, so nobody can lock an account's owner out. Failures older than
    `window` are forgotten.
    """

    account_free: int = 5
    client_free: int = 20
    account_max_delay: int = 60
    client_max_delay: int = 900
    window: int = 900


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after `failures` consecutive failures."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:64]}"


def _locked_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The throttle row of `key`, created if missing, locked until the commit: parallel
    attempts on one account or client take turns, each seeing the failures before it."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        session.get_bind().dialect.name]
    session.execute(insert(LoginThrottle).values(key=key, failures=0, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    return session.scalars(sa.select(LoginThrottle).where(LoginThrottle.key == key)
                           .with_for_update().execution_options(populate_existing=True)).one()


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _password_matches(user: User | None, password: str) -> bool:
    """Check the password; for an unknown or inactive user check it against a dummy hash,
    so the answer takes as long as for a real account (no discovery by timing)."""
    if user is None or not user.active:
        check_password_hash(_dummy_hash(PASSWORD_METHOD), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(session: Session, email: str, password: str, *, ip: str, now: datetime,
                 policy: ThrottlePolicy = ThrottlePolicy()) -> User | None:
    """The active user with these credentials, or None after recording the failure;
    RateLimited (with `retry_after` seconds) while a delay is running.

    The caller commits either way, so failed attempts count even though the request fails.
    """
    email = (email or "").strip().lower()
    client = _key("client", ip)
    account = _locked_row(session, _key("account", email), now)
    source = _locked_row(session, client, now)  # always account first: no deadlock
    waits = [(source.blocked_until - now).total_seconds()
             if source.blocked_until and source.blocked_until > now else 0]
    if account.blocked_until and account.blocked_until > now \
            and account.known_client != client:
        waits.append((account.blocked_until - now).total_seconds())
    if max(waits) > 0:
        raise RateLimited("too many failed sign-ins; try again later",
                          details={"retry_after": math.ceil(max(waits))})
    user = session.scalar(sa.select(User).where(User.email == email[:254]))
    if _password_matches(user, password or ""):
        account.failures, account.blocked_until = 0, None
        account.known_client, account.updated_at = client, now
        return user
    for row, free, cap in ((account, policy.account_free, policy.account_max_delay),
                           (source, policy.client_free, policy.client_max_delay)):
        if row.updated_at < now - timedelta(seconds=policy.window):
            row.failures = 0
        row.failures += 1
        wait = delay_after(row.failures, free, cap)
        row.blocked_until = now + timedelta(seconds=wait) if wait else None
        row.updated_at = now
    return None


def set_password(user: User, password: str) -> None:
    """Store a new password (checked against the rules) as a hash."""
    check_password_rules(password)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)


def password_matches(user: User, password: object) -> bool:
    """Whether `password` is the user's current one."""
    return isinstance(password, str) and check_password_hash(user.password_hash, password)


def revoke_tokens(session: Session, user_id: int, *, now: datetime) -> int:
    """Revoke every live API token of the user; how many."""
    return session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount or 0


def limit_attempts(session: Session, kind: str, value: str, *, now: datetime,
                   limit: int, window: int) -> None:
    """Count one attempt of `kind` by `value` (a client address); RateLimited once `limit`
    attempts fall within `window` seconds. Shares the sign-in throttle's locked rows."""
    row = _locked_row(session, _key(kind, value), now)
    if row.updated_at < now - timedelta(seconds=window):
        row.failures, row.blocked_until = 0, None
    if row.blocked_until and row.blocked_until > now:
        raise RateLimited("too many requests; try again later",
                          details={"retry_after": math.ceil(
                              (row.blocked_until - now).total_seconds())})
    row.failures += 1
    if row.failures >= limit:
        row.blocked_until = now + timedelta(seconds=window)
    row.updated_at = now


def end_sessions(session: Session, user_id: int) -> int:
    """End every page session of the user (cookies carry the old version); the new one."""
    return session.execute(
        sa.update(User).where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .returning(User.session_version)
        .execution_options(synchronize_session=False)).scalar_one()


def set_locale(session: Session, user_id: int, code: object) -> str:
    """Save the language of a user's pages and mail (one of `locales.LOCALES`)."""
    locale = locales.normalize(code) if isinstance(code, str) else None
    if locale is None:
        raise InvalidInput("unknown language", details={"field": "locale"})
    session.execute(sa.update(User).where(User.id == user_id).values(locale=locale))
    return locale


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
    """Forget throttle rows untouched since `before` (the throttle only looks back minutes),
    except the accounts' known clients."""
    result = session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.updated_at < before, LoginThrottle.known_client.is_(None)))
    return result.rowcount or 0
