"""Server-rendered pages: sign-in, account (passwords), the operators' `admin/` and the
tenants' `portal/`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the page blueprints."""
    from callcenter.web.pages import account, admin, auth, portal

    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(portal.bp)
