"""Wire models: DIGIT's user events (egov-user-event) and this block's admin reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Csv, Paged, page_limit


class EventType(StrEnum):
    SYSTEMGENERATED = "SYSTEMGENERATED"
    BROADCAST = "BROADCAST"
    EVENTSONGROUND = "EVENTSONGROUND"


class EventStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    CANCELLED = "CANCELLED"


class DeliveryStatus(StrEnum):
    """A delivery's state: PENDING until its first attempt, RETRY after a failed one, SENT or FAILED at the end
    (an attempt's outcome is SENT or FAILED)."""

    PENDING = "PENDING"
    SENT = "SENT"
    RETRY = "RETRY"
    FAILED = "FAILED"


class Recepient(WireModel):  # DIGIT's spelling
    to_roles: list[str] = Field(default_factory=list)
    to_users: list[str] = Field(default_factory=list)


class ActionUrl(WireModel):
    action_url: str
    code: str | None = None


class Actions(WireModel):
    model_config = ConfigDict(extra="allow")

    action_urls: list[ActionUrl] = Field(default_factory=list)


class AuditDetails(WireModel):
    created_by: str | None = None
    created_time: int | None = None
    last_modified_by: str | None = None
    last_modified_time: int | None = None


class Event(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    id: str | None = None
    reference_id: str | None = Field(default=None, max_length=200)
    event_type: EventType = EventType.SYSTEMGENERATED
    event_category: str | None = Field(default=None, max_length=64)
    name: str = Field(min_length=1, max_length=500)
    description: str = Field(min_length=1, max_length=4000)
    status: EventStatus = EventStatus.ACTIVE
    source: str | None = Field(default=None, max_length=64)
    posted_by: str | None = None
    recepient: Recepient | None = None
    actions: Actions | None = None
    event_details: dict[str, Any] | None = None
    audit_details: AuditDetails | None = None


class EventRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    events: list[Event] = Field(min_length=1)


class EventResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    events: list[Event]


class NotificationCountResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    total_count: int
    unread_count: int
    read_count: int


class LastAccessResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    last_access_time: int


class SinkMessagesResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    messages: list[dict[str, Any]]


class DeliveriesResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    deliveries: list[dict[str, Any]]


MAX_EVENTS_PAGE = 200


class EventSearch(Paged):
    """events/_search criteria (query parameters), named as `user_events.EventCriteria` names them."""

    ids: Csv
    user_ids: Csv = Field(alias="userids")
    roles: Csv
    reference_ids: Csv
    statuses: Csv = Field(alias="status")
    event_types: Csv
    recepients: Csv
    limit: int = page_limit(default=MAX_EVENTS_PAGE, maximum=MAX_EVENTS_PAGE, minimum=0)


class SinkPage(Paged):
    """A page of the development sink or of the deliveries (newest first)."""

    limit: int = page_limit(default=50, maximum=200)


class SmsSearch(SinkPage):
    mobile_number: str | None = None


class EmailSearch(SinkPage):
    email_id: str | None = None


class DeliverySearch(SinkPage):
    status: str | None = None
    ids: Csv
