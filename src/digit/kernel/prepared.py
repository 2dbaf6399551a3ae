"""Hot-path SQL: a Core statement compiled once per database, then run straight through the driver.

The ORM's unit of work and SQLAlchemy's per-call statement building (coercion, cache key, compile-cache
lookup, execution context) cost about 150-250 us of CPU per statement on top of the driver's own work;
the requests that every citizen journey makes (a workflow transition, a complaint written or read) run
a handful of statements each, so that overhead was a large part of their CPU. A `Prepared` statement is
written as ordinary Core (typed columns, no SQL strings, both databases), compiled once per dialect, and
executed with `exec_driver_sql` on the session's own connection: same transaction, same connection, no
statement building per call. Bind values go through the column types' own bind processors (JSON is
serialised as SQLAlchemy would) and selected values through their result processors, so a value reads
back as it would through the ORM. asyncpg keeps the statement prepared per connection.

Only fixed statements belong here: no `IN` lists of varying length, no optional filters. A statement
takes its values by name (`bindparam` names, or the column keys of an INSERT/UPDATE `.values()`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy import Table, bindparam, insert, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Select

from digit.kernel.db import row_values

_Row = TypeVar("_Row")
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    fixed: tuple[Any, ...]  # a literal's own value (`row_version + 1`), or _ASKED: the caller gives it
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


class Prepared:
    """One fixed statement; `await p.rows(session, name=value, ...)` or `await p.run(...)`."""

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self._statement, dialect)
        return found

    async def run(self, session: AsyncSession, **values: Any) -> int:
        """Execute; returns the number of rows the database says it touched (the optimistic-lock check)."""
        connection, driver = await _connection(session)
        compiled = self._compiled(connection.dialect)
        arguments = _arguments(compiled, values)
        if driver is None:
            result = await connection.exec_driver_sql(compiled.sql, arguments)
            return int(result.rowcount)
        _announce(connection, compiled.sql, arguments)
        try:
            status = await driver.execute(compiled.sql, *arguments)
        except Exception as error:
            raise _translated(connection, compiled.sql, arguments, error) from error
        count = status.rpartition(" ")[2]
        return int(count) if count.isdigit() else -1

    async def rows(self, session: AsyncSession, **values: Any) -> list[tuple[Any, ...]]:
        """Execute a SELECT (or a RETURNING statement); every row as a tuple of processed values."""
        connection, driver = await _connection(session)
        compiled = self._compiled(connection.dialect)
        arguments = _arguments(compiled, values)
        fetched: Sequence[Sequence[Any]]
        if driver is None:
            fetched = (await connection.exec_driver_sql(compiled.sql, arguments)).all()
        else:
            _announce(connection, compiled.sql, arguments)
            try:
                fetched = await driver.fetch(compiled.sql, *arguments)
            except Exception as error:
                raise _translated(connection, compiled.sql, arguments, error) from error
        processors = compiled.results
        return [tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True)) for row in fetched]


_CONNECTION = "digit_prepared_connection"


async def _connection(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The session's connection and, on asyncpg inside a begun transaction, the driver's own connection;
    remembered for as long as the session's innermost transaction lasts: `session.connection()` runs in a
    greenlet each time (about 40 us), for an answer that does not change within a transaction. A savepoint
    is a new transaction, so asking for it emits its SAVEPOINT."""
    transaction = _innermost(session)
    remembered = session.info.get(_CONNECTION)
    if remembered is not None and transaction is not None and remembered[0] is transaction and transaction.is_active:
        return remembered[1], remembered[2]
    connection = await session.connection()
    driver = await _driver_in_transaction(connection)
    session.info[_CONNECTION] = (_innermost(session), connection, driver)
    return connection, driver


def _innermost(session: AsyncSession) -> SessionTransaction | None:
    sync = session.sync_session
    return sync.get_nested_transaction() or sync.get_transaction()


async def _driver_in_transaction(connection: AsyncConnection) -> Any:
    """asyncpg's own connection, when the statement can go to it directly: SQLAlchemy's asyncpg adapter adds
    about 100 us of CPU per statement (execution context, cursor, result metadata) to what asyncpg does.
    Only inside a transaction the adapter has begun (it begins lazily, on its first statement; it is asked
    to begin here, as it would): a statement sent past it before that would run in autocommit. None on
    another driver, in autocommit, or if the adapter no longer begins the way this code knows."""
    sync = connection.sync_connection
    if sync is None or connection.dialect.driver != "asyncpg":
        return None
    driver = sync.connection.driver_connection
    if driver is None:
        return None
    if not driver.is_in_transaction():
        adapter = sync.connection.dbapi_connection
        begin = getattr(adapter, "_start_transaction", None)
        if begin is None or getattr(adapter, "isolation_level", None) == "autocommit":
            return None
        await begin()
    return driver if driver.is_in_transaction() else None


