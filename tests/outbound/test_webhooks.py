"""Outbound webhooks: registered by owners, signed like our CDR webhook, delivered after
commit with retries, logged per endpoint, and never sent to private addresses in
production."""

from __future__ import annotations

import json
import socket

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.integrations import cdr
from callcenter.models import Job, WebhookDelivery, WebhookEvent
from callcenter.worker import run_pass
from tests.factories import PASSWORD, bearer
from tests.outbound.receiver import Receiver, Serving
from tests.telephony import CONFIG as TELEPHONY
from tests.telephony import end_call, place_call, seat_with_funds

UK_NUMBER = "+442079460000"

CONFIG = {**TELEPHONY, "OUTBOUND_WEBHOOKS_ALLOW_PRIVATE": True,
          "OUTBOUND_WEBHOOK_RETRY_SECONDS": 10}


@pytest.fixture
def app_config():
    return dict(CONFIG)


def _register(client, token, tenant_id, url, events=("call.settled",)):
    return client.post(f"/api/v1/tenants/{tenant_id}/webhook-endpoints",
                       json={"url": url, "events": list(events)}, headers=bearer(token))


def _events(app, tenant_id):
    with app.app_context():
        return [e.type for e in db.session.scalars(
            sa.select(WebhookEvent).where(WebhookEvent.tenant_id == tenant_id)
            .order_by(WebhookEvent.id))]


def test_settled_call_is_delivered_signed_to_a_local_receiver(client, factory, clock, app):
    tenant_id, seat = seat_with_funds(factory, clock, balance="20.00")
    owner = factory.token(factory_owner_email(app, tenant_id))
    with Serving(Receiver()) as serving:
        resp = _register(client, owner, tenant_id, serving.url)
        assert resp.status_code == 201, resp.get_json()
        secret = resp.get_json()["secret"]
        listed = client.get(f"/api/v1/tenants/{tenant_id}/webhook-endpoints",
                            headers=bearer(owner)).get_json()["items"]
        assert [set(e) for e in listed] == [{"id", "url", "events", "created_at"}]  # no secret
        place_call(client, seat, UK_NUMBER, "CAOUT1")
        end_call(client, "CAOUT1", "completed", 61)
        assert run_pass(app) == {"done": 1, "retry": 0, "dead": 0}
        [got] = serving.receiver.received
    cdr.verify(secret, got["headers"]["X-Callcenter-Signature"], got["body"],
               now=clock().timestamp())  # raises if the signature is wrong
    event = json.loads(got["body"])
    assert set(event) == {"id", "type", "created_at", "tenant_id", "data"}
    assert (event["type"], event["tenant_id"]) == ("call.settled", tenant_id)
    assert {k: event["data"][k] for k in ("to", "status", "billed_seconds", "charge",
                                          "currency")} == {
        "to": UK_NUMBER, "status": "completed", "billed_seconds": 120, "charge": "1.20",
        "currency": "USD"}
    with pytest.raises(cdr.SignatureError):
        cdr.verify("whsec_wrong", got["headers"]["X-Callcenter-Signature"], got["body"],
                   now=clock().timestamp())


def factory_owner_email(app, tenant_id: int) -> str:
    from callcenter.models import User

    with app.app_context():
        return db.session.scalars(sa.select(User.email).where(
            User.tenant_id == tenant_id, User.role == "owner")).one()


def test_receiver_failing_three_times_gets_the_event_once_more_then_never(client, factory,
                                                                         clock, app):
    t = factory.tenant(balance="10.00")
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    receiver = Receiver(statuses=[500, 502, 503])
    with Serving(receiver) as serving:
        endpoint = _register(client, owner, t.id, serving.url,
                             events=["payment.received"]).get_json()
        resp = client.post(f"/api/v1/tenants/{t.id}/topups", headers=admin,
                           json={"amount": "25.00", "method": "bank_transfer",
                                 "reference": "WIRE-7"})
        assert resp.status_code == 201
        outcomes = []
        for wait in (0, 10, 20, 40):  # 10 s doubling: each retry falls due exactly then
            clock.advance(seconds=wait - 1 if wait else 0)
            if wait:
                assert run_pass(app) == {"done": 0, "retry": 0, "dead": 0}  # not due yet
                clock.advance(seconds=1)
            outcomes.append(run_pass(app))
        clock.advance(days=2)
        assert run_pass(app) == {"done": 0, "retry": 0, "dead": 0}
        received = list(receiver.received)
    assert [o["retry"] for o in outcomes] == [1, 1, 1, 0] and outcomes[-1]["done"] == 1
    assert len(received) == 4
    assert len({json.loads(r["body"])["id"] for r in received}) == 1
    assert json.loads(received[0]["body"])["data"]["amount"] == "25.00"
    log = client.get(f"/api/v1/tenants/{t.id}/webhook-endpoints/{endpoint['id']}/deliveries",
                     headers=bearer(owner)).get_json()["items"]
    assert [line["status_code"] for line in log] == [200, 503, 502, 500]
    assert log[0]["delivery_status"] == "delivered"


