"""Operations endpoints: `/healthz` (the process runs), `/readyz` (database reachable,
migrations at head; the job backlog reported), `/metrics` (Prometheus, behind
METRICS_TOKEN), and the request timing behind the latency histogram."""

from __future__ import annotations

import hmac
import time

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import DBAPIError

from callcenter import metrics
from callcenter.services import health
from callcenter.web.common.context import now, rollback, session

bp = Blueprint("ops", __name__)


def _heads() -> tuple[str, ...]:
    found = current_app.extensions.get("alembic_heads")
    if found is None:
        directory = current_app.extensions["migrate"].directory
        found = current_app.extensions["alembic_heads"] = tuple(
            ScriptDirectory(directory).get_heads())
    return found


@bp.get("/healthz")
def healthz():
    """200 while the process runs; it touches nothing else."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 when the database answers and its schema is at the migrations' head, else 503.

    The background backlog is reported, and a job due for more than 15 minutes marks the
    answer `degraded`, but does not make it 503: every app server shares the backlog, so
    failing readiness for it would take them all out of the load balancer at once.
    """
    body: dict = {"checks": {}}
    heads = _heads()
    try:
        current = health.revision(session())
        at_head = current in heads
        state = health.backlog(session(), now=now()) if at_head else None
    except DBAPIError as exc:
        rollback()
        body["checks"]["database"] = {"ok": False, "error": type(exc.orig).__name__}
        body["status"] = "unavailable"
        return jsonify(body), 503
    rollback()  # read only
    body["checks"] = {"database": {"ok": True},
                      "migrations": {"ok": at_head, "current": current, "head": list(heads)}}
    if not at_head:
        body["status"] = "unavailable"
        return jsonify(body), 503
    stuck = health.jobs_stuck(state)
    body["checks"]["jobs"] = {"ok": not stuck, **state}
    body["status"] = "degraded" if stuck else "ready"
    return jsonify(body), 200


_GAUGES = {
    "callcenter_jobs": (["status"], "Background jobs by status"),
    "callcenter_jobs_due": ([], "Pending jobs whose time has come"),
    "callcenter_jobs_oldest_due_seconds": ([], "How late the oldest due job is"),
    "callcenter_outbound_webhook_deliveries_pending": ([], "Events waiting for a 2xx"),
    "callcenter_database_up": ([], "1 if the database answered this scrape"),
}


def _backlog() -> dict[str, dict[tuple[str, ...], float]]:
    try:
        state = health.backlog(session(), now=now())
    except DBAPIError:
        rollback()
        return {"callcenter_database_up": {(): 0}}
    rollback()
    return {"callcenter_jobs": {("pending",): state["pending"], ("dead",): state["dead"]},
            "callcenter_jobs_due": {(): state["due"]},
            "callcenter_jobs_oldest_due_seconds": {(): state["oldest_due_seconds"]},
            "callcenter_outbound_webhook_deliveries_pending": {
                (): state["webhook_deliveries_pending"]},
            "callcenter_database_up": {(): 1}}


@bp.get("/metrics")
def metrics_view():
    """Prometheus text format, for `Authorization: Bearer <METRICS_TOKEN>`; 404 unset."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.encode()):
        return Response("metrics need the bearer token\n", status=401,
                        headers={"WWW-Authenticate": "Bearer"})
    values = _backlog()
    body = metrics.exposition(values, {k: v[0] for k, v in _GAUGES.items()},
                              {k: v[1] for k, v in _GAUGES.items()})
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is not None:
        req = request._get_current_object()  # once: every request runs this (hot path)
        rule = req.url_rule
        metrics.REQUEST_SECONDS.labels(req.method, rule.rule if rule else "unmatched",
                                       str(response.status_code)
                                       ).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """The endpoints and the latency histogram of every request."""
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_observe)
