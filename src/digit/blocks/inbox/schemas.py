"""Inbox v2 wire models, as DIGIT's inbox service spells them."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from digit.kernel.envelope import RequestInfo, WireModel


class ProcessSearchCriteria(WireModel):
    model_config = ConfigDict(extra="ignore")

    business_service: list[str] | str | None = None
    module_name: str | None = None
    status: list[str] | str | None = None
    assignee: str | None = None
    tenant_id: str | None = None


class InboxCriteria(WireModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1, max_length=128)
    process_search_criteria: ProcessSearchCriteria = Field(default_factory=ProcessSearchCriteria)
    module_search_criteria: dict[str, Any] = Field(default_factory=dict)
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=10, ge=1, le=1000)


class InboxSearchRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    inbox: InboxCriteria


class InboxItem(WireModel):
    process_instance: dict[str, Any] = Field(alias="ProcessInstance")
    business_object: dict[str, Any] = Field(alias="businessObject")


class InboxSearchResponse(WireModel):
    total_count: int = Field(alias="totalCount")
    nearing_sla_count: int = Field(alias="nearingSlaCount")
    sla_buckets: dict[str, int] = Field(alias="slaBuckets")
    status_map: list[dict[str, Any]] = Field(alias="statusMap")
    items: list[InboxItem]
