"""Sending in the background: at the sender's pace, charged on acceptance, each recipient
exactly once, also across a restart in the middle of a batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.integrations.twilio_sms import TwilioSms
from callcenter.models import LedgerEntry, SmsBatch, Tenant
from callcenter.services import background, dnc, sms_sending
from callcenter.services.access import SYSTEM
from callcenter.services.number_lists import rows_from_numbers
from callcenter.services.uow import UnitOfWork
from tests.sms_support import (
    CN,
    EAST,
    SENDER,
    UK,
    context,
    messages,
    money,
    run_jobs,
    send,
    sms_status,
    sms_tenant,
)
from tests.telephony import CONFIG


def _batch(app, batch_id: int) -> SmsBatch:
    with app.app_context():
        batch = db.session.get(SmsBatch, batch_id)
        db.session.expunge(batch)
        return batch


def _sms_entries(app, tid: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LedgerEntry.amount_micros).where(
            LedgerEntry.tenant_id == tid, LedgerEntry.kind == "sms").order_by(LedgerEntry.id)))


def test_a_batch_is_sent_at_the_senders_pace_and_each_message_charged_on_acceptance(
        client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    start = clock()
    batch = send(client, tid, owner, UK[:5]).get_json()
    assert run_jobs(app, clock)["dead"] == 0
    assert [m["to"] for m in twilio.messages] == UK[:5]
    assert [m["body"] for m in twilio.messages] == ["Hello from Acme"] * 5
    assert [m["from"] for m in twilio.messages] == [SENDER] * 5
    # 10 messages a second: one every 100 ms, by the injected clock.
    assert [(t - start) / timedelta(milliseconds=1) for t in twilio.sent_at] == \
        [0, 100, 200, 300, 400]
    sent = messages(app, batch["id"])
    assert [(m.status, m.provider_sid, m.charged) for m in sent] == \
        [("sent", t["sid"], True) for t in twilio.messages]
    assert all(t["status_callback"] ==
               f"https://cc.example.com/webhooks/twilio/sms?m={m.id}"
               for m, t in zip(sent, twilio.messages, strict=True))
    tokens = [r["token"] for r in twilio.requests]
    assert tokens == [m.idempotency_key for m in sent] and len(set(tokens)) == 5
    assert _sms_entries(app, tid) == [-50_000] * 5
    assert money(app, tid) == (10_000_000 - 250_000, 0)
    assert _batch(app, batch["id"]).status == "done"


def test_two_batches_of_one_sender_share_its_pace(client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    start = clock()
    send(client, tid, owner, UK[:3])
    send(client, tid, owner, UK[3:6])
    run_jobs(app, clock)
    gaps = [(b - a) / timedelta(milliseconds=1)
            for a, b in zip([start, *twilio.sent_at], twilio.sent_at, strict=False)]
    assert len(twilio.messages) == 6 and all(g >= 100 for g in gaps[1:])


def test_a_message_twilio_refuses_is_failed_and_released(client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    twilio.reject[UK[1]] = (400, 21610, "Attempt to send to unsubscribed recipient")
    send(client, tid, owner, UK[:3])
    run_jobs(app, clock)
    got = [(m.to_number, m.status, m.error_code, m.charged) for m in messages(app)]
    assert got == [(UK[0], "sent", None, True), (UK[1], "failed", "21610", False),
                   (UK[2], "sent", None, True)]
    assert money(app, tid) == (10_000_000 - 100_000, 0)


def test_an_opt_out_during_the_batch_stops_the_messages_not_yet_sent(
        client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:3])
    with app.app_context():
        dnc.add(db.session, SYSTEM, tid, rows_from_numbers([UK[2]]), now=clock())
        db.session.commit()
    run_jobs(app, clock)
    assert [(m.status, m.reasons) for m in messages(app)] == [
        ("sent", []), ("sent", []), ("refused", ["do_not_call"])]
    assert twilio.sends_to(UK[2]) == 0 and money(app, tid) == (10_000_000 - 100_000, 0)


def test_a_suspended_account_stops_sending_and_is_released(client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:3])
    with app.app_context():
        db.session.get(Tenant, tid).status = "suspended"
        db.session.commit()
    run_jobs(app, clock)
    assert twilio.messages == []
    assert {(m.status, tuple(m.reasons)) for m in messages(app)} == {
        ("canceled", ("tenant_not_active",))}
    assert money(app, tid) == (10_000_000, 0)


def test_a_long_batch_ends_each_run_in_time_and_continues(
        client, factory, clock, app, twilio, monkeypatch):
    monkeypatch.setattr(sms_sending, "RUN_BUDGET", timedelta(seconds=1))
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:25])
    counts = run_jobs(app, clock)
    assert counts["done"] == 3  # 10, 10 and 5 messages: two continuations
    assert len(twilio.messages) == 25 and {twilio.sends_to(n) for n in UK[:25]} == {1}


def test_twilio_down_retries_later_with_the_same_key(client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:2])
    twilio.fail_next = 1
    counts = run_jobs(app, clock)
    assert counts["retry"] == 1 and counts["dead"] == 0
    assert [m["to"] for m in twilio.messages] == UK[:2]
    first = [r["token"] for r in twilio.requests if r["form"]["To"] == UK[0]]
    assert len(first) == 2 and first[0] == first[1]
    assert money(app, tid) == (10_000_000 - 100_000, 0)


class StopsAfterSending:
    """The server stops right after Twilio accepted message `nth` (1-based): before the
    sender could record it. Or before calling Twilio at all."""

    class Stopped(BaseException):  # not an Exception: nothing in the app catches it
        pass

    def __init__(self, gateway: TwilioSms, nth: int, *, before: bool = False) -> None:
        self.gateway, self.nth, self.before, self.calls = gateway, nth, before, 0

    def send(self, **kwargs):
        self.calls += 1
        if self.calls == self.nth and self.before:
            raise self.Stopped()
        accepted = self.gateway.send(**kwargs)
        if self.calls == self.nth:
            raise self.Stopped()
        return accepted

    def find(self, **kwargs):
        return self.gateway.find(**kwargs)


def _crash(app, clock, gateway) -> None:
    with app.app_context():
        with pytest.raises(StopsAfterSending.Stopped):
            background.run_due(UnitOfWork(db.session),
                               context(app, clock, sms_gateway=gateway), clock=clock)
        db.session.remove()  # the process is gone: its session with it


@pytest.mark.parametrize(("how", "honor_token", "listed"), [
    ("Twilio lists the message", False, True),
    ("Twilio recognises the key", True, False),
])
def test_a_restart_in_the_middle_of_a_batch_sends_every_recipient_exactly_once(
        client, factory, clock, app, twilio, how, honor_token, listed):
    tid, owner = sms_tenant(factory, clock)
    batch = send(client, tid, owner, UK[:6]).get_json()
    twilio.honor_token, twilio.list_messages = honor_token, listed
    real = TwilioSms(CONFIG["TWILIO_ACCOUNT_SID"], CONFIG["TWILIO_AUTH_TOKEN"],
                     base_url=twilio.base_url)
    _crash(app, clock, StopsAfterSending(real, 3))
    assert len(twilio.messages) == 3
    stuck = messages(app, batch["id"])
    assert [m.status for m in stuck] == ["sent", "sent", "sending", "queued", "queued", "queued"]
    assert stuck[2].provider_sid is None  # Twilio has it; we never wrote it down
    run_jobs(app, clock)  # the next server: after the job's lease and the message's claim
    assert sorted(m["to"] for m in twilio.messages) == UK[:6]
    assert {twilio.sends_to(n) for n in UK[:6]} == {1}
    done = messages(app, batch["id"])
    assert [m.status for m in done] == ["sent"] * 6
    assert {m.provider_sid for m in done} == {m["sid"] for m in twilio.messages}
    assert _sms_entries(app, tid) == [-50_000] * 6
    assert money(app, tid) == (10_000_000 - 300_000, 0)


def test_a_restart_before_twilio_was_called_sends_the_message_then(
        client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:3])
    real = TwilioSms(CONFIG["TWILIO_ACCOUNT_SID"], CONFIG["TWILIO_AUTH_TOKEN"],
                     base_url=twilio.base_url)
    _crash(app, clock, StopsAfterSending(real, 2, before=True))
    assert len(twilio.messages) == 1
    run_jobs(app, clock)
    assert {twilio.sends_to(n) for n in UK[:3]} == {1} and len(twilio.messages) == 3
    assert money(app, tid) == (10_000_000 - 150_000, 0)


def test_an_answer_lost_in_transit_is_recovered_without_sending_again(
        client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock)
    twilio.honor_token = False  # only the look-up can tell
    twilio.lose_answer_next = 1
    send(client, tid, owner, UK[:2])
    counts = run_jobs(app, clock)
    assert counts["retry"] == 1
    assert {twilio.sends_to(n) for n in UK[:2]} == {1}
    assert [m.status for m in messages(app)] == ["sent", "sent"]
    assert money(app, tid) == (10_000_000 - 100_000, 0)


def test_china_gets_its_own_text(client, factory, clock, app, twilio):
    tid, owner = sms_tenant(factory, clock, at=EAST)
    send(client, tid, owner, [CN, UK[0]], body="Sale", kind="marketing")
    run_jobs(app, clock)
    assert {m["to"]: m["body"] for m in twilio.messages} == {
        CN: f"【{_name(app, tid)}】Sale 拒收请回复R", UK[0]: "Sale Reply STOP to opt out"}


def _name(app, tid: int) -> str:
    with app.app_context():
        return db.session.get(Tenant, tid).name


def test_a_messaging_service_sender_is_sent_as_such(client, factory, clock, app, twilio):
    service = "MG" + "a" * 32
    tid, owner = sms_tenant(factory, clock, sms_sender=service)
    send(client, tid, owner, UK[:1])
    run_jobs(app, clock)
    assert twilio.messages[0]["messaging_service_sid"] == service
    assert twilio.messages[0]["from"] is None


def test_an_account_problem_at_twilio_is_retried_not_failed(client, factory, clock, app,
                                                            twilio):
    tid, owner = sms_tenant(factory, clock)
    twilio.reject[UK[0]] = (401, 20003, "Authenticate")  # say, a rotated auth token
    send(client, tid, owner, UK[:1])
    with app.app_context():
        counts = background.run_due(UnitOfWork(db.session), context(app, clock), clock=clock)
        db.session.remove()
    assert counts == {"done": 0, "retry": 1, "dead": 0}
    assert messages(app)[0].status == "sending" and money(app, tid)[1] == 50_000
    del twilio.reject[UK[0]]  # fixed
    run_jobs(app, clock)
    assert messages(app)[0].status == "sent" and twilio.sends_to(UK[0]) == 1


def test_a_batch_canceled_with_a_message_in_flight_stays_canceled(client, factory, clock, app,
                                                                  twilio):
    tid, owner = sms_tenant(factory, clock)
    batch = send(client, tid, owner, UK[:3]).get_json()
    first = messages(app)[0]
    with app.app_context():  # another worker is sending the first one right now
        db.session.execute(sa.text(
            "UPDATE sms_messages SET status = 'sending', claimed_until = :until, "
            "claimed_at = :now WHERE id = :id"),
            {"until": (clock() + timedelta(minutes=2)).replace(tzinfo=None),
             "now": clock().replace(tzinfo=None), "id": first.id})
        db.session.commit()
    url = f"/api/v1/tenants/{tid}/messages/{batch['id']}/cancel"
    body = client.post(url, headers=owner).get_json()
    assert body["status"] == "canceled" and body["finished_at"] is None
    assert body["counts"] == {"sending": 1, "canceled": 2}
    sms_status(client, "SMinflight", "sent", first.id)  # it went out after all
    run_jobs(app, clock)
    done = _batch(app, batch["id"])
    assert done.status == "canceled" and done.finished_at is not None
    assert money(app, tid) == (10_000_000 - 50_000, 0)
