"""Call-script screening against the nine forbidden-content categories of the service agreement.

Pure domain code: text in, hits out. Matching runs on a normalized form of the text
(see `normalize`) with one Aho-Corasick automaton, and every hit is reported as a slice
of the ORIGINAL text, so the UI can highlight exactly what the tenant wrote.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate, compress

import ahocorasick
import opencc

# Dropped by normalize(): separators, punctuation, symbols, controls/format characters
# (zero-width space/joiner, BOM) and combining marks left over after NFKC (zalgo text).
_DROPPED_PREFIXES = ("Z", "P", "S", "C")
_DROPPED_CATEGORIES = frozenset({"Mn", "Me"})
# Dropped characters a reader does not see; they never separate words.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
# Endings that still count as the same English word: "casino" matches "casinos".
_LATIN_SUFFIXES = frozenset({"", "s", "es", "d", "ed", "ing", "er", "ers"})

_t2s = opencc.OpenCC("t2s")
_t2s_lock = threading.Lock()
# Original character -> its normalized piece ("" when dropped, "fi" for U+FB01).
_pieces: dict[str, str] = {}


def _piece(char: str) -> str:
    """Normalize one original character; cached because scripts reuse few distinct characters."""
    out = []
    for c in unicodedata.normalize("NFKC", char).casefold():
        category = unicodedata.category(c)
        if category.startswith(_DROPPED_PREFIXES) or category in _DROPPED_CATEGORIES:
            continue
        if ord(c) >= 0x2E80:  # CJK and beyond; converting char by char keeps the index map 1:1
            with _t2s_lock:
                converted = _t2s.convert(c)
            c = converted if len(converted) == 1 else c
        out.append(c)
    piece = "".join(out)
    _pieces[char] = piece
    return piece


def normalize(text: str) -> tuple[str, list[int]]:
    """Return the matching form of `text` and, per normalized character, its original index.

    NFKC (full-width to half-width), casefold, traditional to simplified Chinese, then
    whitespace, punctuation, symbols and zero-width/format characters removed.
    """
    for char in set(text).difference(_pieces):
        _piece(char)
    parts = list(map(_pieces.__getitem__, text))
    normalized = "".join(parts)
    index = list(compress(range(len(text)), parts))
    if len(index) != len(normalized):  # a character expanded, e.g. the "fi" ligature
        index = [i for i, part in enumerate(parts) for _ in part]
    return normalized, index


@dataclass(frozen=True)
class Term:
    """A forbidden phrase and the category key it belongs to."""

    text: str
    category: str


@dataclass(frozen=True)
class Hit:
    """One match: `text[start:end]` of the scanned text is what matched `term`."""

    term: str
    category: str
    start: int
    end: int


@dataclass(frozen=True)
class Category:
    """One of the nine forbidden-content categories."""

    key: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class _Entry:
    terms: tuple[Term, ...]
    allow: bool
    gaps: frozenset[int]  # positions in the key where the phrase itself has a word break
    latin_start: bool
    latin_end: bool


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _piece_of(char: str) -> str:
    return _pieces[char] if char in _pieces else _piece(char)


def _gaps(index: list[int], original: str, lo: int, hi: int) -> list[int]:
    """Normalized positions p in (lo, hi) where a visible separator was removed before p."""
    gaps = []
    for p in range(lo + 1, hi):
        between = original[index[p - 1] + 1 : index[p]]
        if any(unicodedata.category(c) not in _INVISIBLE_CATEGORIES for c in between):
            gaps.append(p)
    return gaps


class Screener:
    """Finds forbidden terms in call scripts; build once, scan many times."""

    def __init__(
        self,
        terms: Iterable[Term],
        allow: Iterable[str] = (),
        categories: Iterable[Category] = (),
    ) -> None:
        self._terms = tuple(dict.fromkeys(terms))
        self._allow = tuple(dict.fromkeys(allow))
        self._categories = tuple(categories)
        grouped: dict[str, list[tuple[Term | None, frozenset[int]]]] = {}
        for item in (*self._terms, *self._allow):
            phrase = item.text if isinstance(item, Term) else item
            key, index = normalize(phrase)
            if not key:
                raise ValueError(f"screening phrase {phrase!r} is empty after normalization")
            gaps = frozenset(_gaps(index, phrase, 0, len(key)))
            grouped.setdefault(key, []).append((item if isinstance(item, Term) else None, gaps))
        self._automaton = ahocorasick.Automaton()
        for key, items in grouped.items():
            entry = _Entry(
                terms=tuple(term for term, _ in items if term is not None),
                allow=any(term is None for term, _ in items),
                gaps=frozenset().union(*(gaps for _, gaps in items)),
                latin_start=_is_latin(key[0]),
                latin_end=_is_latin(key[-1]),
            )
            self._automaton.add_word(key, (len(key), entry))
        if grouped:
            self._automaton.make_automaton()

    @classmethod
    def default(cls) -> Screener:
        """The screener for the lexicon shipped with the code (built once per process)."""
        return _default_screener()

    def with_extra(self, terms: Iterable[Term]) -> Screener:
        """A new screener that also catches `terms` (e.g. defined by an administrator)."""
        return Screener((*self._terms, *terms), self._allow, self._categories)

    def categories(self) -> tuple[Category, ...]:
        """The categories this screener reports, in agreement order."""
        return self._categories

    def scan(self, text: str) -> list[Hit]:
        """All hits in `text`, overlaps included, sorted by start; allow-list phrases excluded."""
        if not self._terms:
            return []
        normalized, index = normalize(text)
        if not normalized:
            return []
        found: list[tuple[int, int, _Entry]] = []
        allowed: list[tuple[int, int]] = []
        for last, (length, entry) in self._automaton.iter(normalized):
            lo, hi = last + 1 - length, last + 1
            if not self._word_ok(text, normalized, index, lo, hi, entry):
                continue
            if entry.allow:
                allowed.append((lo, hi))
            if entry.terms:
                found.append((lo, hi, entry))
        # Sorted allow spans and their running max end answer "is [lo, hi) inside one?" in
        # log time, so a script stuffed with allow phrases cannot make the scan quadratic.
        allowed.sort()
        allow_starts = [a_lo for a_lo, _ in allowed]
        allow_reach = list(accumulate((a_hi for _, a_hi in allowed), max))
        hits = []
        for lo, hi, entry in found:
            i = bisect_right(allow_starts, lo) - 1
            if i >= 0 and allow_reach[i] >= hi:
                continue
            start, end = index[lo], index[hi - 1] + 1
            hits.extend(Hit(t.text, t.category, start, end) for t in entry.terms)
        hits.sort(key=lambda h: (h.start, h.end, h.category, h.term))
        return hits

    @staticmethod
    def _word_ok(
        text: str, normalized: str, index: list[int], lo: int, hi: int, entry: _Entry
    ) -> bool:
        """Latin-script phrases must match whole words: "kill you" is not in "skill you".

        Removing spaces lets words glue into a term ("hero in" reads "heroin"), so a
        separator the phrase itself lacks is only tolerated in letter-spaced evasions
        ("c a s i n o"), where a neighbouring fragment is one letter or both are short.
        """
        if entry.latin_start and _latin_before(text, index[lo]):
            return False
        if entry.latin_end and _latin_run_after(text, index[hi - 1] + 1) not in _LATIN_SUFFIXES:
            return False
        if not (entry.latin_start or entry.latin_end):
            return True
        cuts = [lo, *_gaps(index, text, lo, hi), hi]
        for i in range(1, len(cuts) - 1):
            p = cuts[i]
            if p - lo in entry.gaps or not (
                _is_latin(normalized[p - 1]) and _is_latin(normalized[p])
            ):
                continue
            left, right = p - cuts[i - 1], cuts[i + 1] - p
            if min(left, right) > 1 and max(left, right) > 2:
                return False
        return True


def _latin_before(text: str, pos: int) -> bool:
    """Whether the visible character before `pos` continues a Latin word."""
    pos -= 1
    while pos >= 0 and unicodedata.category(text[pos]) in _INVISIBLE_CATEGORIES:
        pos -= 1
    if pos < 0:
        return False
    piece = _piece_of(text[pos])
    return bool(piece) and _is_latin(piece[-1])


def _latin_run_after(text: str, pos: int) -> str:
    """The Latin letters glued to the end of a match (at most 4, enough to judge a suffix)."""
    run = []
    while pos < len(text) and len(run) < 4:
        char = text[pos]
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            pos += 1
            continue
        piece = _piece_of(char)
        if not piece or not _is_latin(piece[0]):
            break
        run.append(piece)
        pos += 1
    return "".join(run)


def load_lexicon() -> tuple[list[Category], list[Term], list[str]]:
    """Categories, terms and allow-list phrases from the lexicon.json shipped beside this module."""
    source = resources.files("callcenter.domain").joinpath("data", "lexicon.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    categories, terms = [], []
    for item in data["categories"]:
        categories.append(Category(item["key"], item["label_zh"], item["label_en"]))
        terms.extend(Term(text, item["key"]) for text in item["terms"])
    return categories, terms, list(data.get("allow", []))


@cache
def _default_screener() -> Screener:
    categories, terms, allow = load_lexicon()
    return Screener(terms, allow, categories)
