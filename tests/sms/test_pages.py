"""SMS pages: the owner sends from a pasted list or a CSV, follows the batch and cancels
it; admins see every tenant's messages."""

from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import SmsBatch, User
from tests.factories import PASSWORD
from tests.sms_support import CN, EAST, UK, messages, money, run_jobs, sms_reply, sms_tenant


def _login(client, app, tid: int | None = None, email: str | None = None) -> None:
    if email is None:
        with app.app_context():
            email = db.session.scalar(sa.select(User.email).where(User.tenant_id == tid,
                                                                  User.role == "owner"))
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_the_send_page_carries_prices_and_texts_for_the_live_estimate(client, factory, clock,
                                                                      app):
    tid, _ = sms_tenant(factory, clock, prefixes={"86": "0.02"}, sms_signature="Acme Ltd")
    _login(client, app, tid)
    page = client.get("/portal/messages").get_data(as_text=True)
    assert 'data-price="50000"' in page and "static/sms.js" in page
    prefixes = re.search(r'data-prefixes="([^"]*)"', page).group(1)
    assert json.loads(prefixes.replace("&#34;", '"')) == {"86": 20000}
    assert 'data-signature="Acme Ltd"' in page and 'data-opt-out-cn="拒收请回复R"' in page
    assert "【Acme Ltd】" in page


def test_owner_sends_a_pasted_list_and_a_csv_and_follows_the_batch(client, factory, clock, app,
                                                                   twilio):
    tid, _ = sms_tenant(factory, clock, at=EAST)
    _login(client, app, tid)
    csv = io.BytesIO(f"name,number\nA,{UK[2]}\nB,{UK[3]}\n".encode())
    resp = client.post("/portal/messages", data={
        "to": f"{UK[0]}\n{UK[1]}, {CN}\nnonsense", "body": "Hi there", "kind": "marketing",
        "file": (csv, "list.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        batch_id = db.session.scalar(sa.select(SmsBatch.id))
    assert resp.headers["Location"].endswith(f"/portal/messages/{batch_id}")
    page = client.get(f"/portal/messages/{batch_id}").get_data(as_text=True)
    assert "5 of 6 recipients accepted" in page
    assert "invalid number" in page and "Cancel the recipients not yet sent" in page
    assert "Hi there Reply STOP to opt out" in page and "拒收请回复R" in page
    progress = client.get(f"/portal/messages/{batch_id}/progress").get_json()
    assert (progress["accepted"], progress["finished"], progress["done"]) == (5, 0, False)
    run_jobs(app, clock)
    progress = client.get(f"/portal/messages/{batch_id}/progress").get_json()
    assert progress == {"status": "done", "counts": {"sent": 5, "refused": 1}, "accepted": 5,
                        "finished": 5, "done": True}
    assert sorted(m["to"] for m in twilio.messages) == sorted([*UK[:4], CN])
    listing = client.get("/portal/messages").get_data(as_text=True)
    assert f"#{batch_id}" in listing


def test_owner_cancels_from_the_batch_page(client, factory, clock, app):
    tid, _ = sms_tenant(factory, clock)
    _login(client, app, tid)
    client.post("/portal/messages", data={"to": "\n".join(UK[:3]), "body": "Hi"})
    batch_id = messages(app)[0].batch_id
    page = client.post(f"/portal/messages/{batch_id}/cancel",
                       follow_redirects=True).get_data(as_text=True)
    assert "Canceled" in page and money(app, tid) == (10_000_000, 0)
    again = client.post(f"/portal/messages/{batch_id}/cancel", follow_redirects=True)
    assert "already canceled" in again.get_data(as_text=True)


def test_a_refused_send_keeps_the_form_and_says_why(client, factory, clock, app):
    tid, _ = sms_tenant(factory, clock, balance="0.01")
    _login(client, app, tid)
    page = client.post("/portal/messages", data={"to": UK[0], "body": "Hello you"},
                       follow_redirects=True).get_data(as_text=True)
    assert "available funds do not cover" in page and "Hello you" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SmsBatch.id))) == 0


def test_replies_and_opt_outs_show_in_the_tenants_lists(client, factory, clock, app):
    own = "+14155550111"
    tid, _ = sms_tenant(factory, clock, sms_sender=own)
    sms_reply(client, "SMr1", UK[0], own, "退订")
    _login(client, app, tid)
    assert "opt-out: on the do-not-call list" in client.get("/portal/messages").get_data(
        as_text=True)
    assert "sms reply" in client.get("/portal/dnc").get_data(as_text=True)


def test_other_tenants_batches_and_agents_get_404(client, factory, clock, app):
    a, _ = sms_tenant(factory, clock)
    b, _ = sms_tenant(factory, clock)
    _login(client, app, a)
    client.post("/portal/messages", data={"to": UK[0], "body": "Hi"})
    batch_id = messages(app)[0].batch_id
    client.post("/logout")
    _login(client, app, b)
    assert client.get(f"/portal/messages/{batch_id}").status_code == 404
    assert client.post(f"/portal/messages/{batch_id}/cancel").status_code in (302, 404)
    assert messages(app)[0].status == "queued"
    client.post("/logout")
    _login(client, app, email=factory.user(a, "agent"))
    assert client.get("/portal/messages").status_code == 404


def test_admins_see_every_tenants_messages_and_can_cancel(client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    client.post(f"/api/v1/tenants/{tid}/messages", json={"to": UK[:2], "body": "Hi"},
                headers=owner)
    batch_id = messages(app)[0].batch_id
    factory.admin("ops@x.test")
    _login(client, app, email="ops@x.test")
    assert f"#{batch_id}" in client.get("/admin/messages").get_data(as_text=True)
    assert f"#{batch_id}" in client.get(f"/admin/tenants/{tid}/messages").get_data(as_text=True)
    page = client.get(f"/admin/tenants/{tid}/messages/{batch_id}").get_data(as_text=True)
    assert UK[1] in page and "queued" in page
    assert client.get(f"/admin/tenants/{tid}/messages/{batch_id}/progress").get_json()[
        "accepted"] == 2
    client.post(f"/admin/tenants/{tid}/messages/{batch_id}/cancel")
    assert {m.status for m in messages(app)} == {"canceled"}
    assert "Messages" in client.get(f"/admin/tenants/{tid}").get_data(as_text=True)


def test_the_admin_rate_editor_takes_sms_prices(client, factory, clock, app):
    tid, _ = sms_tenant(factory, clock)
    factory.admin("ops@x.test")
    _login(client, app, email="ops@x.test")
    resp = client.post(f"/admin/tenants/{tid}/rates", follow_redirects=True, data={
        "default_per_minute": "0.50", "billing_increment": "60/60", "sms_per_segment": "0.04",
        "prefixes": "44 0.20 0.03\n86 - 0.02\n4420 0.10\n",
        "tenant_consent": "1", "consent_note": "signed addendum"})
    page = resp.get_data(as_text=True)
    assert "version 3" in page and "44 0.20 0.03" in page and "86 - 0.02" in page
    assert "4420 0.10\n" in page and 'value="0.04"' in page