def test_a_delivery_is_retried_for_a_day_then_failed_and_its_job_dead(client, factory,
                                                                     clock, app):
    app.config["OUTBOUND_WEBHOOK_RETRY_SECONDS"] = 3600
    t = factory.tenant(balance="10.00")
    owner = factory.token(t.owner_email)
    receiver = Receiver(statuses=[500] * 50)
    with Serving(receiver) as serving:
        endpoint = _register(client, owner, t.id, serving.url,
                             events=["payment.received"]).get_json()
        client.post(f"/api/v1/tenants/{t.id}/webhook-endpoints/{endpoint['id']}/test",
                    headers=bearer(owner))
        tried_at = []
        for hour in range(30):
            outcome = run_pass(app)
            if outcome["retry"] + outcome["dead"]:
                tried_at.append(hour)
            clock.advance(hours=1)
    # The delay doubles from 1 h up to 6 h; after 19 h the next try would fall after a
    # day, so that attempt was the last.
    assert tried_at == [0, 1, 3, 7, 13, 19] and len(receiver.received) == 6
    with app.app_context():
        delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
        job = db.session.scalars(sa.select(Job).where(Job.kind == "webhook.deliver")).one()
        assert (delivery.status, delivery.attempts, job.status) == ("failed", 6, "dead")


def test_no_round_trip_and_no_event_for_tenants_without_endpoints(client, factory, clock,
                                                                   app):
    tenant_id, seat = seat_with_funds(factory, clock, balance="20.00")
    place_call(client, seat, UK_NUMBER, "CANONE")
    end_call(client, "CANONE", "completed", 30)
    assert _events(app, tenant_id) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_suspension_resumption_and_payments_emit_their_events(client, factory, clock, app):
    t = factory.tenant(balance="10.00")
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    with Serving(Receiver()) as serving:
        assert _register(client, owner, t.id, serving.url,
                         events=["tenant.suspended", "tenant.resumed",
                                 "payment.received"]).status_code == 201
        client.post(f"/api/v1/tenants/{t.id}/suspension", json={"reason": "abuse report"},
                    headers=admin)
        client.delete(f"/api/v1/tenants/{t.id}/suspension", json={"reason": "resolved"},
                      headers=admin)
        client.post(f"/api/v1/tenants/{t.id}/topups", headers=admin,
                    json={"amount": "5.00", "method": "bank_transfer", "reference": "W-9"})
        run_pass(app)
        received = [json.loads(r["body"]) for r in serving.receiver.received]
    assert [e["type"] for e in received] == ["tenant.suspended", "tenant.resumed",
                                             "payment.received"]
    assert received[0]["data"] == {"status": "suspended", "cause": "admin",
                                   "reason": "abuse report"}
    assert received[1]["data"]["status"] == "active"


def test_endpoints_are_the_owners_and_another_tenants_ids_are_not_found(client, factory,
                                                                      app):
    a, b = factory.tenant(), factory.tenant()
    owner_a, owner_b = factory.token(a.owner_email), factory.token(b.owner_email)
    agent = factory.token(factory.user(a.id))
    endpoint = _register(client, owner_a, a.id, "http://127.0.0.1:9/x").get_json()
    base = f"/api/v1/tenants/{a.id}/webhook-endpoints"
    assert client.get(base, headers=bearer(owner_b)).status_code == 404
    assert client.get(base, headers=bearer(agent)).status_code == 403
    assert client.delete(f"/api/v1/tenants/{b.id}/webhook-endpoints/{endpoint['id']}",
                         headers=bearer(owner_b)).status_code == 404
    assert client.delete(f"{base}/{endpoint['id']}", headers=bearer(owner_a)).status_code == 204
    assert client.get(base, headers=bearer(owner_a)).get_json()["items"] == []
    bad = _register(client, owner_a, a.id, "http://127.0.0.1:9/x", events=["call.nope"])
    assert bad.status_code == 400


def _resolver(table: dict[str, str]):
    def resolve(host, port, type=0):  # noqa: A002 - getaddrinfo's own name
        family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
    return resolve


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.4",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",  # noqa: S104
                                     "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"])
