"""Call-script and SMS screening against the nine forbidden-content categories of the agreement.

Pure domain code: text in, hits out. One Aho-Corasick automaton over the normalized text
(see `screening_text.normalize`) finds lexicon terms, concept phrases and cue phrases at
once; negations and reports neutralize what they govern ("我们绝不会要求您转入安全账户",
"诈骗案"), then concept rules judge combinations (`screening_rules`). When no rule blocks,
a statistical classifier (`screening_model`) may still hold the text for review, its hits
being the n-grams that weighed most. Every hit is a slice of the ORIGINAL text, so the UI
can highlight exactly what the tenant wrote.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import accumulate

import ahocorasick

from callcenter.domain.screening_model import MODEL_VERSION, Model, load_model
from callcenter.domain.screening_rules import (
    LATIN_WEIGHT,
    Concept,
    Cues,
    Occurrence,
    Rule,
    find,
    parse_concept,
    parse_rule,
)
from callcenter.domain.screening_text import (
    Sentences,
    gaps,
    is_latin,
    latin_before,
    latin_run_after,
    normalize,
)

__all__ = ["Category", "Concept", "Cues", "Hit", "Rule", "Screener", "Term", "load_lexicon",
           "load_rules", "normalize"]

# Endings that still count as the same English word: "casino" matches "casinos".
_LATIN_SUFFIXES = frozenset({"", "s", "es", "d", "ed", "ing", "er", "ers"})
_EXACT = frozenset({""})
# How far a negation reaches forward in its sentence (normalized characters).
_NEGATION_REACH_CJK, _NEGATION_REACH_LATIN = 20, 40
LEXICON_RULE = "lexicon"
CLASSIFIER_RULE = "classifier"


@dataclass(frozen=True)
class Term:
    """A forbidden phrase and the category key it belongs to. `described`: concepts that,
    in the term's sentence, show it is reported or warned about rather than done (a court
    judging "冒充公检法" fraudsters, a bank warning of it): the term then does not count.
    Only for terms that name a crime rather than commit it."""

    text: str
    category: str
    described: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Hit:
    """One match: `text[start:end]` of the scanned text is what matched `term`.

    `rule` is "lexicon" for a listed term, else the id of the concept rule that fired
    (one hit per word the rule combined); `severity` is "block" or "review".
    """

    term: str
    category: str
    start: int
    end: int
    rule: str = LEXICON_RULE
    severity: str = "review"
    explanation: str = "A listed prohibited term."


@dataclass(frozen=True)
class Category:
    """One of the nine forbidden-content categories; a listed term of it does not count in a
    sentence holding one of the `unless` concepts (a debunked rumour, "是违法行为")."""

    key: str
    label_zh: str
    label_en: str
    unless: tuple[str, ...] = ()


_CUE_ROLES = ("negation", "contrast", "report")  # and "mask" for allow phrases and masks


@dataclass(frozen=True)
class _Entry:
    terms: tuple[Term, ...]
    concepts: tuple[tuple[str, str], ...]  # (concept name, phrase as written)
    roles: frozenset[str]
    gaps: frozenset[int]  # positions in the key where the phrase itself has a word break
    latin_start: bool
    latin_end: bool
    suffixes: frozenset[str]


class Screener:
    """Finds forbidden terms and combinations in scripts; build once, scan many times."""

    def __init__(self, terms: Iterable[Term], allow: Iterable[str] = (),
                 categories: Iterable[Category] = (), concepts: Iterable[Concept] = (),
                 rules: Iterable[Rule] = (), cues: Cues = Cues(), version: str = "",
                 model: Model | None = None) -> None:
        self._terms = tuple(dict.fromkeys(terms))
        self._allow = tuple(dict.fromkeys(allow))
        self._categories = tuple(categories)
        self._unless = {c.key: c.unless for c in self._categories if c.unless}
        self._concepts = _merge_concepts(concepts)
        self._rules = tuple(rules)
        self._cues = cues
        self.version = version
        self.model = model  # the classifier that holds what no rule names (None: rules only)
        used = {c for r in self._rules for c in r.concepts()} | {
            c for names in self._unless.values() for c in names} | {
            c for t in self._terms for c in t.described}
        missing = used - self._concepts.keys()
        if missing:
            raise ValueError(f"rules use undefined concepts: {', '.join(sorted(missing))}")
        items: list[tuple[str, object]] = [(t.text, t) for t in self._terms]
        items += [(phrase, ("mask",)) for phrase in (*self._allow, *cues.masks)]
        items += [(p, (role,)) for role in _CUE_ROLES for p in getattr(cues, role)]
        items += [(p, (c.name, p)) for c in self._concepts.values() for p in c.phrases]
        items += [(p, ("mask",)) for c in self._concepts.values() if c.mask for p in c.phrases]
        self._automaton = _automaton(items)

    @classmethod
    def default(cls) -> Screener:
        """The screener for the data files shipped with the code (built once per process)."""
        return _default_screener()

    def with_extra(self, terms: Iterable[Term] = (), concepts: Iterable[Concept] = (),
                   rules: Iterable[Rule] = ()) -> Screener:
        """A new screener that also knows `terms`, `concepts` (merged by name) and `rules`."""
        return Screener((*self._terms, *terms), self._allow, self._categories,
                        (*self._concepts.values(), *concepts), (*self._rules, *rules),
                        self._cues, self.version + "+admin", self.model)

    def with_model(self, model: Model | None) -> Screener:
        """The same rules with another classifier (None: rules only)."""
        return Screener(self._terms, self._allow, self._categories, self._concepts.values(),
                        self._rules, self._cues, self.version, model)

    def categories(self) -> tuple[Category, ...]:
        """The categories this screener reports, in agreement order."""
        return self._categories

    def concepts(self) -> dict[str, Concept]:
        """The concepts by name (shipped and added)."""
        return dict(self._concepts)

    def rules(self) -> tuple[Rule, ...]:
        """The concept rules, in evaluation order."""
        return self._rules

    def scan(self, text: str) -> list[Hit]:
        """All hits in `text`: un-negated lexicon terms and fired rules (sorted by start),
        then, when no rule blocks and the classifier is confident, its n-grams (review)."""
        normalized, index = normalize(text)
        hits = self._scan_rules(text, normalized, index)
        if self.model is not None and not any(h.severity == "block" for h in hits):
            hits.extend(self.classifier_hits(text, normalized, index))
        return hits

    def classifier_hits(self, text: str, normalized: str | None = None,
                        index: list[int] | None = None) -> list[Hit]:
        """The classifier's hold: one review hit per n-gram that weighed most, none when
        its score is below the threshold. Alone it holds the script for an admin; beside
        review hits of rules it tells the reviewer the wording reads as prohibited too."""
        model = self.model
        found = model.assess(text, normalized, index) if model is not None else None
        if model is None or found is None or not model.holds(found):
            return []
        category = found.category or "other_illegal"
        label = next((c.label_en for c in self._categories if c.key == category), category)
        words = ", ".join(f"'{text[start:end]}'" for _, _, start, end in found.grams)
        explanation = (f"No rule names it, but the statistical classifier reads this as "
                       f"prohibited (score {found.score:.1f}, it holds from "
                       f"{model.threshold:.1f}; nearest category: {label}). The n-grams that "
                       f"weighed most: {words}. Read the whole script before deciding.")
        return [Hit(gram, category, start, end, CLASSIFIER_RULE, "review", explanation)
                for gram, _, start, end in found.grams]

    def scan_rules(self, text: str) -> list[Hit]:
        """The hits of the lexicon and the concept rules alone, sorted by start."""
        return self._scan_rules(text, *normalize(text))

    def _scan_rules(self, text: str, normalized: str, index: list[int]) -> list[Hit]:
        if not normalized:
            return []
        found = self._matches(text, normalized, index)
        if not found:
            return []
        sentences = Sentences(text)
        reader = _Reader(normalized, index, sentences, found)
        hits = []
        for lo, hi, entry in found:
            if entry.terms and "mask" not in entry.roles and not reader.neutralized(lo, hi, True):
                start, end = index[lo], index[hi - 1] + 1
                hits.extend(Hit(t.text, t.category, start, end) for t in entry.terms
                            if not reader.explained(lo, self._unless.get(t.category, ()))
                            and not reader.explained(lo, t.described))
        if self._rules and reader.present:
            hits.extend(self._rule_hits(reader, index))
        hits.sort(key=lambda h: (h.start, h.end, h.category, h.term, h.rule))
        return hits

    def _matches(self, text: str, normalized: str, index: list[int]
                 ) -> list[tuple[int, int, _Entry]]:
        """Automaton matches on word boundaries, minus those lying inside a mask phrase."""
        found: list[tuple[int, int, _Entry]] = []
        kept: list[tuple[int, int, _Entry]] = []
        masks: list[tuple[int, int]] = []
        for last, (length, entry) in self._automaton.iter(normalized):
            lo, hi = last + 1 - length, last + 1
            if not _word_ok(text, normalized, index, lo, hi, entry):
                continue
            if "mask" in entry.roles:
                masks.append((lo, hi))
                if entry.concepts:  # a masking concept phrase still counts as its concept
                    kept.append((lo, hi, entry))
            else:
                found.append((lo, hi, entry))
        if not masks:
            return found
        # Sorted mask spans and their running max end answer "is [lo, hi) inside one?" in
        # log time, so a script stuffed with mask phrases cannot make the scan quadratic.
        masks.sort()
        starts = [m_lo for m_lo, _ in masks]
        reach = list(accumulate((m_hi for _, m_hi in masks), max))
        for lo, hi, entry in found:
            i = bisect_right(starts, lo) - 1
            if not (i >= 0 and reach[i] >= hi):
                kept.append((lo, hi, entry))
        return kept

    def _rule_hits(self, reader: _Reader, index: list[int]) -> list[Hit]:
        hits = []
        for rule in self._rules:
            picks = find(rule, reader.live, reader.present, reader.width)
            for pick in picks or ():
                hits.append(Hit(pick.phrase, rule.category, index[pick.lo], index[pick.hi - 1] + 1,
                                rule.id, rule.severity, rule.explanation))
        return hits


class _Reader:
    """One scan's cues and concept occurrences, and which of them a negation governs."""

    def __init__(self, normalized: str, index: list[int], sentences: Sentences,
                 found: list[tuple[int, int, _Entry]]) -> None:
        self._normalized, self._index, self._sentences = normalized, index, sentences
        self._latin_sums: list[int] | None = None
        found = _drop_inner_cues(found)
        self._negations = sorted((lo, hi) for lo, hi, e in found if "negation" in e.roles)
        self._negations.sort(key=lambda n: n[1])
        self._negation_ends = [hi for _, hi in self._negations]
        self._contrasts = sorted(lo for lo, _, e in found if "contrast" in e.roles)
        self._reports = [lo for lo, _, e in found if "report" in e.roles]
        self.present: dict[str, list[Occurrence]] = {}
        for lo, hi, entry in found:
            if entry.concepts:
                sentence = self.sentence(lo)
                for name, phrase in entry.concepts:
                    self.present.setdefault(name, []).append(Occurrence(lo, hi, sentence, phrase))
        for occurrences in self.present.values():
            occurrences.sort()
        self.live = _Live(self)
        self._sentences_with: dict[str, set[int]] = {}

    def sentence(self, pos: int) -> int:
        return self._sentences.of(self._index[pos])

    def clause(self, pos: int) -> int:
        return self._sentences.clause_of(self._index[pos])

    def explained(self, pos: int, concepts: tuple[str, ...]) -> bool:
        """Whether one of `concepts` occurs in the sentence of `pos`."""
        if not concepts:
            return False
        sentence = self.sentence(pos)
        for concept in concepts:
            sentences = self._sentences_with.get(concept)
            if sentences is None:
                sentences = {o.sentence for o in self.present.get(concept, ())}
                self._sentences_with[concept] = sentences
            if sentence in sentences:
                return True
        return False

    def neutralized(self, lo: int, hi: int, term: bool = False) -> bool:
        """Governed by a negation before it (same sentence, close, no "but" between) or,
        for a listed term, reported right after it ("诈骗案", "fraud case"); a concept is
        not reported away ("盗刷风险" is a pretext, not a report)."""
        if not (self._negations or term and self._reports):
            return False
        first = bisect_left(self._negation_ends, lo - _NEGATION_REACH_LATIN)
        last = bisect_right(self._negation_ends, lo)
        sentence = self.sentence(lo) if first < last else None
        clause = None
        for n_lo, n_hi in self._negations[first:last]:
            # An English negation reaches through an aside ("never, under any circumstances,
            # ask you to ...") and along a list ("never click links, share codes or move
            # money") but not into the next order ("do not drink the water, forward this to
            # everyone"); a Chinese one stops at its clause ("千万别喝，速速转发").
            if is_latin(self._normalized[n_lo]):
                if self.sentence(n_lo) != sentence:
                    continue
                if self.clause(n_lo) != self.clause(lo) and not (
                        self._sentences.opens_aside(self._index[n_hi - 1] + 1)
                        or self._sentences.continues_list(self._index[lo])):
                    continue
            else:
                clause = self.clause(lo) if clause is None else clause
                if lo - n_hi > _NEGATION_REACH_CJK or self.clause(n_lo) != clause:
                    continue
            i = bisect_left(self._contrasts, n_hi)
            if i == len(self._contrasts) or self._contrasts[i] >= lo:  # no "but" between
                return True
        # "诈骗案", "毒品的危害", but not "赌博和诈骗": a report word right after the term
        return term and any(r == hi or r == hi + 1 and self._normalized[hi] == "的"
                   for r in self._reports)

    def width(self, lo: int, hi: int) -> float:
        """Window units of [lo, hi): a Chinese character is 1, a Latin letter LATIN_WEIGHT."""
        if self._latin_sums is None:
            self._latin_sums = [0, *accumulate(map(str.isascii, self._normalized))]
        latin = self._latin_sums[hi] - self._latin_sums[lo]
        return hi - lo - latin * (1 - LATIN_WEIGHT)


