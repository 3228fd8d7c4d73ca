"""Concepts and co-occurrence rules: what no single word says but a combination does.

A concept is a set of phrases meaning one thing ("a prize": 中奖, 一等奖, you have won ...).
A rule fires when one live occurrence of each of its slots' concepts lies within its window
(one sentence, or a number of characters), unless a concept that explains the combination
away (a verdict such as "是诈骗", a court report, a fee "withheld by the organiser") is
in the same sentences. Occurrences that a negation governs ("we will never ask you to
move money") are not live. Pure code: the Screener finds the occurrences, this judges them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from callcenter.domain.screening_text import normalize

SEVERITIES = ("block", "review")
LATIN_WEIGHT = 0.4  # a window counts Chinese characters; an English letter is 0.4 of one
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_.\-]{0,59}$")


@dataclass(frozen=True)
class Concept:
    """A named set of phrases (synonyms, variants, both languages)."""

    name: str
    phrases: tuple[str, ...]
    description: str = ""
    mask: bool = False  # its phrases also hide cues inside them ("if you don't pay")


@dataclass(frozen=True)
class Rule:
    """Fires when every slot has a live occurrence within the window; a slot is any-of concepts."""

    id: str
    category: str
    severity: str
    slots: tuple[tuple[str, ...], ...]
    explanation: str
    window: int | None = None  # None: within one sentence
    ordered: bool = False
    unless: tuple[str, ...] = ()
    explanation_zh: str = ""

    def concepts(self) -> frozenset[str]:
        return frozenset(c for slot in self.slots for c in slot) | frozenset(self.unless)


@dataclass(frozen=True)
class Cues:
    """Phrases that change how matches are read rather than being matches themselves."""

    negation: tuple[str, ...] = ()  # governs what follows in its sentence, for a short way
    contrast: tuple[str, ...] = ()  # ends a negation's reach: 但是, but, just, 只需
    report: tuple[str, ...] = ()  # right after a term, a report of it: 诈骗案, 洗钱罪
    masks: tuple[str, ...] = ()  # nothing inside them matches: 不要错过, 杀人鲸, 去死皮


class Occurrence(NamedTuple):
    """A concept phrase found at normalized positions [lo, hi) in sentence `sentence`."""

    lo: int
    hi: int
    sentence: int
    phrase: str


def _text(value: object, field: str, limit: int, *, required: bool = True) -> str:
    if not required and (value is None or value == ""):
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValueError(f"{field} must be text of 1 to {limit} characters")
    return value.strip()


def parse_concept(name: object, data: Mapping) -> Concept:
    """A concept from its JSON form `{"phrases": [...], "description": ...}`; ValueError if bad."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError("a concept name is lower-case letters, digits and _ (up to 40)")
    phrases = data.get("phrases")
    if not isinstance(phrases, list) or not phrases or len(phrases) > 500:
        raise ValueError(f"concept {name}: phrases must be a list of 1 to 500 phrases")
    cleaned = []
    for phrase in phrases:
        phrase = _text(phrase, f"concept {name}: a phrase", 100)
        if not normalize(phrase)[0]:
            raise ValueError(f"concept {name}: {phrase!r} has no letters to match")
        cleaned.append(phrase)
    description = _text(data.get("description"), "description", 300, required=False)
    mask = data.get("mask", False)
    if not isinstance(mask, bool):
        raise ValueError(f"concept {name}: mask is true or false")
    return Concept(name, tuple(dict.fromkeys(cleaned)), description, mask)


def parse_rule(data: Mapping, concepts: Iterable[str], categories: Iterable[str]) -> Rule:
    """A rule from its JSON form, checked against the known concepts and categories."""
    known, keys = set(concepts), set(categories)
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise ValueError("a rule id is lower-case letters, digits, '.', '_' or '-' (up to 60)")
    if data.get("category") not in keys:
        raise ValueError(f"rule {rule_id}: category must be one of {', '.join(sorted(keys))}")
    if data.get("severity") not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: severity must be block or review")
    slots_in = data.get("all")
    if not isinstance(slots_in, list) or not 2 <= len(slots_in) <= 5:
        raise ValueError(f"rule {rule_id}: 'all' must list 2 to 5 concepts (or any-of lists)")
    slots = tuple(_names(slot, known, rule_id) for slot in slots_in)
    unless = _names(data.get("unless", []), known, rule_id, allow_empty=True)
    window = data.get("window", "sentence")
    if window != "sentence" and not (isinstance(window, int) and 4 <= window <= 400):
        raise ValueError(f"rule {rule_id}: window is \"sentence\" or 4 to 400 characters")
    ordered = data.get("ordered", False)
    if not isinstance(ordered, bool):
        raise ValueError(f"rule {rule_id}: ordered is true or false")
    return Rule(
        id=rule_id, category=data["category"], severity=data["severity"], slots=slots,
        explanation=_text(data.get("explanation"), f"rule {rule_id}: explanation", 500),
        window=None if window == "sentence" else window, ordered=ordered, unless=unless,
        explanation_zh=_text(data.get("explanation_zh"), "explanation_zh", 500, required=False),
    )


