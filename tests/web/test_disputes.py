"""Disputes and complaints: opening, the window, tenancy, resolution (credit once, reject
changes nothing), complaints onto the do-not-call list, and the pages."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, Complaint, CreditNote, DncEntry, Job, LedgerEntry, Tenant
from callcenter.services import ledger
from tests.factories import PASSWORD, bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _state(app, tid):
    with app.app_context():
        t = db.session.get(Tenant, tid)
        assert ledger.ledger_sum(db.session, tid) == t.balance_micros
        credits = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.tenant_id == tid, LedgerEntry.kind == "credit"))
        return t.balance_micros, credits


def _entry(client, tid, admin):
    """The tenant's oldest ledger entry (its first top-up)."""
    return client.get(f"/api/v1/tenants/{tid}/ledger", headers=admin).get_json()["items"][-1]


def _setup(client, factory, balance="20.00"):
    info = factory.tenant(balance=balance)
    admin = bearer(factory.admin_token())
    owner = bearer(factory.token(info.owner_email))
    return info.id, admin, owner, _entry(client, info.id, admin)


def _open(client, tid, owner, **body):
    body.setdefault("reason", "Charged twice")
    return client.post(f"/api/v1/tenants/{tid}/disputes", headers=owner, json=body)


def _resolve(client, admin, dispute_id, **body):
    body.setdefault("note", "Checked the carrier records")
    return client.post(f"/api/v1/disputes/{dispute_id}/resolution", headers=admin, json=body)


def test_a_credited_dispute_changes_the_balance_once(client, factory, app):
    tid, admin, owner, entry = _setup(client, factory)
    resp = _open(client, tid, owner, ledger_entry_id=entry["id"], evidence="Bank slip 77")
    assert resp.status_code == 201, resp.get_json()
    dispute = resp.get_json()
    assert (dispute["status"], dispute["disputed_amount"]) == ("open", "20.00")
    again = _open(client, tid, owner, ledger_entry_id=entry["id"])
    assert again.status_code == 409  # one open dispute per entry
    before = _state(app, tid)
    done = _resolve(client, admin, dispute["id"], decision="credit", amount="5.00")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "credited" and done.get_json()["credit_note"]
    assert _state(app, tid) == (before[0] + 5_000_000, 1)
    # The same resolution again is a no-op; another one is refused.
    assert _resolve(client, admin, dispute["id"], decision="credit", amount="5.00"
                    ).status_code == 200
    assert _resolve(client, admin, dispute["id"], decision="reject").status_code == 409
    assert _state(app, tid) == (before[0] + 5_000_000, 1)
    with app.app_context():
        note = db.session.scalars(sa.select(CreditNote)).one()
        assert note.reference == f"dispute:{dispute['id']}"
        [mail] = [j.payload for j in db.session.scalars(sa.select(Job))
                  if j.payload.get("topic") == "dispute"]
        assert "is credited" in mail["subject"] and "We credited 5.00 USD" in mail["body"]
        actions = set(db.session.scalars(sa.select(AuditLog.action)))
        assert {"dispute.open", "dispute.resolve", "credit.grant"} <= actions
    history = client.get(f"/api/v1/tenants/{tid}/disputes", headers=owner).get_json()
    assert [d["status"] for d in history["items"]] == ["credited"]
    # Resolved: the entry may be disputed again.
    assert _open(client, tid, owner, ledger_entry_id=entry["id"]).status_code == 201


def test_a_rejected_dispute_changes_nothing(client, factory, app):
    tid, admin, owner, entry = _setup(client, factory)
    dispute = _open(client, tid, owner, ledger_entry_id=entry["id"]).get_json()
    before = _state(app, tid)
    assert _resolve(client, admin, dispute["id"], decision="reject", amount="1.00"
                    ).status_code == 400  # a rejection credits nothing
    assert _resolve(client, admin, dispute["id"], decision="reject", note=""
                    ).status_code == 400
    resp = _resolve(client, admin, dispute["id"], decision="reject")
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    assert _state(app, tid) == before
    listed = client.get("/api/v1/disputes?status=rejected", headers=admin).get_json()["items"]
    assert [d["id"] for d in listed] == [dispute["id"]]


