"""Passwords: change your own (other sessions end), reset by mail (single use, expiring,
no account discovery, rate-limited) through the outbox and a local SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, Job, PasswordReset
from callcenter.services import mail
from tests.factories import PASSWORD, bearer

BASE = "https://cc.example.com"


@pytest.fixture
def app_config(smtp):
    return {**smtp.settings, "PUBLIC_BASE_URL": BASE}


def _login(app, email, password=PASSWORD):
    c = app.test_client()
    assert c.post("/login", data={"email": email, "password": password}).status_code == 302
    return c


def _signs_in(app, email, password) -> bool:
    return app.test_client().post("/login", data={"email": email,
                                                  "password": password}).status_code == 302


def test_changing_your_password_ends_your_other_sessions(factory, app, client):
    t = factory.tenant()
    here, elsewhere = _login(app, t.owner_email), _login(app, t.owner_email)
    token = bearer(factory.token(t.owner_email))
    wrong = here.post("/account/password", data={
        "current_password": "not-it", "new_password": "brand-new-pass",
        "new_password_again": "brand-new-pass"})
    assert wrong.status_code == 400 and 'id="current_password-error"' in \
        wrong.get_data(as_text=True)
    short = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "new_password_again": "short"})
    assert short.status_code == 400 and 'id="new_password-error"' in short.get_data(as_text=True)
    assert elsewhere.get("/portal/").status_code == 200  # nothing happened yet
    ok = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "brand-new-pass",
        "new_password_again": "brand-new-pass"})
    assert ok.status_code == 302
    assert here.get("/portal/").status_code == 200  # this session goes on
    assert elsewhere.get("/portal/").status_code == 302  # the other one is over
    assert not _signs_in(app, t.owner_email, PASSWORD)
    assert _signs_in(app, t.owner_email, "brand-new-pass")
    # The API: current password required; tokens stay (revoked on their own).
    resp = client.post("/api/v1/auth/password", headers=token,
                       json={"current_password": "brand-new-pass", "new_password": "third-pass-1"})
    assert resp.status_code == 204
    assert _signs_in(app, t.owner_email, "third-pass-1")
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "users.change_password")).all()
        assert len(rows) == 2 and all("password" not in str(r.details).replace(
            "change_password", "") for r in rows)


def _ask(client, email, ip="10.0.0.1"):
    return client.post("/password/forgot", data={"email": email},
                       environ_overrides={"REMOTE_ADDR": ip})


def _page(response) -> str:
    """The page without its CSRF tokens: signed with the second they were made in, two
    answers a second apart differ there whatever the email was."""
    return re.sub(r'(name="csrf[_-]token" (?:content|value)=)"[^"]*"', r'\1"..."',
                  response.get_data(as_text=True))


def _link(smtp, email) -> str:
    [msg] = smtp.to(email)
    return re.search(re.escape(BASE) + r"(/password/reset/[\w-]+)", smtp.body(msg)).group(1)


def test_reset_link_by_mail_is_single_use_and_ends_every_session(factory, app, client, smtp,
                                                                 run_jobs):
    t = factory.tenant()
    session_before = _login(app, t.owner_email)
    token = bearer(factory.token(t.owner_email))
    assert "Forgot your password?" in client.get("/login").get_data(as_text=True)
    resp = _ask(client, t.owner_email.upper())
    assert resp.status_code == 200
    run_jobs()
    run_jobs()  # the reset job queues the mail; the mail job sends it
    path = _link(smtp, t.owner_email)
    with app.app_context():
        # Only the hash is stored; the sent mail's text no longer sits in the outbox.
        [row] = db.session.scalars(sa.select(PasswordReset)).all()
        assert path.rsplit("/", 1)[1] not in (row.token_hash,)
        assert len(row.token_hash) == 64
        mails = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).all()
        assert [m.payload["body"] for m in mails] == [mail.SENT_SENSITIVE]
    opened = client.get(path)  # the token moves into the session: no URL carries it on
    assert opened.status_code == 302 and opened.headers["Location"] == "/password/reset"
    assert client.get("/password/reset").status_code == 200
    differ = client.post("/password/reset", data={"password": "new-pass-123",
                                                  "password_again": "other"})
    assert differ.status_code == 400
    done = client.post("/password/reset", data={"password": "new-pass-123",
                                                "password_again": "new-pass-123"})
    assert done.status_code == 302
    assert session_before.get("/portal/").status_code == 302
    assert client.get(f"/api/v1/tenants/{t.id}", headers=token).status_code == 401
    assert _signs_in(app, t.owner_email, "new-pass-123")
    # Used: the link opens nothing, and a replay of the form (token kept) sets nothing.
    assert app.test_client().get(path).status_code == 404
    replay = app.test_client()
    with replay.session_transaction() as cookie:
        cookie["reset_token"] = path.rsplit("/", 1)[1]
    again = replay.post("/password/reset", data={"password": "evil-pass-123",
                                                 "password_again": "evil-pass-123"})
    assert again.status_code == 400
    assert not _signs_in(app, t.owner_email, "evil-pass-123")


def test_reset_link_expires_after_an_hour(factory, app, client, smtp, run_jobs, clock):
    t = factory.tenant()
    _ask(client, t.owner_email)
    run_jobs()
    run_jobs()
    path = _link(smtp, t.owner_email)
    clock.advance(minutes=59)
    assert client.get(path).status_code == 302
    assert client.get("/password/reset").status_code == 200
    clock.advance(minutes=1)
    assert client.get(path).status_code == 404
    assert client.get("/password/reset").status_code == 404
    late = client.post("/password/reset", data={"password": "new-pass-123",
                                                "password_again": "new-pass-123"})
    assert late.status_code == 400
    assert _signs_in(app, t.owner_email, PASSWORD)
    # The billing job forgets expired links a day later.
    from callcenter.services import password_reset

    clock.advance(days=1)
    with app.app_context():
        assert password_reset.prune(db.session, before=clock() - timedelta(hours=23)) == 1
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(PasswordReset.id))) == 0


def test_unknown_email_gets_the_same_answer_and_no_mail(factory, app, client, smtp, run_jobs):
    t = factory.tenant()
    known = _ask(client, t.owner_email, ip="10.0.0.2")
    unknown = _ask(client, "nobody@nowhere.test", ip="10.0.0.3")
    assert (known.status_code, _page(known)) == (unknown.status_code, _page(unknown))
    run_jobs()
    run_jobs()
    assert [m["X-Envelope-To"] for m in smtp.messages] == [t.owner_email]
    assert _ask(client, "not an email").status_code == 400


def test_reset_requests_are_rate_limited(factory, app, client, smtp, run_jobs):
    t = factory.tenant()
    answers = [_ask(client, t.owner_email, ip="10.0.0.9").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    assert _ask(client, t.owner_email, ip="10.0.0.10").status_code == 200  # another client
    run_jobs()
    run_jobs()
    assert len(smtp.to(t.owner_email)) == 3  # at most three links per account and hour
