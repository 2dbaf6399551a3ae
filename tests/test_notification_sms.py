"""Notification: SMS through the development sink (encrypted at rest), the HTTP gateway, retries."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from digit.blocks.notification import service
from digit.blocks.notification.channels import HttpGatewaySender
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.models import AttemptRow, DeliveryRow, SinkMessageRow
from digit.kernel.clock import FrozenClock
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform
from tests.notification_helpers import Gateway

MOBILE = "9876543210"
TEXT = "Your OTP is 424242"


def _notifier(platform: Platform) -> InProcessNotificationClient:
    client = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(client, InProcessNotificationClient)
    return client


async def _sink(platform: Platform, mobile: str | None = MOBILE) -> list[dict[str, Any]]:
    notifier = _notifier(platform)
    async with platform.read_sessions() as session:
        return await service.search_sink(
            session, notifier.vault, tenant_id="pb", channel="SMS", recipient=mobile, limit=10, offset=0
        )


async def test_send_sms_to_sink_is_readable_by_mobile(platform: Platform) -> None:
    notifier = _notifier(platform)

    delivery_id = await notifier.send_sms(tenant_id="pb", mobile_number=MOBILE, message=TEXT, category="OTP")
    await notifier.flush()

    found = await _sink(platform)
    assert [(m["deliveryId"], m["mobileNumber"], m["message"], m["category"]) for m in found] == [
        (delivery_id, MOBILE, TEXT, "OTP")
    ]


async def test_send_sms_stores_no_plaintext(platform: Platform) -> None:
    notifier = _notifier(platform)

    await notifier.send_sms(tenant_id="pb.amritsar", mobile_number=MOBILE, message=TEXT)
    await notifier.flush()

    async with platform.read_sessions() as session:
        sink = (await session.scalars(select(SinkMessageRow))).one()
        delivery = (await session.scalars(select(DeliveryRow))).one()
    stored = " ".join([sink.recipient, sink.body, sink.recipient_index, delivery.payload])
    assert MOBILE not in stored
    assert "424242" not in stored


async def test_sink_search_by_other_mobile_finds_nothing(platform: Platform) -> None:
    notifier = _notifier(platform)
    await notifier.send_sms(tenant_id="pb", mobile_number=MOBILE, message=TEXT)
    await notifier.flush()

    assert await _sink(platform, "9000000000") == []


async def test_send_sms_with_unknown_category_is_invalid(platform: Platform) -> None:
    with pytest.raises(Invalid) as raised:
        await _notifier(platform).send_sms(tenant_id="pb", mobile_number=MOBILE, message=TEXT, category="SPAM")

    assert raised.value.code == "INVALID_CATEGORY"


async def test_send_sms_in_caller_session_waits_for_commit(platform: Platform) -> None:
    notifier = _notifier(platform)

    async with platform.sessions() as session, session.begin():
        await notifier.send_sms(session=session, tenant_id="pb", mobile_number=MOBILE, message=TEXT)
        await notifier.flush()
        assert await _sink(platform) == []
    await notifier.flush()

    assert [m["message"] for m in await _sink(platform)] == [TEXT]


async def test_send_sms_in_rolled_back_session_is_never_sent(platform: Platform) -> None:
    notifier = _notifier(platform)

    async with platform.sessions() as session:
        await session.begin()
        await notifier.send_sms(session=session, tenant_id="pb", mobile_number=MOBILE, message=TEXT)
        await session.rollback()
    await notifier.flush()

    assert await _sink(platform) == []


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[Gateway]:
    fake = Gateway(failures=2)
    notifier = _notifier(platform)
    sender = HttpGatewaySender(
        "http://sms.test/send?to={mobileNumber}&text={message}", transport=httpx.MockTransport(fake)
    )
    notifier.sms_sender = sender
    yield fake


async def test_sms_of_a_rolled_back_transaction_stays_unsent_when_the_session_later_commits(
    platform: Platform, gateway: Gateway
) -> None:
    gateway.failures = 0
    notifier = _notifier(platform)

    async with platform.sessions() as session:
        await session.begin()
        await notifier.send_sms(session=session, tenant_id="pb", mobile_number=MOBILE, message="undone")
        await session.rollback()
        await session.begin()
        await notifier.send_sms(session=session, tenant_id="pb", mobile_number=MOBILE, message=TEXT)
        await session.commit()
    await notifier.flush()

    assert [r.url.params["text"] for r in gateway.requests] == [TEXT]


async def test_failed_sms_is_retried_with_backoff_until_sent(
    platform: Platform, clock: FrozenClock, gateway: Gateway
) -> None:
    notifier = _notifier(platform)
    delivery_id = await notifier.send_sms(tenant_id="pb", mobile_number=MOBILE, message=TEXT)
    await notifier.flush()

    early = await notifier.retry_due()
    clock.advance(ms=platform.settings.notification_retry_base_ms)
    first = await notifier.retry_due()
    clock.advance(ms=2 * platform.settings.notification_retry_base_ms)
    second = await notifier.retry_due()

    async with platform.read_sessions() as session:
        delivery = await session.get(DeliveryRow, delivery_id)
        outcomes = list(await session.scalars(select(AttemptRow.outcome).order_by(AttemptRow.attempt)))
    assert (early, first, second) == (0, 1, 1)
    assert delivery is not None
    assert (delivery.status, delivery.attempts) == ("SENT", 3)
    assert outcomes == ["FAILED", "FAILED", "SENT"]


async def test_sms_failing_every_time_ends_failed(platform: Platform, clock: FrozenClock, gateway: Gateway) -> None:
    gateway.failures = 100
    notifier = _notifier(platform)
    delivery_id = await notifier.send_sms(tenant_id="pb", mobile_number=MOBILE, message=TEXT)
    await notifier.flush()

    for _ in range(platform.settings.notification_max_attempts):
        clock.advance(days=1)
        await notifier.retry_due()

    async with platform.read_sessions() as session:
        delivery = await session.get(DeliveryRow, delivery_id)
    assert delivery is not None
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "FAILED",
        platform.settings.notification_max_attempts,
        "GATEWAY_HTTP_503",
    )


async def test_sending_logs_no_number_and_no_text(
    platform: Platform, clock: FrozenClock, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    notifier = _notifier(platform)

    await notifier.send_sms(tenant_id="pb", mobile_number=MOBILE, message=TEXT, category="OTP")
    await notifier.flush()
    clock.advance(days=1)
    await notifier.retry_due()

    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "notification_attempt" in logged
    assert MOBILE not in logged
    assert "424242" not in logged
