"""Flask adapters: parse the request, call a service, commit once, render."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register blueprints, the login loader and the error handlers."""
    from callcenter.domain.money import format_amount
    from callcenter.web import admin, api, auth, calls_pages, errors, portal, security, webhooks

    app.jinja_env.filters["money"] = format_amount

    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(calls_pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
