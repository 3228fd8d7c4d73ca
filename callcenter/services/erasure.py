"""Erasing a terminated tenant's customer data, table by table, by declared policy.

Every table holding tenant data must have an entry in POLICIES (a test enforces it),
so a feature that adds such a table decides what erasure does to it. Accounting stays:
the ledger, payments, settlement. Phone numbers become keyed, irreversible tokens (an
HMAC under a key derived from SECRET_KEY, salted with the tenant), so calls can still
be counted per destination but no number can be read back. After the per-table step,
every kept text and JSON column of the tenant is scanned and any phone number found
there (in E.164 form, or a number erased above) is replaced by its token too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InvalidState, NotFound
from callcenter.models import Erasure, Tenant, Termination
from callcenter.services import audit
from callcenter.services.access import SYSTEM, Actor, require_admin
from callcenter.services.tenant_tables import is_text, primary_key, tenant_filter, tenant_tables
from callcenter.services.uow import UnitOfWork


@dataclass(frozen=True)
class Policy:
    """keep (clearing `columns`), delete, tokenize `columns`, deactivate users, revoke."""

    action: str
    columns: tuple[str, ...] = ()


POLICIES: dict[str, Policy] = {
    "tenants": Policy("keep", ("caller_id",)),  # the account stays for accounting
    "users": Policy("deactivate"),
    "api_tokens": Policy("revoke"),
    "password_resets": Policy("delete"),  # one-time sign-in links of the tenant's users
    "rate_plans": Policy("keep"),
    "ledger_entries": Policy("keep"),  # accounting; numbers in memos are tokenized
    "holds": Policy("keep"),
    "audit_log": Policy("keep"),
    "seats": Policy("keep"),
    "seat_charges": Policy("keep"),
    "arrears": Policy("keep"),
    "payments": Policy("keep"),
    "terminations": Policy("keep", ("request_note",)),
    "termination_lines": Policy("keep"),
    "erasures": Policy("keep"),
    "calls": Policy("tokenize", ("callee",)),  # amounts and durations stay
    "inbound_events": Policy("keep", ("payload",)),  # raw webhook bodies: numbers, places
    "consents": Policy("delete"),
    "dnc_entries": Policy("delete"),  # the tenant's own list; the platform's has no tenant
    "scripts": Policy("delete"),
    "lexicon_terms": Policy("keep"),  # platform data, linked only through admin authors
    "jobs": Policy("keep", ("payload",)),  # mail and message bodies, addresses, numbers
    "screening_rules": Policy("keep"),  # the same
    "alerts": Policy("keep"),  # amounts and dates; the mail's text is in its job's payload
    "notices": Policy("keep"),  # platform data, linked only through admin authors
    "notice_tenants": Policy("keep"),  # which platform notices concerned the tenant
    "statements": Policy("keep"),  # issued statements are accounting
    "auto_topups": Policy("keep", ("customer_id", "payment_method_id", "card_label")),
    "webhook_endpoints": Policy("keep", ("url", "secret")),  # the tenant's systems
    "webhook_events": Policy("keep", ("data",)),  # callees, amounts of calls
    "webhook_deliveries": Policy("keep", ("last_error",)),
    "webhook_attempts": Policy("keep", ("error",)),
    "sms_batches": Policy("keep"),  # the text sent; numbers in it are tokenized
    "sms_messages": Policy("tokenize", ("to_number",)),  # segments and charges stay
    "sms_replies": Policy("delete"),  # what people wrote back, and their numbers
    # Disputes stay with the ledger they concern; the tenant's own words go.
    "disputes": Policy("keep", ("reason", "evidence")),
    "complaints": Policy("keep", ("number", "note")),  # the called person's number, story
    # Issued invoices and credit notes are accounting records (tax law keeps them for
    # years): kept as issued, with the legal details of a business, not of a person.
    "invoices": Policy("keep"),
    "credit_notes": Policy("keep"),
}

E164 = re.compile(r"\+[1-9]\d{6,14}(?!\d)")
DIGITS = re.compile(r"(?<!\d)\d{7,15}(?!\d)")
PSEUDONYM_PREFIX = "tok_"
BATCH = 500


class Tokenizer:
    """Keyed, irreversible tokens for one tenant's phone numbers."""

    def __init__(self, secret: str, tenant_id: int) -> None:
        self._key = hmac.new(secret.encode(), b"callcenter-erasure-v1", hashlib.sha256).digest()
        self._salt = f"{tenant_id}:"
        self.known: set[str] = set()

    def token(self, value: str) -> str:
        """The token of a number (the same number always gives the same token)."""
        if value.startswith(PSEUDONYM_PREFIX):
            return value
        self.known.add(value.lstrip("+"))
        digest = hmac.new(self._key, (self._salt + value.lstrip("+")).encode(), hashlib.sha256)
        return PSEUDONYM_PREFIX + digest.hexdigest()[:24]

    def note(self, value: Any) -> None:
        """Remember every number in a value that is about to be cleared or deleted."""
        if isinstance(value, str):
            for match in E164.finditer(value):
                self.token(match.group())
            self.known.update(DIGITS.findall(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                self.note(k)
                self.note(v)
        elif isinstance(value, list):
            for v in value:
                self.note(v)

    def redact(self, value: Any) -> Any:
        """Replace phone numbers inside text or JSON by their tokens."""
        if isinstance(value, str):
            value = E164.sub(lambda m: self.token(m.group()), value)
            return DIGITS.sub(lambda m: self.token(m.group()) if m.group() in self.known
                              else m.group(), value)
        if isinstance(value, dict):
            return {self.redact(k): self.redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        return value


def _empty(column: sa.Column) -> Any:
    if column.nullable:
        return None
    return {} if isinstance(column.type, sa.JSON) else ""


def _rows(session: Session, table: sa.Table, tenant_id: int, columns: list[sa.Column]):
    pk = primary_key(table)
    stmt = (sa.select(*pk, *columns).where(tenant_filter(table, tenant_id)).order_by(*pk)
            .execution_options(yield_per=BATCH))
    return session.execute(stmt)


def _update(session: Session, table: sa.Table, changes: list[tuple[tuple, dict]]) -> None:
    pk = primary_key(table)
    for key, values in changes:
        session.execute(sa.update(table).where(*[c == v for c, v in zip(pk, key, strict=True)])
                        .values(**values))


def _rewrite(session: Session, table: sa.Table, tenant_id: int, columns: list[sa.Column],
             change: Callable[[sa.Column, Any], Any]) -> int:
    """Apply `change` to `columns` of the tenant's rows; returns rows changed.

    Only changed rows are kept in memory, and written after the scan.
    """
    if not columns:
        return 0
    npk = len(primary_key(table))
    changes = []
    for row in _rows(session, table, tenant_id, columns):
        values = {}
        for column, old in zip(columns, row[npk:], strict=True):
            new = change(column, old)
            if new != old:
                values[column.name] = new
        if values:
            changes.append((tuple(row[:npk]), values))
    _update(session, table, changes)
    return len(changes)


def _note(session: Session, table: sa.Table, tenant_id: int, columns: list[sa.Column],
          tok: Tokenizer) -> None:
    if columns:
        for row in _rows(session, table, tenant_id, columns):
            tok.note(list(row[len(primary_key(table)):]))


def _apply(session: Session, table: sa.Table, policy: Policy, tenant_id: int,
           tok: Tokenizer, now: datetime) -> dict[str, Any]:
    where = tenant_filter(table, tenant_id)
    named = [table.c[name] for name in policy.columns]
    if policy.action == "delete":
        # Numbers in rows about to go are still tokenized wherever else they appear.
        _note(session, table, tenant_id, [c for c in table.columns if is_text(c)], tok)
        count = session.execute(sa.delete(table).where(where)).rowcount
        return {"action": "delete", "rows": count}
    if policy.action == "tokenize":
        count = _rewrite(session, table, tenant_id, named,
                         lambda c, v: tok.token(v) if isinstance(v, str) and v else v)
        return {"action": "tokenize", "columns": list(policy.columns), "rows": count}
    if policy.action == "deactivate":
        count = session.execute(sa.update(table).where(where, table.c.active.is_(True))
                                .values(active=False)).rowcount
        return {"action": "deactivate", "rows": count}
    if policy.action == "revoke":
        count = session.execute(sa.update(table).where(where, table.c.revoked_at.is_(None))
                                .values(revoked_at=now)).rowcount
        return {"action": "revoke", "rows": count}
    # keep: clear the listed columns, first noting any numbers they held
    _note(session, table, tenant_id, named, tok)
    count = _rewrite(session, table, tenant_id, named, lambda c, v: _empty(c))
    return {"action": "keep", "cleared": list(policy.columns), "rows": count}


def missing_policies() -> list[str]:
    """Tables holding tenant data that erasure has no policy for."""
    return [t.name for t in tenant_tables() if t.name not in POLICIES]


def erase(session: Session, actor: Actor, tenant_id: int, *, secret: str,
          now: datetime, trigger: str = "admin") -> Erasure:
    """Erase a terminated tenant's customer data (admins); the caller commits."""
    require_admin(actor)
    return perform(session, actor, tenant_id, secret=secret, now=now, trigger=trigger)


def perform(session: Session, actor: Actor, tenant_id: int, *, secret: str,
            now: datetime, trigger: str) -> Erasure:
    """Erase, once the caller has checked who may (`erase`, `erasure_request`)."""
    tenant = session.scalars(sa.select(Tenant).where(Tenant.id == tenant_id)
                             .with_for_update()).first()
    if tenant is None:
        raise NotFound("tenant not found")
    lifecycle.ensure_purgeable(tenant)
    missing = missing_policies()
    if missing:
        raise InvalidState(f"no erasure policy for: {', '.join(missing)}")
    tok = Tokenizer(secret, tenant.id)
    summary: dict[str, Any] = {}
    tables = tenant_tables()
    # Tokenize first so the numbers are known; delete children before their parents.
    order = sorted(tables, key=lambda t: POLICIES[t.name].action != "tokenize")
    order = [t for t in order if POLICIES[t.name].action != "delete"] + \
        [t for t in reversed(tables) if POLICIES[t.name].action == "delete"]
    for table in order:
        summary[table.name] = _apply(session, table, POLICIES[table.name], tenant.id, tok, now)
    for table in tables:
        if POLICIES[table.name].action == "delete":
            continue
        skip = set(POLICIES[table.name].columns)
        columns = [c for c in table.columns if is_text(c) and c.name not in skip]
        redacted = _rewrite(session, table, tenant.id, columns, lambda c, v: tok.redact(v))
        if redacted:
            summary[table.name]["numbers_tokenized_in_rows"] = redacted
    session.expire_all()
    tenant = session.get(Tenant, tenant_id)
    lifecycle.purge(tenant, now)
    record = Erasure(tenant_id=tenant.id, actor_user_id=actor.user_id,
                     trigger=trigger, summary=summary, created_at=now)
    session.add(record)
    audit.record(session, actor, "tenant.erase", tenant_id=tenant.id, now=now, trigger=trigger)
    session.flush()
    return record


def due(session: Session, *, now: datetime, retention_days: int) -> list[int]:
    """Terminated tenants settled longer ago than the retention period.

    A tenant terminated without a settlement (the billing run's automatic termination)
    is not erased automatically: its money is settled first, by an admin.
    """
    cutoff = now - timedelta(days=retention_days)
    return list(session.scalars(
        sa.select(Tenant.id).join(Termination, Termination.tenant_id == Tenant.id)
        .where(Tenant.status == lifecycle.TERMINATED, Termination.status == "settled",
               Termination.settled_at <= cutoff)
        .order_by(Tenant.id)))


def run_due(uow: UnitOfWork, *, now: datetime, retention_days: int, secret: str
            ) -> dict[str, list[int]]:
    """Erase every tenant past retention, each in its own transaction."""
    report: dict[str, list[int]] = {"erased": [], "failed": []}
    for tenant_id in due(uow.session, now=now, retention_days=retention_days):
        try:
            erase(uow.session, SYSTEM, tenant_id, secret=secret, now=now, trigger="retention")
            uow.commit()
            report["erased"].append(tenant_id)
        except (sa.exc.SQLAlchemyError, InvalidState):
            uow.rollback()
            report["failed"].append(tenant_id)
    return report


def record_for(session: Session, tenant_id: int) -> Erasure | None:
    """The tenant's erasure record, if its data was erased."""
    return session.scalars(sa.select(Erasure).where(Erasure.tenant_id == tenant_id)).first()
