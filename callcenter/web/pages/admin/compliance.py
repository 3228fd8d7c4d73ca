"""Admin compliance pages: the script review queue, the platform do-not-call list, the
lexicon with its concepts and rules."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from callcenter.domain.errors import InvalidInput
from callcenter.domain.screening import Screener
from callcenter.domain.untrusted import MAX_ID, ascii_digits
from callcenter.services import dnc, screening, scripts
from callcenter.web.common.context import actor, admin_required, form_action, now, session
from callcenter.web.common.i18n import _
from callcenter.web.common.labels import label
from callcenter.web.common.params import page_number
from callcenter.web.pages.admin import bp
from callcenter.web.pages.shared import change_dnc

LIST_PAGE = 100

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
        flash(_("Script %(id)s %(status)s.", id=script_id, status=label(script.status)),
              "success")
    return redirect(url_for("admin.review_queue"))


@bp.route("/dnc", methods=["GET", "POST"])
@admin_required
def platform_dnc():
    """The platform-wide do-not-call list: every tenant's calls to these are refused."""
    if request.method == "POST":
        ok, message = form_action(lambda: change_dnc(None))
        if ok:
            flash(message, "success")
        return redirect(url_for("admin.platform_dnc"))
    q = request.args.get("q", "").strip() or None
    page = page_number()
    rows = dnc.search(session(), None, q=q, offset=(page - 1) * LIST_PAGE,
                      limit=LIST_PAGE + 1)
    return render_template("admin/platform_dnc.html", q=q or "", rows=rows[:LIST_PAGE],
                           page=page, more=len(rows) > LIST_PAGE)


@bp.route("/lexicon", methods=["GET", "POST"])
@admin_required
def lexicon():
    """Add or remove prohibited terms, concepts and rules on top of the shipped data."""
    if request.method == "POST":
        ok, _result = form_action(_lexicon_change(request.form))
        if ok:
            flash(_("Screening updated; new scripts are checked against it."), "success")
        return redirect(url_for("admin.lexicon"))
    current = screening.screener(session())
    return render_template("admin/lexicon.html", categories=current.categories(),
                           terms=scripts.lexicon_terms(session()),
                           entries=screening.entries(session()),
                           concepts=sorted(current.concepts()), rules=current.rules(),
                           model=current.model)


def _lexicon_change(form):
    """The service call a lexicon-page form asks for."""
    action, raw_id = form.get("action"), form.get("id", "")
    if action in ("remove", "remove_entry") and not (ascii_digits(raw_id)
                                                    and int(raw_id) <= MAX_ID):
        raise InvalidInput("no such entry")
    if action == "remove":
        return lambda: scripts.remove_term(session(), actor(), int(raw_id), now=now())
    if action == "remove_entry":
        return lambda: screening.remove_entry(session(), actor(), int(raw_id), now=now())
    if action == "add_concept":
        return lambda: screening.add_concept(session(), actor(), form.get("name"),
                                             form.get("phrases", ""), form.get("description"),
                                             now=now())
    if action == "add_rule":
        fields = ("id", "category", "severity", "all", "window", "unless", "explanation")
        data = {key: form.get(key) for key in fields} | {"ordered": bool(form.get("ordered"))}
        return lambda: screening.add_rule(session(), actor(), data, now=now())
    return lambda: scripts.add_term(session(), actor(), form.get("term"), form.get("category"),
                                    now=now())
