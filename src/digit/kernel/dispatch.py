"""Delivers committed outbox events to consumers: at least once, in order per aggregate, with retries.

    outbox row (committed) --route--> one delivery row per interested consumer --deliver--> Consumer.handle

- In-process backend (default): `route` copies committed, unpublished outbox rows into the deliveries
  table (each consumer's inbox) and marks them published, in one transaction.
- NATS backend (`events_backend = "nats"`): the relay publishes each outbox row to JetStream as a
  CloudEvents 1.0 JSON envelope on subject `<prefix>.<DIGIT topic>` with `Nats-Msg-Id` = event id
  (JetStream drops duplicates), then marks it published; every consumer is a durable JetStream pull
  consumer whose messages are written to the deliveries table and acknowledged after that commit.

Delivery is the same for both: pending deliveries are taken in outbox `seq` order; a delivery waits
while an earlier one of the same consumer and aggregate is pending (order per aggregate). The handler
runs in a session (`events.delivery_session()`) whose commit also writes the processed mark
(consumer + event id) and removes the delivery, so redelivery is harmless. A failure is recorded with
an attempt count and the next attempt's time (`events_retry_base_ms * 2 ** (attempt - 1)`, from the
platform clock); after `events_max_attempts` the delivery moves to the dead-letter table, which no
longer holds back later events of its aggregate; an admin lists and replays it (events block).

Concurrency: one dispatcher at a time per database, by the kernel's leadership (kernel/periodic.py):
the background job `DISPATCHER` runs only in the process that leads `events.dispatch` (PostgreSQL: an
advisory lock held by its leader session; SQLite: a file lock), in bounded rounds of one batch, so a
stopping worker waits for one batch at most. `drain` (tests, tools) enters when this process leads or
takes the same lock for its pass, waiting for it. Within a process an asyncio lock keeps passes apart;
across SQLite processes `BEGIN IMMEDIATE` plus the processed-mark key make a double delivery a no-op
for handlers that write through the delivery session. We chose one dispatcher over `FOR UPDATE SKIP
LOCKED` claiming because skip-locked workers would have to coordinate per aggregate to keep the order;
a single dispatcher keeps it trivially.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from cloudevents.core.exceptions import BaseCloudEventException
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.kernel.events import (
    Consumer,
    DeadLetterRow,
    DeliveryRow,
    Event,
    OutboxRow,
    ProcessedRow,
    Subscriptions,
    _delivery_session,
)
from digit.kernel.periodic import Leadership, Periodic, error_name
from digit.kernel.platform import Platform
from digit.kernel.prepared import table_of
from digit.kernel.security import SYSTEM_UUID

if TYPE_CHECKING:
    from nats.aio.msg import Msg

log = logging.getLogger(__name__)

BATCH = 500
CLOUDEVENTS_CONTENT_TYPE = "application/json"


def subscriptions(platform: Platform) -> Subscriptions:
    """The platform's consumers (an empty set if the app did not register any)."""
    found = platform.find(Subscriptions)
    if found is None:
        found = Subscriptions()
        platform.provide(Subscriptions, found)
    return found


async def drain(platform: Platform) -> int:
    """Deliver everything pending now (including events the handlers emit); returns deliveries that succeeded.

    Deliveries waiting for a retry whose time has not come stay pending; turn the clock and drain again.
    """
    subs = subscriptions(platform)
    async with subs.lock, _dispatch_lock(platform, wait=True), _transport(platform, subs) as transport:
        return await _pass(platform, subs, transport)


async def dispatch_round(platform: Platform) -> int:
    """`DISPATCHER`'s round: route and deliver one batch; returns what moved, was delivered or went dead.

    The kernel's periodic loop runs it while this process leads the dispatch (`busy_again`: rounds follow
    each other at once while there is work, then every `events_poll_ms`).
    """
    subs = subscriptions(platform)
    relay = platform.find(_Relay)
    if relay is None:
        relay = _Relay(platform, subs)
        platform.provide(_Relay, relay)
    async with subs.lock:
        return await _round(platform, subs, await relay.open())


