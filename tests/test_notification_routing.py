"""Notification routing: an event matching a NotificationRouting row becomes an SMS and an in-app event,
worded in the recipient's locale from localization templates; redelivery sends nothing twice."""

from __future__ import annotations

from typing import Any

import pytest
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
from digit.kernel.dispatch import drain
from digit.kernel.events import Event, emit
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID, Actor

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


def _notifier(platform: Platform) -> InProcessNotificationClient:
    client = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(client, InProcessNotificationClient)
    return client


@pytest.fixture
async def citizen_uuid(platform: Platform) -> str:
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


async def _emit(platform: Platform, citizen_uuid: str, **overrides: Any) -> None:
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


async def _sms_texts(platform: Platform) -> list[str]:
    notifier = _notifier(platform)
    await notifier.flush()
    async with platform.read_sessions() as session:
        found = await search_sink(
            session, notifier.vault, tenant_id="pb", channel="SMS", recipient="9999999999", limit=20, offset=0
        )
    return [m["message"] for m in found if m["category"] == "TRANSACTION"]


async def _in_app(platform: Platform) -> list[tuple[str, str, str | None]]:
    async with platform.read_sessions() as session:
        rows = await session.scalars(select(UserEventRow))
        return [(r.name, r.description, r.reference_id) for r in rows]


async def test_matching_event_sends_sms_and_in_app_event(platform: Platform, citizen_uuid: str) -> None:
    await _emit(platform, citizen_uuid)

    await drain(platform)

    text = "Dear Demo Citizen, complaint PB-PGR-2026-11-26-000001 about Street light not working is filed."
    assert await _sms_texts(platform) == [text]
    in_app = "Complaint PB-PGR-2026-11-26-000001 about Street light not working is filed."
    assert await _in_app(platform) == [("Complaint filed", in_app, "PB-PGR-2026-11-26-000001")]


async def test_event_not_matching_the_condition_sends_nothing(platform: Platform, citizen_uuid: str) -> None:
    await _emit(platform, citizen_uuid, action="RESOLVE")

    await drain(platform)

    assert await _sms_texts(platform) == []
    assert await _in_app(platform) == []


async def test_message_is_worded_in_the_recipient_locale(platform: Platform, citizen_uuid: str) -> None:
    await platform.get(USER_CLIENT).update_user(
        None, uuid=citizen_uuid, changes={"locale": "hi_IN"}, actor=Actor.system("pb")
    )
    await _emit(platform, citizen_uuid)

    await drain(platform)

    assert await _sms_texts(platform) == ["शिकायत PB-PGR-2026-11-26-000001 (स्ट्रीट लाइट खराब) दर्ज हो गई है।"]


async def test_redelivered_event_is_sent_once(platform: Platform, citizen_uuid: str) -> None:
    event = Event(
        id="11111111-1111-1111-1111-111111111111",
        topic=TOPIC,
        tenant_id="pb.amritsar",
        aggregate_id="PB-PGR-2026-11-26-000001",
        data={"businessService": "PGR", "action": "APPLY", "serviceRequestId": "PB-1", "citizenUuid": citizen_uuid},
        time_ms=platform.clock.now_ms(),
        actor_uuid=citizen_uuid,
    )

    await routing.route_event(platform, event)
    await _notifier(platform).flush()
    await routing.route_event(platform, event)

    assert len(await _sms_texts(platform)) == 1
    assert len(await _in_app(platform)) == 1


async def test_recipient_with_email_also_gets_an_email(platform: Platform, citizen_uuid: str) -> None:
    await platform.get(USER_CLIENT).update_user(
        None, uuid=citizen_uuid, changes={"emailId": "citizen@example.com"}, actor=Actor.system("pb")
    )
    await _emit(platform, citizen_uuid)

    await drain(platform)
    notifier = _notifier(platform)
    await notifier.flush()
    async with platform.read_sessions() as session:
        emails = await search_sink(
            session, notifier.vault, tenant_id="pb", channel="EMAIL", recipient="citizen@example.com", limit=5, offset=0
        )

    assert [(m["emailId"], m["subject"]) for m in emails] == [("citizen@example.com", "Complaint filed")]