class _Live(dict):
    """Concept -> its occurrences no negation governs, worked out only when a rule asks."""

    def __init__(self, reader: _Reader) -> None:
        super().__init__()
        self._reader = reader

    def __missing__(self, name: str) -> list[Occurrence]:
        reader = self._reader
        live = [o for o in reader.present.get(name, ()) if not reader.neutralized(o.lo, o.hi)]
        self[name] = live
        return live


def _drop_inner_cues(found: list[tuple[int, int, _Entry]]) -> list[tuple[int, int, _Entry]]:
    """Cues lying inside a longer term or concept phrase are part of it, not cues:
    "against" in "rise up against", "don't" in "don't rent to", "不" in "不得好死"."""
    spans = sorted((lo, hi) for lo, hi, e in found if e.terms or e.concepts)
    if not spans:
        return found
    starts = [lo for lo, _ in spans]
    reach = list(accumulate((hi for _, hi in spans), max))
    kept = []
    for lo, hi, entry in found:
        if entry.roles and not (entry.terms or entry.concepts):
            i = bisect_right(starts, lo) - 1
            # inside a phrase that is longer than the cue (a cue is never inside itself)
            if i >= 0 and reach[i] >= hi and _longer_covers(spans, starts, lo, hi):
                continue
        kept.append((lo, hi, entry))
    return kept