def _names(value: object, known: set[str], rule_id: str, *, allow_empty: bool = False
           ) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or (not names and not allow_empty):
        raise ValueError(f"rule {rule_id}: expected a concept name or a list of them")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown concept {unknown[0]!r}")
    return tuple(names)


def rule_to_json(rule: Rule) -> dict:
    """The JSON form parse_rule reads (used to store admin rules)."""
    data = {"id": rule.id, "category": rule.category, "severity": rule.severity,
            "all": [list(slot) if len(slot) > 1 else slot[0] for slot in rule.slots],
            "window": "sentence" if rule.window is None else rule.window,
            "explanation": rule.explanation}
    if rule.ordered:
        data["ordered"] = True
    if rule.unless:
        data["unless"] = list(rule.unless)
    if rule.explanation_zh:
        data["explanation_zh"] = rule.explanation_zh
    return data


Width = Callable[[int, int], float]


def find(rule: Rule, live: Mapping[str, list[Occurrence]],
         present: Mapping[str, list[Occurrence]], width: Width) -> tuple[Occurrence, ...] | None:
    """The first occurrences (one per slot) that make `rule` fire, or None.

    `live[name]` gives the occurrences no negation governs, sorted; `present` holds all of
    them (for `unless`); `width(lo, hi)` measures a normalized span in window units.
    """
    if not all(any(name in present for name in slot) for slot in rule.slots):
        return None  # cheap: no occurrence at all, live or not
    per_slot = []
    for slot in rule.slots:
        found = live[slot[0]] if len(slot) == 1 else sorted(o for n in slot for o in live[n])
        if not found:
            return None
        per_slot.append((found, [o.lo for o in found]))
    if rule.ordered:
        anchors, pick = per_slot[0][0], _picks_in_order
    else:  # every combination includes one of the rarest slot: anchor on it
        anchors, pick = min(per_slot, key=lambda f: len(f[0]))[0], _picks_near
    for anchor in anchors:
        picks = pick(anchor, per_slot)
        if picks is None:
            continue
        if rule.window is None:
            if any(p.sentence != anchor.sentence for p in picks):
                continue
        else:
            lo, hi = min(p.lo for p in picks), max(p.hi for p in picks)
            if (hi - lo) * LATIN_WEIGHT > rule.window:  # too wide even if all Latin
                continue
            if hi - lo > rule.window and width(lo, hi) > rule.window:
                continue
        if not _explained_away(rule, picks, present):
            return picks
    return None


def _picks_in_order(anchor: Occurrence, per_slot: list[tuple[list[Occurrence], list[int]]]
                    ) -> tuple[Occurrence, ...] | None:
    """Per slot, the first occurrence after the previous slot's pick (the anchor for slot 0)."""
    picks, start = [anchor], anchor.hi
    for found, starts in per_slot[1:]:
        i = bisect_left(starts, start)
        if i == len(found):
            return None
        picks.append(found[i])
        start = found[i].hi
    return tuple(picks)


def _picks_near(anchor: Occurrence, per_slot: list[tuple[list[Occurrence], list[int]]]
                ) -> tuple[Occurrence, ...]:
    """Per slot, the occurrence nearest the anchor, preferring one in its sentence."""
    picks = []
    for found, starts in per_slot:
        i = bisect_left(starts, anchor.lo)
        near = [found[j] for j in (i - 1, i) if 0 <= j < len(found)]
        picks.append(min(near, key=lambda o: (o.sentence != anchor.sentence,
                                              abs(o.lo - anchor.lo))))
    return tuple(picks)


def _explained_away(rule: Rule, picks: tuple[Occurrence, ...],
                    present: Mapping[str, list[Occurrence]]) -> bool:
    first, last = min(p.sentence for p in picks), max(p.sentence for p in picks)
    return any(first <= o.sentence <= last for name in rule.unless for o in present.get(name, ()))
