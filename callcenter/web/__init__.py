"""Flask adapters: parse the request, call a service, commit once, render."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register blueprints, the login loader and the error handlers."""
    from callcenter.domain.money import format_amount
    from callcenter.web import (
        admin,
        api,
        auth,
        calls_pages,
        compliance_pages,
        errors,
        portal,
        review_pages,
        security,
        webhooks,
    )
    from callcenter.web.highlight import highlight

    app.jinja_env.filters["money"] = format_amount
    app.jinja_env.filters["highlight"] = highlight

    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(calls_pages.bp)
    app.register_blueprint(compliance_pages.bp)
    app.register_blueprint(review_pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    # Card payments, termination, export and erasure (issue 6).
    from callcenter.web import payments_pages, stripe_context, termination_pages, webhooks_stripe

    stripe_context.init_app(app)
    app.register_blueprint(payments_pages.bp)
    app.register_blueprint(termination_pages.bp)
    app.register_blueprint(webhooks_stripe.bp)
