"""A tenant's data as a zip of JSON and CSV files that another system can import.

Every table holding tenant data is exported (see `tenant_tables`), one `<table>.json`
(a list of objects) and one `<table>.csv` each, plus `manifest.json` describing them.
Secrets never leave: password and token hashes and webhook signing secrets are dropped,
API tokens are skipped.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InvalidState
from callcenter.domain.untrusted import spreadsheet_safe
from callcenter.models import Tenant
from callcenter.services import audit, erasure_request
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.tenant_tables import primary_key, tenant_filter, tenant_tables

FORMAT_VERSION = 1
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "secret"})  # webhook keys too
SKIPPED_TABLES = frozenset({"api_tokens", "password_resets"})  # credentials
BATCH = 1000


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(_value(value))


def _columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns if c.name not in SECRET_COLUMNS]


def _rows(session: Session, table: sa.Table, tenant_id: int):
    cols = _columns(table)
    stmt = (sa.select(*cols).where(tenant_filter(table, tenant_id))
            .order_by(*primary_key(table)).execution_options(yield_per=BATCH))
    for row in session.execute(stmt):
        yield dict(zip([c.name for c in cols], row, strict=True))


def _write_table(session: Session, archive: zipfile.ZipFile, table: sa.Table,
                 tenant_id: int) -> int:
    names = [c.name for c in _columns(table)]
    count = 0
    with archive.open(f"{table.name}.json", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8")
        out.write("[")
        for row in _rows(session, table, tenant_id):
            out.write(",\n" if count else "\n")
            out.write(json.dumps({k: _value(v) for k, v in row.items()}, ensure_ascii=False,
                                 sort_keys=True))
            count += 1
        out.write("\n]\n")
        out.flush()
        out.detach()
    with archive.open(f"{table.name}.csv", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow(names)
        for row in _rows(session, table, tenant_id):
            writer.writerow([spreadsheet_safe(_csv_value(row[n])) for n in names])
        out.flush()
        out.detach()
    return count


def build(session: Session, actor: Actor, tenant: Tenant, *, now: datetime) -> IO[bytes]:
    """Write the export to a temporary file and return it, rewound; the caller commits."""
    require_tenant_role(actor, tenant.id)
    if tenant.status == lifecycle.PURGED:
        raise InvalidState("this tenant's data was erased; there is nothing left to export")
    tables = [t for t in tenant_tables() if t.name not in SKIPPED_TABLES]
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    manifest: dict[str, Any] = {
        "format": "callcenter-tenant-export", "version": FORMAT_VERSION,
        "generated_at": now.isoformat(), "tenant_id": tenant.id,
        "account_code": tenant.account_code, "currency": tenant.currency,
        "status": tenant.status,
        "money": "integers in micro-units (1/1,000,000 of the currency unit) in every "
                 "column ending in _micros; times are ISO 8601 UTC",
        "tables": {},
    }
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            count = _write_table(session, archive, table, tenant.id)
            manifest["tables"][table.name] = {
                "rows": count, "files": [f"{table.name}.json", f"{table.name}.csv"],
                "columns": [c.name for c in _columns(table)],
                "primary_key": [c.name for c in primary_key(table)],
            }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    spool.seek(0)
    audit.record(session, actor, "tenant.export", tenant_id=tenant.id, now=now,
                 tables=len(tables))
    if actor.role == "owner":  # the owner had its chance to take the data
        erasure_request.record_export(session, tenant, now=now)
    return spool