def test_production_refuses_endpoints_resolving_to_private_addresses(client, factory, app,
                                                                     address):
    app.config.update(OUTBOUND_WEBHOOKS_REQUIRE_HTTPS=True,
                      OUTBOUND_WEBHOOKS_ALLOW_PRIVATE=False)
    app.extensions["background_context"] = {"resolve": _resolver(
        {"hooks.example.com": address, "public.example.com": "93.184.216.34"})}
    t = factory.tenant()
    owner = factory.token(t.owner_email)
    refused = _register(client, owner, t.id, "https://hooks.example.com/cc")
    assert refused.status_code == 400
    assert "private or local" in refused.get_json()["error"]["message"]
    assert _register(client, owner, t.id, "http://public.example.com/cc").status_code == 400
    assert _register(client, owner, t.id, "https://public.example.com/cc").status_code == 201


def test_a_host_that_later_resolves_privately_is_not_called(client, factory, clock, app):
    """DNS rebinding: the address is checked again at every delivery, and the request
    goes to the address that was checked."""
    app.config.update(OUTBOUND_WEBHOOKS_REQUIRE_HTTPS=True,
                      OUTBOUND_WEBHOOKS_ALLOW_PRIVATE=False)
    table = {"hooks.example.com": "93.184.216.34"}
    app.extensions["background_context"] = {"resolve": _resolver(table)}
    t = factory.tenant()
    owner = factory.token(t.owner_email)
    endpoint = _register(client, owner, t.id, "https://hooks.example.com/cc").get_json()
    table["hooks.example.com"] = "127.0.0.1"
    client.post(f"/api/v1/tenants/{t.id}/webhook-endpoints/{endpoint['id']}/test",
                headers=bearer(owner))
    assert run_pass(app)["retry"] == 1
    [line] = client.get(f"/api/v1/tenants/{t.id}/webhook-endpoints/{endpoint['id']}"
                        "/deliveries", headers=bearer(owner)).get_json()["items"]
    assert line["status_code"] is None and line["error"].startswith("refused:")


def test_owner_sends_a_test_event_from_the_portal_and_reads_the_log(client, factory, app):
    t = factory.tenant()
    client.post("/login", data={"email": t.owner_email, "password": PASSWORD})
    with Serving(Receiver(statuses=[404])) as serving:
        page = client.post("/portal/webhooks", data={"url": serving.url,
                                                     "events": ["call.settled"]})
        assert page.status_code == 201 and b"whsec_" in page.data  # shown once
        endpoint_id = client.get(f"/api/v1/tenants/{t.id}/webhook-endpoints",
                                 headers=bearer(factory.token(t.owner_email))
                                 ).get_json()["items"][0]["id"]
        assert b"whsec_" not in client.get("/portal/webhooks").data
        resp = client.post(f"/portal/webhooks/{endpoint_id}/test")
        assert resp.status_code == 302
        run_pass(app)
        [got] = serving.receiver.received
    assert json.loads(got["body"])["type"] == "webhook.test"
    log = client.get(f"/portal/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "404" in log and "webhook.test" in log


def test_the_export_leaves_out_signing_secrets(client, factory, app):
    import io
    import zipfile

    t = factory.tenant()
    owner = factory.token(t.owner_email)
    secret = _register(client, owner, t.id, "http://127.0.0.1:9/x").get_json()["secret"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/tenants/{t.id}/export",
                                                    headers=bearer(owner)).data))
    [row] = json.loads(archive.read("webhook_endpoints.json"))
    assert "secret" not in row and row["url"] == "http://127.0.0.1:9/x"
    assert all(secret.encode() not in archive.read(name) for name in archive.namelist())


def test_refused_call_emits_call_refused_once_with_its_reasons(client, factory, clock, app):
    tenant_id, seat = seat_with_funds(factory, clock, balance="20.00")
    owner = factory.token(factory_owner_email(app, tenant_id))
    assert _register(client, owner, tenant_id, "http://127.0.0.1:9/hook",
                     events=("call.refused", "call.settled")).status_code == 201
    for _ in range(2):  # Twilio's retry of the same request gets the same answer, no event
        assert "<Reject" in place_call(client, seat, "12", "CAREF1").get_data(as_text=True)
    place_call(client, seat, UK_NUMBER, "CAOK1")
    end_call(client, "CAOK1", "completed", 30)
    end_call(client, "CAOK1", "completed", 30)  # a redelivery settles nothing again
    assert _events(app, tenant_id) == ["call.refused", "call.settled"]
    with app.app_context():
        refused, settled = db.session.scalars(
            sa.select(WebhookEvent).where(WebhookEvent.tenant_id == tenant_id)
            .order_by(WebhookEvent.id)).all()
        assert refused.data["reasons"] == ["invalid_number"] and refused.data["to"] == "12"
        assert (settled.data["charge"], settled.data["currency"]) == ("0.60", "USD")
        assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 2