async def _close_relay(platform: Platform) -> None:
    relay = platform.find(_Relay)
    if relay is not None:
        await relay.close()


class _Relay:
    """The background dispatcher's transport, kept open between rounds (NATS: one connection)."""

    def __init__(self, platform: Platform, subs: Subscriptions) -> None:
        self._platform = platform
        self._subs = subs
        self._stack: contextlib.AsyncExitStack | None = None
        self._transport: Transport | None = None

    async def open(self) -> Transport:
        if self._transport is None:
            stack = contextlib.AsyncExitStack()
            self._transport = await stack.enter_async_context(_transport(self._platform, self._subs))
            self._stack = stack
        return self._transport

    async def close(self) -> None:
        stack, self._stack, self._transport = self._stack, None, None
        if stack is not None:
            await stack.aclose()


DISPATCHER = Periodic(
    name="events.dispatch",
    every_s=lambda settings: max(settings.events_poll_ms, 10) / 1000,
    run=dispatch_round,
    leader=True,
    busy_again=True,
    busy_pause_s=lambda settings: max(settings.events_gather_ms, 0) / 1000,
    close=_close_relay,
)


async def _round(platform: Platform, subs: Subscriptions, transport: Transport) -> int:
    moved = await transport.route()
    done, dead = await _deliver_due(platform, subs)
    return moved + done + dead  # a dead letter frees later events of its aggregate: worth another round


async def _pass(platform: Platform, subs: Subscriptions, transport: Transport) -> int:
    delivered = 0
    while True:
        moved = await transport.route()
        done, dead = await _deliver_due(platform, subs)
        delivered += done
        if moved == 0 and done == 0 and dead == 0:  # a dead letter frees later events of its aggregate
            return delivered


def _dispatch_lock(platform: Platform, *, wait: bool) -> contextlib.AbstractAsyncContextManager[bool]:
    """One dispatcher per database: enter if this process leads the dispatch or can take it for now."""
    return Leadership(platform, DISPATCHER.name).round(wait=wait)


# ---------------------------------------------------------------------------------------------- routing


class Transport(Protocol):
    async def route(self) -> int:
        """Move committed outbox events into consumers' deliveries; returns how many moved."""
        ...


_DELIVERIES = table_of(DeliveryRow)
_PROCESSED = table_of(ProcessedRow)


def _delivery(
    consumer: str,
    *,
    event_id: str,
    seq: int,
    topic: str,
    tenant_id: str,
    aggregate_id: str,
    data: dict[str, Any],
    time_ms: int,
    actor_uuid: str,
    now_ms: int,
) -> dict[str, Any]:
    """A delivery row's every column, for one multi-row Core INSERT per round (no ORM object per event)."""
    return {
        "consumer": consumer,
        "event_id": event_id,
        "seq": seq,
        "topic": topic,
        "tenant_id": tenant_id,
        "aggregate_id": aggregate_id,
        "data": data,
        "event_time_ms": time_ms,
        "actor_uuid": actor_uuid,
        "attempts": 0,
        "next_attempt_ms": now_ms,
        "last_error": None,
        "created_by": SYSTEM_UUID,
        "created_time": now_ms,
        "last_modified_by": SYSTEM_UUID,
        "last_modified_time": now_ms,
        "row_version": 1,
    }


async def _insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows of one table in one statement (SQLAlchemy's insertmanyvalues), without the unit of work."""
    if rows:
        await session.execute(insert(table), list(rows))


async def _mark_published(session: AsyncSession, rows: Sequence[OutboxRow], now_ms: int) -> None:
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.seq.in_([r.seq for r in rows]))
        .values(published_time=now_ms)
        .execution_options(synchronize_session=False)  # no row of the session needs refreshing
    )


