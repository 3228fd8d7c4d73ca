"""SMS prices and settings through the API; the statement's counts; export and erasure."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from callcenter.domain.money import format_amount
from callcenter.extensions import db
from callcenter.models import LedgerEntry, SmsBatch, SmsMessage, SmsReply
from callcenter.services import sms
from tests.factories import bearer
from tests.sms_support import UK, run_jobs, send, sms_reply, sms_status, sms_tenant


def test_rates_take_an_sms_price_by_default_and_per_prefix(client, factory, clock):
    tid, owner = sms_tenant(factory, clock)
    admin = bearer(factory.admin_token())
    url = f"/api/v1/tenants/{tid}/rates"
    resp = client.put(url, headers=admin, json={
        "default_per_minute": "0.02", "sms_per_segment": "0.0075",
        "prefixes": [{"prefix": "44", "per_minute": "0.01", "sms_per_segment": "0.04"},
                     {"prefix": "86", "sms_per_segment": "0.03"},
                     {"prefix": "4420", "per_minute": "0.015"}]})
    assert resp.status_code == 200, resp.get_json()
    plan = resp.get_json()
    assert plan["sms_per_segment"] == "0.0075"
    assert plan["prefixes"] == [
        {"prefix": "44", "per_minute": "0.01", "sms_per_segment": "0.04"},
        {"prefix": "4420", "per_minute": "0.015", "sms_per_segment": None},
        {"prefix": "86", "per_minute": None, "sms_per_segment": "0.03"}]
    # Longest SMS prefix of +4420...: 44 (4420 has a call rate only).
    got = send(client, tid, owner, [UK[0], "+14155550123"]).get_json()["recipients"]
    assert [r["charge"] for r in got] == ["0.04", "0.0075"]
    bad = {"default_per_minute": "0.02", "prefixes": [{"prefix": "44"}]}
    assert client.put(url, headers=admin, json=bad).status_code == 400
    # Dropping the +44 call price raises it to the default: at once only with consent.
    plain = client.put(url, headers=admin, json={
        "default_per_minute": "0.02", "tenant_consent": True,
        "consent_note": "agreed by phone"}).get_json()
    assert plain["sms_per_segment"] is None  # a plan without it sells no SMS
    assert send(client, tid, owner, [UK[1]]).status_code == 409


def test_tenant_sms_settings_and_one_sender_per_tenant(client, factory, clock):
    a, _ = sms_tenant(factory, clock)
    b, _ = sms_tenant(factory, clock)
    admin = bearer(factory.admin_token())
    resp = client.patch(f"/api/v1/tenants/{a}", headers=admin, json={
        "sms_sender": "+1 415 555 0111", "sms_signature": "艾克米",
        "sms_opt_out_text": "Text STOP to quit", "sms_opt_out_text_cn": "回T退订"})
    assert resp.status_code == 200, resp.get_json()
    settings = resp.get_json()["settings"]
    assert (settings["sms_sender"], settings["sms_signature"], settings["sms_opt_out_text"],
            settings["sms_opt_out_text_cn"]) == ("+14155550111", "艾克米", "Text STOP to quit",
                                                 "回T退订")
    taken = client.patch(f"/api/v1/tenants/{b}", headers=admin,
                         json={"sms_sender": "+14155550111"})
    assert taken.status_code == 409
    service = "MG" + "0123456789abcdef" * 2
    assert client.patch(f"/api/v1/tenants/{b}", headers=admin,
                        json={"sms_sender": service}).status_code == 200
    for bad in ("hello", "MG123", 12):
        assert client.patch(f"/api/v1/tenants/{b}", headers=admin,
                            json={"sms_sender": bad}).status_code == 400
    cleared = client.patch(f"/api/v1/tenants/{a}", headers=admin,
                           json={"sms_sender": None, "sms_signature": None})
    assert cleared.get_json()["settings"]["sms_sender"] is None


def test_usage_counts_messages_segments_delivered_and_failed(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    start = clock()
    send(client, tid, owner, UK[:4], body="x" * 200)  # 2 segments each
    run_jobs(app, clock)
    with app.app_context():
        sids = list(db.session.scalars(sa.select(SmsMessage.provider_sid)
                                       .order_by(SmsMessage.id)))
    sms_status(client, sids[0], "delivered")
    sms_status(client, sids[1], "undelivered")
    sms_status(client, sids[2], "failed")
    with app.app_context():
        used = sms.usage(db.session, tid, start, start + timedelta(days=1))
        later = sms.usage(db.session, tid, start + timedelta(days=1), start + timedelta(days=2))
    assert used == {"messages": 4, "segments": 8, "delivered": 1, "failed": 2}
    assert later == {"messages": 0, "segments": 0, "delivered": 0, "failed": 0}


def test_export_carries_messages_and_erasure_tokenizes_their_numbers(client, factory, clock,
                                                                    app):
    own = "+14155550111"
    tid, owner = sms_tenant(factory, clock, sms_sender=own)
    send(client, tid, owner, UK[:2], body=f"Call us back on {UK[5]}")
    run_jobs(app, clock)
    sms_reply(client, "SMr", UK[0], own, "STOP")
    export = client.get(f"/api/v1/tenants/{tid}/export", headers=owner)
    assert export.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert {"sms_batches.json", "sms_messages.csv", "sms_replies.json"} <= set(names)
    admin = bearer(factory.admin_token())
    done = client.post(f"/api/v1/tenants/{tid}/termination", headers=admin,
                       json={"reason": "tenant_request"})
    assert done.status_code == 201, done.get_json()
    erased = client.post(f"/api/v1/tenants/{tid}/erasure", headers=admin)
    assert erased.status_code in (200, 201), erased.get_json()
    with app.app_context():
        numbers = list(db.session.scalars(sa.select(SmsMessage.to_number)))
        assert numbers and all(n.startswith("tok_") for n in numbers)
        assert db.session.scalar(sa.select(sa.func.count(SmsReply.id))) == 0
        body = db.session.scalar(sa.select(SmsBatch.body))
        assert UK[5] not in body and "tok_" in body


def test_the_months_statement_carries_the_messages_and_their_charges(client, factory, clock,
                                                                     app):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:3], body="x" * 200)  # 2 segments each
    run_jobs(app, clock)
    with app.app_context():
        sids = list(db.session.scalars(sa.select(SmsMessage.provider_sid)
                                       .order_by(SmsMessage.id)))
    sms_status(client, sids[0], "delivered")
    sms_status(client, sids[1], "failed")  # refunded
    month = clock().strftime("%Y-%m")
    body = client.get(f"/api/v1/tenants/{tid}/statements/{month}", headers=owner).get_json()
    assert body["sms"] == {"messages": 3, "segments": 6, "delivered": 1, "failed": 1}
    with app.app_context():
        charged = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_micros)).where(
            LedgerEntry.tenant_id == tid, LedgerEntry.kind == "sms"))
    assert body["sms_charges"] == format_amount(int(charged)) and charged < 0