def _longer_covers(spans: list[tuple[int, int]], starts: list[int], lo: int, hi: int) -> bool:
    for s_lo, s_hi in spans[: bisect_right(starts, lo)][::-1]:
        if s_hi >= hi and s_hi - s_lo > hi - lo:
            return True
        if s_lo < lo - 100:  # phrases are at most 100 characters long
            break
    return False


def _automaton(items: list[tuple[str, object]]) -> ahocorasick.Automaton:
    """One automaton over every phrase's normalized key; a key's entry holds all its roles.

    An item is a Term, a (concept, phrase) pair, or a one-element (role,) tuple.
    """
    grouped: dict[str, list[tuple[object, frozenset[int]]]] = {}
    for phrase, item in items:
        key, index = normalize(phrase)
        if not key:
            raise ValueError(f"screening phrase {phrase!r} is empty after normalization")
        grouped.setdefault(key, []).append((item, frozenset(gaps(index, phrase, 0, len(key)))))
    automaton = ahocorasick.Automaton()
    for key, found in grouped.items():
        kinds = [item for item, _ in found]
        terms = tuple(i for i in kinds if isinstance(i, Term))
        concepts = tuple(i for i in kinds if isinstance(i, tuple) and len(i) == 2)
        entry = _Entry(
            terms=terms, concepts=concepts,
            roles=frozenset(i[0] for i in kinds if isinstance(i, tuple) and len(i) == 1),
            gaps=frozenset().union(*(g for _, g in found)),
            latin_start=is_latin(key[0]), latin_end=is_latin(key[-1]),
            suffixes=_LATIN_SUFFIXES if terms or concepts else _EXACT,
        )
        automaton.add_word(key, (len(key), entry))
    if grouped:
        automaton.make_automaton()
    return automaton


