"""Events: outbox -> dispatcher -> consumers; at least once, ordered, retried, dead-lettered (block: events)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections.abc import Awaitable, Callable, Sequence

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain, subscriptions
from digit.kernel.errors import Invalid
from digit.kernel.events import (
    Consumer,
    DeadLetterRow,
    DeliveryRow,
    Event,
    OutboxRow,
    ProcessedRow,
    delivery_session,
    emit,
)
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID

TOPIC = "save-test-request"


class Recorder:
    """A consumer that records what it gets, and fails the first `failures` deliveries."""

    def __init__(self, name: str = "test-recorder", *, failures: int = 0, topics: tuple[str, ...] = (TOPIC,)) -> None:
        self.seen: list[Event] = []
        self.failures = failures
        self.consumer = Consumer(name, topics, self.handle)

    async def handle(self, _platform: Platform, event: Event) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise Invalid("TEST_CONSUMER_DOWN", "the test consumer is down")
        self.seen.append(event)


def subscribe(platform: Platform, recorder: Recorder) -> Recorder:
    subscriptions(platform).consumers.append(recorder.consumer)
    return recorder


async def write_events(platform: Platform, *aggregate_ids: str, topic: str = TOPIC) -> list[str]:
    async with platform.sessions() as session:
        ids = [
            await emit(
                session,
                topic,
                tenant_id="pb.amritsar",
                aggregate_id=aggregate_id,
                data={"n": n},
                actor_uuid=SYSTEM_UUID,
                now_ms=platform.clock.now_ms(),
            )
            for n, aggregate_id in enumerate(aggregate_ids)
        ]
        await session.commit()
    return ids


async def count(platform: Platform, model: type, *consumers: str) -> int:
    """Rows of a table (of the named consumers only, if any: other blocks' consumers run too)."""
    query = select(func.count()).select_from(model)
    if consumers:
        query = query.where(model.consumer.in_(consumers))  # type: ignore[attr-defined]
    async with platform.sessions() as session:
        return int(await session.scalar(query) or 0)


async def test_drain_delivers_committed_event_to_matching_consumer_only(platform: Platform) -> None:
    wanted = subscribe(platform, Recorder("wanted"))
    other = subscribe(platform, Recorder("other", topics=("egov.collection.*",)))
    [event_id] = await write_events(platform, "PB-PGR-1")

    await drain(platform)

    assert [(e.id, e.topic, e.aggregate_id, e.data) for e in wanted.seen] == [(event_id, TOPIC, "PB-PGR-1", {"n": 0})]
    assert other.seen == []


async def test_event_of_rolled_back_transaction_is_never_delivered(platform: Platform) -> None:
    recorder = subscribe(platform, Recorder())
    async with platform.sessions() as session:
        await emit(session, TOPIC, tenant_id="pb.amritsar", aggregate_id="A", data={}, actor_uuid=SYSTEM_UUID, now_ms=1)
        await session.flush()
        await session.rollback()

    await drain(platform)

    assert recorder.seen == []
    async with platform.sessions() as session:
        assert await session.scalar(select(func.count()).where(OutboxRow.topic == TOPIC)) == 0


async def test_redelivered_event_is_not_handled_twice(platform: Platform) -> None:
    recorder = subscribe(platform, Recorder())
    [event_id] = await write_events(platform, "A")
    await drain(platform)
    async with platform.sessions() as session:  # the same event arrives again (at-least-once transport)
        now = platform.clock.now_ms()
        session.add(
            DeliveryRow(
                consumer="test-recorder", event_id=event_id, seq=1, topic=TOPIC, tenant_id="pb.amritsar",
                aggregate_id="A", data={}, event_time_ms=now, actor_uuid=SYSTEM_UUID, attempts=0,
                next_attempt_ms=now, created_by=SYSTEM_UUID, created_time=now, last_modified_by=SYSTEM_UUID,
                last_modified_time=now,
            )
        )  # fmt: skip
        await session.commit()

    await drain(platform)

    assert [e.id for e in recorder.seen] == [event_id]
    assert await count(platform, DeliveryRow, "test-recorder") == 0


async def test_handler_writes_through_delivery_session_commit_with_processed_mark(platform: Platform) -> None:
    async def handle(_platform: Platform, event: Event) -> None:
        session = delivery_session()
        assert session is not None
        await emit(
            session, "test-derived", tenant_id=event.tenant_id, aggregate_id=event.aggregate_id, data={},
            actor_uuid=SYSTEM_UUID, now_ms=1,
        )  # fmt: skip

    subscriptions(platform).consumers.append(Consumer("deriver", (TOPIC,), handle))
    derived = subscribe(platform, Recorder("derived-recorder", topics=("test-derived",)))
    await write_events(platform, "A")

    await drain(platform)

    assert [e.topic for e in derived.seen] == ["test-derived"]
    assert await count(platform, ProcessedRow, "deriver", "derived-recorder") == 2


async def test_later_event_of_an_aggregate_waits_for_the_failed_earlier_one(
    platform: Platform, clock: FrozenClock
) -> None:
    recorder = subscribe(platform, Recorder(failures=1))
    first, second, other = await write_events(platform, "A", "A", "B")

    await drain(platform)
    waiting = [e.id for e in recorder.seen]
    clock.advance(seconds=1)
    await drain(platform)

    assert waiting == [other]
    assert [e.id for e in recorder.seen] == [other, first, second]


async def test_failing_consumer_is_retried_with_backoff_then_dead_lettered(
    platform: Platform, clock: FrozenClock
) -> None:
    settings = platform.settings
    recorder = subscribe(platform, Recorder(failures=99))
    [event_id] = await write_events(platform, "A")
    await drain(platform)
    next_attempts = []
    for attempt in range(1, settings.events_max_attempts):
        async with platform.sessions() as session:
            row = await session.get(DeliveryRow, ("test-recorder", event_id))
            assert row is not None
            next_attempts.append((row.attempts, row.next_attempt_ms - row.last_modified_time))
        clock.advance(ms=settings.events_retry_base_ms * 2 ** (attempt - 1))
        await drain(platform)

    async with platform.sessions() as session:
        dead = list(await session.scalars(select(DeadLetterRow).where(DeadLetterRow.consumer == "test-recorder")))
    assert [a for a, _ in next_attempts] == [1, 2, 3, 4]
    assert [wait for _, wait in next_attempts] == [1000, 2000, 4000, 8000]
    assert [(d.event_id, d.attempts, d.status, d.last_error) for d in dead] == [
        (event_id, 5, "DEAD", "Invalid:TEST_CONSUMER_DOWN")
    ]
    assert await count(platform, DeliveryRow, "test-recorder") == 0
    assert recorder.seen == []


async def test_dead_letter_no_longer_holds_back_its_aggregate(platform: Platform, clock: FrozenClock) -> None:
    recorder = subscribe(platform, Recorder(failures=platform.settings.events_max_attempts))
    first, second = await write_events(platform, "A", "A")
    for _ in range(platform.settings.events_max_attempts):
        await drain(platform)
        clock.advance(minutes=10)

    assert [e.id for e in recorder.seen] == [second]
    assert first != second


SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from digit.app import build_platform
    from digit.kernel.events import emit
    from digit.kernel.settings import Settings

    async def main() -> None:
        settings = Settings(database_url=sys.argv[1], var_dir=sys.argv[2], run_background=False, env="test")
        platform, _ = build_platform(settings)
        async with platform.sessions() as session:
            for n in range(3):
                await emit(session, "save-test-request", tenant_id="pb.amritsar", aggregate_id="K",
                           data={"n": n}, actor_uuid="x", now_ms=n)
            await session.commit()
        print("committed", flush=True)
        await asyncio.Event().wait()  # never dispatches: killed here

    asyncio.run(main())
    """
)


async def test_events_written_before_the_process_is_killed_are_delivered_after_restart(
    platform: Platform, tmp_path: os.PathLike[str]
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, platform.settings.database_url, str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    recorder = subscribe(platform, Recorder())

    await drain(platform)

    assert line.strip() == b"committed"
    assert process.returncode == -signal.SIGKILL
    assert [e.data["n"] for e in recorder.seen] == [0, 1, 2]


@pytest.mark.parametrize("topic", ["egov.collection.payment-create", "save pgr*request>"])
def test_nats_subject_keeps_digit_topic_and_drops_reserved_characters(topic: str) -> None:
    from digit.kernel.dispatch import nats_subject

    subject = nats_subject("digit", topic)

    assert subject == {"egov.collection.payment-create": "digit.egov.collection.payment-create"}.get(
        topic, "digit.save_pgr_request_"
    )


async def test_only_one_dispatcher_holds_the_postgresql_lock(platform: Platform, is_postgres: bool) -> None:
    from digit.kernel.dispatch import _dispatch_lock

    if not is_postgres:
        pytest.skip("across processes the lock is PostgreSQL's advisory lock")

    async with _dispatch_lock(platform, wait=True) as first, _dispatch_lock(platform, wait=False) as second:
        held = (first, second)
    async with _dispatch_lock(platform, wait=False) as after:
        released = after

    assert held == (True, False)
    assert released is True


async def test_background_dispatcher_delivers_without_drain(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    app, _ = await make_api(run_background=True, events_poll_ms=20)
    background: Platform = app.state.platform
    arrived = asyncio.Event()

    async def handle(_platform: Platform, _event: Event) -> None:
        arrived.set()

    subscriptions(background).consumers.append(Consumer("background-probe", (TOPIC,), handle))
    await write_events(background, "A")

    await asyncio.wait_for(arrived.wait(), timeout=60)

    assert arrived.is_set()


class Tally:
    """A batch-safe consumer (`together=True`) that writes through the delivery session: one outbox row per
    event it handles, so what it wrote shows whether a batch was kept or undone."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.fail_on = fail_on
        self.calls: list[int] = []
        self.consumer = Consumer("test-tally", (TOPIC,), self.handle, together=True)

    async def handle(self, platform: Platform, event: Event) -> None:
        session = delivery_session()
        assert session is not None
        self.calls.append(int(event.data["n"]))
        if self.fail_on == event.data["n"]:
            self.fail_on = None  # fails once
            raise Invalid("TEST_CONSUMER_DOWN", "the test consumer is down")
        await emit(
            session,
            "test-tally-written",
            tenant_id=event.tenant_id,
            aggregate_id=event.id,
            data={},
            actor_uuid=SYSTEM_UUID,
            now_ms=platform.clock.now_ms(),
        )


async def _tallied(platform: Platform) -> int:
    async with platform.sessions() as session:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == "test-tally-written")
        return int(await session.scalar(query) or 0)