async def _pending_outbox(platform: Platform) -> list[OutboxRow]:
    async with platform.read_sessions() as session:
        query = select(OutboxRow).where(OutboxRow.published_time.is_(None)).order_by(OutboxRow.seq).limit(BATCH)
        return list(await session.scalars(query))


class InProcessTransport:
    def __init__(self, platform: Platform, subs: Subscriptions) -> None:
        self._platform = platform
        self._subs = subs

    async def route(self) -> int:
        platform = self._platform
        async with platform.sessions() as session:
            query = select(OutboxRow).where(OutboxRow.published_time.is_(None)).order_by(OutboxRow.seq).limit(BATCH)
            rows = list(await session.scalars(query))
            if not rows:
                return 0
            now_ms = platform.clock.now_ms()
            deliveries = [
                _delivery(
                    consumer.name,
                    event_id=row.id,
                    seq=row.seq,
                    topic=row.topic,
                    tenant_id=row.tenant_id,
                    aggregate_id=row.aggregate_id,
                    data=row.data,
                    time_ms=row.created_time,
                    actor_uuid=row.created_by,
                    now_ms=now_ms,
                )
                for row in rows
                for consumer in self._subs.for_event(row.topic, row.data)
            ]
            await _insert_rows(session, _DELIVERIES, deliveries)
            await _mark_published(session, rows, now_ms)
            await session.commit()
        return len(rows)


# ---------------------------------------------------------------------------------------------- NATS


def nats_subject(prefix: str, topic: str) -> str:
    """DIGIT's Kafka topic as a NATS subject under the prefix: `egov.collection.payment-create` keeps its dots;
    characters NATS reserves (spaces, `*`, `>`) become `_`, and empty tokens are dropped."""
    tokens = [re.sub(r"[^A-Za-z0-9_\-]", "_", t) for t in topic.split(".") if t]
    return ".".join([prefix, *tokens])


def stream_name(prefix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "_", prefix).upper() + "_EVENTS"


def durable_name(prefix: str, consumer: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "_", f"{prefix}_{consumer}")


def to_cloudevent(row: OutboxRow, *, source: str) -> bytes:
    """The outbox row as a CloudEvents 1.0 structured JSON envelope (extensions: tenantid, partitionkey,
    sequence, actor)."""
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": row.id,
        "source": source,
        "type": row.topic,
        "time": datetime.fromtimestamp(row.created_time / 1000, tz=UTC),
        "subject": row.aggregate_id,
        "datacontenttype": CLOUDEVENTS_CONTENT_TYPE,
        "tenantid": row.tenant_id,
        "partitionkey": row.aggregate_id,
        "sequence": str(row.seq),
        "actor": row.created_by,
    }
    return JSONFormat().write(CloudEvent(attributes, row.data))


def from_cloudevent(payload: bytes) -> tuple[int, Event]:
    """(outbox seq, event) from a CloudEvents JSON envelope written by `to_cloudevent`."""
    from cloudevents.core.formats.json import JSONFormat

    event = JSONFormat().read(None, payload)
    attributes = event.get_attributes()
    data = event.get_data()
    time = attributes.get("time")
    time_ms = int(time.timestamp() * 1000) if isinstance(time, datetime) else 0
    return int(attributes.get("sequence") or 0), Event(
        id=str(attributes["id"]),
        topic=str(attributes["type"]),
        tenant_id=str(attributes.get("tenantid") or ""),
        aggregate_id=str(attributes.get("partitionkey") or attributes.get("subject") or ""),
        data=data if isinstance(data, dict) else {},
        time_ms=time_ms,
        actor_uuid=str(attributes.get("actor") or SYSTEM_UUID),
    )


