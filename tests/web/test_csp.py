"""Content-Security-Policy: scripts only from files (ours and Stripe.js), on every page;
no template carries an inline script or an inline event handler."""

from __future__ import annotations

import re

from tests.factories import PASSWORD


def _script_src(header: str) -> str:
    return next(d for d in header.split("; ") if d.startswith("script-src"))


def test_pages_carry_a_csp_without_inline_scripts(client, factory):
    tenant = factory.tenant()
    for path in ("/login", "/api/v1/openapi.json"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in _script_src(policy)
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
    for path in ("/portal/", "/portal/payments", "/portal/consents", "/portal/scripts"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "'unsafe-inline'" not in _script_src(resp.headers["Content-Security-Policy"])


def test_templates_have_no_inline_scripts_or_handlers(project_root):
    offenders = []
    for template in (project_root / "templates").rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(f"{template.name}: inline handler")
    assert offenders == []