async def test_a_batch_safe_consumer_gets_many_events_in_one_transaction(platform: Platform) -> None:
    tally = Tally()
    subscriptions(platform).consumers.append(tally.consumer)
    await write_events(platform, "A", "B", "C")

    await drain(platform)

    assert sorted(tally.calls) == [0, 1, 2]
    assert await _tallied(platform) == 3
    assert await count(platform, ProcessedRow, "test-tally") == 3
    assert await count(platform, DeliveryRow, "test-tally") == 0


async def test_a_failure_undoes_the_batch_and_the_events_go_one_by_one(platform: Platform) -> None:
    tally = Tally(fail_on=1)
    subscriptions(platform).consumers.append(tally.consumer)
    await write_events(platform, "A", "B", "C")

    await drain(platform)

    assert await _tallied(platform) == 3  # each written once: the undone batch left nothing behind
    assert await count(platform, ProcessedRow, "test-tally") == 3
    assert tally.calls.count(0) == 2  # handled in the undone batch, then again alone


async def test_a_batch_handler_gets_the_fresh_events_of_a_batch_in_one_call(platform: Platform) -> None:
    tally = Tally()
    batches: list[list[int]] = []

    async def handle_many(platform: Platform, events: Sequence[Event]) -> None:
        batches.append([int(event.data["n"]) for event in events])
        for event in events:
            await tally.handle(platform, event)

    consumer = Consumer("test-tally", (TOPIC,), tally.handle, together=True, handle_many=handle_many)
    subscriptions(platform).consumers.append(consumer)
    await write_events(platform, "A", "B", "C")

    await drain(platform)

    assert batches == [[0, 1, 2]]
    assert await _tallied(platform) == 3
    assert await count(platform, ProcessedRow, "test-tally") == 3
    assert await count(platform, DeliveryRow, "test-tally") == 0


