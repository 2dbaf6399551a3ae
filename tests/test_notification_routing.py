"""Notification routing: an event matching a NotificationRouting row becomes an SMS and an in-app event,
worded in the recipient's locale from localization templates; redelivery sends nothing twice."""

from __future__ import annotations

import pytest

from digit.blocks.notification import routing
from digit.blocks.notification.service import search_sink
from digit.blocks.user.client import USER_CLIENT, UserChanges
from digit.kernel.dispatch import drain
from digit.kernel.events import Event
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from tests.notification_helpers import TOPIC, emit_complaint, in_app, load_route, notifier_of, sms_texts


@pytest.fixture
async def citizen_uuid(platform: Platform) -> str:
    """Loads the route and its templates; returns the demo citizen's uuid."""
    return await load_route(platform)


async def test_matching_event_sends_sms_and_in_app_event(platform: Platform, citizen_uuid: str) -> None:
    await emit_complaint(platform, citizen_uuid)

    await drain(platform)

    text = "Dear Demo Citizen, complaint PB-PGR-2026-11-26-000001 about Street light not working is filed."
    assert await sms_texts(platform) == [text]
    description = "Complaint PB-PGR-2026-11-26-000001 about Street light not working is filed."
    assert await in_app(platform) == [("Complaint filed", description, "PB-PGR-2026-11-26-000001")]


async def test_event_not_matching_the_condition_sends_nothing(platform: Platform, citizen_uuid: str) -> None:
    await emit_complaint(platform, citizen_uuid, action="RESOLVE")

    await drain(platform)

    assert await sms_texts(platform) == []
    assert await in_app(platform) == []


async def test_message_is_worded_in_the_recipient_locale(platform: Platform, citizen_uuid: str) -> None:
    await platform.get(USER_CLIENT).update_user(
        None, uuid=citizen_uuid, changes=UserChanges(locale="hi_IN"), actor=Actor.system("pb")
    )
    await emit_complaint(platform, citizen_uuid)

    await drain(platform)

    assert await sms_texts(platform) == ["शिकायत PB-PGR-2026-11-26-000001 (स्ट्रीट लाइट खराब) दर्ज हो गई है।"]


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
    await notifier_of(platform).flush()
    await routing.route_event(platform, event)

    assert len(await sms_texts(platform)) == 1
    assert len(await in_app(platform)) == 1


async def test_recipient_with_email_also_gets_an_email(platform: Platform, citizen_uuid: str) -> None:
    await platform.get(USER_CLIENT).update_user(
        None, uuid=citizen_uuid, changes=UserChanges(email_id="citizen@example.com"), actor=Actor.system("pb")
    )
    await emit_complaint(platform, citizen_uuid)

    await drain(platform)
    notifier = notifier_of(platform)
    await notifier.flush()
    async with platform.read_sessions() as session:
        emails = await search_sink(
            session, notifier.vault, tenant_id="pb", channel="EMAIL", recipient="citizen@example.com", limit=5, offset=0
        )

    assert [(m["emailId"], m["subject"]) for m in emails] == [("citizen@example.com", "Complaint filed")]