def test_a_credit_above_the_disputed_amount_must_be_justified(client, factory, app):
    tid, admin, owner, entry = _setup(client, factory, balance="2.00")
    dispute = _open(client, tid, owner, ledger_entry_id=entry["id"]).get_json()
    refused = _resolve(client, admin, dispute["id"], decision="credit", amount="3.00")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["details"]["field"] == "amount"
    assert _state(app, tid) == (2_000_000, 0)
    ok = _resolve(client, admin, dispute["id"], decision="credit", amount="3.00",
                  justification="Goodwill for the second outage this month")
    assert ok.status_code == 200 and _state(app, tid) == (5_000_000, 1)


def test_disputes_outside_the_window_are_refused(client, factory, clock, app):
    tid, admin, owner, entry = _setup(client, factory)
    clock.now = clock.now + timedelta(days=366)
    resp = _open(client, tid, owner, ledger_entry_id=entry["id"])
    assert resp.status_code == 409 and resp.get_json()["error"]["details"]["window_days"] == 365
    app.config["DISPUTE_WINDOW_DAYS"] = 400
    assert _open(client, tid, owner, ledger_entry_id=entry["id"]).status_code == 201


def test_a_tenant_cannot_dispute_or_see_another_tenants_charges(client, factory, app):
    tid, admin, owner, entry = _setup(client, factory)
    other = factory.tenant(balance="1.00")
    intruder = bearer(factory.token(other.owner_email))
    assert _open(client, other.id, intruder, ledger_entry_id=entry["id"]).status_code == 404
    assert _open(client, tid, intruder, ledger_entry_id=entry["id"]).status_code == 404
    dispute = _open(client, tid, owner, ledger_entry_id=entry["id"]).get_json()
    assert client.get(f"/api/v1/disputes/{dispute['id']}", headers=intruder).status_code == 404
    assert client.get(f"/api/v1/tenants/{tid}/disputes", headers=intruder).status_code == 404
    assert client.get("/api/v1/disputes", headers=intruder).status_code == 403
    agent = bearer(factory.token(factory.user(tid, "agent")))
    assert _open(client, tid, agent, ledger_entry_id=entry["id"]).status_code == 403
    assert _open(client, tid, owner).status_code == 400  # neither id
    assert _open(client, tid, owner, ledger_entry_id=entry["id"], call_id=1
                 ).status_code == 400  # both


def test_a_call_charge_is_disputed_by_its_call(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    place_call(client, seat, UK, "CA1")
    end_call(client, "CA1", "completed", 90)  # 2 minutes: 1.20
    with app.app_context():
        from callcenter.models import Call, User

        call_id = db.session.scalar(sa.select(Call.id))
        owner_email = db.session.scalar(sa.select(User.email).where(User.tenant_id == tid))
    owner, admin = bearer(factory.token(owner_email)), bearer(factory.admin_token())
    dispute = _open(client, tid, owner, call_id=call_id).get_json()
    assert (dispute["call_id"], dispute["disputed_amount"]) == (call_id, "1.20")
    assert dispute["ledger_entry_id"] is not None
    # The call's ledger entry is the same charge: no second open dispute through it.
    assert _open(client, tid, owner, ledger_entry_id=dispute["ledger_entry_id"]
                 ).status_code == 409
    before = _state(app, tid)
    assert _resolve(client, admin, dispute["id"], decision="credit", amount="1.20"
                    ).status_code == 200
    assert _state(app, tid) == (before[0] + 1_200_000, 1)


def test_complaints_put_the_number_on_the_tenants_list(client, factory, app):
    tid, admin, owner, _ = _setup(client, factory)
    other = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tid}/complaints", headers=admin, json={
        "number": "+44 20 7946 0000", "kind": "harassment", "note": "Called 5 times a day"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["number"] == UK
    bad = client.post(f"/api/v1/tenants/{tid}/complaints", headers=admin,
                      json={"number": "12", "kind": "harassment", "note": "x"})
    assert bad.status_code == 400
    with app.app_context():
        entries = db.session.scalars(sa.select(DncEntry)).all()
        assert [(e.tenant_id, e.number, e.source) for e in entries] == [(tid, UK, "complaint")]
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 1
        assert "complaint.record" in set(db.session.scalars(sa.select(AuditLog.action)))
    check = client.post(f"/api/v1/tenants/{tid}/compliance/check", headers=owner,
                        json={"to": UK}).get_json()
    assert "do_not_call" in check["reasons"]
    seen = client.get(f"/api/v1/tenants/{tid}/complaints", headers=owner).get_json()["items"]
    assert [(c["number"], c["kind"]) for c in seen] == [(UK, "harassment")]
    intruder = bearer(factory.token(other.owner_email))
    assert client.get(f"/api/v1/tenants/{tid}/complaints", headers=intruder
                      ).status_code == 404
    # A second complaint about a listed number is recorded; the list keeps one entry.
    assert client.post(f"/api/v1/tenants/{tid}/complaints", headers=admin, json={
        "number": UK, "kind": "no_consent", "note": "Never agreed"}).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DncEntry.id))) == 1


