"""Prometheus metrics: what the app counts, correct under several gunicorn workers.

With `PROMETHEUS_MULTIPROC_DIR` set (before the app starts; an empty directory per
start), prometheus_client keeps each worker's values in files there and a scrape adds
them up, so `/metrics` answers for the whole server whichever worker takes the scrape.
Unset, the values are this process's. Gauges of database state (job backlog, outbound
deliveries waiting) are read from the database at scrape time instead, so they are the
same whichever worker answers. No Flask here: services and the worker count too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import sqlalchemy as sa
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY
from sqlalchemy.orm import Session

from callcenter.models import LedgerEntry

REQUEST_SECONDS = Histogram(
    "callcenter_http_request_duration_seconds", "Request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
INBOUND_WEBHOOKS = Counter(
    "callcenter_inbound_webhooks_total", "Provider webhooks by what applying them did",
    ["provider", "outcome"])
AUTHORIZATIONS = Counter(
    "callcenter_call_authorizations_total", "Call authorizations by result",
    ["provider", "result"])
REFUSALS = Counter(
    "callcenter_call_refusals_total", "Reasons of refused calls (a call may have several)",
    ["reason"])
OUTBOUND_DELIVERIES = Counter(
    "callcenter_outbound_webhook_attempts_total",
    "Attempts to deliver events to tenants' endpoints by outcome", ["outcome"])
LEDGER_POSTINGS = Counter(
    "callcenter_ledger_postings_total", "Committed ledger entries by kind", ["kind"])
GROUP_COMMITS = Counter(
    "callcenter_group_commit_batches_total",
    "Group-commit transactions by result (committed, or fell back to each piece alone)",
    ["result"])
GROUP_COMMIT_PIECES = Counter(
    "callcenter_group_commit_pieces_total", "Pieces of work committed in group commits")


def authorization(provider: str, allowed: bool, reasons: Iterable[str]) -> None:
    """Count one authorization and the reasons it was refused for."""
    AUTHORIZATIONS.labels(provider, "allowed" if allowed else "refused").inc()
    for reason in reasons:
        REFUSALS.labels(reason).inc()


# Ledger entries are counted when their transaction commits, not when they are flushed:
# a rolled-back posting (insufficient funds, a concurrent duplicate) never happened.
def _after_flush(session: Session, _context) -> None:
    kinds = [obj.kind for obj in session.new if isinstance(obj, LedgerEntry)]
    if kinds:
        session.info.setdefault("ledger_kinds", []).extend(kinds)


def ledger_posted(session: Session, kind: str) -> None:
    """Count an entry written by a Core statement (the call hot path) at its commit."""
    session.info.setdefault("ledger_kinds", []).append(kind)


def _after_commit(session: Session) -> None:
    for kind in session.info.pop("ledger_kinds", ()):
        LEDGER_POSTINGS.labels(kind).inc()


def _after_rollback(session: Session) -> None:
    session.info.pop("ledger_kinds", None)


sa.event.listen(Session, "after_flush", _after_flush)
sa.event.listen(Session, "after_commit", _after_commit)
sa.event.listen(Session, "after_rollback", _after_rollback)


class _Backlog:
    """Database-derived gauges, read at scrape time."""

    def __init__(self, values: dict[str, dict[tuple[str, ...], float]],
                 labels: dict[str, list[str]], help_texts: dict[str, str]) -> None:
        self.values, self.labels, self.help_texts = values, labels, help_texts

    def collect(self):
        for name, series in self.values.items():
            family = GaugeMetricFamily(name, self.help_texts[name], labels=self.labels[name])
            for label_values, value in series.items():
                family.add_metric(list(label_values), value)
            yield family


def exposition(backlog: dict[str, dict[tuple[str, ...], float]],
               labels: dict[str, list[str]], help_texts: dict[str, str]) -> bytes:
    """The Prometheus text of every worker's counters plus the database gauges."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        registry = REGISTRY
    gauges = CollectorRegistry()
    gauges.register(_Backlog(backlog, labels, help_texts))
    return generate_latest(registry) + generate_latest(gauges)
