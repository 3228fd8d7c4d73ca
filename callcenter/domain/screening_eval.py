"""Measure a Screener on a labelled corpus: recall and false alarms per category and language.

A prohibited sample counts as caught when the screener reports any hit (the script would
not be approved as it stands); a benign sample with any hit is a false alarm. Categories
of benign samples name the prohibited category whose vocabulary they share.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from callcenter.domain import screening_model as sm
from callcenter.domain.screening import Hit, Screener

TIMING_LENGTH = 2000
RECALL_TARGET, FALSE_ALARM_TARGET = 0.98, 0.02


@dataclass(frozen=True)
class Sample:
    """One labelled script."""

    id: str
    language: str
    label: str  # "prohibited" or "benign"
    category: str
    text: str
    evasion: str = ""


@dataclass
class Tally:
    """Counts for one slice of the corpus."""

    prohibited: int = 0
    caught: int = 0
    in_category: int = 0  # caught with a hit in the sample's own category
    benign: int = 0
    alarms: int = 0

    @property
    def recall(self) -> float:
        return self.caught / self.prohibited if self.prohibited else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.alarms / self.benign if self.benign else 0.0


@dataclass
class Evaluation:
    """Tallies by category and language, and the samples screening got wrong."""

    overall: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_language: dict[str, Tally] = field(default_factory=dict)
    misses: list[Sample] = field(default_factory=list)
    false_alarms: list[tuple[Sample, list[Hit]]] = field(default_factory=list)


def load_corpus(path: Path) -> list[Sample]:
    """Samples from a JSONL file (one object per line: id, language, label, category, text)."""
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data = json.loads(line)
        if data.get("label") not in ("prohibited", "benign"):
            raise ValueError(f"{path}:{number}: label must be prohibited or benign")
        samples.append(Sample(data["id"], data["language"], data["label"], data["category"],
                              data["text"], data.get("evasion", "")))
    return samples


def evaluate(screener: Screener, samples: Iterable[Sample]) -> Evaluation:
    """Screen every sample and tally the outcome."""
    result = Evaluation()
    for sample in samples:
        hits = screener.scan(sample.text)
        tallies = (result.overall, result.by_category.setdefault(sample.category, Tally()),
                   result.by_language.setdefault(sample.language, Tally()))
        for tally in tallies:
            if sample.label == "prohibited":
                tally.prohibited += 1
                tally.caught += bool(hits)
                tally.in_category += any(h.category == sample.category for h in hits)
            else:
                tally.benign += 1
                tally.alarms += bool(hits)
        if sample.label == "prohibited" and not hits:
            result.misses.append(sample)
        elif sample.label == "benign" and hits:
            result.false_alarms.append((sample, hits))
    return result


def batch_of(sample_id: str) -> str:
    """The held-out batch a sample belongs to: its id up to the first "-" ("ho2-zh-p-001")."""
    return sample_id.split("-", 1)[0]


@dataclass(frozen=True)
class FirstPass:
    """A held-out batch's figures when it was first measured, before any change it prompted."""

    batch: str
    written: str
    rules: str  # the screener version it was measured with
    by_language: dict[str, Tally]
    # the same first pass with the classifier (trained without the batch), when recorded
    with_classifier: FirstPass | None = None

    @property
    def overall(self) -> Tally:
        total = Tally()
        for t in self.by_language.values():
            total.prohibited += t.prohibited
            total.caught += t.caught
            total.benign += t.benign
            total.alarms += t.alarms
        return total


def first_pass_path(corpus: Path) -> Path:
    """Where a held-out set keeps its first-pass record (holdout_first_pass.json)."""
    return corpus.with_name(f"{corpus.stem}_first_pass.json")


def load_first_pass(path: Path) -> list[FirstPass]:
    """The recorded first passes, in batch order (none when there is no record)."""
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [_first_pass(b) for b in data["batches"]]


