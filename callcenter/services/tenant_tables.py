"""Which tables hold a tenant's data, found from the schema rather than listed by hand.

A table belongs to tenants if it has a `tenant_id` column, or a foreign key to a table
that does (API tokens of a user). Export and erasure walk these, so a table added by a
later feature is exported at once, and erasure refuses to run until that feature
declares what erasing does to it.
"""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.models import Base


def _scope(table: sa.Table, tenant_id: int, seen: frozenset[str]) -> sa.ColumnElement | None:
    if table.name == "tenants":
        return table.c.id == tenant_id
    if "tenant_id" in table.c:
        return table.c.tenant_id == tenant_id
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent.name in seen or parent is table or parent.name == "tenants":
            continue
        parent_scope = _scope(parent, tenant_id, seen | {table.name})
        if parent_scope is not None:
            return fk.parent.in_(sa.select(fk.column).where(parent_scope))
    return None


def tenant_filter(table: sa.Table, tenant_id: int) -> sa.ColumnElement | None:
    """A WHERE clause selecting the tenant's rows of `table`; None if it holds none."""
    return _scope(table, tenant_id, frozenset())


def tenant_tables() -> list[sa.Table]:
    """Every table holding tenant data, parents before children."""
    return [t for t in Base.metadata.sorted_tables if tenant_filter(t, 0) is not None]


def primary_key(table: sa.Table) -> list[sa.Column]:
    """The table's primary key columns, for stable ordering and updates."""
    return list(table.primary_key.columns)


def is_text(column: sa.Column) -> bool:
    """Columns that can carry free text: strings and JSON."""
    return isinstance(column.type, (sa.String, sa.JSON))