def _login(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_the_pages_open_resolve_with_a_confirmation_and_record_complaints(
        client, factory, app):
    info = factory.tenant(balance="20.00")
    admin_token = bearer(factory.admin_token())
    entry = _entry(client, info.id, admin_token)
    _login(client, info.owner_email)
    link = f"/portal/disputes?ledger_entry_id={entry['id']}"
    assert link in client.get("/portal/").get_data(
        as_text=True).replace("&amp;", "&")
    assert f'value="{entry["id"]}"' in client.get(link).get_data(as_text=True)
    page = client.post("/portal/disputes", data={"ledger_entry_id": "x", "reason": ""}
                       ).get_data(as_text=True)
    assert 'id="error-' in page  # the error is shown by its field
    page = client.post("/portal/disputes", data={"ledger_entry_id": str(entry["id"]),
                                                 "reason": "Not ours"},
                       follow_redirects=True).get_data(as_text=True)
    assert "is open" in page and "Not ours" in page
    with app.app_context():
        from callcenter.models import Dispute

        dispute_id = db.session.scalar(sa.select(Dispute.id))
    client.post("/logout")
    factory.admin("care@x.test")
    _login(client, "care@x.test")
    assert "Not ours" in client.get("/admin/disputes?status=open").get_data(as_text=True)
    form = {"decision": "credit", "amount": "4.50", "note": "Bank fee refunded"}
    confirm = client.post(f"/admin/disputes/{dispute_id}", data=form).get_data(as_text=True)
    assert "Credit 4.50 USD to" in confirm
    assert _state(app, info.id) == (20_000_000, 0)  # nothing yet
    done = client.post(f"/admin/disputes/{dispute_id}", data={**form, "confirmed": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "credited" in done and _state(app, info.id) == (24_500_000, 1)
    page = client.post(f"/admin/tenants/{info.id}/complaints",
                       data={"number": "nope", "kind": "other", "note": "x"}
                       ).get_data(as_text=True)
    assert 'id="error-number"' in page
    page = client.post(f"/admin/tenants/{info.id}/complaints",
                       data={"number": UK, "kind": "no_consent", "note": "Never agreed"},
                       follow_redirects=True).get_data(as_text=True)
    assert "do-not-call" in page and UK in page
    client.post("/logout")
    _login(client, info.owner_email)
    assert "Never agreed" in client.get("/portal/complaints").get_data(as_text=True)
    assert "credited" in client.get("/portal/disputes").get_data(as_text=True)


def test_concurrent_resolutions_credit_once(pg_app, clock):
    from tests.factories import Factory

    factory = Factory(pg_app, clock)
    info = factory.tenant(balance="20.00")
    admin = bearer(factory.admin_token())
    owner = bearer(factory.token(info.owner_email))
    client = pg_app.test_client()
    entry = _entry(client, info.id, admin)
    dispute = _open(client, info.id, owner, ledger_entry_id=entry["id"]).get_json()
    n = 6
    barrier = threading.Barrier(n)

    def resolve(_):
        barrier.wait()
        return _resolve(pg_app.test_client(), admin, dispute["id"], decision="credit",
                        amount="5.00").status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = list(pool.map(resolve, range(n)))
    assert statuses == [200] * n
    assert _state(pg_app, info.id) == (25_000_000, 1)
    with pg_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CreditNote.id))) == 1


def test_disputes_and_complaints_are_in_the_tenants_export(client, factory, app):
    import io
    import json
    import zipfile

    tid, admin, owner, entry = _setup(client, factory)
    assert _open(client, tid, owner, ledger_entry_id=entry["id"]).status_code == 201
    assert client.post(f"/api/v1/tenants/{tid}/complaints", headers=admin, json={
        "number": UK, "kind": "other", "note": "Rude"}).status_code == 201
    resp = client.get(f"/api/v1/tenants/{tid}/export", headers=owner)
    assert resp.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    disputes = json.loads(archive.read("disputes.json"))
    complaints = json.loads(archive.read("complaints.json"))
    assert [d["reason"] for d in disputes] == ["Charged twice"]
    assert [(c["number"], c["note"]) for c in complaints] == [(UK, "Rude")]