class NatsTransport:
    """Relay outbox -> JetStream, then pull each consumer's durable JetStream consumer into its deliveries."""

    def __init__(self, platform: Platform, subs: Subscriptions) -> None:
        self._platform = platform
        self._subs = subs
        self._prefix = platform.settings.nats_subject_prefix
        self._stream = stream_name(self._prefix)
        self._source = f"{platform.settings.public_url.rstrip('/')}/digit"
        self._nc: Any = None
        self._js: Any = None
        self._pulls: dict[str, Any] = {}

    async def open(self) -> None:
        import nats
        from nats.js import api
        from nats.js.errors import NotFoundError

        self._nc = await nats.connect(
            self._platform.settings.nats_url, connect_timeout=2, max_reconnect_attempts=3, allow_reconnect=True
        )
        self._js = self._nc.jetstream()
        try:
            await self._js.stream_info(self._stream)
        except NotFoundError:
            await self._js.add_stream(
                api.StreamConfig(name=self._stream, subjects=[f"{self._prefix}.>"], duplicate_window=120.0)
            )
        for consumer in self._subs.consumers:
            config = api.ConsumerConfig(
                durable_name=durable_name(self._prefix, consumer.name),
                ack_policy=api.AckPolicy.EXPLICIT,
                deliver_policy=api.DeliverPolicy.ALL,
                ack_wait=30.0,
                filter_subject=f"{self._prefix}.>",
            )
            self._pulls[consumer.name] = await self._js.pull_subscribe(
                f"{self._prefix}.>", durable=config.durable_name, stream=self._stream, config=config
            )

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None

    async def route(self) -> int:
        return await self._relay() + await self._pull_all()

    async def _relay(self) -> int:
        rows = await _pending_outbox(self._platform)
        if not rows:
            return 0
        futures = []
        for row in rows:
            futures.append(
                await self._js.publish_async(
                    nats_subject(self._prefix, row.topic),
                    to_cloudevent(row, source=self._source),
                    headers={"Nats-Msg-Id": row.id},
                )
            )
        await asyncio.gather(*futures)  # raises if JetStream refused one: nothing is marked published then
        now_ms = self._platform.clock.now_ms()
        async with self._platform.sessions() as session:
            await _mark_published(session, rows, now_ms)
            await session.commit()
        return len(rows)

    async def _pull_all(self) -> int:
        moved = 0
        for consumer in self._subs.consumers:
            moved += await self._pull(consumer)
        return moved

    async def _pull(self, consumer: Consumer) -> int:
        from nats.errors import TimeoutError as NatsTimeout

        subscription = self._pulls[consumer.name]
        moved = 0
        while True:
            info = await subscription.consumer_info()
            if info.num_pending == 0:
                return moved
            try:
                messages = await subscription.fetch(min(info.num_pending, BATCH), timeout=5)
            except NatsTimeout:
                return moved
            now_ms = self._platform.clock.now_ms()
            async with self._platform.sessions() as session:
                wanted = _wanted_events(consumer, messages)
                moved += await _add_deliveries(session, consumer.name, wanted, now_ms=now_ms)
                await session.commit()
            for message in messages:
                await message.ack()


def _wanted_events(consumer: Consumer, messages: Sequence[Msg]) -> list[tuple[int, Event]]:
    """(outbox seq, event) of the messages the consumer subscribes to; unreadable ones are logged and dropped."""
    wanted = []
    for message in messages:
        try:
            seq, event = from_cloudevent(message.data)
        except (ValueError, KeyError, TypeError, BaseCloudEventException):
            log.warning("nats_message_unreadable", extra={"subject": message.subject})
            continue  # acknowledged by the caller: a message no one can read must not block the rest
        if consumer.wants(event.topic, event.data):
            wanted.append((seq, event))
    return wanted


