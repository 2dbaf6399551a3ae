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
The consumer takes batches (`Consumer.together`): routes, templates and recipients are read once per
batch, and all messages and in-app events of a batch are written in a few multi-row statements through
the dispatcher's delivery session, in the same transaction as the events' processed marks. The
development sink's messages are kept in that transaction; a real channel's are sent after it commits
(and retried); each (event, route, recipient, channel) is sent at most once.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.localization.client import LOCALIZATION_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.notification import user_events
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.schemas import Actions, ActionUrl, Event, Recepient
from digit.blocks.notification.service import Outgoing, email_of, sms_of
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


@dataclass
class _Lookups:
    """What routing one batch of events reads, each at most once per batch: the routes of a tenant, the
    messages of a (tenant, locale, module). Across batches the MDMS and localization clients cache them,
    and see a change through their own version counters, so nothing here can go stale."""

    platform: Platform
    routes_by_tenant: dict[str, list[Any]] = field(default_factory=dict)
    messages_by_key: dict[tuple[str, str, str | None], dict[str, str]] = field(default_factory=dict)

    async def routes(self, event: PlatformEvent) -> list[dict[str, Any]]:
        records = self.routes_by_tenant.get(event.tenant_id)
        if records is None:
            mdms = self.platform.get(MDMS_CLIENT)
            records = await mdms.get_master(tenant_id=event.tenant_id, module=MODULE, master=MASTER)
            self.routes_by_tenant[event.tenant_id] = records
        return [
            r
            for r in records
            if isinstance(r, dict)
            and r.get("active", True)
            and r.get("topic") == event.topic
            and matches(r.get("condition"), event.data)
        ]

    async def messages(self, *, tenant_id: str, locale: str, module: str | None) -> dict[str, str]:
        key = (tenant_id, locale, module)
        found = self.messages_by_key.get(key)
        if found is None:
            localization = self.platform.get(LOCALIZATION_CLIENT)
            found = await localization.get_messages(
                tenant_id=tenant_id, locale=locale, modules=[module] if module else ()
            )
            self.messages_by_key[key] = found
        return found


@dataclass(frozen=True)
class Notice:
    """One route's word about one event to one recipient: what `_record` turns into messages and an in-app event."""

    event: PlatformEvent
    route: Mapping[str, Any]
    user: UserInfo
    subject: str
    text: str
    in_app_text: str

    @property
    def key(self) -> str:
        """Names this notice among all others: a redelivered event makes the same keys, hence no new message."""
        return f"{self.event.id}|{self.route['code']}|{self.user.uuid}"

    @property
    def channels(self) -> list[str]:
        return [c for c in self.route.get("channels", []) if c in CHANNELS]


async def _wording(
    lookups: _Lookups, route: Mapping[str, Any], event: PlatformEvent, user: UserInfo
) -> tuple[str, str, str] | None:
    """(subject, text, in-app text) in the user's locale, or None when the template is missing.

    The in-app text (kept in plain text, like DIGIT's user events) uses `inAppTemplateCode` if the route
    has one, else the message template, and never the recipient's name: `{name}` is left empty there."""
    locale = user.locale or DEFAULT_LOCALE
    messages = await lookups.messages(tenant_id=event.tenant_id, locale=locale, module=route.get("module"))
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


async def _notices(platform: Platform, events: Sequence[PlatformEvent]) -> list[Notice]:
    """Every (event, matching route, known recipient) of the batch, worded; recipients looked up at once."""
    lookups = _Lookups(platform)
    matched = [(event, route, recipients(route, event)) for event in events for route in await lookups.routes(event)]
    wanted = sorted({user_uuid for _, _, found in matched for user_uuid in found})
    users = await platform.get(USER_CLIENT).get_users(wanted) if wanted else {}
    notices = []
    for event, route, found in matched:
        for user_uuid in found:
            user = users.get(user_uuid)
            if user is None:
                log.warning("notification_recipient_unknown", extra={"event_id": event.id, "user": user_uuid})
                continue
            worded = await _wording(lookups, route, event, user)
            if worded is not None:
                notices.append(Notice(event, route, user, *worded))
    return notices


def _messages_of(notice: Notice) -> list[Outgoing]:
    """The SMS and email of a notice, as its channels and the recipient's contacts allow."""
    event, route, user = notice.event, notice.route, notice.user
    found: list[Outgoing] = []
    if "SMS" in notice.channels and user.mobile_number:
        category = route.get("category", "TRANSACTION")
        sms = sms_of(
            tenant_id=event.tenant_id, mobile_number=user.mobile_number, message=notice.text, category=category
        )
        found.append((sms, f"{notice.key}|SMS"))
    if "EMAIL" in notice.channels and user.email_id:
        email = email_of(tenant_id=event.tenant_id, to=[user.email_id], subject=notice.subject, body=notice.text)
        found.append((email, f"{notice.key}|EMAIL"))
    return found


def _in_app_event(notice: Notice) -> Event:
    event, route = notice.event, notice.route
    action_url = route.get("actionUrl")
    return Event(
        id=str(uuid.uuid5(_EVENT_NAMESPACE, notice.key)),
        tenant_id=event.tenant_id,
        reference_id=event.aggregate_id,
        event_category=route.get("eventCategory"),
        name=notice.subject,
        description=notice.in_app_text,
        source=route.get("source", "notification"),
        recepient=Recepient(to_users=[notice.user.uuid]),
        actions=Actions(action_urls=[ActionUrl(action_url=fill(action_url, event.data), code="VIEW")])
        if action_url
        else None,
    )


async def _record(platform: Platform, session: AsyncSession, notices: Sequence[Notice]) -> None:
    """All messages and in-app events of the notices, in the session's transaction (a few statements in all).
    Each (event, route, recipient, channel) is recorded once: a redelivered event adds nothing."""
    notifier = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(notifier, InProcessNotificationClient)
    outgoing = [message for notice in notices for message in _messages_of(notice)]
    in_app = [_in_app_event(notice) for notice in notices if "INAPP" in notice.channels]
    await notifier.record(session, outgoing)
    await user_events.create_events(
        session, events=in_app, actor=Actor.system(), now_ms=platform.clock.now_ms(), skip_existing=True
    )
    log.info(
        "notification_routed",
        extra={
            "event_ids": sorted({notice.event.id for notice in notices}),
            "messages": len(outgoing),
            "in_app_events": len(in_app),
        },
    )


async def route_events(platform: Platform, events: Sequence[PlatformEvent]) -> None:
    """The consumer, for a batch (`handle_many`): find the routes the events match and notify their recipients.

    Writes go through the dispatcher's delivery session only (the batch's one transaction), so a batch rolled
    back and delivered again one by one records each message once."""
    notices = await _notices(platform, events)
    if not notices:
        return
    session = delivery_session()
    if session is None:
        async with platform.sessions() as own, own.begin():
            await _record(platform, own, notices)
        return
    await _record(platform, session, notices)


async def route_event(platform: Platform, event: PlatformEvent) -> None:
    """The consumer for one event (a single delivery, or the one-by-one retry of a failed batch)."""
    await route_events(platform, [event])


CONSUMER = Consumer(
    name="notification-routing", topics=("*",), handle=route_event, together=True, handle_many=route_events
)
