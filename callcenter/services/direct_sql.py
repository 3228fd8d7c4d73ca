"""Hot-path statements run on the database driver's cursor directly.

SQLAlchemy builds and compiles each statement once (`Compiled`); running it then skips
SQLAlchemy's per-execution work (the compiled-cache look-up, parameter construction,
result metadata over the driver's column descriptions), which cost about a third of a
webhook's CPU. The statement's own type processing is kept: each parameter goes through
the bind processor its type compiled to (aware UTC datetimes stored naive, JSON) and each
returned column through its result processor, so a row reads as `session.execute` would
give it. The engine's `before_cursor_execute` listeners, if any, still see every
statement (statement counters, tracing).

Only for PostgreSQL; the callers keep `session.execute` for other databases.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.session import SessionTransactionState

_ACTIVE = SessionTransactionState.ACTIVE

_MISSING = object()


class Compiled:
    """One statement compiled for one dialect: its SQL and how to bind and read it."""

    __slots__ = ("sql", "_fixed", "_required", "_binds", "_results", "keys", "_record")

    def __init__(self, stmt: Any, dialect: sa.Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if compiled.positiontup is not None:
            raise ValueError("direct execution needs a named parameter style")
        self.sql: str = compiled.string
        processors = compiled._bind_processors  # noqa: SLF001 - each type's processor
        fixed: dict[str, Any] = {}
        required: list[str] = []
        for bind, name in compiled.bind_names.items():
            if bind.callable is not None:
                raise ValueError(f"parameter {name} has a callable value")
            if bind.required or bind.value is None and name not in fixed:
                required.append(name)
            else:
                fixed[name] = bind.value
        self._required = tuple(dict.fromkeys(required))
        self._binds = tuple((name, fn) for name, fn in processors.items()
                            if fn is not None)
        self._fixed = {name: processors[name](value) if processors.get(name) else value
                       for name, value in fixed.items()}
        results = getattr(compiled, "_result_columns", None) or []
        self.keys: tuple[str, ...] = tuple(column[0] for column in results)
        self._record = namedtuple("Record", self.keys, rename=True) if self.keys else None
        self._results = tuple(
            (i, fn) for i, fn in enumerate(
                column[3]._cached_result_processor(dialect, None)  # noqa: SLF001
                for column in results) if fn is not None)

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The driver's parameters: the statement's fixed values, then `values` (names the
        statement does not use are ignored), each processed. A parameter the statement
        needs and `values` lacks is an error, as `session.execute` makes it."""
        out = dict(self._fixed)
        for name in self._required:
            try:
                out[name] = values[name]
            except KeyError:
                raise sa.exc.ArgumentError(f"a value is required for parameter {name!r}"
                                           ) from None
        for name, fn in self._binds:
            value = out.get(name, _MISSING)
            if value is not _MISSING and name not in self._fixed:
                out[name] = fn(value)
        return out

    def row(self, raw: tuple | None) -> tuple | None:
        """A returned row with each column's result processor applied."""
        if raw is None or not self._results:
            return raw
        row = list(raw)
        for i, fn in self._results:
            row[i] = fn(row[i])
        return tuple(row)

    def record(self, raw: tuple | None) -> Any:
        """`row(raw)` with its columns by name too (`row.id`), as a SQLAlchemy Row reads."""
        row = self.row(raw)
        return None if row is None else self._record._make(row)


_CACHE: dict[tuple[int, str], tuple[Any, Compiled]] = {}


def compiled(stmt: Any, dialect: sa.Dialect) -> Compiled:
    """`stmt` compiled for `dialect`, once per process (statements are built once too)."""
    key = (id(stmt), dialect.name)
    found = _CACHE.get(key)
    if found is None or found[0] is not stmt:
        found = _CACHE[key] = (stmt, Compiled(stmt, dialect))
    return found[1]


def _connection(session: Session) -> Connection:
    """The session's connection, its transaction begun, pending ORM changes flushed.

    The connection of the session's active transaction is taken as it stands (what
    `session.connection()` answers after resolving the bind again, a third of this
    module's cost); otherwise `session.connection()` begins one.
    """
    if isinstance(session, scoped_session):
        session = session.registry()
    if session._new or session._deleted or session.identity_map._modified:  # noqa: SLF001
        session.flush()
    tx = session._transaction  # noqa: SLF001
    if tx is not None and tx._state is _ACTIVE and len(tx._connections) == 1:  # noqa: SLF001
        for connection, *_rest in tx._connections.values():  # noqa: SLF001
            return connection
    return session.connection()


def dialect_name(session: Session) -> str:
    """The name of the database the session's transaction runs on (begun if need be)."""
    return _connection(session).dialect.name


def _before(connection: Connection, cursor: Any, sql: str, params: Any) -> None:
    if connection._has_events or connection.engine._has_events:  # noqa: SLF001
        connection.dispatch.before_cursor_execute(connection, cursor, sql, params, None,
                                                  False)


def _raise(connection: Connection, exc: Exception, sql: str, params: Any,
           cursor: Any) -> NoReturn:
    """The driver's error as SQLAlchemy raises it from `execute`: wrapped in its
    exception classes (OperationalError, IntegrityError, ...), and a lost connection
    invalidated so the pool drops it, as for any statement the session runs."""
    connection._handle_dbapi_exception(exc, sql, params, cursor, None)  # noqa: SLF001


def _execute(session: Session, stmt: Any, values: Mapping[str, Any],
             fetch: Callable[[Any], Any]) -> tuple[Compiled, Any]:
    """Run `stmt` with `values` in the session's transaction; what `fetch(cursor)` read."""
    connection = _connection(session)
    found = compiled(stmt, connection.dialect)
    params = found.params(values)
    cursor = connection.connection.driver_connection.cursor()
    try:
        _before(connection, cursor, found.sql, params)
        cursor.execute(found.sql, params)
        return found, fetch(cursor)  # every hot-path statement returns rows
    except connection.dialect.loaded_dbapi.Error as exc:
        _raise(connection, exc, found.sql, params, cursor)
    finally:
        cursor.close()


def first(session: Session, stmt: Any, values: Mapping[str, Any], *,
          named: bool = False) -> Any:
    """Run `stmt` with `values` in the session's transaction; its first row, or None
    (`named`: a named tuple, its columns by name as well as by position)."""
    found, raw = _execute(session, stmt, values, lambda cursor: cursor.fetchone())
    return found.record(raw) if named else found.row(raw)


def all(session: Session, stmt: Any, values: Mapping[str, Any]) -> list[Any]:  # noqa: A001
    """Run `stmt` with `values` in the session's transaction; every row, named."""
    found, rows = _execute(session, stmt, values, lambda cursor: cursor.fetchall())
    return [found.record(raw) for raw in rows]
