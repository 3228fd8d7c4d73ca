"""The labelled corpus of our own scripts: its shape, and the figures screening must reach."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from callcenter.domain.screening import Screener
from callcenter.domain.screening_eval import (
    FALSE_ALARM_TARGET,
    RECALL_TARGET,
    evaluate,
    load_corpus,
    meets_targets,
    time_scan,
    timing_texts,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "screening" / "corpus.jsonl"
CATEGORIES = {"constitution", "national_security", "national_honour", "ethnic_hatred",
              "religion_cult", "rumours", "obscene_violent_fraud", "defamation",
              "other_illegal"}


@pytest.fixture(scope="module")
def samples():
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def result(samples):
    return evaluate(Screener.default(), samples)


def test_corpus_has_300_scripts_half_prohibited_in_every_category_and_both_languages(samples):
    labels = Counter(s.label for s in samples)
    assert len(samples) >= 300 and labels["prohibited"] >= 150 and labels["benign"] >= 150
    assert len({s.id for s in samples}) == len(samples)
    prohibited = [s for s in samples if s.label == "prohibited"]
    assert {s.category for s in prohibited} == CATEGORIES
    for category in CATEGORIES:
        assert {s.language for s in prohibited if s.category == category} == {"zh", "en"}
    assert {s.category for s in samples if s.label == "benign"} == CATEGORIES


def test_corpus_carries_the_usual_evasions(samples):
    evasions = {s.evasion for s in samples if s.label == "prohibited"}
    assert {"spacing", "full-width", "traditional", "zero-width", "homophone", "pinyin",
            "homoglyph", "leet"} <= evasions
    assert any("\u200b" in s.text for s in samples if s.evasion == "zero-width")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_recall_and_false_alarms_meet_the_targets_in_each_language(result, language):
    tally = result.by_language[language]
    misses = [s.id for s in result.misses if s.language == language]
    alarms = [s.id for s, _ in result.false_alarms if s.language == language]
    assert tally.recall >= RECALL_TARGET, misses
    assert tally.false_alarm_rate <= FALSE_ALARM_TARGET, alarms
    assert meets_targets(result)


def test_prohibited_scripts_are_caught_in_their_own_category(result):
    assert result.overall.in_category >= RECALL_TARGET * result.overall.prohibited


def test_timing_scripts_are_2000_characters_and_timed_in_milliseconds(samples):
    texts = timing_texts(samples)
    assert {len(text) for text in texts.values()} == {2000}
    ticks = iter(range(0, 10_000))
    median, p95 = time_scan(Screener.default(), texts["ordinary"], repeat=5,
                            timer=lambda: next(ticks) / 1000)
    assert median == p95 == 1.0  # each scan took one tick of the injected clock
