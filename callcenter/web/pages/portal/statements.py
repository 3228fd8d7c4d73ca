"""The owner's monthly statements: the list of months, one month as a page, CSV or PDF."""

from __future__ import annotations

from flask_login import login_required

from callcenter.web.common.context import own_tenant
from callcenter.web.pages.portal import bp
from callcenter.web.pages.shared import statement_list_page, statement_page


@bp.get("/statements")
@login_required
def statements():
    """Every month since the account opened, with links to each statement."""
    return statement_list_page(own_tenant(roles=("owner",)), "portal/statements.html",
                               "portal.statement")


@bp.get("/statements/<period>")
@login_required
def statement(period: str):
    """One month: summary, calls, entries; `?format=csv` or `pdf` downloads it."""
    return statement_page(own_tenant(roles=("owner",)), period, "portal/statement.html")
