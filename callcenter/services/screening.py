"""Content screening for call scripts and SMS bodies: the shipped data plus admins' additions.

`screen` is the one entry point (scripts and the SMS batch use it): any block-severity
hit rejects the text, any other hit holds it for an admin, no hit approves it.
Admins extend the shipped concepts and rules (concepts.json, rules.json) with rows of
`screening_rules` in the same JSON shape; single terms stay in `lexicon_terms`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict, InvalidInput, InvalidState, NotFound
from callcenter.domain.screening import Hit, Screener, Term
from callcenter.domain.screening_rules import parse_concept, parse_rule, rule_to_json
from callcenter.models import LexiconTerm, ScreeningRule
from callcenter.services import audit
from callcenter.services.access import Actor, require_admin

_cache: dict[tuple, Screener] = {}


@dataclass(frozen=True)
class Verdict:
    """What screening decided about a text, and why."""

    status: str  # approved / pending_review / rejected
    hits: list[dict]
    reasons: list[str]  # the explanations of the rules that blocked it


def screener(session: Session) -> Screener:
    """The shipped screener plus admin terms, concepts and rules; rebuilt when those change.

    The key is the admin rows themselves (a handful): ids alone can repeat after a delete.
    """
    terms = session.execute(sa.select(LexiconTerm.id, LexiconTerm.term, LexiconTerm.category)
                            .order_by(LexiconTerm.id)).all()
    rows = list(session.scalars(sa.select(ScreeningRule).order_by(ScreeningRule.id)))
    key = (tuple(map(tuple, terms)),
           tuple((r.id, r.kind, r.name, json.dumps(r.definition, sort_keys=True)) for r in rows))
    found = _cache.get(key)
    if found is None:
        found = _build([Term(term, category) for _, term, category in terms], rows)
        _cache.clear()
        _cache[key] = found
    return found


def _build(terms: list[Term], rows: list[ScreeningRule]) -> Screener:
    base = Screener.default()
    if not terms and not rows:
        return base
    concepts = [parse_concept(r.name, r.definition) for r in rows if r.kind == "concept"]
    names = {*base.concepts(), *(c.name for c in concepts)}
    keys = [c.key for c in base.categories()]
    rules = [parse_rule(r.definition, names, keys) for r in rows if r.kind == "rule"]
    return base.with_extra(terms, concepts, rules)


def hit_json(hit: Hit) -> dict:
    """A hit as stored and served: the contract's term/category/start/end, and why."""
    return {"term": hit.term, "category": hit.category, "start": hit.start, "end": hit.end,
            "rule": hit.rule, "severity": hit.severity, "explanation": hit.explanation}


def screen(session: Session, text: str) -> Verdict:
    """Screen one text (a script or an SMS body)."""
    hits = screener(session).scan(text)
    reasons = list(dict.fromkeys(h.explanation for h in hits if h.severity == "block"))
    status = "rejected" if reasons else "pending_review" if hits else "approved"
    return Verdict(status, [hit_json(h) for h in hits], reasons)


def entries(session: Session) -> list[ScreeningRule]:
    """Admin-added concepts and rules, concepts first."""
    return list(session.scalars(sa.select(ScreeningRule)
                                .order_by(ScreeningRule.kind, ScreeningRule.name)))


def add_concept(session: Session, actor: Actor, name: object, phrases: object,
                description: object = None, *, now: datetime) -> ScreeningRule:
    """Add phrases under a concept name: a new concept, or synonyms for a shipped one."""
    require_admin(actor)
    if isinstance(phrases, str):
        phrases = [p.strip() for p in phrases.replace("|", "\n").splitlines() if p.strip()]
    data = {"phrases": phrases}
    if description:
        data["description"] = description
    try:
        concept = parse_concept(name, data)
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"field": "phrases"}) from exc
    old = session.scalar(sa.select(ScreeningRule).where(ScreeningRule.kind == "concept",
                                                        ScreeningRule.name == concept.name))
    merged = list(dict.fromkeys((*(old.definition["phrases"] if old else ()), *concept.phrases)))
    if old is not None:  # a new row, so the cached screener sees a new version
        session.delete(old)
        session.flush()
    row = ScreeningRule(kind="concept", name=concept.name, created_by=actor.user_id,
                        definition={"phrases": merged, "description": concept.description},
                        created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "screening.concept", now=now, name=concept.name,
                 phrases=list(concept.phrases))
    return row


def add_rule(session: Session, actor: Actor, data: object, *, now: datetime) -> ScreeningRule:
    """Add a co-occurrence rule over shipped or admin concepts."""
    require_admin(actor)
    if not isinstance(data, dict):
        raise InvalidInput("a rule is an object", details={"field": "rule"})
    data = _from_form(data)
    current = screener(session)
    try:
        rule = parse_rule(data, current.concepts(), [c.key for c in current.categories()])
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"field": "rule"}) from exc
    if any(r.id == rule.id for r in current.rules()):
        raise Conflict(f"a rule {rule.id} already exists")
    row = ScreeningRule(kind="rule", name=rule.id, definition=rule_to_json(rule),
                        created_by=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "screening.rule", now=now, rule=rule.id)
    return row


def _from_form(data: dict) -> dict:
    """Accept the form's text fields too: all "prize + fee|upfront", unless "a, b", window "40"."""
    data = {key: value for key, value in data.items() if value not in (None, "")}
    if isinstance(data.get("all"), str):
        data["all"] = [[name.strip() for name in slot.split("|") if name.strip()]
                       for slot in data["all"].split("+") if slot.strip()]
        data["all"] = [slot[0] if len(slot) == 1 else slot for slot in data["all"]]
    if isinstance(data.get("unless"), str):
        data["unless"] = [name.strip() for name in data["unless"].split(",") if name.strip()]
    if isinstance(data.get("window"), str) and data["window"].strip().isdigit():
        data["window"] = int(data["window"])
    if isinstance(data.get("ordered"), str):
        data["ordered"] = data["ordered"] in ("1", "true", "on", "yes")
    return data


def remove_entry(session: Session, actor: Actor, entry_id: int, *, now: datetime) -> None:
    """Remove an admin concept or rule (a concept an admin rule still uses stays)."""
    require_admin(actor)
    row = session.get(ScreeningRule, entry_id)
    if row is None:
        raise NotFound("no such concept or rule")
    if row.kind == "concept" and row.name not in Screener.default().concepts():
        users = [r.name for r in entries(session) if r.kind == "rule"
                 and row.name in _concepts_of(r.definition)]
        if users:
            raise InvalidState(f"rule {users[0]} uses concept {row.name}; remove it first")
    audit.record(session, actor, "screening.remove", now=now, kind=row.kind, name=row.name)
    session.delete(row)


def _concepts_of(definition: dict) -> set[str]:
    names: set[str] = set()
    for slot in (*definition.get("all", ()), *definition.get("unless", ())):
        names.update([slot] if isinstance(slot, str) else slot)
    return names
