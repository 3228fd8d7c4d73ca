"""Twilio's SMS webhooks: status callbacks refund a failed message once; replies opt out
the replier for the tenant whose sender was written to, and no other."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Consent, DncEntry, InboundEvent, LedgerEntry, SmsReply
from callcenter.services import consents
from callcenter.services.access import SYSTEM
from callcenter.services.number_lists import rows_from_numbers
from tests.sms_support import (
    SENDER,
    UK,
    messages,
    money,
    run_jobs,
    send,
    sms_reply,
    sms_status,
    sms_tenant,
)
from tests.telephony import twilio_post


def _sent(client, factory, clock, app, count: int = 2, **tenant) -> tuple[int, dict, list]:
    tid, owner = sms_tenant(factory, clock, **tenant)
    send(client, tid, owner, UK[:count])
    run_jobs(app, clock)
    return tid, owner, messages(app)


def _entries(app, tid: int) -> list[tuple[str, int]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(LedgerEntry.kind, LedgerEntry.amount_micros)
            .where(LedgerEntry.tenant_id == tid, LedgerEntry.kind == "sms")
            .order_by(LedgerEntry.id))]


@pytest.mark.parametrize("final", ["failed", "undelivered"])
def test_a_failed_message_is_refunded_once_however_often_twilio_says_so(
        client, factory, clock, app, final):
    tid, _, (first, second) = _sent(client, factory, clock, app)
    assert money(app, tid) == (10_000_000 - 100_000, 0)
    for _ in range(3):
        assert sms_status(client, first.provider_sid, final, first.id).status_code == 204
    assert sms_status(client, first.provider_sid, "delivered", first.id).status_code == 204
    assert sms_status(client, first.provider_sid, "failed", first.id).status_code == 204
    assert _entries(app, tid) == [("sms", -50_000), ("sms", -50_000), ("sms", 50_000)]
    assert money(app, tid) == (10_000_000 - 50_000, 0)
    got = {m.id: (m.status, m.refunded) for m in messages(app)}
    assert got == {first.id: (final, True), second.id: ("sent", False)}


def test_statuses_out_of_order_are_no_ops(client, factory, clock, app):
    tid, _, (first, _) = _sent(client, factory, clock, app)
    assert sms_status(client, first.provider_sid, "delivered").status_code == 204
    for late in ("sent", "queued", "sending", "undelivered", "failed"):
        assert sms_status(client, first.provider_sid, late).status_code == 204
    assert messages(app)[0].status == "delivered"
    assert _entries(app, tid) == [("sms", -50_000), ("sms", -50_000)]
    with app.app_context():
        outcomes = dict(db.session.execute(sa.select(InboundEvent.event_id,
                                                     InboundEvent.outcome)).all())
    assert outcomes[f"sms:{first.provider_sid}:delivered"] == "applied"
    assert outcomes[f"sms:{first.provider_sid}:failed"] == "ignored"


def test_a_callback_records_a_send_the_worker_never_wrote_down(client, factory, clock, app,
                                                               twilio):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:1])
    with app.app_context():  # as if Twilio took it and the server stopped before recording
        db.session.execute(sa.text("UPDATE sms_messages SET status = 'sending'"))
        db.session.commit()
    message = messages(app)[0]
    assert sms_status(client, "SMlost", "sent", message.id).status_code == 204
    assert (messages(app)[0].status, messages(app)[0].provider_sid) == ("sent", "SMlost")
    assert money(app, tid) == (10_000_000 - 50_000, 0)
    assert sms_status(client, "SMlost", "undelivered", message.id).status_code == 204
    assert money(app, tid) == (10_000_000, 0)
    # A callback naming a message id that already has another sid changes nothing.
    assert sms_status(client, "SMother", "failed", message.id).status_code == 204
    assert messages(app)[0].provider_sid == "SMlost"


def test_a_failure_reported_before_the_send_was_recorded_releases_the_hold(
        client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:1])
    with app.app_context():
        db.session.execute(sa.text("UPDATE sms_messages SET status = 'sending'"))
        db.session.commit()
    assert sms_status(client, "SMx", "failed", messages(app)[0].id).status_code == 204
    assert messages(app)[0].status == "failed" and _entries(app, tid) == []
    assert money(app, tid) == (10_000_000, 0)


def test_unsigned_callbacks_are_403_and_change_nothing(client, factory, clock, app):
    tid, _, (first, _) = _sent(client, factory, clock, app)
    resp = twilio_post(client, "/webhooks/twilio/sms",
                       {"MessageSid": first.provider_sid, "MessageStatus": "failed"},
                       sign=False)
    assert resp.status_code == 403
    resp = twilio_post(client, "/webhooks/twilio/sms?m=1",  # signed for another URL
                       {"MessageSid": first.provider_sid, "MessageStatus": "failed"},
                       signed_url="https://cc.example.com/webhooks/twilio/sms")
    assert resp.status_code == 403
    assert sms_reply(client, "SMr", UK[0], SENDER, "STOP").status_code == 200
    resp = twilio_post(client, "/webhooks/twilio/sms-inbound",
                       {"MessageSid": "SMr2", "From": UK[1], "To": SENDER, "Body": "STOP"},
                       token="wrong")
    assert resp.status_code == 403
    assert messages(app)[0].status == "sent" and money(app, tid)[0] == 10_000_000 - 100_000


def test_an_unknown_message_is_recorded_and_ignored(client, factory, clock, app):
    assert sms_status(client, "SMnobody", "failed").status_code == 204
    with app.app_context():
        event = db.session.scalars(sa.select(InboundEvent)).one()
        assert (event.outcome, event.type) == ("unknown_message", "sms.status")


def _lists(app, tid: int) -> tuple[list, list]:
    with app.app_context():
        listed = [(e.number, e.source) for e in db.session.scalars(
            sa.select(DncEntry).where(DncEntry.tenant_id == tid))]
        revoked = [(c.number, c.revoked_source) for c in db.session.scalars(
            sa.select(Consent).where(Consent.tenant_id == tid,
                                     Consent.revoked_at.is_not(None)))]
        return listed, revoked


def _consent(app, clock, tid: int, numbers: list[str]) -> None:
    from callcenter.models import Tenant

    with app.app_context():
        consents.grant(db.session, SYSTEM, db.session.get(Tenant, tid),
                       rows_from_numbers(numbers), source="web", now=clock())
        db.session.commit()


@pytest.mark.parametrize("body", ["STOP", "stop please", "ＳＴＯＰ", "退订。", "R", "TD",
                                  "Unsubscribe!", "拒收"])
def test_an_opt_out_lists_the_number_for_the_tenant_whose_sender_it_was(
        client, factory, clock, app, body):
    own = "+14155550111"
    a, _ = sms_tenant(factory, clock, sms_sender=own)
    b, _ = sms_tenant(factory, clock, sms_sender="+14155550122")
    for tid in (a, b):
        _consent(app, clock, tid, [UK[0]])
    resp = sms_reply(client, "SMin1", UK[0], own, body)
    assert resp.status_code == 200 and "<Response" in resp.get_data(as_text=True)
    assert _lists(app, a) == ([(UK[0], "sms_reply")], [(UK[0], "sms_reply")])
    assert _lists(app, b) == ([], [])  # another tenant, untouched
    assert sms_reply(client, "SMin1", UK[0], own, body).status_code == 200  # redelivered
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SmsReply.id))) == 1


def test_a_reply_to_the_shared_platform_sender_belongs_to_the_tenant_that_wrote_last(
        client, factory, clock, app):
    a, a_owner = sms_tenant(factory, clock)
    b, b_owner = sms_tenant(factory, clock)
    send(client, a, a_owner, UK[:1])
    send(client, b, b_owner, UK[1:2])
    run_jobs(app, clock)
    sms_reply(client, "SMin2", UK[1], SENDER, "stop")
    assert _lists(app, b)[0] == [(UK[1], "sms_reply")]
    assert _lists(app, a) == ([], [])


def test_start_is_recorded_and_adds_no_consent(client, factory, clock, app):
    own = "+14155550111"
    tid, owner = sms_tenant(factory, clock, sms_sender=own)
    _consent(app, clock, tid, [UK[0]])
    sms_reply(client, "SMa", UK[0], own, "STOP")
    sms_reply(client, "SMb", UK[0], own, "START")
    sms_reply(client, "SMc", UK[0], own, "what is this?")
    with app.app_context():
        consent = db.session.scalars(sa.select(Consent)).one()
        assert consent.revoked_at is not None
    replies = client.get(f"/api/v1/tenants/{tid}/sms-replies", headers=owner).get_json()
    assert [(r["body"], r["action"]) for r in replies["items"]] == [
        ("what is this?", "none"), ("START", "opt_in"), ("STOP", "opt_out")]
    listed = client.get(f"/api/v1/tenants/{tid}/dnc", headers=owner).get_json()["items"]
    assert [(e["number"], e["source"]) for e in listed] == [(UK[0], "sms_reply")]


def test_a_reply_to_an_unknown_sender_is_kept_for_no_tenant(client, factory, clock, app):
    assert sms_reply(client, "SMz", UK[0], "+14155550199", "STOP").status_code == 200
    with app.app_context():
        reply = db.session.scalars(sa.select(SmsReply)).one()
        assert (reply.tenant_id, reply.action) == (None, "opt_out")
        assert db.session.scalar(sa.select(sa.func.count(DncEntry.id))) == 0