def _announce(connection: AsyncConnection, sql: str, arguments: tuple[Any, ...]) -> None:
    """Tell the engine's `before_cursor_execute` listeners (statement counters, tracing) and its echo log about
    a statement sent past SQLAlchemy, as they would hear of any other (no cursor, no execution context)."""
    sync = cast(Any, connection.sync_connection)
    if sync._has_events or sync.engine._has_events:
        sync.dispatch.before_cursor_execute(sync, None, sql, arguments, None, False)
    if sync._echo:  # `DIGIT_SQL_ECHO`: logged as SQLAlchemy logs the statements it runs
        sync._log_info(sql)
        sync._log_info("[prepared, sent to the driver] %r", arguments)


def _translated(connection: AsyncConnection, sql: str, arguments: tuple[Any, ...], error: Exception) -> Exception:
    """The SQLAlchemy exception the adapter would have raised (IntegrityError for a unique violation, ...), so
    callers catch the same errors on both paths."""
    if not isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
        return error
    original: Exception = error
    dbapi = connection.dialect.loaded_dbapi
    adapter: Any = type(cast(Any, connection.sync_connection).connection.dbapi_connection)
    try:
        adapter._handle_exception_no_connection(dbapi, error)
    except dbapi.Error as dbapi_error:
        translated: Exception = DBAPIError.instance(sql, arguments, dbapi_error, dbapi.Error)
        return translated
    return original


_ASKED = object()


def _arguments(compiled: _Compiled, values: Mapping[str, Any]) -> tuple[Any, ...]:
    arguments = []
    for name, fixed, processor in zip(compiled.names, compiled.fixed, compiled.binds, strict=True):
        if fixed is _ASKED:
            if name not in values:
                raise TypeError(f"a prepared statement needs the value {name!r}")
            value = values[name]
        else:
            value = fixed
        arguments.append(processor(value) if processor is not None else value)
    return tuple(arguments)


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, cast(Any, statement).compile(dialect=dialect))
    order: Sequence[str] = compiled.positiontup or ()
    binds = tuple(compiled.binds[name] for name in order)
    if any(b.expanding for b in binds):
        raise ValueError("a prepared statement cannot take an IN list: its SQL would change with the list")
    selected = statement.selected_columns if isinstance(statement, Select) else _returning(statement)
    return _Compiled(
        sql=compiled.string,
        names=tuple(b.key for b in binds),
        fixed=tuple(_ASKED if b.required or b.value is None else b.effective_value for b in binds),
        binds=tuple(b.type.dialect_impl(dialect).bind_processor(dialect) for b in binds),
        results=tuple(_result_processor(c.type, dialect) for c in selected),
    )


def _result_processor(type_: Any, dialect: Dialect) -> Processor:
    """The column type's own conversion of a fetched value. Some processors want the driver's type code,
    which a raw cursor does not give; those exist for drivers that return the wrong Python type, and
    asyncpg returns floats and decimals natively, so no processor is the right answer for them."""
    try:
        processor: Processor = type_.dialect_impl(dialect).result_processor(dialect, None)
    except (TypeError, InvalidRequestError):
        return None
    return processor


def _returning(statement: Executable) -> Sequence[Any]:
    """The RETURNING columns of an INSERT/UPDATE/DELETE (none without RETURNING)."""
    return tuple(getattr(statement, "exported_columns", ()))


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, typed as the Table it is (the ORM types `__table__` as any FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def filled_values(row: Any) -> dict[str, Any]:
    """`row_values` of an unsaved ORM row, its Python-side defaults (ids, row_version) set on the row too, so
    the row answers as a flushed one would while it is written by a prepared INSERT."""
    values = row_values(row)
    for key, value in values.items():
        if value is not None and getattr(row, key) is None:
            setattr(row, key, value)
    return values


def loaded(model: type[_Row], columns: Sequence[str], values: Sequence[Any]) -> _Row:
    """An ORM row built from a prepared SELECT's values, not attached to any session (write it back with a
    prepared statement, never a flush). Its values go straight into the instance's dict, as the ORM's own
    loading does: the constructor would replay an attribute event per column (30 us against 2 for a row)."""
    row: _Row = inspect(model).class_manager.new_instance()
    vars(row).update(zip(columns, values, strict=True))
    return row


def built(model: type[_Row], **values: Any) -> _Row:
    """A new ORM row for a prepared INSERT, made as `loaded` makes one (the constructor would replay an
    attribute event per value); a name the model has no column for is refused, as the constructor would."""
    unknown = values.keys() - _column_keys(model)
    if unknown:
        raise TypeError(f"{model.__name__} has no column {sorted(unknown)[0]!r}")
    return loaded(model, tuple(values), tuple(values.values()))


def _column_keys(model: type[Any]) -> frozenset[str]:
    keys: frozenset[str] | None = _COLUMN_KEYS.get(model)
    if keys is None:
        keys = _COLUMN_KEYS[model] = frozenset(c.key for c in inspect(model).column_attrs)
    return keys


_COLUMN_KEYS: dict[type[Any], frozenset[str]] = {}


def insert_all(table: Table) -> Prepared:
    """An INSERT of every column of `table`, each taken by its column key (`row_values` gives such a dict)."""
    return Prepared(insert(table).values({c.key: bindparam(c.key, type_=c.type) for c in table.columns}))
