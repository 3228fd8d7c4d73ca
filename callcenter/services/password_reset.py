"""Password reset by mail: a single-use link that expires, its token stored hashed.

Asking gives the same answer, in the same time, whether or not the email has an account
(no discovery): the request only counts the client's attempts and queues a background
job with the address; the job looks the account up, makes the token and queues the mail
through the outbox. Each client address may ask `CLIENT_LIMIT` times per window, each
account gets at most `ACCOUNT_LIMIT` links per hour (more requests are dropped
silently). Using a link sets the password, spends every open link of the account, ends
all its page sessions and revokes its API tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput
from callcenter.models import PasswordReset, User
from callcenter.services import audit, auth, background, mail, mail_texts
from callcenter.services.access import Actor
from callcenter.services.uow import UnitOfWork

JOB = "password_reset"
LIFETIME = timedelta(hours=1)
CLIENT_LIMIT, CLIENT_WINDOW = 5, 900
ACCOUNT_LIMIT = 3
PATH = "/password/reset/"  # + the token: the page moves it into the session cookie
INVALID = "This link is invalid, used or expired. Ask for a new one."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request(uow: UnitOfWork, email: object, *, ip: str, now: datetime) -> None:
    """Ask for a reset link for `email`; the caller commits. RateLimited per client."""
    address = auth.normalize_email(email)
    auth.limit_attempts(uow.session, "reset", ip, now=now, limit=CLIENT_LIMIT,
                        window=CLIENT_WINDOW)
    background.enqueue(uow, JOB, {"email": address}, now=now, max_attempts=3)


def issue(session: Session, user: User, *, now: datetime) -> str | None:
    """A new token for the user (stored hashed); None past the account's hourly limit."""
    recent = session.scalar(sa.select(sa.func.count(PasswordReset.id)).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)))
    if recent >= ACCOUNT_LIMIT:
        return None
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=_digest(token), created_at=now,
                              expires_at=now + LIFETIME))
    session.flush()
    return token


@background.handler(JOB)
def send(uow: UnitOfWork, job: background.Claimed, context: dict[str, Any]) -> None:
    """Make the link and queue its mail if the address has an active account."""
    email = (job.payload or {}).get("email")
    now = context["clock"]()
    user = uow.session.scalar(sa.select(User).where(User.email == email,
                                                    User.active.is_(True)))
    token = issue(uow.session, user, now=now) if user is not None else None
    if token is None:
        return
    base = ((context.get("config") or {}).get("PUBLIC_BASE_URL") or "").rstrip("/")
    subject, body = mail_texts.password_reset(
        locale=user.locale, email=user.email, link=f"{base}{PATH}{token}",
        minutes=int(LIFETIME.total_seconds() // 60))
    mail.queue(uow, to=[user.email], subject=subject, body=body, topic="password_reset",
               now=now, tenant_id=user.tenant_id, sensitive=True)


def _live(session: Session, token: str, now: datetime, *, lock: bool = False
          ) -> PasswordReset | None:
    if not isinstance(token, str) or not 10 <= len(token) <= 100:
        return None
    stmt = sa.select(PasswordReset).where(PasswordReset.token_hash == _digest(token))
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return row if user is not None and user.active else None


def is_valid(session: Session, token: str, *, now: datetime) -> bool:
    """Whether the link can still be used (for showing the form)."""
    return _live(session, token, now) is not None


def complete(session: Session, token: str, password: object, *, now: datetime) -> User:
    """Set the new password through a live link, once; the caller commits."""
    row = _live(session, token, now, lock=True)
    if row is None:
        raise InvalidInput(INVALID, details={"field": "token"})
    user = session.get(User, row.user_id)
    auth.check_password_rules(password)
    auth.set_password(user, password)
    session.execute(sa.update(PasswordReset).where(PasswordReset.user_id == user.id,
                                                   PasswordReset.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))
    auth.end_sessions(session, user.id)
    auth.revoke_tokens(session, user.id, now=now)
    audit.record(session, Actor(user.id, user.role, user.tenant_id), "users.reset_password",
                 tenant_id=user.tenant_id, now=now, user_id=user.id, via="mail")
    return user


def prune(session: Session, *, before: datetime) -> int:
    """Forget links that expired before `before` (used or not); how many."""
    return session.execute(sa.delete(PasswordReset).where(PasswordReset.expires_at < before)
                           ).rowcount or 0