def _merge_concepts(concepts: Iterable[Concept]) -> dict[str, Concept]:
    merged: dict[str, Concept] = {}
    for concept in concepts:
        old = merged.get(concept.name)
        merged[concept.name] = concept if old is None else Concept(
            old.name, tuple(dict.fromkeys((*old.phrases, *concept.phrases))),
            old.description or concept.description)
    return merged


def _word_ok(text: str, normalized: str, index: list[int], lo: int, hi: int,
             entry: _Entry) -> bool:
    """Latin-script phrases must match whole words: "kill you" is not in "skill you".

    Removing spaces lets words glue into a term ("hero in" reads "heroin"), so a
    separator the phrase itself lacks is only tolerated in letter-spaced evasions
    ("c a s i n o"), where a neighbouring fragment is one letter or both are short.
    """
    if entry.latin_start and latin_before(text, index[lo]):
        return False
    if entry.latin_end and latin_run_after(text, index[hi - 1] + 1) not in entry.suffixes:
        return False
    if not (entry.latin_start or entry.latin_end):
        return True
    cuts = [lo, *gaps(index, text, lo, hi), hi]
    for i in range(1, len(cuts) - 1):
        p = cuts[i]
        if p - lo in entry.gaps or not (is_latin(normalized[p - 1]) and is_latin(normalized[p])):
            continue
        left, right = p - cuts[i - 1], cuts[i + 1] - p
        if min(left, right) > 1 and max(left, right) > 2:
            return False
    return True


