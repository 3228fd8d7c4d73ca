"""Sign-in sessions (Flask-Login), CSRF exemptions and response headers."""

from __future__ import annotations

from flask import Flask

from callcenter.extensions import db, login_manager
from callcenter.models import User


class SessionUser:
    """The Flask-Login wrapper around a User row."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.email = user.email
        self.role = user.role
        self.tenant_id = user.tenant_id
        self.is_active = user.active
        self.is_authenticated = True
        self.is_anonymous = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return str(self.id)


def init_app(app: Flask) -> None:
    """Load users per request and set protective headers."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> SessionUser | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return SessionUser(user) if user is not None and user.active else None

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