async def _add_deliveries(
    session: AsyncSession, consumer_name: str, wanted: Sequence[tuple[int, Event]], *, now_ms: int
) -> int:
    """Queue each event for the consumer once: not if already queued or processed (JetStream redelivers)."""
    ids = [e.id for _, e in wanted]
    known = set(
        await session.scalars(
            select(DeliveryRow.event_id).where(DeliveryRow.consumer == consumer_name, DeliveryRow.event_id.in_(ids))
        )
    )
    done = set(
        await session.scalars(
            select(ProcessedRow.event_id).where(ProcessedRow.consumer == consumer_name, ProcessedRow.event_id.in_(ids))
        )
    )
    added: list[dict[str, Any]] = []
    for seq, event in wanted:
        if event.id in known or event.id in done:
            continue
        known.add(event.id)
        added.append(
            _delivery(
                consumer_name,
                event_id=event.id,
                seq=seq,
                topic=event.topic,
                tenant_id=event.tenant_id,
                aggregate_id=event.aggregate_id,
                data=event.data,
                time_ms=event.time_ms,
                actor_uuid=event.actor_uuid,
                now_ms=now_ms,
            )
        )
    await _insert_rows(session, _DELIVERIES, added)
    return len(added)


@contextlib.asynccontextmanager
async def _transport(platform: Platform, subs: Subscriptions) -> AsyncIterator[Transport]:
    if platform.settings.events_backend != "nats":
        yield InProcessTransport(platform, subs)
        return
    transport = NatsTransport(platform, subs)
    try:
        await transport.open()
        yield transport
    finally:
        await transport.close()


# ---------------------------------------------------------------------------------------------- delivery


def _event_of(row: DeliveryRow | DeadLetterRow) -> Event:
    return Event(
        id=row.event_id,
        topic=row.topic,
        tenant_id=row.tenant_id,
        aggregate_id=row.aggregate_id,
        data=row.data,
        time_ms=row.event_time_ms,
        actor_uuid=row.actor_uuid,
    )


async def _deliver_due(platform: Platform, subs: Subscriptions) -> tuple[int, int]:
    """(deliveries that succeeded, deliveries that went to the dead-letter table) in one pass."""
    by_name = {c.name: c for c in subs.consumers}
    async with platform.read_sessions() as session:
        query = select(DeliveryRow).order_by(DeliveryRow.seq, DeliveryRow.consumer).limit(BATCH)
        rows: Sequence[DeliveryRow] = list(await session.scalars(query))
        marked = select(ProcessedRow.consumer, ProcessedRow.event_id).where(
            ProcessedRow.event_id.in_({r.event_id for r in rows})
        )
        seen = {(c, e) for c, e in (await session.execute(marked)).all()} if rows else set()
    groups = _runnable_by_consumer(rows, by_name, now_ms=platform.clock.now_ms())
    finished: list[tuple[DeliveryRow, bool]] = []  # handled without a transaction of their own: marked in bulk
    delivered = dead = 0
    for name, group in groups.items():
        consumer = by_name[name]
        batched = consumer.together and len(group) > 1
        together = await _deliver_together(platform, consumer, group, seen) if batched else None
        if together is not None:
            delivered += len(group)
            if together is _Outcome.UNMARKED:
                finished.extend((row, (row.consumer, row.event_id) in seen) for row in group)
            continue
        blocked: set[str] = set()  # one by one: a failed event holds back the later ones of its aggregate
        for row in group:
            if row.aggregate_id in blocked:
                continue
            already = (row.consumer, row.event_id) in seen
            outcome = await _deliver_one(platform, consumer, row, already=already)
            if outcome is _Outcome.FAILED:
                blocked.add(row.aggregate_id)
                dead += await _record_failure(platform, row)
                continue
            delivered += 1
            if outcome is _Outcome.UNMARKED:
                finished.append((row, already))
    await _mark_processed(platform, finished)
    return delivered, dead


def _runnable_by_consumer(
    rows: Sequence[DeliveryRow], by_name: dict[str, Consumer], *, now_ms: int
) -> dict[str, list[DeliveryRow]]:
    """The deliveries to try now, per consumer in event order: not those of an unknown consumer, not those
    waiting for a retry, and not the later events of an aggregate whose earlier event waits."""
    waiting: set[tuple[str, str]] = set()
    groups: dict[str, list[DeliveryRow]] = {}
    for row in rows:
        key = (row.consumer, row.aggregate_id)
        if key in waiting or row.consumer not in by_name or row.next_attempt_ms > now_ms:
            waiting.add(key)
            continue
        groups.setdefault(row.consumer, []).append(row)
    return groups


