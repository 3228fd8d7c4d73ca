"""The labelled corpus of our own scripts: its shape, and the figures screening must reach."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from callcenter.domain.screening import Screener
from callcenter.domain.screening_eval import (
    FALSE_ALARM_TARGET,
    RECALL_TARGET,
    batch_of,
    evaluate,
    evaluate_batches,
    first_pass_path,
    format_batches,
    load_corpus,
    load_first_pass,
    meets_targets,
    time_scan,
    timing_texts,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
CORPUS = DATA / "corpus.jsonl"
HOLDOUT = DATA / "holdout.jsonl"
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


# --- the held-out set: written apart from the rules, reported apart ------------------------


@pytest.fixture(scope="module")
def held_out():
    return load_corpus(HOLDOUT)


@pytest.fixture(scope="module")
def held_out_result(held_out):
    return evaluate(Screener.default(), held_out)


def test_held_out_set_covers_every_category_both_languages_and_the_evasions(held_out, samples):
    labels = Counter(s.label for s in held_out)
    assert labels["prohibited"] >= 60 and labels["benign"] >= 50
    assert len({s.id for s in held_out}) == len(held_out)
    assert not {s.id for s in held_out} & {s.id for s in samples}
    assert not {s.text for s in held_out} & {s.text for s in samples}
    prohibited = [s for s in held_out if s.label == "prohibited"]
    assert {s.category for s in prohibited} == CATEGORIES
    assert {s.language for s in held_out} == {"zh", "en"}
    assert {"spacing", "full-width", "traditional", "zero-width", "homophone", "pinyin",
            "leet"} <= {s.evasion for s in prohibited}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_held_out_set_meets_the_targets_in_each_language(held_out_result, language):
    tally = held_out_result.by_language[language]
    misses = [s.id for s in held_out_result.misses if s.language == language]
    alarms = [s.id for s, _ in held_out_result.false_alarms if s.language == language]
    assert tally.recall >= RECALL_TARGET, misses
    assert tally.false_alarm_rate <= FALSE_ALARM_TARGET, alarms


def test_every_held_out_batch_has_a_first_pass_matching_its_scripts(held_out):
    first = load_first_pass(first_pass_path(HOLDOUT))
    batches = {batch_of(s.id) for s in held_out}
    assert [f.batch for f in first] == sorted(batches)
    for record in first:
        group = [s for s in held_out if batch_of(s.id) == record.batch]
        for language, then in record.by_language.items():
            mine = [s for s in group if s.language == language]
            assert then.prohibited == sum(s.label == "prohibited" for s in mine)
            assert then.benign == sum(s.label == "benign" for s in mine)
            assert 0 <= then.caught <= then.prohibited and 0 <= then.alarms <= then.benign
        assert record.rules and record.written


def test_the_batch_table_shows_the_first_pass_beside_todays_figures(held_out):
    first = load_first_pass(first_pass_path(HOLDOUT))
    table = format_batches(evaluate_batches(Screener.default(), held_out), first)
    assert "first pass" in table and "now" in table
    for record in first:
        then = record.overall
        assert f"batch {record.batch}: first measured with {record.rules}" in table
        assert f"{then.caught:>3}/{then.prohibited:<3}" in table
