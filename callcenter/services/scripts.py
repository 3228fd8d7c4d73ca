"""Call scripts: screened on submission; approved when clean, rejected when a blocking rule
fires, otherwise held for an admin, who approves or rejects with a reason."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import N_, Conflict, InvalidInput, InvalidState, NotFound
from callcenter.domain.screening import Screener, normalize
from callcenter.models import LexiconTerm, Script, Tenant
from callcenter.services import audit, screening
from callcenter.services.access import Actor, require_admin, require_tenant_role

MAX_SCRIPT = 20_000


def screener(session: Session) -> Screener:
    """The screener scripts are checked with (shipped data plus admin additions)."""
    return screening.screener(session)


def submit(session: Session, actor: Actor, tenant: Tenant, title: str, text: str, *,
           now: datetime) -> Script:
    """Screen a script: no hits, approved; a blocking rule, rejected with its reasons;
    any other hit, pending an admin's review."""
    require_tenant_role(actor, tenant.id)
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise InvalidInput.of(N_("title is required (up to 200 characters)"),
                              details={"field": "title"})
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_SCRIPT:
        raise InvalidInput.of(N_("text is required (up to %(limit)s characters)"),
                              details={"field": "text"}, limit=MAX_SCRIPT)
    verdict = screening.screen(session, text)
    script = Script(tenant_id=tenant.id, title=title.strip(), text=text, hits=verdict.hits,
                    status=verdict.status, created_at=now)
    if verdict.status == "rejected":
        script.review_note = ("Blocked by content screening: " + " ".join(verdict.reasons))[:1000]
        script.reviewed_at = now
    session.add(script)
    session.flush()
    return script


def review(session: Session, actor: Actor, script_id: int, decision: str, note: str | None,
           *, now: datetime) -> Script:
    """An admin approves or rejects a held script, saying why (the note is the record)."""
    require_admin(actor)
    if decision not in ("approve", "reject"):
        raise InvalidInput('decision must be "approve" or "reject"',
                           details={"field": "decision"})
    if note is not None and (not isinstance(note, str) or len(note) > 1000):
        raise InvalidInput.of(N_("note must be text up to 1000 characters"),
                              details={"field": "note"})
    script = session.get(Script, script_id)
    if script is None:
        raise NotFound("script not found")
    if script.status != "pending_review":
        raise InvalidState.of(N_("this script is already %(status)s"),
                              status=script.status.replace("_", " "))
    if not (note or "").strip():  # overriding the screener, or agreeing with it: say why
        raise InvalidInput.of(N_("say why the script is approved") if decision == "approve"
                              else N_("say why the script is rejected"), details={"field": "note"})
    script.status = "approved" if decision == "approve" else "rejected"
    script.review_note, script.reviewed_by, script.reviewed_at = note, actor.user_id, now
    audit.record(session, actor, f"script.{decision}", tenant_id=script.tenant_id, now=now,
                 script_id=script.id, note=note)
    return script


def for_tenant(session: Session, tenant_id: int) -> list[Script]:
    """The tenant's scripts, newest first."""
    return list(session.scalars(sa.select(Script).where(Script.tenant_id == tenant_id)
                                .order_by(Script.id.desc())))


def review_queue(session: Session) -> list[Script]:
    """Scripts waiting for an admin, oldest first."""
    return list(session.scalars(sa.select(Script).where(Script.status == "pending_review")
                                .order_by(Script.id)))


def add_term(session: Session, actor: Actor, term: object, category: object, *,
             now: datetime) -> LexiconTerm:
    """Extend the lexicon with a prohibited term in one of the nine categories."""
    require_admin(actor)
    keys = {c.key for c in Screener.default().categories()}
    if category not in keys:
        raise InvalidInput(f"category must be one of {', '.join(sorted(keys))}",
                           details={"field": "category"})
    if not isinstance(term, str) or not normalize(term)[0] or len(term) > 100:
        raise InvalidInput("term must be up to 100 characters with letters in it",
                           details={"field": "term"})
    term = term.strip()
    if session.scalar(sa.select(LexiconTerm.id).where(LexiconTerm.term == term)):
        raise Conflict("this term is already in the lexicon")
    row = LexiconTerm(term=term, category=category, created_by=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "lexicon.add", now=now, term=term, category=category)
    return row


def remove_term(session: Session, actor: Actor, term_id: int, *, now: datetime) -> None:
    """Remove an admin-added term (the shipped lexicon is edited in the repository)."""
    require_admin(actor)
    row = session.get(LexiconTerm, term_id)
    if row is None:
        raise NotFound("term not found")
    audit.record(session, actor, "lexicon.remove", now=now, term=row.term)
    session.delete(row)


def lexicon_terms(session: Session) -> list[LexiconTerm]:
    """The terms admins added on top of the shipped lexicon, by category."""
    return list(session.scalars(sa.select(LexiconTerm)
                                .order_by(LexiconTerm.category, LexiconTerm.term)))
