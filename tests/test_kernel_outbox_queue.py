"""The outbox queues a transaction's events and writes them with its commit, in one statement: a rollback
forgets them, a savepoint's rollback forgets only its own, and a session with nothing but events commits
them (a consumer that only emits still has its work saved)."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.kernel.events import OutboxRow, emit, write_events
from digit.kernel.platform import Platform

TOPIC = "test-outbox-queue"


async def _emit(session: AsyncSession, aggregate_id: str) -> str:
    return await emit(
        session, TOPIC, tenant_id="pb.amritsar", aggregate_id=aggregate_id, data={"n": aggregate_id},
        actor_uuid="tester", now_ms=1,
    )  # fmt: skip


async def _written(platform: Platform) -> list[str]:
    async with platform.sessions() as session:
        query = select(OutboxRow.aggregate_id).where(OutboxRow.topic == TOPIC).order_by(OutboxRow.seq)
        return list(await session.scalars(query))


async def test_events_are_written_with_the_commit_in_emit_order_and_one_statement(platform: Platform) -> None:
    inserts: list[str] = []

    def listen(*args: object) -> None:
        if "eg_outbox_event" in str(args[2]):
            inserts.append(str(args[2]))

    event.listen(platform.engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with platform.sessions() as session:  # nothing but events: no statement before the commit
            ids = [await _emit(session, name) for name in ("a", "b", "c")]
            assert inserts == []
            await session.commit()
    finally:
        event.remove(platform.engine.sync_engine, "before_cursor_execute", listen)

    assert len(inserts) == 1
    assert await _written(platform) == ["a", "b", "c"]
    async with platform.sessions() as session:
        stored = await session.scalars(select(OutboxRow.id).where(OutboxRow.topic == TOPIC))
        assert sorted(stored) == sorted(ids)


async def test_a_rollback_forgets_the_events_and_the_session_can_go_on(platform: Platform) -> None:
    async with platform.sessions() as session:
        await _emit(session, "lost")
        await session.rollback()
        await _emit(session, "kept")
        await session.commit()

    assert await _written(platform) == ["kept"]


async def test_a_savepoints_rollback_forgets_only_its_own_events(platform: Platform) -> None:
    async with platform.sessions() as session:
        await _emit(session, "outer")
        try:
            async with session.begin_nested():
                await _emit(session, "inner")
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
        async with session.begin_nested():
            await _emit(session, "inner kept")
        await session.commit()

    assert sorted(await _written(platform)) == ["inner kept", "outer"]


async def test_write_events_makes_them_visible_inside_the_transaction(platform: Platform) -> None:
    async with platform.sessions() as session:
        await _emit(session, "early")
        await write_events(session)
        seen = list(await session.scalars(select(OutboxRow.aggregate_id).where(OutboxRow.topic == TOPIC)))
        await session.rollback()

    assert seen == ["early"]
    assert await _written(platform) == []


async def test_many_events_of_one_transaction_are_all_written_in_order(platform: Platform) -> None:
    names = [f"e{n:02d}" for n in range(11)]  # more than one prepared statement holds
    async with platform.sessions() as session:
        for name in names[:3]:
            await _emit(session, name)
        await write_events(session)
        for name in names[3:]:
            await _emit(session, name)
        await write_events(session)
        await session.commit()

    assert await _written(platform) == names


async def test_events_keep_their_order_across_savepoints(platform: Platform) -> None:
    """An event emitted in a savepoint goes out between those emitted before and after it, however the
    savepoint ends (released, or rolled back inside another savepoint that is released)."""
    async with platform.sessions() as session:
        await _emit(session, "1 before")
        async with session.begin_nested():
            await _emit(session, "2 in a savepoint")
            try:
                async with session.begin_nested():
                    await _emit(session, "lost in an inner savepoint")
                    raise RuntimeError("undo the inner savepoint")
            except RuntimeError:
                pass
            await _emit(session, "3 after the inner one")
        await _emit(session, "4 after")
        await session.commit()

    assert await _written(platform) == ["1 before", "2 in a savepoint", "3 after the inner one", "4 after"]
