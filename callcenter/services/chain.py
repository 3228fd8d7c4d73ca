"""Writes of several steps in one round trip: data-modifying CTEs on PostgreSQL.

A `Chain` is a list of steps, each an INSERT or UPDATE with RETURNING, each meant to
happen only if the step before it did (the funds were reserved, so place the hold; the
call was claimed, so close its hold). On PostgreSQL the steps are the CTEs of one
statement, each guarded by `EXISTS (SELECT 1 FROM <previous step>)`: the write is all
or nothing and takes one round trip, with no savepoint. On other databases (SQLite, the
embedded default) the same statements run one by one in the transaction, stopping at
the first that does nothing. A step reads what an earlier one returned through `Refs`.
Statements are built once per chain and database, so SQLAlchemy compiles them once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.dbsupport import insert_or_skip
from callcenter.services import direct_sql


# A chain's parameters are `p_<name>`: SQLAlchemy would take any parameter named like a
# column of an INSERT or UPDATE in the statement (CTEs included) as a value to write.
def param(table: sa.Table, column: str, name: str | None = None) -> sa.BindParameter:
    """The chain parameter `name` (default: the column's), typed like `table.column`."""
    return sa.bindparam(f"p_{name or column}", type_=table.c[column].type)


class Refs:
    """How a step names what an earlier step returned, and its guard.

    One by one, an earlier result is the parameter `p_<step>_<column>` and there is no
    guard (the chain stops at a step that did nothing). In one statement, it is that
    CTE's column, and the guard is that the previous CTE returned a row.
    """

    def __init__(self, ctes: dict[str, sa.CTE] | None = None,
                 previous: str | None = None) -> None:
        self.ctes, self.previous = ctes, previous

    @property
    def chained(self) -> bool:
        """True when the steps are CTEs of one statement."""
        return self.ctes is not None

    def of(self, step: str, column: str, type_: Any) -> sa.ColumnElement:
        """Column `column` of what `step` returned."""
        if self.ctes is None:
            return sa.bindparam(f"p_{step}_{column}", type_=type_)
        return sa.select(self.ctes[step].c[column]).scalar_subquery()

    def guard(self) -> sa.ColumnElement[bool] | None:
        """In one statement: the previous step returned a row."""
        if self.ctes is None or self.previous is None:
            return None
        return sa.exists(sa.select(sa.literal(1)).select_from(self.ctes[self.previous]))


# name, and the builder of its statement (with RETURNING id first); a builder returning
# None leaves the step out in that mode.
Step = tuple[str, Callable[[Refs], Any]]


def insert_row(table: sa.Table, values: Mapping[str, Any], refs: Refs, *,
               on_conflict: tuple[str, ...] | None = None) -> Any:
    """INSERT of one row, skipped on a conflict over `on_conflict` if given; guarded in a
    chain: `INSERT ... SELECT ... WHERE <guard>`."""
    insert = sa.insert(table) if on_conflict is None else insert_or_skip(table, *on_conflict)
    guard = refs.guard()
    if guard is None:
        return insert.values(dict(values))
    columns = [sa.type_coerce(v, table.c[k].type) if isinstance(v, sa.ColumnElement)
               else sa.literal(v, table.c[k].type) for k, v in values.items()]
    return insert.from_select(list(values), sa.select(*columns).where(guard),
                              include_defaults=False)


def guarded(stmt: Any, refs: Refs) -> Any:
    """An UPDATE with the chain's guard added, if any."""
    guard = refs.guard()
    return stmt if guard is None else stmt.where(guard)


class Chain:
    """Steps run as one statement on PostgreSQL, else one by one, each only if the one
    before it returned a row. `run` answers each step's returned row, or None."""

    def __init__(self, *steps: Step) -> None:
        self.steps = steps
        self._statements: dict[tuple[str, str | None], Any] = {}  # built once per dialect

    def run(self, session: Session, params: dict[str, Any]) -> dict[str, dict | None]:
        """Run the chain with `params`; what each step returned (None: nothing or not run)."""
        # Each statement gets its own parameters only (see `param`).
        params = {f"p_{k}": v for k, v in params.items()}
        if direct_sql.dialect_name(session) == "postgresql":
            stmt, layout = self._one_statement()
            row = direct_sql.first(session, stmt, params)  # one row, always
            answer: dict[str, dict | None] = {name: None for name, _ in self.steps}
            for name, keys, start, id_at in layout:  # a step that wrote nothing: no id
                if row[id_at] is not None:
                    answer[name] = dict(zip(keys, row[start:start + len(keys)], strict=True))
            return answer
        dialect = session.get_bind().dialect
        done: dict[str, dict | None] = {name: None for name, _ in self.steps}
        for name, _ in self.steps:
            stmt, wanted = self._step_statement(name, dialect)
            if stmt is None:
                continue
            row = session.execute(stmt, {k: params[k] for k in wanted if k in params}).first()
            if row is None:
                break
            done[name] = dict(row._mapping)
            params.update({f"p_{name}_{k}": v for k, v in row._mapping.items()})
        return done

    def _step_statement(self, name: str, dialect: sa.Dialect) -> tuple[Any, frozenset[str]]:
        key = (dialect.name, name)
        if key not in self._statements:
            stmt = dict(self.steps)[name](Refs())
            wanted = (frozenset(stmt.compile(dialect=dialect).params) if stmt is not None
                      else frozenset())
            self._statements[key] = (stmt, wanted)
        return self._statements[key]

    def _one_statement(self) -> tuple[sa.Select, list]:
        """The statement, and where each step's columns are in its row (name, column
        names, index of the first, index of its id)."""
        key = ("postgresql", None)
        if key not in self._statements:
            ctes: dict[str, sa.CTE] = {}
            previous = None
            for name, build in self.steps:
                stmt = build(Refs(ctes, previous))
                if stmt is not None:
                    ctes[name] = stmt.cte(name)
                    previous = name
            stmt = sa.select(*(
                sa.select(column).scalar_subquery().label(f"{name}__{column.key}")
                for name, cte in ctes.items() for column in cte.c))
            layout, start = [], 0
            for name, cte in ctes.items():
                keys = tuple(column.key for column in cte.c)
                layout.append((name, keys, start, start + keys.index("id")))
                start += len(keys)
            self._statements[key] = (stmt, layout)
        return self._statements[key]
