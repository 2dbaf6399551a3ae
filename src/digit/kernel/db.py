"""Database plumbing shared by every block: engine, sessions, base class, audit and version columns.

SQLite (the embedded default) and PostgreSQL run the same code. On SQLite every transaction is
`BEGIN IMMEDIATE`, so concurrent writers queue on the file lock instead of failing half-way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol, cast

from sqlalchemy import JSON, BigInteger, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeEngine

from digit.kernel.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_ONLY_OPTION = "digit_read_only"
VERSIONS_INFO = "digit_versions"
"""Where a session's `info` holds the platform's `VersionWatch`, for ORM events that drop caches."""

JsonType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType}


def new_id() -> str:
    return str(uuid.uuid4())


class Audited:
    """DIGIT's audit fields plus a row version; a stale write raises StaleDataError (-> 409)."""

    tenant_id: Mapped[str] = mapped_column(index=True)
    created_by: Mapped[str]
    created_time: Mapped[int] = mapped_column(BigInteger)
    last_modified_by: Mapped[str]
    last_modified_time: Mapped[int] = mapped_column(BigInteger)
    row_version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.row_version}

    def audit_details(self) -> dict[str, Any]:
        return {
            "createdBy": self.created_by,
            "createdTime": self.created_time,
            "lastModifiedBy": self.last_modified_by,
            "lastModifiedTime": self.last_modified_time,
        }


class HasAuditFields(Protocol):
    created_by: Any
    created_time: Any
    last_modified_by: Any
    last_modified_time: Any


def stamp(row: HasAuditFields, *, actor_uuid: str, now_ms: int) -> None:
    """Fill the audit fields: creation ones once, modification ones every time."""
    if row.created_by is None:
        row.created_by = actor_uuid
        row.created_time = now_ms
    row.last_modified_by = actor_uuid
    row.last_modified_time = now_ms


def row_values(row: Base) -> dict[str, Any]:
    """Every column of an unsaved ORM row as a dict, for a Core (multi-row) insert of many such rows.

    A column the row has no value for takes its Python-side default (`id` -> `new_id()`, `row_version` -> 1),
    as a flush would give it: every dict then has the same keys, which one executemany needs."""
    values: dict[str, Any] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        default = column.default
        if value is None and default is not None:
            if default.is_scalar:
                value = cast(Any, default).arg
            elif default.is_callable:
                value = cast(Any, default).arg(None)
        values[column.key] = value
    return values


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run `action` once the session's transaction has committed (never if it rolls back): the way to fill or
    drop a process cache from a write, so no other request sees what was not committed."""
    event.listen(session.sync_session, "after_commit", lambda _session: action(), once=True)


def after_rollback(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run `action` once the session rolls back (a savepoint's rollback included): `after_commit`'s twin, for
    work kept beside a transaction that must be forgotten with it (an `after_commit` action stays registered
    until the session's next commit, so what it would act on has to be dropped here)."""
    event.listen(session.sync_session, "after_soft_rollback", lambda _session, _previous: action(), once=True)


def conflict_insert(bind: AsyncSession | Connection, model: Any) -> PgInsert:
    """`INSERT` with `ON CONFLICT` for the bind's database: PostgreSQL and SQLite spell the clauses alike
    (`on_conflict_do_nothing`, `on_conflict_do_update(index_elements=..., set_=...)`)."""
    dialect = bind.dialect.name if isinstance(bind, Connection) else bind.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_insert(model)
    return cast(PgInsert, sqlite_insert(model))


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            echo=settings.sql_echo,
            poolclass=NullPool if ":memory:" not in settings.database_url else None,
            connect_args={"timeout": 60},
        )
        _make_sqlite_transactions_immediate(engine)
        return engine
    return create_async_engine(
        settings.database_url, echo=settings.sql_echo, pool_size=10, max_overflow=20, pool_pre_ping=False
    )


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers queue on the file lock up front; read-only sessions take a WAL snapshot and never block.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_sessions(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})


def create_read_sessions(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads only. On SQLite they never wait for (or block) a writer, so a client may read
    through one while the caller's write transaction is open. Never write through them."""
    return async_sessionmaker(
        engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False, autoflush=False, info=info or {}
    )


async def session_scope(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the body ends, roll back when it raises."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
