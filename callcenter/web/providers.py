"""Provider clients built from the app's configuration (tests replace them)."""

from __future__ import annotations

from flask import current_app

from callcenter.integrations.twilio_voice import TwilioCalls


def twilio_lookup() -> TwilioCalls | None:
    """A Twilio REST client when credentials are configured, else None."""
    factory = current_app.config.get("TWILIO_LOOKUP_FACTORY")
    if factory is not None:
        return factory()
    sid = current_app.config.get("TWILIO_ACCOUNT_SID")
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    return TwilioCalls(sid, token) if sid and token else None
