"""Every route of the app, tried as each kind of caller, against one declared table.

The test walks `app.url_map` (API, pages, webhooks, static files, ops), fills each path
parameter with a real id of tenant A's objects (so the owner of tenant B really probes
another tenant's data), and sends each method of the route (HEAD and OPTIONS aside:
Werkzeug answers them from GET) as five callers, in this order:

    anon   nobody (no cookie, no token)
    agent  an agent of tenant A
    other  the owner of tenant B
    owner  the owner of tenant A
    admin  a platform admin

API routes get the caller's bearer token, pages and webhooks the caller's signed-in
session. Writes carry an empty body (`{}` or an empty form): callers who may write get
past the access check and are answered by the use case (a 400 for the missing fields,
or the write itself when it takes no body), and the check runs before the body is read.
Whenever the answer is a refusal (401, 403, 404, a redirect to sign-in, a missing
signature), every row of every table is compared before and after: nothing changed.
Every answer must also carry the protective headers (nosniff, frame denial, referrer
policy, a CSP without inline scripts) and an `X-Request-Id`, and every answer to a
signed-in caller `Cache-Control: no-store`. A second test sends a body over the limit to
every route and method that takes one, as anonymous and as admin: 413, nothing changed.

**Declaring a route.** Add one line to `ROUTES`: `"METHOD /rule": "anon agent other owner
admin"`, the rule exactly as in `flask routes` / `app.url_map`, each word one outcome:

    ok     got past access control: 2xx, a redirect other than to sign-in, or an answer
           of the use case about the input or the state (400, 402, 409, 422)
    noop   like ok (a form's redirect with its error flashed), but nothing changed
    login  302 to the sign-in page
    out    302 to the sign-in page after signing out (which writes: the session ends)
    401 403 404 405 413 415 429 503     exactly that status
    sig    a webhook refused without a valid provider signature (403)

(the named profiles below cover most routes). If a path parameter should come from
another object than tenant A's, give `(outcome, {"param": "world key"})` instead (see
the keys of `ids` in `world()`); `{"writes": "table"}` names a table a refusal writes to
by design (a failed sign-in is counted). A route or method missing from the table fails
the test with the line to add; a declared line whose route no longer exists fails it too.
Run with `MATRIX_DISCOVER=1 pytest -s` to print what every caller got on every route.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import ApiToken, Job, SmsBatch, User
from callcenter.web.common.providers import EXTENSION
from tests.factories import PASSWORD, bearer
from tests.payments.helpers import CONFIG as STRIPE
from tests.payments.helpers import FakeGateway
from tests.telephony import CONFIG
from tests.web.test_forbidden_writes import PROMO, UK, UK2, _snapshot

CALLERS = ("anon", "agent", "other", "owner", "admin")
LIMIT = 64 * 1024  # MAX_REQUEST_BYTES here
PROTECTIVE = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
              "Referrer-Policy": "same-origin"}

# Profiles, in the order anon, agent, other, owner, admin.
PUBLIC = "ok ok ok ok ok"
API_ADMIN = "401 403 403 403 ok"  # platform-wide admin operations
API_ADMIN_ON_A = "401 403 404 403 ok"  # admin operations on tenant A
API_TENANT = "401 ok 404 ok ok"  # tenant A's data, its agents too
API_TENANT_STAFF = "401 403 404 ok ok"  # owner and admin of tenant A
API_OWNER_ONLY = "401 403 404 ok 403"  # the owner alone (money from their card, ...)
API_ANY_USER = "401 ok ok ok ok"
ON_T = "401 404 404 404 ok"  # tenant T's settlement: a stranger to T learns nothing
ADMIN_PAGE = "login 404 404 404 ok"  # admin pages do not announce themselves
PORTAL_PAGE = "login ok ok ok 404"  # the caller's own tenant (B's owner sees B's)
PORTAL_OWNER = "login 404 ok ok 404"  # the owner's pages (agents see calls and seats)
PORTAL_OWNER_OBJECT = "login 404 404 ok 404"  # one of A's objects by id
PORTAL_OWNER_ACTION = "login 404 noop ok 404"  # a form on one of A's objects by id
WEBHOOK = "sig sig sig sig sig"  # no caller's session signs a provider's request

ROUTES: dict[str, str | tuple[str, dict[str, str]]] = {
    # ops and files
    "GET /healthz": PUBLIC,
    "GET /readyz": "503 503 503 503 503",  # tests build the schema without a revision
    "GET /metrics": "401 401 401 401 401",  # only METRICS_TOKEN opens it
    "GET /static/<path:filename>": PUBLIC,
    # sign-in
    "GET /": "login ok ok ok ok",
    "GET /login": PUBLIC,
    "POST /login": ("401 ok ok ok ok", {"writes": "login_throttles"}),  # a failed sign-in
    "POST /logout": "login out out out out",
    "POST /language": PUBLIC,  # the language switch: a cookie, and the setting when signed in
    # passwords: one's own, and the reset by mail (the same answer for any address)
    "GET /account/password": "login ok ok ok ok",
    "POST /account/password": "login ok ok ok ok",
    "GET /password/forgot": PUBLIC,
    "POST /password/forgot": PUBLIC,
    "GET /password/reset/<token>": ("404 404 404 404 404", {"token": "period"}),  # unknown
    "GET /password/reset": "404 404 404 404 404",  # no link opened
    "POST /password/reset": PUBLIC,  # answered 400: no link opened
    # webhooks: a provider's signature or nothing
    "POST /webhooks/cdr": WEBHOOK,
    "POST /webhooks/stripe": WEBHOOK,
    "POST /webhooks/twilio/sms": WEBHOOK,
    "POST /webhooks/twilio/sms-inbound": WEBHOOK,
    "POST /webhooks/twilio/status": WEBHOOK,
    "POST /webhooks/twilio/voice": WEBHOOK,
    # API: tokens, documents
    "POST /api/v1/auth/tokens": PUBLIC,  # signs in with a password in the body
    "DELETE /api/v1/auth/tokens/<int:token_id>": "401 404 404 ok 404",  # the owner's own
    "POST /api/v1/auth/password": API_ANY_USER,  # one's own, the current password required
    "GET /api/v1/openapi.json": PUBLIC,
    # API: platform-wide
    "GET /api/v1/tenants": API_ANY_USER,  # each caller sees only their own tenant
    "POST /api/v1/tenants": API_ADMIN,
    "POST /api/v1/billing/run": API_ADMIN,
    "GET /api/v1/dnc": API_ADMIN,
    "POST /api/v1/dnc": API_ADMIN,
    "DELETE /api/v1/dnc/<path:number>": API_ADMIN,
    "POST /api/v1/dnc/removals": API_ADMIN,
    "GET /api/v1/notices": API_ANY_USER,
    "POST /api/v1/notices": API_ADMIN,
    "POST /api/v1/scripts/<int:script_id>/review": API_ADMIN,
    "POST /api/v1/calls/authorize": "401 403 ok ok ok",  # the seat in the body decides
    # API: one tenant
    "GET /api/v1/tenants/<int:tenant_id>": API_TENANT,
    "PATCH /api/v1/tenants/<int:tenant_id>": API_ADMIN_ON_A,
    "GET /api/v1/tenants/<int:tenant_id>/alerts": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/calls": API_TENANT,
    "POST /api/v1/tenants/<int:tenant_id>/compliance/check": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/consents": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/consents": API_TENANT_STAFF,
    "DELETE /api/v1/tenants/<int:tenant_id>/consents/<path:number>": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/consents/revocations": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/dnc": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/dnc": API_TENANT_STAFF,
    "DELETE /api/v1/tenants/<int:tenant_id>/dnc/<path:number>": (  # the owner removed it
        "401 403 404 ok 404", {"number": "number_dnc_api"}),
    "POST /api/v1/tenants/<int:tenant_id>/dnc/removals": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/erasure": API_TENANT_STAFF,  # owner: once settled
    "GET /api/v1/tenants/<int:tenant_id>/export": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/ledger": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/messages": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/messages": API_OWNER_ONLY,
    "GET /api/v1/tenants/<int:tenant_id>/messages/<int:batch_id>": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/messages/<int:batch_id>/cancel": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/payment-intents": API_OWNER_ONLY,
    "GET /api/v1/tenants/<int:tenant_id>/payments": API_TENANT_STAFF,
    "PUT /api/v1/tenants/<int:tenant_id>/rates": API_ADMIN_ON_A,
    "GET /api/v1/tenants/<int:tenant_id>/scripts": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/scripts": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/seats": API_TENANT,
    "POST /api/v1/tenants/<int:tenant_id>/seats": API_TENANT_STAFF,
    "DELETE /api/v1/tenants/<int:tenant_id>/seats/<int:seat_id>": API_TENANT_STAFF,
    "PATCH /api/v1/tenants/<int:tenant_id>/seats/<int:seat_id>": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/users": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/users": API_OWNER_ONLY,
    "PATCH /api/v1/tenants/<int:tenant_id>/users/<int:user_id>": (
        API_OWNER_ONLY, {"user_id": "agent_id"}),
    "GET /api/v1/tenants/<int:tenant_id>/sms-replies": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/statements/<period>": API_TENANT_STAFF,
    "POST /api/v1/tenants/<int:tenant_id>/suspension": API_ADMIN_ON_A,
    "DELETE /api/v1/tenants/<int:tenant_id>/suspension": API_ADMIN_ON_A,
    "POST /api/v1/tenants/<int:tenant_id>/termination": API_ADMIN_ON_A,
    "GET /api/v1/tenants/<int:tenant_id>/termination/preview": API_ADMIN_ON_A,
    "POST /api/v1/tenants/<int:tenant_id>/termination-request": API_OWNER_ONLY,
    # tenant T (terminated, its settlement open): A's owner is a stranger there
    "GET /api/v1/tenants/<int:tenant_id>/termination": (ON_T, {"tenant_id": "t"}),
    "POST /api/v1/tenants/<int:tenant_id>/termination/lines/<int:line_id>/close": (
        ON_T, {"tenant_id": "t"}),
    "POST /api/v1/tenants/<int:tenant_id>/termination/lines/<int:line_id>/retry": (
        ON_T, {"tenant_id": "t"}),
    "POST /api/v1/tenants/<int:tenant_id>/topups": API_ADMIN_ON_A,
    "GET /api/v1/tenants/<int:tenant_id>/webhook-endpoints": API_OWNER_ONLY,
    "POST /api/v1/tenants/<int:tenant_id>/webhook-endpoints": API_OWNER_ONLY,
    "DELETE /api/v1/tenants/<int:tenant_id>/webhook-endpoints/<int:endpoint_id>": (
        API_OWNER_ONLY, {"endpoint_id": "endpoint_api_delete"}),
    "GET /api/v1/tenants/<int:tenant_id>/webhook-endpoints/<int:endpoint_id>/deliveries":
        API_OWNER_ONLY,
    "POST /api/v1/tenants/<int:tenant_id>/webhook-endpoints/<int:endpoint_id>/test":
        API_OWNER_ONLY,
    # API: invoices, credit notes, credits, adjustments (branch docs)
    "GET /api/v1/tenants/<int:tenant_id>/invoices": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/invoices/<number>": (
        API_TENANT_STAFF, {"number": "invoice"}),
    "PATCH /api/v1/tenants/<int:tenant_id>/invoices/<number>": (
        API_ADMIN_ON_A, {"number": "invoice"}),
    "GET /api/v1/tenants/<int:tenant_id>/credit-notes": API_TENANT_STAFF,
    "GET /api/v1/tenants/<int:tenant_id>/credit-notes/<number>": (
        API_TENANT_STAFF, {"number": "credit_note"}),
    "POST /api/v1/tenants/<int:tenant_id>/credits": API_ADMIN_ON_A,
    "POST /api/v1/tenants/<int:tenant_id>/adjustments": API_ADMIN_ON_A,
    # API: disputes and complaints
    "POST /api/v1/tenants/<int:tenant_id>/disputes": API_OWNER_ONLY,
    "GET /api/v1/tenants/<int:tenant_id>/disputes": API_TENANT_STAFF,
    "GET /api/v1/disputes": API_ADMIN,
    "GET /api/v1/disputes/<int:dispute_id>": "401 403 404 ok ok",
    "POST /api/v1/disputes/<int:dispute_id>/resolution": API_ADMIN,
    "POST /api/v1/tenants/<int:tenant_id>/complaints": API_ADMIN_ON_A,
    "GET /api/v1/tenants/<int:tenant_id>/complaints": API_TENANT_STAFF,
    # operator pages
    "GET /admin/tenants/<int:tenant_id>/invoices": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/invoices/<number>": (ADMIN_PAGE, {"number": "invoice"}),
    "POST /admin/tenants/<int:tenant_id>/invoices/<number>/fapiao": (
        ADMIN_PAGE, {"number": "invoice"}),
    "GET /admin/tenants/<int:tenant_id>/credit-notes/<number>": (
        ADMIN_PAGE, {"number": "credit_note"}),
    "POST /admin/tenants/<int:tenant_id>/credits": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/adjustments": ADMIN_PAGE,
    "GET /admin/disputes": ADMIN_PAGE,
    "GET /admin/disputes/<int:dispute_id>": ADMIN_PAGE,
    "POST /admin/disputes/<int:dispute_id>": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/complaints": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/complaints": ADMIN_PAGE,
    "GET /admin/calls/open": ADMIN_PAGE,
    "POST /admin/calls/<int:call_id>/resolve": ADMIN_PAGE,
    "GET /admin/dnc": ADMIN_PAGE,
    "POST /admin/dnc": ADMIN_PAGE,
    "POST /admin/jobs/<int:job_id>/retry": ADMIN_PAGE,
    "GET /admin/lexicon": ADMIN_PAGE,
    "POST /admin/lexicon": ADMIN_PAGE,
    "GET /admin/messages": ADMIN_PAGE,
    "GET /admin/notices": ADMIN_PAGE,
    "POST /admin/notices": ADMIN_PAGE,
    "GET /admin/outbox": ADMIN_PAGE,
    "GET /admin/scripts": ADMIN_PAGE,
    "POST /admin/scripts/<int:script_id>/review": ADMIN_PAGE,
    "GET /admin/tenants": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/ledger": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/settings": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/settings": ADMIN_PAGE,
    "GET /admin/tenants/new": ADMIN_PAGE,
    "POST /admin/tenants/new": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/calls": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/erasure": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/export": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/messages": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/messages/<int:batch_id>": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/messages/<int:batch_id>/cancel": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/messages/<int:batch_id>/progress": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/rates": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/rates": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/seats": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/seats/<int:seat_id>/release": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/settlement.pdf": (ADMIN_PAGE, {"tenant_id": "t"}),
    "GET /admin/tenants/<int:tenant_id>/statements": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/statements/<period>": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/status": ADMIN_PAGE,
    "GET /admin/tenants/<int:tenant_id>/termination": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/termination": ADMIN_PAGE,
    "POST /admin/tenants/<int:tenant_id>/termination/lines/<int:line_id>/close": (
        ADMIN_PAGE, {"tenant_id": "t"}),
    "POST /admin/tenants/<int:tenant_id>/termination/lines/<int:line_id>/retry": (
        ADMIN_PAGE, {"tenant_id": "t"}),
    "POST /admin/tenants/<int:tenant_id>/topups": ADMIN_PAGE,
    "GET /admin/terminations": ADMIN_PAGE,
    "GET /admin/terminations/go": ADMIN_PAGE,
    # tenant pages: always the signed-in user's own tenant
    "GET /portal/": PORTAL_PAGE,
    "GET /portal/ledger": PORTAL_OWNER,
    "GET /portal/calls": PORTAL_PAGE,
    "GET /portal/complaints": PORTAL_OWNER,
    "GET /portal/invoices": PORTAL_OWNER,
    "GET /portal/invoices/<number>": (PORTAL_OWNER_OBJECT, {"number": "invoice"}),
    "GET /portal/credit-notes/<number>": (PORTAL_OWNER_OBJECT, {"number": "credit_note"}),
    "GET /portal/disputes": PORTAL_OWNER,
    "POST /portal/disputes": PORTAL_OWNER,
    "POST /portal/check": PORTAL_OWNER,
    "GET /portal/consents": PORTAL_OWNER,
    "POST /portal/consents": PORTAL_OWNER,
    "POST /portal/consents/import": PORTAL_OWNER,
    "POST /portal/consents/revoke": PORTAL_OWNER,
    "GET /portal/dnc": PORTAL_OWNER,
    "POST /portal/dnc": PORTAL_OWNER,
    "POST /portal/dnc/import": PORTAL_OWNER,
    "GET /portal/export": PORTAL_OWNER,
    "GET /portal/messages": PORTAL_OWNER,
    "POST /portal/messages": PORTAL_OWNER,
    "GET /portal/messages/<int:batch_id>": PORTAL_OWNER_OBJECT,
    "POST /portal/messages/<int:batch_id>/cancel": PORTAL_OWNER_ACTION,
    "GET /portal/messages/<int:batch_id>/progress": PORTAL_OWNER_OBJECT,
    "GET /portal/payments": PORTAL_OWNER,
    "POST /portal/payments/auto-topup": PORTAL_OWNER,
    "POST /portal/payments/auto-topup/card": PORTAL_OWNER,
    "POST /portal/payments/auto-topup/setup": PORTAL_OWNER,
    "POST /portal/payments/intents": PORTAL_OWNER,
    "GET /portal/scripts": PORTAL_OWNER,
    "POST /portal/scripts": PORTAL_OWNER,
    "GET /portal/seats": PORTAL_PAGE,
    "POST /portal/seats": PORTAL_OWNER,
    "POST /portal/seats/quote": PORTAL_OWNER,
    "POST /portal/seats/<int:seat_id>/release": PORTAL_OWNER_ACTION,
    "POST /portal/seats/<int:seat_id>/agent": PORTAL_OWNER_ACTION,
    "GET /portal/agents": PORTAL_OWNER,
    "POST /portal/agents": PORTAL_OWNER,
    "POST /portal/agents/<int:user_id>/active": (PORTAL_OWNER_ACTION, {"user_id": "agent_id"}),
    "POST /portal/agents/<int:user_id>/password": (
        PORTAL_OWNER_ACTION, {"user_id": "agent_id"}),
    "GET /portal/erasure": PORTAL_OWNER,
    "POST /portal/erasure": PORTAL_OWNER,  # refused before the settlement
    "POST /portal/erasure/review": PORTAL_OWNER,
    "GET /portal/settlement": "login 404 404 404 404",  # only once terminated (none here)
    "GET /portal/settlement.pdf": "login 404 404 404 404",
    "GET /portal/statements": PORTAL_OWNER,
    "GET /portal/statements/<period>": PORTAL_OWNER,
    "POST /portal/termination-request": PORTAL_OWNER,
    "GET /portal/webhooks": PORTAL_OWNER,
    "POST /portal/webhooks": PORTAL_OWNER,
    "GET /portal/webhooks/<int:endpoint_id>": PORTAL_OWNER_OBJECT,
    "POST /portal/webhooks/<int:endpoint_id>/delete": (
        PORTAL_OWNER_OBJECT, {"endpoint_id": "endpoint_page_delete"}),
    "POST /portal/webhooks/<int:endpoint_id>/test": PORTAL_OWNER_OBJECT,
}


@dataclass
class World:
    ids: dict[str, object]
    clients: dict[str, object]
    tokens: dict[str, dict] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def app_config() -> dict:
    return {**CONFIG, **STRIPE, "METRICS_TOKEN": "metrics-m", "MAX_CONTENT_LENGTH": LIMIT,
            "OUTBOUND_WEBHOOKS_ALLOW_PRIVATE": True}


@pytest.fixture
def world(app, factory) -> World:
    """Tenant A with one of everything, tenant B, a terminated tenant T, five callers."""
    app.extensions[EXTENSION] = FakeGateway()
    setup = app.test_client()
    admin_email = "matrix-admin@x.test"
    factory.admin(admin_email)
    admin = bearer(factory.token(admin_email))
    a, b = factory.tenant(balance="100.00"), factory.tenant(balance="10.00")
    t = factory.tenant(balance="50.00", timezone="UTC")
    agent_email = factory.user(a.id, "agent")
    owner = bearer(factory.token(a.owner_email))

    def ok(resp):
        assert resp.status_code in (200, 201), resp.get_json()
        return resp.get_json()

    seats = ok(setup.post(f"/api/v1/tenants/{a.id}/seats", json={"count": 2},
                          headers=admin))["items"]
    ok(setup.post(f"/api/v1/tenants/{a.id}/consents", headers=owner,
                  json={"numbers": [UK], "source": "web"}))
    ok(setup.post(f"/api/v1/tenants/{a.id}/dnc", json={"numbers": [UK, UK2]}, headers=owner))
    ok(setup.post("/api/v1/dnc", json={"numbers": [UK]}, headers=admin))
    script = ok(setup.post(f"/api/v1/tenants/{a.id}/scripts", headers=owner,
                           json={"title": "Promo", "text": PROMO}))
    call = ok(setup.post("/api/v1/calls/authorize", headers=owner,
                         json={"seat_identity": seats[0]["identity"], "to": UK}))
    endpoints = [ok(setup.post(f"/api/v1/tenants/{a.id}/webhook-endpoints", headers=owner,
                               json={"url": f"http://127.0.0.1:9/{n}",
                                     "events": ["call.settled"]}))["id"] for n in range(3)]
    settled = ok(setup.post(f"/api/v1/tenants/{t.id}/termination",
                            json={"reason": "tenant_request"}, headers=admin))
    [line] = [x for x in settled["lines"] if x["kind"] == "bank_refund"]
    entry = ok(setup.get(f"/api/v1/tenants/{a.id}/ledger", headers=admin))["items"][-1]
    dispute = ok(setup.post(f"/api/v1/tenants/{a.id}/disputes", headers=owner,
                            json={"ledger_entry_id": entry["id"], "reason": "not ours"}))
    [invoice] = ok(setup.get(f"/api/v1/tenants/{a.id}/invoices", headers=admin))["items"]
    note = ok(setup.post(f"/api/v1/tenants/{a.id}/credits", headers=admin,
                         json={"amount": "1.00", "reason": "outage"}))["credit_note"]
    spare_token = factory.token(a.owner_email)  # the one DELETE /auth/tokens revokes
    with app.app_context():
        batch = SmsBatch(tenant_id=a.id, kind="transactional", body="Hello", texts={},
                         sender="+14155550100", status="done", encoding="GSM-7",
                         segments_per_message=1, recipients=0, accepted=0,
                         total_charge_micros=0, status_callback="")
        job = Job(kind="mail", tenant_id=a.id, payload={}, status="dead")
        db.session.add_all([batch, job])
        db.session.commit()
        spare_id = db.session.scalars(sa.select(ApiToken.id).order_by(ApiToken.id.desc())
                                      .where(ApiToken.user_id == a.owner_id)).first()
        ids = {"tenant_id": a.id, "seat_id": seats[1]["id"], "script_id": script["id"],
               "call_id": call["call_id"], "batch_id": batch.id, "job_id": job.id,
               "endpoint_id": endpoints[0], "endpoint_api_delete": endpoints[1],
               "endpoint_page_delete": endpoints[2], "token_id": spare_id, "number": UK,
               "number_dnc_api": UK2,
               "period": "2026-02", "filename": "app.css", "line_id": line["id"],
               "t": t.id, "b": b.id, "dispute_id": dispute["id"],
               "invoice": invoice["number"], "credit_note": note["number"],
               "agent_id": db.session.scalars(
                   sa.select(User.id).where(User.email == agent_email)).one()}
    assert spare_token
    emails = {"agent": agent_email, "other": b.owner_email, "owner": a.owner_email,
              "admin": admin_email}
    clients = {"anon": app.test_client()}
    for caller, email in emails.items():
        clients[caller] = _signed_in(app, email)
    tokens = {"anon": {}, "agent": bearer(factory.token(agent_email)),
              "other": bearer(factory.token(b.owner_email)), "owner": owner, "admin": admin}
    return World(ids, clients, tokens, emails)


def _signed_in(app, email: str):
    client = app.test_client()
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def _outcome(resp) -> str:
    status = resp.status_code
    location = resp.headers.get("Location", "")
    if status in (301, 302, 303) and "/login" in location:
        return "login"
    if status < 400 or status in (400, 402, 409, 422):
        return "ok"
    return str(status)


def _matches(want: str, got: str) -> bool:
    return got == want or (want == "noop" and got == "ok")


def _must_change_nothing(word: str) -> bool:
    return word not in ("ok", "out")


def _changed(before: dict, after: dict, overrides: dict[str, str]) -> bool:
    allowed = overrides.get("writes")
    return {k: v for k, v in before.items() if k != allowed} != {
        k: v for k, v in after.items() if k != allowed}


def _path(rule, ids: dict, overrides: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return str(ids[overrides.get(name, name)])

    return re.sub(r"<([^>]+)>", value, rule.rule)


def _declared(entry) -> tuple[str, dict[str, str]]:
    return (entry, {}) if isinstance(entry, str) else entry


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _key(method: str, rule) -> str:
    return f"{method} {rule.rule}"


def _profile_hint(rule) -> str:
    if rule.rule.startswith("/api/"):
        return "API_TENANT, API_TENANT_STAFF, API_ADMIN_ON_A, API_ADMIN, ..."
    if rule.rule.startswith("/admin"):
        return "ADMIN_PAGE"
    if rule.rule.startswith("/portal"):
        return "PORTAL_PAGE or PORTAL_OWNER"
    if rule.rule.startswith("/webhooks/"):
        return "WEBHOOK"
    return "PUBLIC, ..."


def _send(world: World, caller: str, method: str, path: str):
    client = world.clients[caller]
    headers = dict(world.tokens[caller]) if path.startswith("/api/") else {}
    kwargs: dict = {}
    if method != "GET":
        if path.startswith(("/api/", "/webhooks/cdr", "/webhooks/stripe")):
            kwargs["json"] = {}
        else:
            kwargs["data"] = {}
    return client.open(path, method=method, headers=headers, **kwargs)


def test_every_route_answers_each_caller_as_declared(app, world):
    rules = {(_key(m, rule)): rule for rule in app.url_map.iter_rules()
             for m in _methods(rule)}
    undeclared = [f'    "{key}": {_profile_hint(rules[key])},' for key in sorted(rules)
                  if key not in ROUTES]
    gone = sorted(set(ROUTES) - set(rules))
    observed, wrong, changed, missing = [], [], [], []
    for key in sorted(set(rules) & set(ROUTES)) if not os.environ.get("MATRIX_DISCOVER") \
            else sorted(rules):
        method, rule = key.split(" ", 1)[0], rules[key]
        expected, overrides = _declared(ROUTES.get(key, PUBLIC))
        words = expected.split()
        assert len(words) == len(CALLERS), f"{key}: {len(CALLERS)} outcomes, not {words}"
        path = _path(rule, world.ids, overrides)
        got = []
        for caller, want in zip(CALLERS, words, strict=True):
            before = _snapshot(app) if _must_change_nothing(want) else None
            resp = _send(world, caller, method, path)
            word = _outcome(resp)
            if rule.endpoint.startswith("webhooks.") and word == "403":
                word = "sig"
            if rule.endpoint == "auth.logout" and word == "login" and caller != "anon":
                word = "out"
            got.append(word)
            missing.extend(_header_problems(key, caller, rule, resp))
            if not _matches(want, word):
                wrong.append(f"{key} as {caller}: {word} ({resp.status_code}), "
                             f"declared {want}")
            if before is not None and _changed(before, _snapshot(app), overrides):
                changed.append(f"{key} as {caller}: a refused request changed rows")
            if rule.endpoint == "auth.logout" and caller != "anon":
                world.clients[caller] = _signed_in(app, world.emails[caller])
        observed.append(f'    "{key}": "{" ".join(got)}",')
    if os.environ.get("MATRIX_DISCOVER"):
        print("\n".join(observed))
    assert not undeclared, ("routes without a declared expectation; add to ROUTES in "
                            "tests/web/test_routes_matrix.py:\n" + "\n".join(undeclared))
    assert not gone, f"declared routes that no longer exist (remove them): {gone}"
    assert not wrong, "\n".join(wrong)
    assert not changed, "\n".join(changed)
    assert not missing, "\n".join(missing[:20])


def _header_problems(key: str, caller: str, rule, resp) -> list[str]:
    """Every answer carries the protective headers and its request id; a signed-in
    caller's answers are never stored by a cache."""
    found = [f"{key} as {caller}: {name} is {resp.headers.get(name)!r}"
             for name, value in PROTECTIVE.items() if resp.headers.get(name) != value]
    policy = resp.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in policy or "'unsafe-inline'" in policy.split(
            "script-src", 1)[-1].split(";")[0]:
        found.append(f"{key} as {caller}: Content-Security-Policy {policy!r}")
    if not resp.headers.get("X-Request-Id"):
        found.append(f"{key} as {caller}: no X-Request-Id")
    signed_in = caller != "anon" and rule.endpoint != "auth.logout"
    if signed_in and "no-store" not in resp.headers.get("Cache-Control", ""):
        found.append(f"{key} as {caller}: Cache-Control {resp.headers.get('Cache-Control')!r}")
    return found


def test_every_route_refuses_an_oversized_body_before_reading_it(app, world):
    """413 on every route and method that takes a body, for anonymous callers and
    admins alike, and nothing changed."""
    big = b"{" + b" " * LIMIT + b"}"
    before, wrong = _snapshot(app), []
    for rule in app.url_map.iter_rules():
        overrides = _declared(ROUTES.get(f"GET {rule.rule}", PUBLIC))[1]
        for method in set(_methods(rule)) - {"GET"}:
            path = _path(rule, world.ids, _declared(ROUTES.get(_key(method, rule),
                                                                PUBLIC))[1] or overrides)
            for caller in ("anon", "admin"):
                headers = dict(world.tokens[caller]) if path.startswith("/api/") else {}
                resp = world.clients[caller].open(path, method=method, data=big,
                                                  content_type="application/json",
                                                  headers=headers)
                if resp.status_code != 413:
                    wrong.append(f"{method} {rule.rule} as {caller}: {resp.status_code}")
    assert wrong == []
    assert _snapshot(app) == before