async def _deliver_together(
    platform: Platform, consumer: Consumer, rows: Sequence[DeliveryRow], seen: set[tuple[str, str]]
) -> _Outcome | None:
    """Every row in one transaction, with their processed marks and removal in two statements; None when
    any handler fails (nothing of the batch is kept, and the caller delivers them one by one)."""
    async with platform.sessions() as session:
        token = _delivery_session.set(session)
        try:
            fresh = [row for row in rows if (consumer.name, row.event_id) not in seen]
            await _handle_batch(platform, consumer, [_event_of(row) for row in fresh], session)
            if not session.in_transaction():
                return _Outcome.UNMARKED
            now_ms = platform.clock.now_ms()
            await _insert_rows(
                session, _PROCESSED, [_processed(consumer.name, _event_of(row), now_ms) for row in fresh]
            )
            await session.execute(
                delete(DeliveryRow).where(
                    DeliveryRow.consumer == consumer.name, DeliveryRow.event_id.in_([row.event_id for row in rows])
                )
            )
            await session.commit()
            return _Outcome.COMMITTED
        except Exception:  # noqa: BLE001 - retried one by one, where each failure is recorded
            await session.rollback()
            return None
        finally:
            _delivery_session.reset(token)


async def _handle_batch(platform: Platform, consumer: Consumer, events: list[Event], session: AsyncSession) -> None:
    if consumer.handle_many is not None:
        if events:
            await consumer.handle_many(platform, events)
        return
    for event in events:
        await consumer.handle(platform, event)
        if session.in_transaction():
            await session.flush()  # the next event's handler reads what this one wrote


class _Outcome(enum.Enum):
    COMMITTED = "committed"  # handler's writes, processed mark and delivery removal in one transaction
    UNMARKED = "unmarked"  # handler wrote nothing through the delivery session: mark later, in bulk
    FAILED = "failed"


async def _deliver_one(platform: Platform, consumer: Consumer, row: DeliveryRow, *, already: bool) -> _Outcome:
    event = _event_of(row)
    # The delivery session begins (on SQLite: takes the write lock) at its first statement: inside the
    # handler if it writes through `delivery_session()`, else never, so a handler may use clients that
    # open write transactions of their own.
    async with platform.sessions() as session:
        token = _delivery_session.set(session)
        try:
            if not already:
                await consumer.handle(platform, event)
            if not session.in_transaction():
                return _Outcome.UNMARKED
            if not already:
                await _insert_rows(session, _PROCESSED, [_processed(consumer.name, event, platform.clock.now_ms())])
            await session.execute(
                delete(DeliveryRow).where(DeliveryRow.consumer == consumer.name, DeliveryRow.event_id == event.id)
            )
            await session.commit()
            return _Outcome.COMMITTED
        except IntegrityError as error:
            await session.rollback()
            if await _already_processed(platform, consumer.name, event.id):
                await _forget(platform, consumer.name, event.id)
                return _Outcome.COMMITTED
            row.last_error = error_name(error)
            return _Outcome.FAILED
        except Exception as error:  # noqa: BLE001 - one consumer's failure is recorded, never fatal to the rest
            await session.rollback()
            row.last_error = error_name(error)
            return _Outcome.FAILED
        finally:
            _delivery_session.reset(token)


def _processed(consumer: str, event: Event, now_ms: int) -> dict[str, Any]:
    return {
        "consumer": consumer,
        "event_id": event.id,
        "tenant_id": event.tenant_id,
        "created_by": SYSTEM_UUID,
        "created_time": now_ms,
        "last_modified_by": SYSTEM_UUID,
        "last_modified_time": now_ms,
        "row_version": 1,
    }