def _first_pass(record: dict, batch: str = "") -> FirstPass:
    extra = record.get("with_classifier")
    return FirstPass(
        record.get("batch", batch), record.get("written", ""), record["rules"],
        {lang: Tally(t["prohibited"], t["caught"], 0, t["benign"], t["alarms"])
         for lang, t in record["by_language"].items()},
        _first_pass(extra, record["batch"]) if extra else None)


def evaluate_batches(screener: Screener, samples: Iterable[Sample]) -> dict[str, Evaluation]:
    """One evaluation per held-out batch, in the order batches first appear."""
    grouped: dict[str, list[Sample]] = {}
    for sample in samples:
        grouped.setdefault(batch_of(sample.id), []).append(sample)
    return {batch: evaluate(screener, group) for batch, group in grouped.items()}


def meets_targets(result: Evaluation) -> bool:
    """Recall >= 98% and false alarms <= 2% in every language."""
    return all(t.recall >= RECALL_TARGET and t.false_alarm_rate <= FALSE_ALARM_TARGET
               for t in result.by_language.values())


def timing_text(samples: Iterable[Sample], length: int = TIMING_LENGTH) -> str:
    """A script of exactly `length` characters made of corpus samples, in corpus order."""
    parts, size = [], 0
    for sample in samples:
        parts.append(sample.text)
        size += len(sample.text) + 1
        if size >= length:
            break
    text = "\n".join(parts)
    while text and len(text) < length:
        text += "\n" + text
    return text[:length]


def timing_texts(samples: list[Sample]) -> dict[str, str]:
    """Two 2,000-character scripts: ordinary (benign samples only) and dense (prohibited
    and benign samples interleaved, many rules to weigh)."""
    benign = [s for s in samples if s.label == "benign"]
    prohibited = [s for s in samples if s.label == "prohibited"]
    mixed = [s for pair in zip(prohibited, benign, strict=False) for s in pair]
    return {"ordinary": timing_text(benign), "dense": timing_text(mixed)}


