"""What the platform tells tenants: maintenance notices and low-balance alerts."""

from __future__ import annotations

from flask import current_app, jsonify

from callcenter.services import alerts, notices
from callcenter.services.access import require_admin, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import NEW_NOTICE
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session, uow
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.params import cursor_page, next_cursor, page_args


@bp.post("/notices")
@accepts(NEW_NOTICE)
def create_notice():
    """Schedule maintenance.
    ---
    post:
      summary: Publish a maintenance notice and mail the affected owners (admin)
      description: >
        Shown on the affected tenants' dashboards from now until it ends, and mailed to
        their owners. Starting sooner than MIN_NOTICE_HOURS needs override_short_notice,
        which is audited.
      responses:
        201: {description: the notice}
        409: {description: "short_notice: starts too soon without the override"}
    """
    who = actor()
    require_admin(who)  # before the body: other roles learn nothing of its fields
    draft = read(NEW_NOTICE)
    notice = notices.schedule(uow(), who, draft, now=now(),
                              min_notice_hours=current_app.config["MIN_NOTICE_HOURS"])
    named = notices.tenant_ids(session(), [notice.id])[notice.id]
    commit()
    return jsonify(serialize.notice(notice, admin=True, tenant_ids=named)), 201


@bp.get("/notices")
def list_notices():
    """Maintenance notices.
    ---
    get:
      summary: "Admins: every notice, newest first; tenant users: their current ones"
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor}"}
    """
    who = actor()
    before, limit = page_args()
    rows = notices.visible(session(), who, now=now(), before_id=before, limit=limit + 1)
    if not who.is_admin:
        return jsonify({"items": [serialize.notice(n) for n in rows], "next_cursor": None})
    named = notices.tenant_ids(session(), [n.id for n in rows[:limit]])
    return jsonify({"items": [serialize.notice(n, admin=True, tenant_ids=named[n.id])
                              for n in rows[:limit]],
                    "next_cursor": next_cursor(rows, limit)})


@bp.get("/tenants/<int:tenant_id>/alerts")
def list_alerts(tenant_id: int):
    """Alerts raised for the tenant.
    ---
    get:
      summary: Low-balance alerts, newest first, with when and how each was sent
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor}"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    return jsonify(cursor_page(
        lambda before, limit: alerts.for_tenant(session(), who, tenant.id, before_id=before,
                                                limit=limit),
        lambda row: serialize.alert(row[0], row[1], tenant.currency)))
