"""Admin wire models for the event outbox: dead letters and counts (camelCase, DIGIT envelope)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Paged

DEAD = "DEAD"
REPLAYED = "REPLAYED"


class DeadLetter(WireModel):
    id: str
    consumer: str
    event_id: str
    topic: str
    tenant_id: str
    aggregate_id: str
    data: dict[str, Any]
    attempts: int
    last_error: str | None = None
    status: str
    created_time: int
    last_modified_time: int


class DeadLettersResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    dead_letters: list[DeadLetter] = Field(alias="DeadLetters")
    total_count: int = 0


class ReplayRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant_id: str = Field(min_length=1)
    ids: list[str] = Field(min_length=1, max_length=500)


class OutboxStatsResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    pending_events: int
    pending_deliveries: int
    dead_letters: int


class DeadLetterSearch(Paged):
    """dead-letters `_search` criteria: a consumer, a topic, DEAD (the default) or REPLAYED, a page of 500 at most."""

    consumer: str | None = None
    topic: str | None = None
    status: str | None = Field(default=DEAD, pattern=f"^({DEAD}|{REPLAYED})$")