def _text(name: str) -> str:
    return resources.files("callcenter.domain").joinpath("data", name).read_text(encoding="utf-8")


def _data(name: str) -> dict:
    return json.loads(_text(name))


def load_lexicon() -> tuple[list[Category], list[Term], list[str]]:
    """Categories, terms and allow-list phrases from the lexicon.json shipped beside this module."""
    data = _data("lexicon.json")
    described = data.get("described", {})
    named, unless = set(described.get("terms", ())), tuple(described.get("unless", ()))
    categories, terms = [], []
    for item in data["categories"]:
        categories.append(Category(item["key"], item["label_zh"], item["label_en"],
                                   tuple(item.get("unless", ()))))
        terms.extend(Term(text, item["key"], unless if text in named else ())
                     for text in item["terms"])
    return categories, terms, list(data.get("allow", []))


def load_rules(categories: Iterable[str]) -> tuple[list[Concept], list[Rule], Cues, str]:
    """Concepts and cues from concepts.json, rules from rules.json, and their versions."""
    categories = list(categories)
    concepts_data, rules_data = _data("concepts.json"), _data("rules.json")
    concepts = [parse_concept(name, body) for name, body in concepts_data["concepts"].items()]
    names = [c.name for c in concepts]
    rules = [parse_rule(body, names, categories) for body in rules_data["rules"]]
    cues = Cues(**{role: tuple(concepts_data["cues"].get(role, ()))
                   for role in (*_CUE_ROLES, "masks")})
    version = f"concepts v{concepts_data['version']}, rules v{rules_data['version']}"
    return concepts, rules, cues, version


@cache
def _default_screener() -> Screener:
    categories, terms, allow = load_lexicon()
    concepts, rules, cues, version = load_rules(c.key for c in categories)
    lexicon_version = _data("lexicon.json")["version"]
    model = load_model(_text("classifier.json"))
    return Screener(terms, allow, categories, concepts, rules, cues,
                    f"lexicon v{lexicon_version}, {version}, classifier v{MODEL_VERSION}", model)