async def _mark_processed(platform: Platform, finished: Sequence[tuple[DeliveryRow, bool]]) -> None:
    """Processed marks and delivery removal for many handled events in one transaction.

    A crash before this commit redelivers them: at least once, as for any handler that writes outside
    the delivery session.
    """
    if not finished:
        return
    now_ms = platform.clock.now_ms()
    try:
        async with platform.sessions() as session:
            marks = [_processed(row.consumer, _event_of(row), now_ms) for row, already in finished if not already]
            await _insert_rows(session, _PROCESSED, marks)
            for consumer in {row.consumer for row, _ in finished}:
                ids = [row.event_id for row, _ in finished if row.consumer == consumer]
                await session.execute(
                    delete(DeliveryRow).where(DeliveryRow.consumer == consumer, DeliveryRow.event_id.in_(ids))
                )
            await session.commit()
    except IntegrityError:  # another dispatcher marked some of them meanwhile: one by one
        for row, _ in finished:
            if not await _already_processed(platform, row.consumer, row.event_id):
                async with platform.sessions() as session:
                    with contextlib.suppress(IntegrityError):
                        await _insert_rows(session, _PROCESSED, [_processed(row.consumer, _event_of(row), now_ms)])
                        await session.commit()
            await _forget(platform, row.consumer, row.event_id)


async def _already_processed(platform: Platform, consumer: str, event_id: str) -> bool:
    async with platform.read_sessions() as session:
        return await session.get(ProcessedRow, (consumer, event_id)) is not None


async def _forget(platform: Platform, consumer: str, event_id: str) -> None:
    async with platform.sessions() as session:
        await session.execute(
            delete(DeliveryRow).where(DeliveryRow.consumer == consumer, DeliveryRow.event_id == event_id)
        )
        await session.commit()


async def _record_failure(platform: Platform, row: DeliveryRow) -> int:
    """Count the failed attempt (reason in `row.last_error`) and set the next; returns 1 if it went dead."""
    settings = platform.settings
    try:
        async with platform.sessions() as session:
            current = await session.get(DeliveryRow, (row.consumer, row.event_id))
            if current is None:
                return 0
            now_ms = platform.clock.now_ms()
            attempts = current.attempts + 1
            reason = row.last_error
            if attempts >= settings.events_max_attempts:
                dead = await session.scalar(
                    select(DeadLetterRow).where(
                        DeadLetterRow.consumer == row.consumer, DeadLetterRow.event_id == row.event_id
                    )
                )
                if dead is None:
                    dead = DeadLetterRow(
                        consumer=row.consumer,
                        event_id=row.event_id,
                        created_by=SYSTEM_UUID,
                        created_time=now_ms,
                    )
                    session.add(dead)
                dead.seq = current.seq
                dead.topic = current.topic
                dead.tenant_id = current.tenant_id
                dead.aggregate_id = current.aggregate_id
                dead.data = current.data
                dead.event_time_ms = current.event_time_ms
                dead.actor_uuid = current.actor_uuid
                dead.attempts = attempts
                dead.last_error = reason
                dead.status = "DEAD"
                dead.last_modified_by = SYSTEM_UUID
                dead.last_modified_time = now_ms
                await session.delete(current)
                log.warning(
                    "event_dead_lettered",
                    extra={"consumer": row.consumer, "event_id": row.event_id, "topic": row.topic, "error": reason},
                )
            else:
                current.attempts = attempts
                current.next_attempt_ms = now_ms + settings.events_retry_base_ms * 2 ** (attempts - 1)
                current.last_error = reason
                current.last_modified_time = now_ms
                log.info(
                    "event_delivery_failed",
                    extra={"consumer": row.consumer, "event_id": row.event_id, "attempt": attempts, "error": reason},
                )
            await session.commit()
            return 1 if attempts >= settings.events_max_attempts else 0
    except SQLAlchemyError:
        log.exception("event_failure_not_recorded", extra={"consumer": row.consumer, "event_id": row.event_id})
        return 0
