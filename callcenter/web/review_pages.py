"""Admin pages for compliance: script review queue, platform do-not-call list, lexicon."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from callcenter.domain.screening import Screener
from callcenter.extensions import db
from callcenter.services import dnc, scripts
from callcenter.web.admin import admin_required
from callcenter.web.compliance_pages import change_dnc
from callcenter.web.context import actor, form_action, now

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
    ok, script = form_action(lambda: scripts.review(
        db.session, actor(), script_id, request.form.get("decision"),
        request.form.get("note") or None, now=now()))
    if ok:
        flash(f"Script {script_id} {script.status}.", "success")
    return redirect(url_for("review_pages.queue"))


@bp.route("/dnc", methods=["GET", "POST"])
@admin_required
def platform_dnc():
    """The platform-wide do-not-call list: every tenant's calls to these are refused."""
    if request.method == "POST":
        ok, message = form_action(lambda: change_dnc(None, actor().user_id))
        if ok:
            flash(message.replace("the do-not-call", "the platform do-not-call"), "success")
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
        raw_id = request.form.get("id", "")
        ok, _ = form_action(
            (lambda: scripts.remove_term(db.session, actor(), int(raw_id), now=now()))
            if request.form.get("action") == "remove" and raw_id.isdigit() else
            (lambda: scripts.add_term(db.session, actor(), request.form.get("term"),
                                      request.form.get("category"), now=now())))
        if ok:
            flash("Lexicon updated; new scripts are checked against it.", "success")
        return redirect(url_for("review_pages.lexicon"))
    categories = Screener.default().categories()
    terms = db.session.query(LexiconTerm).order_by(LexiconTerm.category, LexiconTerm.term).all()
    return render_template("compliance/lexicon.html", categories=categories, terms=terms)
