"""Admin pages for compliance: script review queue, platform do-not-call list, lexicon."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.screening import Screener
from callcenter.extensions import db
from callcenter.services import dnc, scripts
from callcenter.services import number_lists as lists
from callcenter.web.admin import admin_required
from callcenter.web.context import actor, commit, now

bp = Blueprint("review_pages", __name__, url_prefix="/admin")


@bp.get("/scripts")
@admin_required
def queue():
    """Scripts waiting for review, with every hit highlighted in its text."""
    return render_template("compliance/review.html", rows=scripts.review_queue(db.session),
                           categories={c.key: c for c in Screener.default().categories()})


@bp.post("/scripts/<int:script_id>/review")
@admin_required
def review(script_id: int):
    """Approve or reject with a note."""
    try:
        scripts.review(db.session, actor(), script_id, request.form.get("decision"),
                       request.form.get("note") or None, now=now())
        commit()
        done = {"approve": "approved", "reject": "rejected"}[request.form["decision"]]
        flash(f"Script {script_id} {done}.", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("review_pages.queue"))


@bp.route("/dnc", methods=["GET", "POST"])
@admin_required
def platform_dnc():
    """The platform-wide do-not-call list: every tenant's calls to these are refused."""
    if request.method == "POST":
        number = request.form.get("number", "")
        try:
            if request.form.get("action") == "remove":
                dnc.remove(db.session, None, number)
            else:
                row = dnc.add(db.session, None, lists.rows_from_numbers([number]),
                              reason=request.form.get("reason") or None,
                              actor_id=actor().user_id, now=now())[0]
                if row.status != "valid":
                    raise InvalidInput(f"Not added: {row.reason}.")
            commit()
            flash("Platform do-not-call list updated.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for("review_pages.platform_dnc"))
    q = request.args.get("q", "").strip() or None
    return render_template("compliance/platform_dnc.html", q=q or "",
                           rows=dnc.search(db.session, None, q=q, limit=500))


@bp.route("/lexicon", methods=["GET", "POST"])
@admin_required
def lexicon():
    """Add or remove prohibited terms on top of the shipped lexicon."""
    from callcenter.models import LexiconTerm

    if request.method == "POST":
        try:
            if request.form.get("action") == "remove":
                scripts.remove_term(db.session, actor(), int(request.form.get("id", 0)),
                                    now=now())
            else:
                scripts.add_term(db.session, actor(), request.form.get("term"),
                                 request.form.get("category"), now=now())
            commit()
            flash("Lexicon updated; new scripts are checked against it.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for("review_pages.lexicon"))
    categories = Screener.default().categories()
    terms = db.session.query(LexiconTerm).order_by(LexiconTerm.category, LexiconTerm.term).all()
    return render_template("compliance/lexicon.html", categories=categories, terms=terms)
