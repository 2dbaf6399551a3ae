"""Notification routing in batches: the dispatcher hands the consumer many events in one transaction; they
become the same messages and in-app events as one by one, in one statement per table, never sent twice,
and a real channel that fails is still retried."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event, func, select, update

from digit.blocks.notification import routing
from digit.blocks.notification.channels import HttpGatewaySender
from digit.blocks.notification.models import (
    AttemptRow,
    DeliveryRow,
    EventRecipientRow,
    SinkMessageRow,
    UserEventRow,
)
from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain
from digit.kernel.events import Event, OutboxRow, ProcessedRow
from digit.kernel.platform import Platform
from tests.notification_helpers import TOPIC, Gateway, emit_complaint, in_app, load_route, notifier_of, sms_texts

COMPLAINTS = ("PB-PGR-2026-11-26-000001", "PB-PGR-2026-11-26-000002", "PB-PGR-2026-11-26-000003")
NOTIFICATION_TABLES = (UserEventRow, EventRecipientRow, DeliveryRow, SinkMessageRow, AttemptRow)


@pytest.fixture
async def citizen_uuid(platform: Platform) -> str:
    return await load_route(platform)


@pytest.fixture
def gateway(platform: Platform) -> Gateway:
    """SMS go to a gateway that fails its first two requests."""
    fake = Gateway(failures=2)
    notifier_of(platform).sms_sender = HttpGatewaySender(
        "http://sms.test/send?to={mobileNumber}&text={message}", transport=httpx.MockTransport(fake)
    )
    return fake


@pytest.fixture
def inserts(platform: Platform) -> Iterator[collections.Counter[str]]:
    """INSERT statements per table, counted at the driver."""
    counted: collections.Counter[str] = collections.Counter()
    engine = platform.engine.sync_engine

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO "):
            counted[statement.split()[2]] += 1

    event.listen(engine, "before_cursor_execute", count)
    yield counted
    event.remove(engine, "before_cursor_execute", count)


def _filed(citizen_uuid: str, service_request_id: str) -> Event:
    return Event(
        id=f"00000000-0000-0000-0000-{service_request_id[-12:]}",
        topic=TOPIC,
        tenant_id="pb.amritsar",
        aggregate_id=service_request_id,
        data={
            "businessService": "PGR",
            "action": "APPLY",
            "serviceRequestId": service_request_id,
            "serviceCode": "StreetLightNotWorking",
            "citizenUuid": citizen_uuid,
        },
        time_ms=1,
        actor_uuid=citizen_uuid,
    )


async def _outcome(platform: Platform) -> tuple[list[str], list[tuple[str, str, str | None]]]:
    return sorted(await sms_texts(platform)), sorted(await in_app(platform))


async def _forget_notifications(platform: Platform) -> None:
    async with platform.sessions() as session, session.begin():
        for table in NOTIFICATION_TABLES:
            await session.execute(delete(table))


async def _lose_processed_marks(platform: Platform) -> None:
    """As if the notification consumer's processed marks were lost: the relay publishes every event again."""
    async with platform.sessions() as session, session.begin():
        await session.execute(delete(ProcessedRow).where(ProcessedRow.consumer == routing.CONSUMER.name))
        await session.execute(update(OutboxRow).values(published_time=None))


async def _count(platform: Platform, model: type[Any]) -> int:
    query = select(func.count()).select_from(model)
    if model is ProcessedRow:  # the notification consumer's marks of the test topic's events
        filed = select(OutboxRow.id).where(OutboxRow.topic == TOPIC)
        query = query.where(ProcessedRow.consumer == routing.CONSUMER.name, ProcessedRow.event_id.in_(filed))
    async with platform.read_sessions() as session:
        return int(await session.scalar(query) or 0)


async def test_drain_of_several_events_sends_each_its_messages(platform: Platform, citizen_uuid: str) -> None:
    for number in COMPLAINTS:
        await emit_complaint(platform, citizen_uuid, serviceRequestId=number)

    await drain(platform)

    assert sorted(await sms_texts(platform)) == [
        f"Dear Demo Citizen, complaint {n} about Street light not working is filed." for n in COMPLAINTS
    ]
    assert sorted(await in_app(platform)) == [
        ("Complaint filed", f"Complaint {n} about Street light not working is filed.", n) for n in COMPLAINTS
    ]


async def test_drain_of_several_events_writes_each_table_in_one_statement(
    platform: Platform, citizen_uuid: str, inserts: collections.Counter[str]
) -> None:
    for number in COMPLAINTS:
        await emit_complaint(platform, citizen_uuid, serviceRequestId=number)

    await drain(platform)

    tables = [model.__tablename__ for model in NOTIFICATION_TABLES]
    assert {table: inserts[table] for table in tables} == dict.fromkeys(tables, 1)
    assert await _count(platform, SinkMessageRow) == len(COMPLAINTS)


async def test_batch_records_what_one_by_one_records(platform: Platform, citizen_uuid: str) -> None:
    events = [_filed(citizen_uuid, number) for number in COMPLAINTS]
    await routing.route_events(platform, events)
    batched = await _outcome(platform)
    await _forget_notifications(platform)

    for one in events:
        await routing.route_event(platform, one)

    assert await _outcome(platform) == batched
    assert len(batched[0]) == len(COMPLAINTS)


async def test_redelivered_batch_after_lost_processed_marks_sends_nothing_twice(
    platform: Platform, citizen_uuid: str
) -> None:
    for number in COMPLAINTS[:2]:
        await emit_complaint(platform, citizen_uuid, serviceRequestId=number)
    await drain(platform)
    await _lose_processed_marks(platform)

    await drain(platform)

    assert await _count(platform, ProcessedRow) == 2  # handled again, and marked again
    assert len(await sms_texts(platform)) == 2
    assert len(await in_app(platform)) == 2
    assert await _count(platform, DeliveryRow) == 2


async def test_batch_to_failing_gateway_is_retried_until_sent(
    platform: Platform, clock: FrozenClock, citizen_uuid: str, gateway: Gateway
) -> None:
    for number in COMPLAINTS[:2]:
        await emit_complaint(platform, citizen_uuid, serviceRequestId=number)
    await drain(platform)
    notifier = notifier_of(platform)
    await notifier.flush()

    clock.advance(ms=platform.settings.notification_retry_base_ms)
    retried = await notifier.retry_due()

    async with platform.read_sessions() as session:
        deliveries = list(await session.scalars(select(DeliveryRow).where(DeliveryRow.channel == "SMS")))
        outcomes = list(await session.scalars(select(AttemptRow.outcome).order_by(AttemptRow.attempt)))
    assert retried == 2
    assert sorted((d.status, d.attempts) for d in deliveries) == [("SENT", 2), ("SENT", 2)]
    assert outcomes == ["FAILED", "FAILED", "SENT", "SENT"]
    assert len(gateway.requests) == 4
    assert await _count(platform, SinkMessageRow) == 0


async def test_redelivered_batch_to_gateway_is_sent_once(
    platform: Platform, citizen_uuid: str, gateway: Gateway
) -> None:
    gateway.failures = 0
    for number in COMPLAINTS[:2]:
        await emit_complaint(platform, citizen_uuid, serviceRequestId=number)
    await drain(platform)
    await notifier_of(platform).flush()
    await _lose_processed_marks(platform)

    await drain(platform)
    await notifier_of(platform).flush()

    assert len(gateway.requests) == 2
    assert await _count(platform, DeliveryRow) == 2
