"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from callcenter.domain.errors import InvalidInput, RateLimited
from callcenter.services import auth as auth_service
from callcenter.web.common.context import (
    client_ip,
    commit,
    now,
    rollback,
    session,
    throttle_policy,
)
from callcenter.web.common.i18n import LOCALES, _, remember
from callcenter.web.common.security import SessionUser

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    """Admins land on the tenant list, tenant users on their dashboard."""
    return url_for("admin.tenants") if user.role == "admin" else url_for("portal.dashboard")


def _safe_next(target: str | None) -> str | None:
    # Only same-site relative paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the form; sign in on POST."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    status = 200
    if request.method == "POST":
        try:
            user = auth_service.authenticate(
                session(), request.form.get("email", ""), request.form.get("password", ""),
                ip=client_ip(), now=now(), policy=throttle_policy())
        except RateLimited as exc:
            rollback()
            wait = exc.details["retry_after"]
            flash(_("Too many failed sign-ins: try again in %(wait)s seconds.", wait=wait),
                  "error")
            return render_template("auth/login.html"), 429, {"Retry-After": str(wait)}
        commit()
        if user is not None:
            login_user(SessionUser(user))
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        flash(_("Wrong email or password."), "error")
        status = 401
    return render_template("auth/login.html"), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST, so a link on another site cannot do it), everywhere: a copy of the
    cookie saved before no longer opens a session."""
    auth_service.end_sessions(session(), current_user.id)
    commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/")
def index():
    """Send visitors where they belong."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """The language switch of the top bar: saved on the signed-in user (pages and mail),
    and in a cookie for the browser; back to the page it was chosen on."""
    code = request.form.get("locale", "")
    back = _safe_next(request.form.get("next")) or url_for("auth.index")
    if current_user.is_authenticated:
        try:
            code = auth_service.set_locale(session(), current_user.id, code)
        except InvalidInput:
            rollback()
            return redirect(back)
        commit()
    elif code not in LOCALES:
        return redirect(back)
    return remember(redirect(back), code)
