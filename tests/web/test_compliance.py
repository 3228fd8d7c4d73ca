"""Compliance enforced on calls: hours in the callee's time, consent, do-not-call, scripts."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, Consent, DncEntry, Script, Tenant, User
from tests.factories import PASSWORD, bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"
CLEAN = "您好，这里是星海银行。您本月的信用卡账单已出，请于25日前还款。如已还款请忽略。"


@pytest.fixture
def app_config():
    return CONFIG


def _owner(app, tid) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(User.email).where(
            User.tenant_id == tid, User.role == "owner")).one()


@pytest.fixture
def tenant(factory, clock, app):
    """A tenant with compliance on (the defaults), one seat and funds."""
    tid, seat = seat_with_funds(factory, clock, compliance=True)
    return {"id": tid, "seat": seat, "owner": bearer(factory.token(_owner(app, tid)))}


def _check(client, t, to=UK, at=None):
    body = {"to": to, **({"at": at} if at else {})}
    resp = client.post(f"/api/v1/tenants/{t['id']}/compliance/check", json=body,
                       headers=t["owner"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _approve_a_script(client, t):
    resp = client.post(f"/api/v1/tenants/{t['id']}/scripts", headers=t["owner"],
                       json={"title": "Billing reminder", "text": CLEAN})
    assert resp.status_code == 201 and resp.get_json()["status"] == "approved"


def test_consent_and_script_are_required_by_default(client, tenant):
    assert _check(client, tenant)["reasons"] == ["no_consent", "no_approved_script"]
    _approve_a_script(client, tenant)
    client.post(f"/api/v1/tenants/{tenant['id']}/consents", headers=tenant["owner"],
                json={"numbers": [UK], "source": "web form"})
    decision = _check(client, tenant)
    assert decision == {**decision, "allowed": True, "reasons": [],
                        "callee_timezones": ["Europe/London"]}


def test_revoked_consent_is_refused_again(client, tenant):
    _approve_a_script(client, tenant)
    url = f"/api/v1/tenants/{tenant['id']}/consents"
    client.post(url, headers=tenant["owner"], json={"numbers": [UK], "source": "call"})
    assert _check(client, tenant)["allowed"]
    resp = client.delete(f"{url}/{UK}", headers=tenant["owner"])
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert _check(client, tenant)["reasons"] == ["no_consent"]
    again = client.post(url, headers=tenant["owner"], json={"numbers": [UK], "source": "call"})
    assert again.get_json()["valid"] == 1 and _check(client, tenant)["allowed"]
    assert client.delete(f"{url}/+14155550000", headers=tenant["owner"]).status_code == 404


def test_do_not_call_beats_consent_and_platform_list_covers_everyone(client, factory,
                                                                     tenant, clock, app):
    _approve_a_script(client, tenant)
    client.post(f"/api/v1/tenants/{tenant['id']}/consents", headers=tenant["owner"],
                json={"numbers": [UK], "source": "web"})
    client.post(f"/api/v1/tenants/{tenant['id']}/dnc", headers=tenant["owner"],
                json={"numbers": ["+44 20 7946 0000"]})
    assert _check(client, tenant)["reasons"] == ["do_not_call"]
    client.delete(f"/api/v1/tenants/{tenant['id']}/dnc/{UK}", headers=tenant["owner"])
    assert _check(client, tenant)["allowed"]
    admin = bearer(factory.admin_token())
    assert client.post("/api/v1/dnc", headers=tenant["owner"],
                       json={"numbers": [UK]}).status_code == 403
    assert client.post("/api/v1/dnc", headers=admin, json={"numbers": [UK]}).status_code == 200
    assert _check(client, tenant)["reasons"] == ["do_not_call"]


def test_one_tenants_lists_never_affect_another(client, factory, clock, app, tenant):
    tid_b, _ = seat_with_funds(factory, clock, compliance=True)
    other = {"id": tid_b, "owner": bearer(factory.token(_owner(app, tid_b)))}
    for t in (tenant, other):
        _approve_a_script(client, t)
    client.post(f"/api/v1/tenants/{tenant['id']}/consents", headers=tenant["owner"],
                json={"numbers": [UK], "source": "web"})
    client.post(f"/api/v1/tenants/{tenant['id']}/dnc", headers=tenant["owner"],
                json={"numbers": ["+442079460001"]})
    assert _check(client, other)["reasons"] == ["no_consent"]  # A's consent is A's
    client.post(f"/api/v1/tenants/{tid_b}/consents", headers=other["owner"],
                json={"numbers": ["+442079460001"], "source": "web"})
    assert _check(client, other, to="+442079460001")["allowed"]  # A's DNC is A's
    # And B cannot read or change A's lists.
    for method, path in (("get", "consents"), ("get", "dnc"), ("post", "compliance/check"),
                         ("get", "scripts")):
        resp = getattr(client, method)(f"/api/v1/tenants/{tenant['id']}/{path}",
                                       headers=other["owner"], json={"to": UK})
        assert resp.status_code == 404, path
    assert client.delete(f"/api/v1/tenants/{tenant['id']}/consents/{UK}",
                         headers=other["owner"]).status_code == 404


@pytest.mark.parametrize("at,to,expected", [
    ("2026-03-02T09:00:00Z", UK, []),                                   # 09:00 London: open
    ("2026-03-02T08:59:00Z", UK, ["outside_calling_hours"]),
    ("2026-03-02T18:00:00Z", UK, ["outside_calling_hours"]),            # [start, end)
    ("2026-03-09T13:00:00Z", "+12125550147", []),                       # 09:00 EDT after DST
    ("2026-03-06T13:00:00Z", "+12125550147", ["outside_calling_hours"]),  # 08:00 EST before
    ("2026-03-02T16:30:00Z", "+12085550100", ["outside_calling_hours"]),  # Idaho: LA 08:30
    ("2026-03-03T01:30:00Z", "+12085550100", ["outside_calling_hours"]),  # Boise 18:30
    ("2026-03-02T17:30:00Z", "+12085550100", []),                       # 09:30 and 10:30
    ("2026-03-02T02:00:00Z", "+862161234567", []),                      # 10:00 Shanghai
])
def test_calling_hours_in_the_callees_time(client, tenant, at, to, expected, app):
    with app.app_context():
        t = db.session.get(Tenant, tenant["id"])
        t.consent_required = t.script_required = False
        db.session.commit()
    decision = _check(client, tenant, to=to, at=at)
    assert decision["reasons"] == expected


def test_tenant_window_cannot_widen_the_platform_cap_and_holidays_opt_in(client, factory,
                                                                         tenant, app):
    admin = bearer(factory.admin_token())
    url = f"/api/v1/tenants/{tenant['id']}"
    resp = client.patch(url, headers=admin, json={
        "consent_required": False, "script_required": False,
        "calling_window": {d: [["06:00", "23:00"]] for d in
                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
    assert resp.status_code == 200
    assert _check(client, tenant, at="2026-03-02T07:30:00Z")["reasons"] == \
        ["outside_calling_hours"]                                       # cap starts 08:00
    assert _check(client, tenant, at="2026-03-02T20:30:00Z")["allowed"]   # 20:30 < 21:00
    assert client.patch(url, headers=admin, json={"calling_window": {"mon": [["9", "5"]]}}
                        ).status_code == 400
    # Spring Festival 2026-02-17 in Shanghai, and the make-up working Saturday 02-14.
    holiday, saturday = "2026-02-17T02:00:00Z", "2026-02-14T02:00:00Z"
    cn = "+862161234567"
    assert _check(client, tenant, to=cn, at=holiday)["allowed"]
    client.patch(url, headers=admin, json={"no_calls_on_holidays": True})
    assert _check(client, tenant, to=cn, at=holiday)["reasons"] == ["public_holiday"]
    assert _check(client, tenant, to=cn, at=saturday)["allowed"]


def test_invalid_number_in_a_check(client, tenant):
    assert _check(client, tenant, to="12")["reasons"] == ["invalid_number"]


def test_refused_calls_record_compliance_reasons(client, tenant, app):
    resp = place_call(client, tenant["seat"], UK, "CA1")
    assert "<Reject" in resp.get_data(as_text=True)
    _approve_a_script(client, tenant)
    client.post(f"/api/v1/tenants/{tenant['id']}/consents", headers=tenant["owner"],
                json={"numbers": [UK], "source": "web"})
    assert "<Dial" in place_call(client, tenant["seat"], UK, "CA2").get_data(as_text=True)
    end_call(client, "CA2", "completed", 30)
    with app.app_context():
        calls = db.session.scalars(sa.select(Call).order_by(Call.id)).all()
        assert calls[0].reasons == ["no_consent", "no_approved_script"]
        assert calls[0].hold_id is None and calls[1].status == "completed"


def test_script_with_hits_waits_for_review(client, factory, tenant, app):
    text = "恭喜您获得网络赌场VIP资格，首充即送，稳赚不赔！"
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"],
                       json={"title": "Promo", "text": text})
    body = resp.get_json()
    assert body["status"] == "pending_review" and body["hits"]
    for hit in body["hits"]:
        assert text[hit["start"]:hit["end"]] and hit["category"]
    admin = bearer(factory.admin_token())
    review = f"/api/v1/scripts/{body['id']}/review"
    assert client.post(review, headers=tenant["owner"],
                       json={"decision": "approve"}).status_code == 403
    assert client.post(review, headers=admin, json={"decision": "reject"}).status_code == 400
    resp = client.post(review, headers=admin, json={"decision": "reject", "note": "gambling"})
    assert resp.get_json()["status"] == "rejected"
    assert client.post(review, headers=admin, json={"decision": "approve"}).status_code == 409
    assert _check(client, tenant)["reasons"][-1] == "no_approved_script"


def test_admin_terms_extend_the_lexicon(client, factory, tenant, app):
    factory.admin("ops@x.test")
    client.post("/login", data={"email": "ops@x.test", "password": PASSWORD})
    client.post("/admin/lexicon", data={"term": "神奇药水", "category": "other_illegal",
                                        "action": "add"})
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"],
                       json={"title": "x", "text": "本店独家神奇药水，欢迎选购。"})
    assert [h["term"] for h in resp.get_json()["hits"]] == ["神奇药水"]
    page = client.get("/admin/scripts").get_data(as_text=True)
    assert '<mark title="other_illegal">神奇药水</mark>' in page


def test_csv_import_reports_bad_rows_and_applies_good_ones(client, tenant, app):
    lines = ["number,source,evidence"]
    lines += [f"+4420794{i:05d},import,row {i}" for i in range(3000)]
    lines += ["not-a-number,import,", "+442079400001,import,again", "+12,import,"]
    data = {"file": (io.BytesIO("\n".join(lines).encode()), "consents.csv")}
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/consents", headers=tenant["owner"],
                       data=data, content_type="multipart/form-data")
    report = resp.get_json()
    assert (report["valid"], report["duplicate"], report["invalid"]) == (3000, 1, 2)
    bad = [r for r in report["rows"] if r["status"] != "valid"]
    assert [(r["row"], r["status"]) for r in bad] == [(3002, "invalid"), (3003, "duplicate"),
                                                      (3004, "invalid")]
    assert bad[0]["reason"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 3000
    url = f"/api/v1/tenants/{tenant['id']}/consents"
    page = client.get(url + "?limit=2000", headers=tenant["owner"]).get_json()
    rest = client.get(url + f"?limit=2000&offset={page['next_offset']}",
                      headers=tenant["owner"]).get_json()
    assert len(page["items"]) == 2000 and len(rest["items"]) == 1000
    assert rest["next_offset"] is None
    assert client.get(url + "?limit=0", headers=tenant["owner"]).status_code == 400
    again = client.post(f"/api/v1/tenants/{tenant['id']}/consents", headers=tenant["owner"],
                        json={"numbers": ["+442079400005"], "source": "web"})
    assert again.get_json()["duplicate"] == 1


def test_import_needs_a_source_and_a_list(client, tenant, app):
    url = f"/api/v1/tenants/{tenant['id']}/consents"
    report = client.post(url, headers=tenant["owner"], json={"numbers": [UK]}).get_json()
    assert report["invalid"] == 1 and report["rows"][0]["reason"] == "source is required"
    assert client.post(url, headers=tenant["owner"], json={"numbers": []}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_portal_pages_and_chunked_import(client, tenant, app):
    client.post("/login", data={"email": _owner(app, tenant["id"]), "password": PASSWORD})
    rows = [{"number": f"+4420794{i:05d}"} for i in range(600)] + [{"number": "nope"}]
    resp = client.post("/portal/consents/import?source=fair", json={"rows": rows[:500],
                                                                   "first_row": 2})
    assert resp.get_json()["valid"] == 500
    resp = client.post("/portal/consents/import?source=fair", json={"rows": rows[500:],
                                                                   "first_row": 502})
    body = resp.get_json()
    assert body["valid"] == 100 and body["invalid"] == 1 and body["rows"][-1]["row"] == 602
    page = client.get("/portal/consents?q=2079400001").get_data(as_text=True)
    assert "+442079400001" in page and "fair" in page
    csv_text = client.get("/portal/consents?format=csv").get_data(as_text=True)
    assert csv_text.count("\n") == 601
    client.post("/portal/dnc", data={"number": UK, "action": "add"})
    assert UK in client.get("/portal/dnc").get_data(as_text=True)
    client.post("/portal/scripts", data={"title": "t", "text": CLEAN})
    assert "approved" in client.get("/portal/scripts").get_data(as_text=True)
    page = client.post("/portal/check", data={"to": UK}).get_data(as_text=True)
    assert "Refused: on a do-not-call list" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DncEntry.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Script.id))) == 1


def test_reviewer_sees_the_rule_its_words_and_records_a_reason(client, factory, tenant, app):
    text = "本平台是正规博彩公司，首充即送彩金。今年犯太岁，八百元化解。"
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"],
                       json={"title": "Mixed", "text": text})
    body = resp.get_json()
    assert body["status"] == "pending_review"
    rules = {h["rule"] for h in body["hits"]}
    assert {"gambling.promotion", "superstition.paid"} <= rules
    factory.admin("rev@x.test")
    client.post("/login", data={"email": "rev@x.test", "password": PASSWORD})
    page = client.get("/admin/scripts").get_data(as_text=True)
    assert "Rule <code>gambling.promotion</code>" in page
    assert "Gambling or betting together with a pitch" in page
    assert "<mark>博彩</mark>" in page and '<mark title="obscene_violent_fraud">博彩</mark>' in page
    resp = client.post(f"/admin/scripts/{body['id']}/review", data={"decision": "approve"})
    with app.app_context():
        assert db.session.get(Script, body["id"]).status == "pending_review"  # no reason given
    client.post(f"/admin/scripts/{body['id']}/review",
                data={"decision": "reject", "note": "gambling and superstition"})
    with app.app_context():
        script = db.session.get(Script, body["id"])
        assert (script.status, script.review_note) == ("rejected", "gambling and superstition")


def test_reviewer_sees_a_classifier_hold_with_its_ngrams(client, factory, tenant, monkeypatch):
    from callcenter.domain import screening_model as sm
    from callcenter.domain.screening import Screener
    from callcenter.domain.screening_eval import Sample
    from callcenter.services import screening

    texts = [("prohibited", "请先交手续费到指定账户。"), ("prohibited", "先交手续费，到账发货。"),
             ("benign", "快递到了请取件。"), ("benign", "宽带下月到期请续费。")]
    model = sm.train([Sample(f"s{i}", "zh", label, "obscene_violent_fraud", text)
                      for i, (label, text) in enumerate(texts)], threshold=0.5)
    eager = Screener.default().with_model(model)
    monkeypatch.setattr(screening, "_cache", {})
    monkeypatch.setattr(screening.Screener, "default", classmethod(lambda cls: eager))
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"],
                       json={"title": "Held", "text": "麻烦您先交手续费到指定账户，谢谢。"})
    body = resp.get_json()
    assert body["status"] == "pending_review"
    assert {h["rule"] for h in body["hits"]} == {"classifier"}
    factory.admin("clf@x.test")
    client.post("/login", data={"email": "clf@x.test", "password": PASSWORD})
    page = client.get("/admin/scripts").get_data(as_text=True)
    assert "Statistical classifier (holds for review):" in page
    assert "<mark>手续费</mark>" in page or "<mark>先交手</mark>" in page


def test_a_blocking_rule_rejects_the_script_with_its_explanation(client, tenant):
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"],
                       json={"title": "Prize", "text": "您中了一等奖，领奖前先交保证金两千元。"})
    body = resp.get_json()
    assert body["status"] == "rejected"
    assert {h["severity"] for h in body["hits"]} == {"block"}
    listed = client.get(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"])
    assert listed.get_json()["items"][0]["status"] == "rejected"


def test_admin_adds_a_concept_and_a_rule_on_the_lexicon_page(client, factory, tenant, app):
    factory.admin("lex@x.test")
    client.post("/login", data={"email": "lex@x.test", "password": PASSWORD})
    client.post("/admin/lexicon", data={"action": "add_concept", "name": "miracle_water",
                                        "phrases": "神奇药水\nmiracle water"})
    client.post("/admin/lexicon", data={
        "action": "add_rule", "id": "admin.miracle", "all": "miracle_water + payment",
        "window": "20", "category": "other_illegal", "severity": "review",
        "explanation": "A cure-all sold for money."})
    page = client.get("/admin/lexicon").get_data(as_text=True)
    assert "admin.miracle" in page and "miracle_water" in page
    assert "statistical classifier" in page and "make screening-model" in page
    resp = client.post(f"/api/v1/tenants/{tenant['id']}/scripts", headers=tenant["owner"],
                       json={"title": "x", "text": "神奇药水一瓶只要九十九元。"})
    assert {h["rule"] for h in resp.get_json()["hits"]} == {"admin.miracle"}
