"""Admin compliance pages: the script review queue, the platform do-not-call list, the
lexicon."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from callcenter.domain.screening import Screener
from callcenter.services import dnc, scripts
from callcenter.web.common.context import actor, admin_required, form_action, now, session
from callcenter.web.pages.admin import bp
from callcenter.web.pages.shared import change_dnc


@bp.get("/scripts")
@admin_required
def review_queue():
    """Scripts waiting for review, with every hit highlighted in its text."""
    return render_template("admin/review.html", rows=scripts.review_queue(session()),
                           categories={c.key: c for c in Screener.default().categories()})


@bp.post("/scripts/<int:script_id>/review")
@admin_required
def review_script(script_id: int):
    """Approve or reject with a note."""
    ok, script = form_action(lambda: scripts.review(
        session(), actor(), script_id, request.form.get("decision"),
        request.form.get("note") or None, now=now()))
    if ok:
        flash(f"Script {script_id} {script.status}.", "success")
    return redirect(url_for("admin.review_queue"))


@bp.route("/dnc", methods=["GET", "POST"])
@admin_required
def platform_dnc():
    """The platform-wide do-not-call list: every tenant's calls to these are refused."""
    if request.method == "POST":
        ok, message = form_action(lambda: change_dnc(None))
        if ok:
            flash(message.replace("the do-not-call", "the platform do-not-call"), "success")
        return redirect(url_for("admin.platform_dnc"))
    q = request.args.get("q", "").strip() or None
    return render_template("admin/platform_dnc.html", q=q or "",
                           rows=dnc.search(session(), None, q=q, limit=500))


@bp.route("/lexicon", methods=["GET", "POST"])
@admin_required
def lexicon():
    """Add or remove prohibited terms on top of the shipped lexicon."""
    if request.method == "POST":
        raw_id = request.form.get("id", "")
        ok, _ = form_action(
            (lambda: scripts.remove_term(session(), actor(), int(raw_id), now=now()))
            if request.form.get("action") == "remove" and raw_id.isdigit() else
            (lambda: scripts.add_term(session(), actor(), request.form.get("term"),
                                      request.form.get("category"), now=now())))
        if ok:
            flash("Lexicon updated; new scripts are checked against it.", "success")
        return redirect(url_for("admin.lexicon"))
    return render_template("admin/lexicon.html", categories=Screener.default().categories(),
                           terms=scripts.lexicon_terms(session()))
