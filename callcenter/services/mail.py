"""The mail outbox: a mail is a background job of kind `mail`, written with its cause.

`queue` writes the job in the caller's transaction; the worker sends it after the
commit through integrations/mailer.py, and a failure is retried with the background
jobs' doubling delay until it is sent or dead (then an admin sees it on /admin/outbox).
Without SMTP settings nothing is sent: the mail waits in the outbox, retried like a
failure, and stays listed for admins. The texts of the mails are in `mail_texts.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.integrations import mailer
from callcenter.models import Job, User
from callcenter.services import background, mail_texts
from callcenter.services.uow import UnitOfWork

KIND = "mail"
NOT_CONFIGURED = "mail is not configured (SMTP_HOST is unset): kept in the outbox"
SENT_SENSITIVE = "(removed once sent: it carried a one-time link)"


def owner_emails(session: Session, tenant_id: int) -> list[str]:
    """Where a tenant's mail goes: its active owners."""
    return list(session.scalars(
        sa.select(User.email).where(User.tenant_id == tenant_id, User.role == "owner",
                                    User.active.is_(True)).order_by(User.id)))


def owners_by_locale(session: Session, tenant_id: int) -> dict[str | None, list[str]]:
    """A tenant's active owners grouped by the language of their mail (`users.locale`),
    so each gets the mail in their own; the groups in the order of their first owner."""
    groups: dict[str | None, list[str]] = {}
    for email, locale in session.execute(
            sa.select(User.email, User.locale).where(
                User.tenant_id == tenant_id, User.role == "owner", User.active.is_(True))
            .order_by(User.id)):
        groups.setdefault(locale, []).append(email)
    return groups


def dedupe_for(key: str, locale: str | None, first: bool) -> str:
    """The outbox dedupe key of one language group of a mail (the first keeps the key)."""
    return key if first else f"{key}:{locale or 'default'}"


def queue(uow: UnitOfWork, *, to: list[str], subject: str, body: str, topic: str,
          now: datetime, tenant_id: int | None = None, path: str | None = None,
          dedupe_key: str | None = None, transfer_reference: str | None = None,
          locale: str | None = None, sensitive: bool = False) -> Job | None:
    """Write a mail to the outbox in the caller's transaction; None if `dedupe_key` was
    used before. `path` is a page of the app, linked under the body when PUBLIC_BASE_URL
    is set; `topic` says what the mail is about (low_balance, notice, statement);
    with `transfer_reference` (an account code) the platform's bank details
    (PLATFORM_BANK_*) are added when it is sent, in the mail's `locale`. A `sensitive`
    body (a one-time link) is blanked in the outbox once sent."""
    payload = {"to": list(to), "subject": subject, "body": body, "topic": topic,
               "path": path}
    if transfer_reference:
        payload["transfer_reference"] = transfer_reference
    if locale:
        payload["locale"] = locale
    if sensitive:
        payload["sensitive"] = True
    return background.enqueue(uow, KIND, payload, now=now, tenant_id=tenant_id,
                              dedupe_key=dedupe_key)


def _body(payload: dict[str, Any], config: Any) -> str:
    body = payload["body"]
    if payload.get("transfer_reference") and config.get("PLATFORM_BANK_ACCOUNT"):
        details = mail_texts.bank_transfer(config, payload["transfer_reference"],
                                           payload.get("locale"))
        body = f"{body}\n{details}"
    base = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base and payload.get("path"):
        return f"{body}\n\n{base}{payload['path']}\n"
    return body


@background.handler(KIND)
def deliver(uow: UnitOfWork, job: background.Claimed, context: dict[str, Any]) -> None:
    """Send one outbox mail; `Retry` (later, with backoff) when it cannot be sent now."""
    payload = job.payload or {}
    if not payload.get("to"):
        return  # erased with the tenant's data: nothing left to send
    config = context.get("config") or {}
    settings = mailer.settings_from(config)
    if settings is None:
        raise background.Retry(NOT_CONFIGURED)
    mail = mailer.Mail(to=tuple(payload["to"]), subject=payload["subject"],
                       body=_body(payload, config),
                       message_id=mailer.message_id(f"mail-{job.id}", settings))
    try:
        mailer.send(settings, mail)
    except mailer.MailFailed as exc:
        raise background.Retry(str(exc)) from exc
    if payload.get("sensitive"):
        # Sent: nobody reading the outbox afterwards may use the link it carried.
        uow.session.execute(sa.update(Job).where(Job.id == job.id).values(
            payload={**payload, "body": SENT_SENSITIVE}))


def delivery(job: Job | None) -> dict[str, Any]:
    """How a mail went: `queued`, `retrying` (with the error), `sent` or `failed`."""
    if job is None:
        return {"status": "not_sent", "reason": "no recipient"}
    payload = job.payload or {}
    state = {"done": "sent", "dead": "failed"}.get(
        job.status, "retrying" if job.attempts else "queued")
    out: dict[str, Any] = {"status": state, "to": payload.get("to", []),
                           "queued_at": job.created_at, "attempts": job.attempts}
    if state == "sent":
        out["sent_at"] = job.finished_at
    else:
        out["last_error"] = job.last_error
        if state != "failed":
            out["next_attempt_at"] = job.run_after
    return out
