"""Turns platform events into messages, as configured in MDMS `notification.NotificationRouting`.

A route (one MDMS record) says: for events on `topic` whose data match `condition`, tell the users whose
uuids are in the data keys listed in `recipients`, over `channels` (SMS, EMAIL, INAPP), with the
localization message `templateCode` (module `module`) filled with the event's data:

    {"code": "PGR_APPLY_CITIZEN", "active": true, "topic": "save-pgr-request",
     "condition": {"businessService": "PGR", "action": ["APPLY"]},
     "recipients": ["citizenUuid"], "excludeActor": false, "channels": ["SMS", "INAPP", "EMAIL"],
     "module": "rainmaker-pgr", "templateCode": "PGR_APPLY_SMS", "subjectCode": "PGR_APPLY_SUBJECT",
     "inAppTemplateCode": "PGR_APPLY_INAPP",
     "localizeValues": {"serviceCode": "SERVICEDEFS."}, "category": "TRANSACTION",
     "eventCategory": "PGR", "actionUrl": "/digit-ui/citizen/pgr/complaints/{serviceRequestId}"}

Events carry uuids, never contact details: those come from the user block; the text is worded in the
recipient's locale (falling back to en_IN). `{key}` in a template is the event's data value, `{name}` the
recipient's name (SMS and email only: in-app events are stored in plain text, so they never carry it).
Writes go through the dispatcher's delivery session, so the messages are recorded in the same
transaction as the event's processed mark and sent after it commits; each (event, route, recipient,
channel) is sent at most once.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.localization.client import LOCALIZATION_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.notification import user_events
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.schemas import Actions, ActionUrl, Event, Recepient
from digit.blocks.user.client import USER_CLIENT
from digit.kernel.envelope import UserInfo
from digit.kernel.events import Consumer, delivery_session
from digit.kernel.events import Event as PlatformEvent
from digit.kernel.platform import Platform
from digit.kernel.security import Actor

log = logging.getLogger(__name__)

MODULE, MASTER = "notification", "NotificationRouting"
DEFAULT_LOCALE = "en_IN"
CHANNELS = ("SMS", "EMAIL", "INAPP")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_EVENT_NAMESPACE = uuid.UUID("7f1d9c52-56a4-4c5e-9f43-1a7f3a0b6c11")


def matches(condition: Mapping[str, Any] | None, data: Mapping[str, Any]) -> bool:
    """Every key of the condition equals the data's value (or is one of a listed set of values)."""
    for key, wanted in (condition or {}).items():
        value = data.get(key)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def recipients(route: Mapping[str, Any], event: PlatformEvent) -> list[str]:
    found: list[str] = []
    for key in route.get("recipients", []):
        value = event.data.get(key)
        values = value if isinstance(value, list) else [value]
        found.extend(v for v in values if isinstance(v, str) and v and v not in found)
    if route.get("excludeActor"):
        found = [u for u in found if u != event.actor_uuid]
    return found