def time_scan(screener: Screener, text: str, repeat: int = 300,
              timer: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Median and 95th-percentile time of one scan of `text`, in milliseconds."""
    screener.scan(text)  # warm the character cache
    times = []
    for _ in range(repeat):
        start = timer()
        screener.scan(text)
        times.append((timer() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, len(times) * 95 // 100)]


def _line(name: str, t: Tally) -> str:
    recall = f"{t.caught:>3}/{t.prohibited:<3} {t.recall:>7.1%}" if t.prohibited else f"{'-':>15}"
    alarms = (f"{t.alarms:>3}/{t.benign:<3} {t.false_alarm_rate:>7.1%}" if t.benign
              else f"{'-':>15}")
    return f"{name:<24}{recall}   {t.in_category:>3}   {alarms}"


def _pair(t: Tally) -> str:
    return (f"{t.caught:>3}/{t.prohibited:<3} {t.recall:>6.1%}  "
            f"{t.alarms:>2}/{t.benign:<3} {t.false_alarm_rate:>5.1%}")


def format_batches(batches: dict[str, Evaluation], first: list[FirstPass]) -> str:
    """Per held-out batch and language: the recorded first pass next to today's figures."""
    out = [f"    {'':<11}{'first pass':^28}  {'now':^28}",
           f"    {'':<11}{'caught':>14}  {'alarms':>12}  {'caught':>14}  {'alarms':>12}"]
    recorded = {f.batch: f for f in first}
    for batch, now in batches.items():
        then = recorded.get(batch)
        out.append(f"  batch {batch}: "
                   + (f"first measured with {then.rules}" if then else "no first pass recorded"))
        rows = [(lang, then.by_language.get(lang) if then else None, now.by_language[lang])
                for lang in sorted(now.by_language)]
        rows.append(("all", then.overall if then else None, now.overall))
        for name, before, after in rows:
            out.append(f"    {name:<11}{_pair(before) if before else '-':<28}  {_pair(after)}")
        plus = then.with_classifier if then else None
        if plus:
            out.append(f"    first pass with {plus.rules}:")
            rows = [(lang, plus.by_language[lang]) for lang in sorted(plus.by_language)]
            out += [f"    {name:<11}{_pair(t)}" for name, t in (*rows, ("all", plus.overall))]
    return "\n".join(out)


def format_holdout(result: Evaluation, batches: dict[str, Evaluation], first: list[FirstPass],
                   *, corpus: str) -> str:
    """The held-out section of the report: today's figures, each batch's first pass, and
    every miss and false alarm."""
    head = f"{'':<24}{'caught / prohibited':>15}   {'in cat':>6}   {'alarms / benign':>15}"
    out = [f"Held-out set: {corpus}",
           "  Written apart from the rules; a batch's first pass is its score before any change",
           "  it prompted, and the best estimate of how screening does on new phrasing.", "",
           head]
    out += [_line(f"language {name}", result.by_language[name])
            for name in sorted(result.by_language)]
    out += [_line("overall", result.overall), "", format_batches(batches, first), ""]
    out += _mistakes(result, "Held-out misses", "Held-out false alarms")
    return "\n".join(out)


def _mistakes(result: Evaluation, misses: str, alarms: str) -> list[str]:
    """Every miss and every false alarm with the rules that fired, for the reports."""
    out = [f"{misses} ({len(result.misses)}):"]
    out += [f"  {s.id} [{s.category}] {s.text}" for s in result.misses] or ["  none"]
    out.append(f"{alarms} ({len(result.false_alarms)}):")
    for sample, hits in result.false_alarms:
        fired = ", ".join(f"{h.rule}:{sample.text[h.start:h.end]}" for h in hits)
        out.append(f"  {sample.id} [{sample.category}] {sample.text}\n      fired: {fired}")
    return out + (["  none"] if not result.false_alarms else [])


def format_report(result: Evaluation, *, version: str, corpus: str,
                  timing: dict[str, tuple[float, float]] | None) -> str:
    """The plain-text report the CLI prints."""
    head = f"{'':<24}{'caught / prohibited':>15}   {'in cat':>6}   {'alarms / benign':>15}"
    out = [f"Screening report: {version}", f"Corpus: {corpus}", "", head]
    out += [_line(name, result.by_category[name]) for name in sorted(result.by_category)]
    out.append("")
    out += [_line(f"language {name}", result.by_language[name])
            for name in sorted(result.by_language)]
    out += [_line("overall", result.overall), ""]
    for name, (median, p95) in (timing or {}).items():
        out.append(f"Time to screen a {TIMING_LENGTH}-character script ({name}): "
                   f"median {median:.3f} ms, 95th percentile {p95:.3f} ms")
    if timing:
        out.append("")
    out += _mistakes(result, "Misses", "False alarms")
    return "\n".join(out)


# --- the classifier: how it does on scripts it was not trained on ---------------------------

TRAINING_FILES = ("corpus.jsonl", "holdout.jsonl")


@dataclass
class Generalization:
    """Figures for scripts screened by a model that never saw them: the rules alone, the
    classifier alone, and both together (what screening does), per language and "all"."""

    name: str
    rules: dict[str, Tally] = field(default_factory=dict)
    classifier: dict[str, Tally] = field(default_factory=dict)
    combined: dict[str, Tally] = field(default_factory=dict)
    threshold: str = ""


def _count(table: dict[str, Tally], sample: Sample, flagged: bool) -> None:
    for key in (sample.language, "all"):
        tally = table.setdefault(key, Tally())
        if sample.label == "prohibited":
            tally.prohibited += 1
            tally.caught += flagged
        else:
            tally.benign += 1
            tally.alarms += flagged


def _judge(result: Generalization, screener: Screener, model: sm.Model,
           samples: Iterable[Sample]) -> None:
    for sample in samples:
        ruled = bool(screener.scan_rules(sample.text))
        held = model.holds(model.assess(sample.text))
        _count(result.rules, sample, ruled)
        _count(result.classifier, sample, held)
        _count(result.combined, sample, ruled or held)


def train_model(samples: list[Sample], keys: list[set[str]] | None = None) -> sm.Model:
    """A model trained on `samples`, its threshold from cross-validation on them alone."""
    keys = keys if keys is not None else [sm.sample_keys(s.text) for s in samples]
    threshold = sm.choose_threshold(samples, sm.out_of_fold_scores(samples, keys=keys))
    return sm.train(samples, threshold=threshold, keys=keys)


def build_model(data: Path) -> sm.Model:
    """The shipped classifier: trained on every labelled script in `data` (the corpus and
    the held-out set), its threshold chosen by cross-validation on them."""
    samples, parts = [], []
    for name in TRAINING_FILES:
        found = load_corpus(data / name)
        samples += found
        parts.append(f"{name} ({len(found)})")
    return sm.build(samples, trained_on=" + ".join(parts))


def cross_validate(screener: Screener, samples: list[Sample], k: int = sm.FOLDS
                   ) -> Generalization:
    """k-fold cross-validation: per fold, a model trained on the other folds (its threshold
    by cross-validation inside them) screens the fold. The rules are today's, tuned on all
    of these scripts: only the classifier's figures, and what it adds, are out of sample."""
    keys = [sm.sample_keys(s.text) for s in samples]
    fold = sm.folds([s.id for s in samples], k)
    result = Generalization(f"{k}-fold cross-validation")
    thresholds = []
    for f in range(k):
        inside = [i for i in range(len(samples)) if fold[i] != f]
        model = train_model([samples[i] for i in inside], [keys[i] for i in inside])
        thresholds.append(model.threshold)
        _judge(result, screener, model, [s for i, s in enumerate(samples) if fold[i] == f])
    result.threshold = ", ".join(f"{t:.1f}" for t in thresholds)
    return result


def leave_batch_out(screener: Screener, corpus: list[Sample], held: list[Sample]
                    ) -> list[Generalization]:
    """Per held-out batch: a model trained on the corpus and the other batches screens it."""
    out = []
    for batch in dict.fromkeys(batch_of(s.id) for s in held):
        model = train_model(corpus + [s for s in held if batch_of(s.id) != batch])
        result = Generalization(f"batch {batch} left out", threshold=f"{model.threshold:.1f}")
        _judge(result, screener, model, [s for s in held if batch_of(s.id) == batch])
        out.append(result)
    return out


def _three(t: Tally) -> str:
    return (f"{t.caught:>3}/{t.prohibited:<3} {t.recall:>6.1%} {t.alarms:>3}/{t.benign:<3} "
            f"{t.false_alarm_rate:>5.1%}")


def format_generalization(model: sm.Model | None, cv: Generalization,
                          batches: list[Generalization]) -> str:
    """The classifier section of the report: out-of-sample figures."""
    about = (f"{len(model.weights)} n-grams, holds at score {model.threshold:g}, trained on "
             f"{model.trained_on}" if model else "none")
    out = [f"Classifier (holds for review what no rule names): {about}",
           "  Out of sample: each script is screened by a model trained without it (its",
           "  threshold chosen without it too). A hold counts as a false alarm. The rules",
           "  are today's: tuned on the corpus and on every batch (see first passes).", "",
           f"    {'':<8}{'rules alone':^29}  {'classifier alone':^29}  {'rules + classifier':^29}",
           f"    {'':<8}" + f"{'caught':>14} {'alarms':>14}  " * 3]
    for result in (cv, *batches):
        note = ("thresholds " if "," in result.threshold else "threshold ") + result.threshold
        out.append(f"  {result.name} ({note}):")
        for lang in sorted(result.combined, key=lambda k: (k == "all", k)):
            out.append(f"    {lang:<8}{_three(result.rules[lang])}  "
                       f"{_three(result.classifier[lang])}  {_three(result.combined[lang])}")
    return "\n".join(out)
