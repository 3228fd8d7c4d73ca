"""File responses: streamed CSV, the tenant's export zip, the settlement PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response, send_file, stream_with_context

from callcenter.domain.untrusted import spreadsheet_safe
from callcenter.extensions import db
from callcenter.services import export
from callcenter.web.common.context import acting_tenant, actor, commit, now


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> Response:
    """Stream rows as CSV without holding them all in memory; no cell runs as a formula."""
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([spreadsheet_safe(cell) for cell in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def export_response(tenant_id: int):
    """Build the tenant's zip for an admin or its owner (audited) and send it."""
    who = actor()
    tenant = acting_tenant(tenant_id, roles=("admin", "owner"))
    moment = now()
    archive = export.build(db.session, who, tenant, now=moment)
    commit()
    name = f"{tenant.account_code or tenant.id}-export-{moment:%Y%m%d%H%M%S}.zip"
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=name)