def fill(template: str, values: Mapping[str, Any]) -> str:
    """`{key}` -> the value; unknown placeholders stay as they are."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None or isinstance(value, dict | list) else str(value)

    return _PLACEHOLDER.sub(replace, template)


async def _routes(platform: Platform, event: PlatformEvent) -> list[dict[str, Any]]:
    mdms = platform.get(MDMS_CLIENT)
    records = await mdms.get_master(tenant_id=event.tenant_id, module=MODULE, master=MASTER)
    return [
        r
        for r in records
        if isinstance(r, dict)
        and r.get("active", True)
        and r.get("topic") == event.topic
        and matches(r.get("condition"), event.data)
    ]


async def _wording(
    platform: Platform, route: Mapping[str, Any], event: PlatformEvent, user: UserInfo
) -> tuple[str, str, str] | None:
    """(subject, text, in-app text) in the user's locale, or None when the template is missing.

    The in-app text (kept in plain text, like DIGIT's user events) uses `inAppTemplateCode` if the route
    has one, else the message template, and never the recipient's name: `{name}` is left empty there."""
    localization = platform.get(LOCALIZATION_CLIENT)
    locale = user.locale or DEFAULT_LOCALE
    module = route.get("module")
    messages = await localization.get_messages(
        tenant_id=event.tenant_id, locale=locale, modules=[module] if module else ()
    )
    template = messages.get(route["templateCode"])
    if template is None:
        log.warning("notification_template_missing", extra={"code": route["templateCode"], "locale": locale})
        return None
    values: dict[str, Any] = dict(event.data)
    for key, prefix in (route.get("localizeValues") or {}).items():
        raw = event.data.get(key)
        if isinstance(raw, str) and raw:
            values[key] = messages.get(f"{prefix}{raw.upper()}", messages.get(f"{prefix}{raw}", raw))
    anonymous = {**values, "name": ""}
    values["name"] = user.name or ""
    subject_code = route.get("subjectCode")
    subject = fill(messages.get(subject_code, subject_code), anonymous) if subject_code else route["code"]
    in_app_template = messages.get(route.get("inAppTemplateCode") or "", template)
    return subject, fill(template, values), fill(in_app_template, anonymous)


async def _notify(
    platform: Platform,
    session: AsyncSession,
    route: Mapping[str, Any],
    event: PlatformEvent,
    user: UserInfo,
) -> None:
    notifier = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(notifier, InProcessNotificationClient)
    worded = await _wording(platform, route, event, user)
    if worded is None:
        return
    subject, text, in_app_text = worded
    channels = [c for c in route.get("channels", []) if c in CHANNELS]
    key = f"{event.id}|{route['code']}|{user.uuid}"
    if "SMS" in channels and user.mobile_number:
        await notifier.send_sms(
            session=session,
            tenant_id=event.tenant_id,
            mobile_number=user.mobile_number,
            message=text,
            category=route.get("category", "TRANSACTION"),
            dedupe_key=f"{key}|SMS",
        )
    if "EMAIL" in channels and user.email_id:
        await notifier.send_email(
            session=session,
            tenant_id=event.tenant_id,
            to=[user.email_id],
            subject=subject,
            body=text,
            dedupe_key=f"{key}|EMAIL",
        )
    if "INAPP" in channels:
        action_url = route.get("actionUrl")
        in_app = Event(
            id=str(uuid.uuid5(_EVENT_NAMESPACE, key)),
            tenant_id=event.tenant_id,
            reference_id=event.aggregate_id,
            event_category=route.get("eventCategory"),
            name=subject,
            description=in_app_text,
            source=route.get("source", "notification"),
            recepient=Recepient(to_users=[user.uuid]),
            actions=Actions(action_urls=[ActionUrl(action_url=fill(action_url, event.data), code="VIEW")])
            if action_url
            else None,
        )
        await user_events.create_events(
            session,
            events=[in_app],
            actor=Actor.system(event.tenant_id),
            now_ms=platform.clock.now_ms(),
            skip_existing=True,
        )
    log.info(
        "notification_routed",
        extra={"event_id": event.id, "route": route["code"], "user": user.uuid, "channels": channels},
    )


async def route_event(platform: Platform, event: PlatformEvent) -> None:
    """The consumer: find the routes this event matches and notify their recipients."""
    routes = await _routes(platform, event)
    if not routes:
        return
    wanted = {uuid_ for route in routes for uuid_ in recipients(route, event)}
    users = await platform.get(USER_CLIENT).get_users(sorted(wanted)) if wanted else {}
    session = delivery_session()
    if session is None:
        async with platform.sessions() as own, own.begin():
            await _route_all(platform, own, routes, event, users)
        return
    await _route_all(platform, session, routes, event, users)


async def _route_all(
    platform: Platform,
    session: AsyncSession,
    routes: Sequence[Mapping[str, Any]],
    event: PlatformEvent,
    users: Mapping[str, UserInfo],
) -> None:
    for route in routes:
        for user_uuid in recipients(route, event):
            user = users.get(user_uuid)
            if user is None:
                log.warning("notification_recipient_unknown", extra={"event_id": event.id, "user": user_uuid})
                continue
            await _notify(platform, session, route, event, user)


CONSUMER = Consumer(name="notification-routing", topics=("*",), handle=route_event)
