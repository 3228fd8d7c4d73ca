"""Account pages for everyone: change one's password, and reset it by mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_required, login_user

from callcenter.domain.errors import DomainError, RateLimited
from callcenter.models import User
from callcenter.services import accounts, password_reset
from callcenter.web.common.context import (
    actor,
    client_ip,
    commit,
    now,
    rollback,
    session,
    uow,
)
from callcenter.web.common.i18n import _
from callcenter.web.common.security import SessionUser

bp = Blueprint("account", __name__)


def _field_errors(exc: DomainError, default: str) -> dict:
    return {(exc.details or {}).get("field") or default: exc.message}


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session ends, this one stays."""
    errors: dict = {}
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("new_password_again", ""):
            errors = {"new_password_again": _("The two new passwords differ.")}
        else:
            try:
                accounts.change_own_password(session(), actor(),
                                             current=request.form.get("current_password", ""),
                                             new=new, now=now())
                commit()
            except DomainError as exc:
                rollback()
                errors = _field_errors(exc, "new_password")
            else:
                user = session().get(User, current_user.id)
                session().refresh(user)
                login_user(SessionUser(user))  # this session carries the new version
                flash(_("Your password was changed. Your other sessions were signed out."),
                      "success")
                return redirect(url_for("account.change_password"))
    return render_template("auth/password.html", errors=errors), 400 if errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer never says whether the address has an account."""
    errors: dict = {}
    if request.method == "POST":
        try:
            password_reset.request(uow(), request.form.get("email", ""), ip=client_ip(),
                                   now=now())
            commit()
        except RateLimited as exc:
            rollback()
            wait = exc.details["retry_after"]
            flash(_("Too many requests: try again in %(wait)s seconds.", wait=wait), "error")
            return render_template("auth/forgot.html", errors={}), 429, \
                {"Retry-After": str(wait)}
        except DomainError as exc:
            rollback()
            errors = _field_errors(exc, "email")
        else:
            return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", errors=errors), 400 if errors else 200


@bp.get("/password/reset/<token>")
def open_reset_link(token: str):
    """The mailed link: keep its token in the signed session cookie and move on to a URL
    without it, so it never leaks through the Referer header or the browser history."""
    if not password_reset.is_valid(session(), token, now=now()):
        return render_template("auth/reset.html", valid=False, errors={}), 404
    cookie["reset_token"] = token
    return redirect(url_for("account.reset_password"))


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    """Choose a new password through a mailed link; every session of the account ends."""
    token = cookie.get("reset_token") or ""
    errors: dict = {}
    if request.method == "POST":
        new = request.form.get("password", "")
        if new != request.form.get("password_again", ""):
            errors = {"password_again": _("The two passwords differ.")}
        else:
            try:
                password_reset.complete(session(), token, new, now=now())
                commit()
            except DomainError as exc:
                rollback()
                errors = _field_errors(exc, "password")
            else:
                cookie.pop("reset_token", None)
                flash(_("Your password was changed. Sign in with it."), "success")
                return redirect(url_for("auth.login"))
    valid = password_reset.is_valid(session(), token, now=now())
    status = 400 if errors else 200 if valid else 404
    return render_template("auth/reset.html", valid=valid, errors=errors), status
