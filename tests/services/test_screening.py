"""Screening as a service: verdicts for scripts, admin concepts and rules, the reviewer's note."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from callcenter.domain.errors import Conflict, Forbidden, InvalidInput, InvalidState
from callcenter.models import AuditLog, ScreeningRule, Script, Tenant
from callcenter.services import screening, scripts
from callcenter.services.access import Actor

CLEAN = "您好，您的宽带将于下月到期，续费一年六百元。"
HELD = "新用户注册网络赌场即送彩金。"
BLOCKED = "恭喜您中了一等奖，领奖前请先缴纳两千元手续费。"


def test_clean_text_is_approved_a_term_held_and_a_blocking_rule_rejects(session):
    assert screening.screen(session, CLEAN).status == "approved"
    held = screening.screen(session, HELD)
    assert held.status == "pending_review" and held.reasons == []
    blocked = screening.screen(session, BLOCKED)
    assert blocked.status == "rejected" and "advance-fee" in blocked.reasons[0]
    hit = blocked.hits[0]
    assert {"term", "category", "start", "end", "rule", "severity", "explanation"} <= set(hit)
    assert BLOCKED[hit["start"]:hit["end"]] == hit["term"]


def test_a_blocked_script_is_rejected_at_once_with_the_reason(session, factory, clock):
    tenant = session.get(Tenant, factory.tenant().id)
    script = scripts.submit(session, factory.admin_actor(), tenant, "Prize", BLOCKED, now=clock())
    session.commit()
    assert script.status == "rejected"
    assert script.review_note.startswith("Blocked by content screening:")
    assert {h["rule"] for h in script.hits} == {"fraud.prize_fee"}


def test_approving_a_held_script_needs_a_reason_and_records_it(session, factory, clock):
    tenant = session.get(Tenant, factory.tenant().id)
    script = scripts.submit(session, factory.admin_actor(), tenant, "Promo", HELD, now=clock())
    session.commit()
    admin = factory.admin_actor()
    with pytest.raises(InvalidInput, match="approved"):
        scripts.review(session, admin, script.id, "approve", " ", now=clock())
    scripts.review(session, admin, script.id, "approve", "a lottery licence was shown",
                   now=clock())
    session.commit()
    row = session.get(Script, script.id)
    assert (row.status, row.review_note) == ("approved", "a lottery licence was shown")
    audit = session.scalars(sa.select(AuditLog).where(AuditLog.action == "script.approve")).one()
    assert audit.details["note"] == "a lottery licence was shown"


def test_admin_phrases_extend_a_shipped_concept(session, factory, clock):
    admin = factory.admin_actor()
    text = "天降横财！先交两百元手续费就寄给您。"
    assert screening.screen(session, text).status == "approved"
    screening.add_concept(session, admin, "prize", "天降横财\n横财", now=clock())
    session.commit()
    assert screening.screen(session, text).status == "rejected"
    screening.add_concept(session, admin, "prize", "意外之财", now=clock())
    session.commit()
    row = session.scalars(sa.select(ScreeningRule)).one()  # merged into one row
    assert row.definition["phrases"] == ["天降横财", "横财", "意外之财"]


def test_admin_rule_over_a_new_concept_holds_matching_scripts(session, factory, clock):
    admin = factory.admin_actor()
    screening.add_concept(session, admin, "miracle_water", "神奇药水|miracle water",
                          "a cure-all drink", now=clock())
    screening.add_rule(session, admin, {
        "id": "admin.miracle_water", "category": "other_illegal", "severity": "review",
        "all": "miracle_water + payment|fee", "window": "30", "unless": "",
        "explanation": "A cure-all drink sold for money."}, now=clock())
    session.commit()
    verdict = screening.screen(session, "Miracle water cures everything, only $30 a bottle.")
    assert verdict.status == "pending_review"
    assert {h["rule"] for h in verdict.hits} == {"admin.miracle_water"}
    with pytest.raises(Conflict):
        screening.add_rule(session, admin, {
            "id": "admin.miracle_water", "category": "other_illegal", "severity": "review",
            "all": "miracle_water + fee", "explanation": "again"}, now=clock())
    with pytest.raises(InvalidState, match="uses concept"):
        concept = session.scalars(sa.select(ScreeningRule).where(
            ScreeningRule.kind == "concept")).one()
        screening.remove_entry(session, admin, concept.id, now=clock())


@pytest.mark.parametrize("data", [
    {"id": "fraud.prize_fee", "category": "rumours", "severity": "block", "all": "prize + fee",
     "explanation": "x"},  # a shipped rule's id
    {"id": "x", "category": "rumours", "severity": "block", "all": "prize + no_such",
     "explanation": "x"},
    {"id": "x", "category": "rumours", "severity": "never", "all": "prize + fee",
     "explanation": "x"},
])
def test_bad_admin_rules_are_refused(session, factory, clock, data):
    with pytest.raises((InvalidInput, Conflict)):
        screening.add_rule(session, factory.admin_actor(), data, now=clock())


def test_only_admins_change_screening(session, factory, clock):
    owner = Actor(user_id=1, role="owner", tenant_id=factory.tenant().id)
    with pytest.raises(Forbidden):
        screening.add_concept(session, owner, "prize", "x", now=clock())
    with pytest.raises(Forbidden):
        screening.add_rule(session, owner, {}, now=clock())


def test_removed_rules_stop_firing(session, factory, clock):
    admin = factory.admin_actor()
    row = screening.add_rule(session, admin, {
        "id": "admin.flag_prize", "category": "obscene_violent_fraud", "severity": "review",
        "all": "prize + payment", "window": "sentence", "explanation": "Any paid prize."},
        now=clock())
    session.commit()
    text = "Prize draw tickets cost $2."
    assert screening.screen(session, text).status == "pending_review"
    screening.remove_entry(session, admin, row.id, now=clock())
    session.commit()
    assert screening.screen(session, text).status == "approved"


def test_report_command_prints_figures_misses_and_timing(app, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "p1", "language": "zh", "label": "prohibited", "category": "rumours",
         "text": "银行要倒闭了，赶紧取钱，转发给家人！"},
        {"id": "p2", "language": "en", "label": "prohibited", "category": "defamation",
         "text": "A perfectly polite sentence."},
        {"id": "b1", "language": "en", "label": "benign", "category": "rumours",
         "text": "Storm warning: stay indoors tonight."},
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["screening", "report", "--corpus", str(corpus),
                                 "--repeat", "3"])
    assert result.exit_code == 0, result.output
    assert "language zh" in result.output and "100.0%" in result.output
    assert "Misses (1):\n  p2 [defamation] A perfectly polite sentence." in result.output
    assert "2000-character script (ordinary): median" in result.output
    checked = runner.invoke(args=["screening", "report", "--corpus", str(corpus),
                                  "--repeat", "0", "--check", "--with-admin-rules"])
    assert checked.exit_code != 0 and "below target" in checked.output


def test_a_classifier_hold_is_a_review_showing_its_ngrams(session, monkeypatch):
    from callcenter.domain import screening_model as sm
    from callcenter.domain.screening import Screener
    from callcenter.domain.screening_eval import Sample

    texts = [("prohibited", "请先交手续费到指定账户。"), ("prohibited", "先交手续费，到账发货。"),
             ("benign", "快递到了请取件。"), ("benign", "宽带下月到期请续费。")]
    model = sm.train([Sample(f"s{i}", "zh", label, "obscene_violent_fraud", text)
                      for i, (label, text) in enumerate(texts)], threshold=0.5)
    eager = Screener.default().with_model(model)
    monkeypatch.setattr(screening, "_cache", {})
    monkeypatch.setattr(screening.Screener, "default", classmethod(lambda cls: eager))
    text = "麻烦您先交手续费到指定账户，谢谢。"
    verdict = screening.screen(session, text)
    assert verdict.status == "pending_review" and verdict.reasons == []
    assert {h["rule"] for h in verdict.hits} == {"classifier"}
    assert all(text[h["start"]:h["end"]] == h["term"] for h in verdict.hits)
    assert "classifier" in verdict.hits[0]["explanation"]