async def test_a_failed_batch_handler_leaves_nothing_and_the_events_go_one_by_one(platform: Platform) -> None:
    tally = Tally()

    async def handle_many(platform: Platform, events: Sequence[Event]) -> None:
        for event in events:
            await tally.handle(platform, event)
        raise Invalid("TEST_CONSUMER_DOWN", "the batch handler is down")

    consumer = Consumer("test-tally", (TOPIC,), tally.handle, together=True, handle_many=handle_many)
    subscriptions(platform).consumers.append(consumer)
    await write_events(platform, "A", "B", "C")

    await drain(platform)

    assert await _tallied(platform) == 3  # the undone batch left nothing; one by one, each once
    assert await count(platform, ProcessedRow, "test-tally") == 3
    assert sorted(tally.calls) == [0, 0, 1, 1, 2, 2]


async def test_a_consumer_never_gets_the_events_it_does_not_accept(platform: Platform) -> None:
    recorder = Recorder("test-picky")
    picky = Consumer("test-picky", (TOPIC,), recorder.handle, accepts=lambda data: data.get("n") == 1)
    subscriptions(platform).consumers.append(picky)
    _, wanted, _ = await write_events(platform, "A", "B", "C")

    await drain(platform)

    assert [e.id for e in recorder.seen] == [wanted]
    assert await count(platform, ProcessedRow, "test-picky") == 1
