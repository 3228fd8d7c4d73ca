"""Accepting an SMS batch: checks per recipient, prices per segment, holds up front."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Hold, Job, LedgerEntry, SmsBatch, SmsMessage, Tenant
from callcenter.services import consents, dnc
from callcenter.services.access import SYSTEM
from callcenter.services.number_lists import rows_from_numbers
from tests.factories import bearer
from tests.sms_support import CN, EAST, UK, US, messages, money, send, sms_tenant


def _counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (SmsBatch, SmsMessage, Hold, Job, LedgerEntry))


def test_accepted_recipients_are_priced_and_held_and_the_rest_refused_with_reasons(
        client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock, consent_required=True)
    with app.app_context():
        tenant = db.session.get(Tenant, tid)
        consents.grant(db.session, SYSTEM, tenant, rows_from_numbers(UK[:3] + [US]),
                       source="web form", now=clock())
        dnc.add(db.session, SYSTEM, tid, rows_from_numbers([UK[1]]), now=clock())
        dnc.add(db.session, SYSTEM, None, rows_from_numbers([UK[2]]), now=clock())
        db.session.commit()
    resp = send(client, tid, owner, [UK[0], UK[1], UK[2], UK[3], "not a number", US, UK[0]])
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    got = {r["to"]: (r["status"], r["reasons"], r["segments"], r["charge"])
           for r in body["recipients"]}
    assert got == {
        UK[0]: ("queued", [], 1, "0.05"),
        UK[1]: ("refused", ["do_not_call"], 0, "0.00"),  # the tenant's own list
        UK[2]: ("refused", ["do_not_call"], 0, "0.00"),  # the platform's list
        UK[3]: ("refused", ["no_consent"], 0, "0.00"),
        "not a number": ("refused", ["invalid_number"], 0, "0.00"),
        US: ("queued", [], 1, "0.05"),
    }  # UK[0] listed twice is messaged once
    assert (body["status"], body["encoding"], body["segments_per_message"],
            body["total_charge"], body["accepted"]) == ("queued", "GSM-7", 1, "0.10", 2)
    assert money(app, tid) == (10_000_000, 100_000)
    with app.app_context():
        job = db.session.scalars(sa.select(Job)).one()
        assert (job.kind, job.payload, job.tenant_id) == ("sms.send", {"batch_id": body["id"]},
                                                          tid)


def test_a_batch_larger_than_the_balance_is_402_and_nothing_is_held_or_queued(
        client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock, balance="1.00", price="0.30")
    before = _counts(app)
    resp = send(client, tid, owner, UK[:4])  # 4 x 0.30 = 1.20 > 1.00
    assert resp.status_code == 402
    assert resp.get_json()["error"]["code"] == "insufficient_funds"
    assert _counts(app) == before
    assert money(app, tid) == (1_000_000, 0)
    assert send(client, tid, owner, UK[:3]).status_code == 201  # 0.90 fits
    assert money(app, tid) == (1_000_000, 900_000)
    assert send(client, tid, owner, UK[3:4]).status_code == 402  # 0.10 left


def test_a_prohibited_body_refuses_the_whole_batch_with_422(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    before = _counts(app)
    resp = send(client, tid, owner, UK[:3],
                body="您的账户涉嫌洗钱，请立即将资金转入安全账户配合调查")
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "content_prohibited" and error["details"]["hits"]
    assert _counts(app) == before and money(app, tid) == (10_000_000, 0)


def test_china_gets_the_signature_and_chinese_opt_out_priced_by_prefix(
        client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock, at=EAST, prefixes={"86": "0.02", "44": "0.07"},
                            sms_signature="艾克米")
    body = "新品上市" + "好" * 60  # 64 characters as written
    resp = send(client, tid, owner, [CN, UK[0]], body=body, kind="marketing")
    assert resp.status_code == 201, resp.get_json()
    got = {r["to"]: (r["segments"], r["charge"]) for r in resp.get_json()["recipients"]}
    # +86: 【艾克米】 (5) + 64 + " 拒收请回复R" (7) = 76 UTF-16 units: 2 segments at 0.02.
    # UK: 64 + " Reply STOP to opt out" (22) = 86 units of UCS-2: 2 segments at 0.07.
    assert got == {CN: (2, "0.04"), UK[0]: (2, "0.14")}
    with app.app_context():
        batch = db.session.scalars(sa.select(SmsBatch)).one()
        assert batch.texts == {"cn": "【艾克米】" + body + " 拒收请回复R",
                               "other": body + " Reply STOP to opt out"}
        assert batch.encoding == "UCS-2" and batch.segments_per_message == 2
    assert [m.rate_prefix for m in messages(app)] == ["86", "44"]


def test_recipients_outside_the_sending_window_are_refused(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock, at=EAST)  # 04:30 in California
    resp = send(client, tid, owner, [US, UK[0]])
    got = {r["to"]: r["reasons"] for r in resp.get_json()["recipients"]}
    assert got == {US: ["outside_calling_hours"], UK[0]: []}


def test_the_tenants_window_narrows_the_sms_window(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock, at=EAST,
                            calling_window={"mon": [["09:00", "12:00"]]})
    resp = send(client, tid, owner, [UK[0]])  # 12:30 in London
    assert resp.get_json()["recipients"][0]["reasons"] == ["outside_calling_hours"]
    assert resp.get_json()["status"] == "refused"


def test_only_the_owner_sends_and_other_tenants_get_404(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    agent = bearer(factory.token(factory.user(tid, "agent")))
    admin = bearer(factory.admin_token())
    other = factory.tenant()
    other_owner = bearer(factory.token(other.owner_email))
    assert send(client, tid, agent, [UK[0]]).status_code == 403
    assert send(client, tid, admin, [UK[0]]).status_code == 403
    assert send(client, tid, other_owner, [UK[0]]).status_code == 404
    batch_id = send(client, tid, owner, [UK[0]]).get_json()["id"]
    url = f"/api/v1/tenants/{tid}/messages/{batch_id}"
    assert client.get(url, headers=admin).status_code == 200
    assert client.get(url, headers=other_owner).status_code == 404
    other_url = f"/api/v1/tenants/{other.id}/messages/{batch_id}"
    assert client.get(other_url, headers=bearer(factory.admin_token())).status_code == 404


def test_sending_needs_a_price_an_active_account_and_a_configured_sender(
        client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock, price=None)
    resp = send(client, tid, owner, [UK[0]])
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "invalid_state")
    tid, owner = sms_tenant(factory, clock, status="suspended")
    resp = send(client, tid, owner, [UK[0]])
    assert resp.status_code == 409
    assert resp.get_json()["error"]["details"] == {"reason": "tenant_not_active"}
    app.config["TWILIO_SMS_FROM"] = None
    tid, owner = sms_tenant(factory, clock)
    resp = send(client, tid, owner, [UK[0]])
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (503, "not_configured")
    with app.app_context():
        db.session.get(Tenant, tid).sms_sender = "+14155550199"
        db.session.commit()
    assert send(client, tid, owner, [UK[0]]).status_code == 201


def test_bad_bodies_are_400(client, factory, clock):
    tid, owner = sms_tenant(factory, clock)
    url = f"/api/v1/tenants/{tid}/messages"
    for body in ({"to": [], "body": "x"}, {"to": "+4420", "body": "x"}, {"to": [UK[0]]},
                 {"to": [UK[0]], "body": "  "}, {"to": [UK[0]], "body": "x", "kind": "spam"},
                 {"to": [UK[0], 44], "body": "x"}, {"to": [UK[0]], "body": "x" * 1601},
                 {"to": [UK[0]], "body": "x" * 1590, "kind": "marketing"}):
        assert client.post(url, json=body, headers=owner).status_code == 400, body


def test_cancel_releases_every_recipient_not_yet_sent(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    batch = send(client, tid, owner, UK[:5]).get_json()
    assert money(app, tid) == (10_000_000, 250_000)
    url = f"/api/v1/tenants/{tid}/messages/{batch['id']}/cancel"
    resp = client.post(url, headers=owner)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "canceled" and body["counts"] == {"canceled": 5}
    assert money(app, tid) == (10_000_000, 0)
    assert client.post(url, headers=owner).status_code == 409


def test_batches_are_listed_newest_first_with_counts(client, factory, clock):
    tid, owner = sms_tenant(factory, clock)
    first = send(client, tid, owner, UK[:2]).get_json()["id"]
    second = send(client, tid, owner, ["bad", UK[3]]).get_json()["id"]
    items = client.get(f"/api/v1/tenants/{tid}/messages", headers=owner).get_json()["items"]
    assert [(b["id"], b["counts"]) for b in items] == [
        (second, {"queued": 1, "refused": 1}), (first, {"queued": 2})]
