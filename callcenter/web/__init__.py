"""Flask adapters, by audience: `api/` (JSON), `webhooks/` (providers), `pages/admin/`
and `pages/portal/` (people), and `common/` (what they share). Each parses the request,
calls one use case, commits through the unit of work and renders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the shared helpers, then each audience's blueprints."""
    from callcenter.web import api, ops, pages, webhooks
    from callcenter.web.common import (
        errors,
        filters,
        i18n,
        js_messages,
        labels,
        overhead,
        providers,
        request_log,
        security,
        untrusted,
    )

    request_log.init_app(app)  # first: every later hook's log lines carry the request id
    security.trust_proxies(app)
    overhead.init_app(app)
    ops.init_app(app)
    i18n.init_app(app)
    filters.init_app(app)
    labels.init_app(app)
    js_messages.init_app(app)
    security.init_app(app)
    untrusted.init_app(app)  # before any blueprint: its id converter
    errors.init_app(app)
    providers.init_app(app)
    pages.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
