"""DIGIT's user-event routes (`/egov-user-event/v1/events/...`) and this block's admin reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from digit.blocks.notification import service, user_events
from digit.blocks.notification.client import NOTIFICATION_CLIENT
from digit.blocks.notification.schemas import (
    DeliveriesResponse,
    DeliverySearch,
    EmailSearch,
    EventRequest,
    EventResponse,
    EventSearch,
    LastAccessResponse,
    NotificationCountResponse,
    SinkMessagesResponse,
    SmsSearch,
)
from digit.blocks.notification.service import Notifier
from digit.kernel.anonymous import anonymous_actor
from digit.kernel.deps import CurrentActor, OptionalActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.platform import Platform
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(tags=["notification"])


def _notifier(platform: Platform) -> Notifier:
    notifier = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(notifier, Notifier)
    return notifier


@router.post("/egov-user-event/v1/events/_create")
async def create_events(
    body: EventRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> EventResponse:
    """Store in-app events for users or roles; with an `Idempotency-Key` a retry answers the events the first
    call made, as they are now."""
    created = await user_events.create_events_once(
        session,
        events=body.events,
        actor=actor,
        now_ms=platform.clock.now_ms(),
        idempotency_key=idempotency_key,
        request=body.model_dump(mode="json", exclude={"request_info"}),
    )
    return EventResponse(response_info=response_info(body.request_info), events=created)


@router.post("/egov-user-event/v1/events/_update")
async def update_events(
    body: EventRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> EventResponse:
    """Change existing events (status, texts, recipients)."""
    updated = await user_events.update_events(session, events=body.events, actor=actor, now_ms=platform.clock.now_ms())
    return EventResponse(response_info=response_info(body.request_info), events=updated)


EVENTS_SEARCH = "/egov-user-event/v1/events/_search"


@router.post(EVENTS_SEARCH)
async def search_events(
    session: SessionDep,
    actor: OptionalActor,
    tenant_id: TenantQuery,
    query: Annotated[EventSearch, Query()],
    body: RequestInfoBody | None = None,
) -> EventResponse:
    """Events by criteria; a citizen gets only those addressed to them or their roles.

    Without a token (the logged-out home page): active public events only (on-ground events and
    broadcasts addressed to every citizen)."""
    criteria = user_events.EventCriteria.of(tenant_id, query)
    found = await user_events.search_events(session, criteria=criteria, actor=actor or anonymous_actor(tenant_id))
    return EventResponse(response_info=response_info(body), events=found)


@router.post("/egov-user-event/v1/events/lat/_update")
async def update_last_access_time(
    session: SessionDep, actor: CurrentActor, platform: PlatformDep, body: RequestInfoBody | None = None
) -> LastAccessResponse:
    """The caller has seen their notifications now."""
    seen_ms = await user_events.update_last_access(session, actor=actor, now_ms=platform.clock.now_ms())
    return LastAccessResponse(response_info=response_info(body), last_access_time=seen_ms)


@router.post("/egov-user-event/v1/events/notifications/_count")
async def count_notifications(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: TenantQuery,
    body: RequestInfoBody | None = None,
) -> NotificationCountResponse:
    """Total, read and unread active events addressed to the caller."""
    total, read, unread = await user_events.count_notifications(session, tenant_id=tenant_id, actor=actor)
    return NotificationCountResponse(
        response_info=response_info(body),
        total_count=total,
        read_count=read,
        unread_count=unread,
    )


@router.post("/notification/v1/sms/_search")
async def search_sms(
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    query: Annotated[SmsSearch, Query()],
    body: RequestInfoBody | None = None,
) -> SinkMessagesResponse:
    """SUPERUSER: SMS the development sink kept (newest first), decrypted."""
    found = await service.search_sent(session, _notifier(platform), tenant_id=tenant_id, query=query)
    return SinkMessagesResponse(response_info=response_info(body), messages=found)


@router.post("/notification/v1/email/_search")
async def search_email(
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    query: Annotated[EmailSearch, Query()],
    body: RequestInfoBody | None = None,
) -> SinkMessagesResponse:
    """SUPERUSER: emails the development sink kept (newest first), decrypted."""
    found = await service.search_sent(session, _notifier(platform), tenant_id=tenant_id, query=query)
    return SinkMessagesResponse(response_info=response_info(body), messages=found)


@router.post("/notification/v1/deliveries/_search")
async def search_deliveries(
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    query: Annotated[DeliverySearch, Query()],
    body: RequestInfoBody | None = None,
) -> DeliveriesResponse:
    """SUPERUSER: deliveries with their attempts and outcomes (no recipients, no texts)."""
    found = await service.search_flushed_deliveries(session, _notifier(platform), tenant_id=tenant_id, query=query)
    return DeliveriesResponse(response_info=response_info(body), deliveries=found)
