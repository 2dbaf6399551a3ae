"""Prepared hot-path statements: values read back as the ORM reads them, in the caller's transaction, on
both databases; an optimistic UPDATE says when it lost; misuse fails loudly before any SQL is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, Boolean, Float, MetaData, String, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from digit.kernel.db import JsonType, new_id
from digit.kernel.prepared import Prepared, filled_values, insert_all, loaded, table_of


class _Base(DeclarativeBase):
    metadata = MetaData()


class Thing(_Base):
    __tablename__ = "test_prepared_thing"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    ratio: Mapped[float | None] = mapped_column(Float, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)
    row_version: Mapped[int] = mapped_column(default=1)


THINGS = table_of(Thing)
INSERT = insert_all(THINGS)
BY_NAME = Prepared(select(*THINGS.columns).where(THINGS.c.name == bindparam("name")))
RENAME = Prepared(
    update(THINGS)
    .where(THINGS.c.id == bindparam("where_id"), THINGS.c.row_version == bindparam("where_version"))
    .values(name=bindparam("set_name", type_=THINGS.c.name.type), row_version=THINGS.c.row_version + 1)
)
COLUMNS = [c.key for c in THINGS.columns]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_values_read_back_as_the_orm_reads_them(engine: AsyncEngine) -> None:
    thing = Thing(name="lamp", size=2**40, ratio=0.25, active=False, details={"a": [1, "x"], "b": None})
    async with AsyncSession(engine) as session:
        await INSERT.run(session, **filled_values(thing))
        await session.commit()

    async with AsyncSession(engine) as session:
        [row] = await BY_NAME.rows(session, name="lamp")
        through_orm = await session.scalar(select(Thing).where(Thing.name == "lamp"))

    assert thing.id and thing.row_version == 1  # the defaults were set on the row that was written
    assert through_orm is not None
    assert row == (thing.id, "lamp", 2**40, 0.25, False, {"a": [1, "x"], "b": None}, 1)
    assert row == tuple(getattr(through_orm, c) for c in COLUMNS)
    assert loaded(Thing, COLUMNS, row).details == {"a": [1, "x"], "b": None}


async def test_an_optimistic_update_says_whether_it_won(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        values = filled_values(Thing(name="pole"))
        await INSERT.run(session, **values)
        first = await RENAME.run(session, where_id=values["id"], where_version=1, set_name="pole 2")
        stale = await RENAME.run(session, where_id=values["id"], where_version=1, set_name="pole 3")
        [row] = await BY_NAME.rows(session, name="pole 2")

    assert (first, stale) == (1, 0)
    assert row[-1] == 2  # `row_version + 1`: the literal took its own value


async def test_statements_run_in_the_callers_transaction(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        await INSERT.run(session, **filled_values(Thing(name="ghost")))
        assert len(await BY_NAME.rows(session, name="ghost")) == 1
        await session.rollback()

    async with AsyncSession(engine) as session:
        assert await BY_NAME.rows(session, name="ghost") == []


async def test_a_missing_value_is_named_before_any_sql_is_sent(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        with pytest.raises(TypeError, match="'set_name'"):
            await RENAME.run(session, where_id="x", where_version=1)


async def test_an_in_list_is_refused(engine: AsyncEngine) -> None:
    by_names = Prepared(select(THINGS.c.id).where(THINGS.c.name.in_(bindparam("names", expanding=True))))
    async with AsyncSession(engine) as session:
        with pytest.raises(ValueError, match="IN list"):
            await by_names.rows(session, names=["a", "b"])


async def test_returning_columns_come_back_processed(engine: AsyncEngine) -> None:
    add = Prepared(
        insert(THINGS)
        .values({c.key: bindparam(c.key, type_=c.type) for c in THINGS.columns})
        .returning(THINGS.c.id, THINGS.c.details)
    )
    async with AsyncSession(engine) as session:
        values = filled_values(Thing(name="sign", details={"k": [True]}))
        returned = await add.rows(session, **values)

    assert returned == [(values["id"], {"k": [True]})]


async def test_a_duplicate_key_is_the_integrity_error_the_orm_would_raise(engine: AsyncEngine) -> None:
    """On PostgreSQL the statement goes to asyncpg directly once the transaction has begun: its errors come
    back as SQLAlchemy's, and a savepoint around the failed statement keeps the rest of the transaction."""
    async with AsyncSession(engine) as session:
        values = filled_values(Thing(name="dup"))
        await INSERT.run(session, **values)  # begins the transaction
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await INSERT.run(session, **values)
        await INSERT.run(session, **filled_values(Thing(name="after")))
        await session.commit()

    async with AsyncSession(engine) as session:
        assert [len(await BY_NAME.rows(session, name=n)) for n in ("dup", "after")] == [1, 1]


async def test_statement_listeners_hear_of_every_statement(engine: AsyncEngine) -> None:
    heard: list[str] = []

    def listen(*args: Any) -> None:
        heard.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with AsyncSession(engine) as session:
            await INSERT.run(session, **filled_values(Thing(name="one")))
            await INSERT.run(session, **filled_values(Thing(name="two")))
            await BY_NAME.rows(session, name="two")
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)

    assert [s.split()[0].upper() for s in heard] == ["INSERT", "INSERT", "SELECT"]
