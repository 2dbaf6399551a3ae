"""Notification routing in tests: one route on a test topic, its templates, the demo citizen as recipient."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from digit.blocks.localization import service as localization_service
from digit.blocks.localization.schemas import Message
from digit.blocks.mdms import service as mdms_service
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.notification import routing
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.models import UserEventRow
from digit.blocks.notification.service import search_sink
from digit.blocks.user.client import USER_CLIENT
from digit.kernel.events import emit
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID

TOPIC = "test-complaint-filed"
ROUTE: dict[str, Any] = {
    "code": "TEST_COMPLAINT_FILED_CITIZEN",
    "active": True,
    "topic": TOPIC,
    "condition": {"businessService": "PGR", "action": ["APPLY"]},
    "recipients": ["citizenUuid"],
    "channels": ["SMS", "INAPP", "EMAIL"],
    "module": "rainmaker-test",
    "templateCode": "TEST_FILED_MSG",
    "subjectCode": "TEST_FILED_SUBJECT",
    "inAppTemplateCode": "TEST_FILED_INAPP",
    "localizeValues": {"serviceCode": "SERVICEDEFS."},
    "category": "TRANSACTION",
    "eventCategory": "PGR",
    "actionUrl": "/digit-ui/citizen/pgr/complaints/{serviceRequestId}",
}
TEMPLATES = [
    ("en_IN", "TEST_FILED_MSG", "Dear {name}, complaint {serviceRequestId} about {serviceCode} is filed."),
    ("en_IN", "TEST_FILED_SUBJECT", "Complaint filed"),
    ("en_IN", "TEST_FILED_INAPP", "Complaint {serviceRequestId} about {serviceCode} is filed."),
    ("en_IN", "SERVICEDEFS.STREETLIGHTNOTWORKING", "Street light not working"),
    ("hi_IN", "TEST_FILED_MSG", "शिकायत {serviceRequestId} ({serviceCode}) दर्ज हो गई है।"),
    ("hi_IN", "TEST_FILED_SUBJECT", "शिकायत दर्ज"),
    ("hi_IN", "SERVICEDEFS.STREETLIGHTNOTWORKING", "स्ट्रीट लाइट खराब"),
]


def notifier_of(platform: Platform) -> InProcessNotificationClient:
    client = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(client, InProcessNotificationClient)
    return client


async def load_route(platform: Platform) -> str:
    """Loads the route and its templates; returns the demo citizen's uuid."""
    now_ms = platform.clock.now_ms()
    async with platform.sessions() as session, session.begin():
        await mdms_service.upsert_master(
            session,
            tenant_id="pb",
            code=mdms_service.schema_code(routing.MODULE, routing.MASTER),
            records=[ROUTE],
            actor_uuid=SYSTEM_UUID,
            now_ms=now_ms,
        )
        await localization_service.upsert_messages(
            session,
            tenant_id="pb",
            messages=[Message(code=c, message=m, module="rainmaker-test", locale=loc) for loc, c, m in TEMPLATES],
            actor_uuid=SYSTEM_UUID,
            now_ms=now_ms,
        )
    platform.get(MDMS_CLIENT).invalidate()
    citizen = await platform.get(USER_CLIENT).find_by_mobile(tenant_id="pb", mobile_number="9999999999")
    assert citizen is not None
    return citizen.uuid


async def emit_complaint(platform: Platform, citizen_uuid: str, **overrides: Any) -> None:
    data = {
        "businessService": "PGR",
        "action": "APPLY",
        "serviceRequestId": "PB-PGR-2026-11-26-000001",
        "serviceCode": "StreetLightNotWorking",
        "citizenUuid": citizen_uuid,
        **overrides,
    }
    async with platform.sessions() as session, session.begin():
        await emit(
            session,
            TOPIC,
            tenant_id="pb.amritsar",
            aggregate_id=data["serviceRequestId"],
            data=data,
            actor_uuid=citizen_uuid,
            now_ms=platform.clock.now_ms(),
        )


async def sms_texts(platform: Platform) -> list[str]:
    notifier = notifier_of(platform)
    await notifier.flush()
    async with platform.read_sessions() as session:
        found = await search_sink(
            session, notifier.vault, tenant_id="pb", channel="SMS", recipient="9999999999", limit=20, offset=0
        )
    return [m["message"] for m in found if m["category"] == "TRANSACTION"]


async def in_app(platform: Platform) -> list[tuple[str, str, str | None]]:
    async with platform.read_sessions() as session:
        rows = await session.scalars(select(UserEventRow))
        return [(r.name, r.description, r.reference_id) for r in rows]


class Gateway:
    """A stand-in SMS gateway on httpx's mock transport: records requests, fails the first `failures`."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            return httpx.Response(503)
        return httpx.Response(200, text="ok")
