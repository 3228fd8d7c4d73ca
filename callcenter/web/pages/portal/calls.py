"""The tenant's call log (agents: their own seats' calls only)."""

from __future__ import annotations

from flask_login import login_required

from callcenter.web.common.context import own_tenant
from callcenter.web.pages.portal import bp
from callcenter.web.pages.shared import call_log_page


@bp.get("/calls")
@login_required
def calls():
    """The tenant's calls with charges and refusal reasons."""
    return call_log_page(own_tenant(), "portal/calls.html")
