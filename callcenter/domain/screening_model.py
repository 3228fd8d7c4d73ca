"""A small statistical classifier for scripts the rules do not catch: n-grams, naive Bayes.

The rules (`screening`) explain themselves and block; they only know the phrasings they
were written for. This model reads n-grams instead: Chinese character bigrams and
trigrams, English words, their first five letters and word pairs, all taken from the
same normalized text the rules see (so the evasions are undone first). It is a binarized
multinomial naive Bayes trained on the labelled scripts: a script's score is the
log-odds that it is prohibited (of its highest-scoring window, for a long script), and
its explanation is the n-grams that raised the score most, each a slice of the original
text. The screener only lets it HOLD a script for an admin, never block, and only at or
above a threshold chosen by cross-validation at a low false-hold rate. Pure Python and
deterministic: the same samples give the same model file, byte for byte.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from operator import add
from typing import Protocol

from callcenter.domain.screening_text import INVISIBLE_CATEGORIES, normalize

MODEL_VERSION = 1
ALPHA = 0.5  # Laplace smoothing of the per-class n-gram frequencies
MIN_DOCS = 2  # an n-gram must occur in this many training scripts to be kept
# A long script is scored in windows of this many normalized characters, one every half
# window (a typical script is one window), and its score is its highest window's.
CHUNK = 240
FOLDS = 5
# The threshold is the lowest score at which, out of fold, at most this share of the benign
# scripts of each language would be held (a held benign script is a false alarm).
FALSE_HOLD_TARGET = 0.01
_DIGITS = 4  # numbers in the model file are rounded, so that it is reproducible
_TOP = 5  # n-grams given as the explanation
_CJK = "\u2e80"  # this and above: Chinese (and other CJK) characters
_NOT_CJK = re.compile("[^\u2e80-\U0010ffff]")
_LATIN_RUN = re.compile("[^\u2e80-\U0010ffff]+")
_DIGIT = re.compile("[0-9]")

Gram = tuple[str, int, int]  # an n-gram and where it lies in the normalized text: [lo, hi)


@dataclass(frozen=True)
class Assessment:
    """The model's reading of a text: the log-odds of its highest-scoring window, the
    category its evidence points to, and the n-grams that raised the score most (each
    with its weight and its span in the ORIGINAL text)."""

    score: float
    category: str
    grams: tuple[tuple[str, float, int, int], ...]  # (n-gram, weight, start, end)


class _Features:
    """The n-grams of one normalized text, ready to be read window by window."""

    def __init__(self, text: str, normalized: str, index: list[int]) -> None:
        self.length = len(normalized)
        # Chinese n-grams by start position; a position that is not Chinese is \0, so an
        # n-gram across Latin text contains \0 and is never in the vocabulary.
        cjk = _NOT_CJK.sub("\0", normalized)
        self.cjk = cjk
        self.bigrams = list(map(add, cjk, cjk[1:]))
        self.trigrams = list(map(add, self.bigrams, cjk[2:]))
        self.latin = _latin_grams(text, normalized, index)  # sorted by start
        self.latin_starts = [g[1] for g in self.latin]

    def only(self, vocabulary: Container[str]) -> None:
        """Forget the n-grams outside `vocabulary` (windows then read faster)."""
        self.bigrams = [k if k in vocabulary else "\0" for k in self.bigrams]
        self.trigrams = [k if k in vocabulary else "\0" for k in self.trigrams]
        self.latin = [g for g in self.latin if g[0] in vocabulary]
        self.latin_starts = [g[1] for g in self.latin]

    def keys(self, lo: int = 0, hi: int | None = None) -> set[str]:
        """The distinct n-grams lying in [lo, hi) (Latin ones: starting there), maybe "\0"."""
        hi = self.length if hi is None else hi
        found = {*self.bigrams[lo : hi - 1], *self.trigrams[lo : hi - 2]}
        if self.latin:
            i, j = bisect_left(self.latin_starts, lo), bisect_left(self.latin_starts, hi)
            found.update(g[0] for g in self.latin[i:j])
        return found

    def place(self, key: str, lo: int) -> tuple[int, int]:
        """Normalized [lo, hi) of the first occurrence of `key` at or after `lo`."""
        if key[0] >= _CJK:
            at = self.cjk.find(key, lo)
            return at, at + len(key)
        for gram, a, b in self.latin[bisect_left(self.latin_starts, lo):]:
            if gram == key:
                return a, b
        raise LookupError(key)


def _latin_grams(text: str, normalized: str, index: list[int]) -> list[Gram]:
    """English words, their first five letters and word pairs; letters spaced out one by
    one ("f e e") read as the word they spell; digits folded to 0; plural -s dropped."""
    out: list[Gram] = []
    for match in _LATIN_RUN.finditer(normalized):
        lo, hi = match.span()
        cuts = [lo]
        for p in range(lo + 1, hi):  # a word ends where the original had a visible separator
            if index[p] - index[p - 1] > 1 and any(
                    unicodedata.category(c) not in INVISIBLE_CATEGORIES
                    for c in text[index[p - 1] + 1 : index[p]]):
                cuts.append(p)
        cuts.append(hi)
        words: list[list] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            if b - a == 1 and words and words[-1][3]:
                words[-1][0] += normalized[a]
                words[-1][2] = b
            else:
                words.append([normalized[a:b], a, b, b - a == 1])
        run: list[Gram] = []
        for word, a, b, _ in words:
            if _DIGIT.search(word):
                word = _DIGIT.sub("0", word)
            if len(word) > 3 and word[-1] == "s" and word[-2] != "s":
                word = word[:-1]
            run.append((word, a, b))
        for i, (word, a, b) in enumerate(run):
            out.append((word, a, b))
            if len(word) > 5:
                out.append((word[:5] + "~", a, b))
            if i + 1 < len(run):
                out.append((f"{word} {run[i + 1][0]}", a, run[i + 1][2]))
    return out


def sample_keys(text: str) -> set[str]:
    """The distinct n-grams of a whole script (what training counts)."""
    normalized, index = normalize(text)
    return {k for k in _Features(text, normalized, index).keys() if "\0" not in k}


@dataclass(frozen=True)
class Model:
    """Per n-gram weight (log P(n-gram | prohibited) - log P(n-gram | benign)), the category
    it occurs in most among prohibited scripts, a bias (the log prior odds) and the score
    from which a script is held."""

    weights: dict[str, float]
    categories: dict[str, str]
    bias: float
    threshold: float
    trained_on: str = ""

    def assess(self, text: str, normalized: str | None = None, index: list[int] | None = None,
               *, explain: bool = False) -> Assessment | None:
        """The score of `text` (its best window's), or None when no known n-gram occurs;
        with the category and the n-grams that weighed most when it holds, or `explain`."""
        if normalized is None or index is None:
            normalized, index = normalize(text)
        features = _Features(text, normalized, index)
        weights = self.weights
        features.only(weights)
        step = CHUNK // 2
        starts = [0] if features.length <= CHUNK else range(0, features.length - step, step)
        best: tuple[float, int, set[str]] | None = None
        for lo in starts:
            found = features.keys(lo, lo + CHUNK)
            found.discard("\0")
            score = self.bias + sum(map(weights.__getitem__, found))
            if found and (best is None or score > best[0]):
                best = (score, lo, found)
        if best is None:
            return None
        score, lo, found = best
        if score < self.threshold and not explain:
            return Assessment(round(score, _DIGITS), "", ())
        top: list[tuple[float, str]] = []  # the heaviest, skipping pieces of those kept
        for weight, key in sorted(((weights[k], k) for k in found if weights[k] > 0),
                                  reverse=True):
            base = key.rstrip("~")
            if not any(base in kept.rstrip("~") or kept.rstrip("~") in base for _, kept in top):
                top.append((weight, key))
                if len(top) == _TOP:
                    break
        by_category: Counter[str] = Counter()
        for k in found:
            if weights[k] > 0 and k in self.categories:
                by_category[self.categories[k]] += weights[k]
        category = min(by_category, key=lambda c: (-by_category[c], c)) if by_category else ""
        spans = []
        for weight, key in top:
            a, b = features.place(key, lo)
            spans.append((key, weight, index[a], index[b - 1] + 1))
        return Assessment(round(score, _DIGITS), category, tuple(spans))

    def holds(self, assessment: Assessment | None) -> bool:
        """Whether an assessment is confident enough to hold the script for review."""
        return assessment is not None and assessment.score >= self.threshold

    def to_json(self) -> str:
        """The model file: sorted keys, rounded numbers, so equal models are equal bytes."""
        names = sorted(set(self.categories.values()))
        code = {name: i for i, name in enumerate(names)}
        data = {
            "version": MODEL_VERSION, "kind": "binarized multinomial naive Bayes",
            "features": "Chinese character 2-3-grams; English words, 5-letter prefixes and "
                        "word pairs; over the screening normalization",
            "trained_on": self.trained_on, "alpha": ALPHA, "min_docs": MIN_DOCS,
            "chunk": CHUNK, "bias": self.bias, "threshold": self.threshold,
            "categories": names,
            "grams": {k: [self.weights[k], code.get(self.categories.get(k, ""), -1)]
                      for k in sorted(self.weights)},
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0,
                          separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        """A model from its file (ValueError for another version: rebuild it)."""
        data = json.loads(text)
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"screening model version {data.get('version')} is not "
                             f"{MODEL_VERSION}: rebuild it (make screening-model)")
        names = data["categories"]
        weights = {k: v[0] for k, v in data["grams"].items()}
        categories = {k: names[v[1]] for k, v in data["grams"].items() if v[1] >= 0}
        return cls(weights, categories, data["bias"], data["threshold"],
                   data.get("trained_on", ""))


def load_model(text: str) -> Model:
    """A model from its file's text."""
    return Model.from_json(text)


class LabelledText(Protocol):
    """What training needs of a labelled script (screening_eval.Sample fits)."""

    id: str
    language: str
    label: str  # "prohibited" or "benign"
    category: str
    text: str


def train(samples: Sequence[LabelledText], *, threshold: float = 0.0, trained_on: str = "",
          keys: Sequence[set[str]] | None = None) -> Model:
    """Fit the model on labelled scripts (deterministic). `keys` may pass each sample's
    n-grams already extracted (cross-validation reuses them)."""
    if keys is None:
        keys = [sample_keys(s.text) for s in samples]
    docs: Counter[str] = Counter()
    for k in keys:
        docs.update(k)
    pro: Counter[str] = Counter()
    ben: Counter[str] = Counter()
    per_category: dict[str, Counter[str]] = {}
    n_pro = n_ben = 0
    for sample, k in zip(samples, keys, strict=True):
        kept = [g for g in k if docs[g] >= MIN_DOCS]
        if sample.label == "prohibited":
            n_pro += 1
            pro.update(kept)
            per_category.setdefault(sample.category, Counter()).update(kept)
        else:
            n_ben += 1
            ben.update(kept)
    vocabulary = sorted(g for g, n in docs.items() if n >= MIN_DOCS)
    size = len(vocabulary)
    log_pro = math.log(sum(pro.values()) + ALPHA * size)
    log_ben = math.log(sum(ben.values()) + ALPHA * size)
    weights = {g: round(math.log(pro[g] + ALPHA) - log_pro - math.log(ben[g] + ALPHA) + log_ben,
                        _DIGITS) for g in vocabulary}
    categories = {}
    for g in vocabulary:
        if pro[g]:  # the category with most prohibited scripts holding it; ties by name
            categories[g] = min(per_category, key=lambda c: (-per_category[c][g], c))
    bias = round(math.log(max(n_pro, 1) / max(n_ben, 1)), _DIGITS)
    return Model(weights, categories, bias, round(threshold, _DIGITS), trained_on)


def folds(ids: Iterable[str], k: int) -> list[int]:
    """A fold number per sample, from a stable hash of its id dealt round-robin (so each
    fold mixes languages, labels and batches, the same on every run and machine)."""
    ids = list(ids)
    order = sorted(range(len(ids)), key=lambda i: (_stable_hash(ids[i]), ids[i]))
    fold = [0] * len(ids)
    for rank, i in enumerate(order):
        fold[i] = rank % k
    return fold


def _stable_hash(text: str) -> int:
    h = 2166136261  # FNV-1a: Python's hash() of a str changes between runs
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def out_of_fold_scores(samples: Sequence[LabelledText], k: int = FOLDS,
                       keys: Sequence[set[str]] | None = None) -> list[float | None]:
    """Each sample's score by a model trained on the other folds (None: no known n-gram)."""
    if keys is None:
        keys = [sample_keys(s.text) for s in samples]
    fold = folds([s.id for s in samples], k)
    scores: list[float | None] = [None] * len(samples)
    for f in range(k):
        inside = [i for i in range(len(samples)) if fold[i] != f]
        model = train([samples[i] for i in inside], keys=[keys[i] for i in inside])
        for i in range(len(samples)):
            if fold[i] == f:
                found = model.assess(samples[i].text)
                scores[i] = found.score if found else None
    return scores


def choose_threshold(samples: Sequence[LabelledText], scores: Sequence[float | None],
                     target: float = FALSE_HOLD_TARGET) -> float:
    """The lowest threshold holding at most `target` of each language's benign scripts,
    given their out-of-fold scores (just above the highest benign score not allowed)."""
    benign: dict[str, list[float]] = {}
    for sample, score in zip(samples, scores, strict=True):
        if sample.label == "benign":
            benign.setdefault(sample.language, []).append(-math.inf if score is None else score)
    threshold = -math.inf
    for values in benign.values():
        values.sort(reverse=True)
        allowed = int(target * len(values))  # this many may be held
        if allowed < len(values):
            threshold = max(threshold, values[allowed] + 10 ** -_DIGITS)
    return round(threshold, _DIGITS)


def build(samples: Sequence[LabelledText], *, trained_on: str = "") -> Model:
    """The shipped model: the threshold by k-fold cross-validation, then trained on all."""
    keys = [sample_keys(s.text) for s in samples]
    threshold = choose_threshold(samples, out_of_fold_scores(samples, keys=keys))
    return train(samples, threshold=threshold, trained_on=trained_on, keys=keys)
