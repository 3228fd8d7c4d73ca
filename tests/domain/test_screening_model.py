"""The screening classifier: n-gram features, deterministic training, the shipped model, its
holds and their explanation, and how its out-of-sample figures are counted."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pytest

from callcenter.domain import screening_eval as ev
from callcenter.domain import screening_model as sm
from callcenter.domain.screening import CLASSIFIER_RULE, Screener
from callcenter.domain.screening_eval import Sample

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"


def sample(i: int, label: str, text: str, language: str = "zh",
           category: str = "obscene_violent_fraud") -> Sample:
    return Sample(f"t-{language}-{label[0]}-{i:03d}", language, label, category, text)


# A toy training set: prohibited scripts ask for a fee before a prize, benign ones do not.
TOY = [
    sample(1, "prohibited", "恭喜您中了大奖，领奖前请先交手续费到指定账户。"),
    sample(2, "prohibited", "您被抽中一等奖，请先交保证金，到账后马上发奖。"),
    sample(3, "prohibited", "中奖需要先交个人所得税，请把手续费转到指定账户。"),
    sample(4, "prohibited", "You won the lottery, pay the release fee first by wire.", "en"),
    sample(5, "prohibited", "Winner! Send the processing fee first to release the prize.", "en"),
    sample(6, "benign", "您好，您的宽带下月到期，可在营业厅办理续费。"),
    sample(7, "benign", "会员抽奖活动的奖品请到前台免费领取，不收任何费用。"),
    sample(8, "benign", "您好，您的快递已到小区驿站，请凭取件码领取。"),
    sample(9, "benign", "Your parcel is waiting at the front desk, bring your ID.", "en"),
    sample(10, "benign", "Thank you for your payment, your broadband renews next month.", "en"),
]


@pytest.fixture(scope="module")
def toy() -> sm.Model:
    return sm.train(TOY, threshold=0.0, trained_on="toy")


# --- features ---------------------------------------------------------------------------------


def test_features_are_chinese_bigrams_trigrams_and_english_words_and_pairs():
    keys = sm.sample_keys("先交手续费 then pay the fees")
    assert {"先交", "手续", "先交手", "手续费"} <= keys
    assert {"then", "pay", "the", "fee", "pay the", "the fee"} <= keys
    assert not any("\0" in k for k in keys)
    assert "费then" not in keys and "费t" not in keys  # no n-gram across scripts


def test_features_read_through_the_evasions_like_the_rules():
    plain = sm.sample_keys("请转入安全账户，release fee 200")
    assert sm.sample_keys("請轉入 安 全 賬\u200b戶，ｒｅｌｅａｓｅ f e e 200") == plain
    assert "000" in plain  # digits fold to 0: amounts generalize


def test_windows_keep_a_long_script_from_piling_up_evidence(toy):
    scam = TOY[0].text
    filler = "您好，您的快递已到小区驿站，请凭取件码领取。"
    assert toy.assess(filler * 40).score == pytest.approx(toy.assess(filler * 2).score)
    text = filler * 10 + scam  # the scam is in the last window only
    found = toy.assess(text, explain=True)
    assert found is not None and found.score > toy.assess(filler * 10).score
    assert found.grams
    for gram, weight, start, end in found.grams:  # the explanation points into the scam
        assert weight > 0 and len(filler) * 10 <= start < end <= len(text)
        assert gram in sm.sample_keys(text[start:end])


# --- training -----------------------------------------------------------------------------------


def test_training_is_deterministic_and_the_file_round_trips(toy):
    again = sm.train(list(reversed(TOY)), threshold=0.0, trained_on="toy")
    assert again.to_json() == toy.to_json()
    loaded = sm.load_model(toy.to_json())
    assert loaded == toy and loaded.to_json() == toy.to_json()


def test_weights_favour_the_words_of_prohibited_scripts(toy):
    assert toy.weights["手续费"] > 0 > toy.weights["领取"]
    assert toy.weights["fee"] > 0
    assert toy.categories["手续费"] == "obscene_violent_fraud"
    assert "领取" not in toy.categories or toy.weights["领取"] < 0
    assert toy.bias == round(math.log(5 / 5), 4)
    assert all(n >= sm.MIN_DOCS for n in [sum(k in sm.sample_keys(s.text) for s in TOY)
                                          for k in toy.weights])


def test_a_model_file_of_another_version_is_refused(toy):
    with pytest.raises(ValueError, match="rebuild"):
        sm.load_model(toy.to_json().replace('"version":1', '"version":99'))


def test_the_shipped_model_is_what_the_labelled_scripts_give():
    """`make screening-model` was run after the last change to the corpus or the held-out set."""
    shipped = resources.files("callcenter.domain").joinpath("data", "classifier.json")
    built = ev.build_model(DATA)
    assert built.to_json() == shipped.read_text(encoding="utf-8")
    assert built.threshold > 0 and len(built.weights) > 1000
    assert "corpus.jsonl" in built.trained_on and "holdout.jsonl" in built.trained_on


def test_folds_are_stable_and_balanced():
    ids = [f"x-{i}" for i in range(103)]
    fold = sm.folds(ids, 5)
    assert fold == sm.folds(ids, 5) and sorted(set(fold)) == [0, 1, 2, 3, 4]
    counts = [fold.count(f) for f in range(5)]
    assert max(counts) - min(counts) <= 1
    assert sm.folds(list(reversed(ids)), 5) == list(reversed(fold))  # by id, not by order


def test_the_threshold_holds_at_most_the_target_share_of_benign_scripts():
    benign = [sample(i, "benign", "x", "zh" if i % 2 else "en") for i in range(200)]
    scores = [float(i) for i in range(200)]
    threshold = sm.choose_threshold(benign, scores, target=0.01)
    for language in ("zh", "en"):
        held = [s for s, v in zip(benign, scores, strict=True)
                if s.language == language and v >= threshold]
        assert len(held) <= 1
    assert threshold == pytest.approx(197.0001)  # en's 2nd highest (196) < zh's (197)
    assert sm.choose_threshold(benign, [None] * 200) == -math.inf


# --- the screener: holds, never blocks, explains -----------------------------------------


def test_a_confident_classifier_holds_for_review_with_its_ngrams(toy):
    screener = Screener.default().with_model(toy)
    text = "请先交手续费到指定账户，到账后马上处理。"  # no listed term, no rule
    assert screener.scan_rules(text) == []
    hits = screener.scan(text)
    assert hits and {h.rule for h in hits} == {CLASSIFIER_RULE}
    assert {h.severity for h in hits} == {"review"}
    assert {h.category for h in hits} == {"obscene_violent_fraud"}
    for hit in hits:
        assert text[hit.start:hit.end] == hit.term  # the n-gram, highlighted where it is
        assert "classifier" in hit.explanation and "score" in hit.explanation
    assert screener.scan(text) == hits  # deterministic


def test_the_classifier_stays_silent_below_its_threshold_and_after_a_block(toy):
    screener = Screener.default().with_model(toy)
    assert screener.scan("您好，您的快递已到小区驿站，请凭取件码领取。") == []
    blocked = "恭喜您中了一等奖，领奖前请先缴纳两千元手续费。"
    hits = screener.scan(blocked)
    assert any(h.severity == "block" for h in hits)
    assert CLASSIFIER_RULE not in {h.rule for h in hits}  # nothing to add to a block
    assert Screener.default().with_model(None).scan("请先交手续费到指定账户") == []


def test_a_held_benign_script_counts_as_a_false_alarm(toy):
    eager = Screener.default().with_model(sm.Model(toy.weights, toy.categories, toy.bias,
                                                   -math.inf))
    result = ev.evaluate(eager, [sample(1, "benign", "您好，请先交手续费。")])
    assert result.overall.alarms == 1 and result.false_alarms[0][1][0].rule == CLASSIFIER_RULE


def test_the_default_screener_carries_the_shipped_classifier():
    screener = Screener.default()
    assert screener.model is not None and screener.model.threshold > 0
    assert "classifier v1" in screener.version
    assert screener.with_extra().model is screener.model  # admin rules keep it


# --- out-of-sample figures -----------------------------------------------------------------------


def test_cross_validation_screens_every_script_once_with_a_model_that_never_saw_it():
    samples = TOY * 1  # ten scripts, five folds
    result = ev.cross_validate(Screener.default(), samples, k=5)
    assert result.combined["all"].prohibited == 5 and result.combined["all"].benign == 5
    for table in (result.rules, result.classifier, result.combined):
        assert table["zh"].prohibited + table["en"].prohibited == 5
    assert result.combined["all"].caught >= result.rules["all"].caught
    assert result.threshold.count(",") == 4


def test_leave_batch_out_trains_without_the_batch():
    corpus = TOY[:3] + TOY[5:8]
    held = [Sample("hb1-zh-p-001", "zh", "prohibited", "obscene_violent_fraud", TOY[3].text),
            Sample("hb1-zh-b-001", "zh", "benign", "obscene_violent_fraud", TOY[8].text),
            Sample("hb2-en-p-001", "en", "prohibited", "obscene_violent_fraud", TOY[4].text)]
    results = ev.leave_batch_out(Screener.default(), corpus, held)
    assert [r.name for r in results] == ["batch hb1 left out", "batch hb2 left out"]
    assert results[0].combined["all"].prohibited == 1 and results[0].combined["all"].benign == 1
    table = ev.format_generalization(None, results[0], results)
    assert "rules alone" in table and "classifier alone" in table and "batch hb2" in table
