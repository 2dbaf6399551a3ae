"""Workflow wire models, as egov-workflow-v2 spells them (`BusinessServices`, `ProcessInstances`, `assignes`,
`businesssServiceSla`)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, ConfigDict, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel


class Lenient(WireModel):
    """DIGIT clients send whatever their version of the contract had: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


class Action(Lenient):
    uuid: str | None = None
    tenant_id: str | None = None
    current_state: str | None = None
    action: str = Field(min_length=1, max_length=128)
    next_state: str | None = None
    roles: list[str] = Field(default_factory=list)
    active: bool | None = True
    audit_details: dict[str, Any] | None = None


class State(Lenient):
    uuid: str | None = None
    tenant_id: str | None = None
    business_service_id: str | None = None
    sla: int | None = None
    state: str | None = None
    application_status: str | None = None
    doc_upload_required: bool | None = False
    is_start_state: bool | None = False
    is_terminate_state: bool | None = False
    is_state_updatable: bool | None = None
    actions: list[Action] | None = None
    audit_details: dict[str, Any] | None = None
    # ours, not DIGIT's: roles that may act on an assigned application here without being its assignee
    supervisor_roles: list[str] | None = Field(default=None, max_length=64)


class BusinessService(Lenient):
    tenant_id: str = Field(min_length=1, max_length=128)
    uuid: str | None = None
    business_service: str = Field(min_length=1, max_length=128)
    business: str | None = None
    get_uri: str | None = None
    post_uri: str | None = None
    business_service_sla: int | None = None
    states: list[State] = Field(min_length=1)
    audit_details: dict[str, Any] | None = None


class BusinessServiceRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    business_services: list[BusinessService] = Field(alias="BusinessServices", min_length=1)


class BusinessServiceResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    business_services: list[dict[str, Any]] = Field(alias="BusinessServices")


class Document(Lenient):
    id: str | None = None
    tenant_id: str | None = None
    document_type: str | None = None
    file_store_id: str | None = None
    document_uid: str | None = None
    additional_details: dict[str, Any] | None = None


class UserRef(Lenient):
    uuid: str = Field(min_length=1, max_length=64)


class ProcessInstanceIn(Lenient):
    """A transition request: which application, which action, and the action's details."""

    id: str | None = None
    tenant_id: str = Field(min_length=1, max_length=128)
    business_service: str = Field(min_length=1, max_length=128)
    business_id: str = Field(min_length=1, max_length=128)
    action: str = Field(min_length=1, max_length=128)
    module_name: str | None = Field(default=None, max_length=64)
    comment: str | None = Field(default=None, max_length=1024)
    documents: list[Document] | None = None
    assignes: list[UserRef] | None = Field(default=None, validation_alias=AliasChoices("assignes", "assignees"))
    rating: int | None = Field(default=None, ge=1, le=5)
    additional_details: dict[str, Any] | None = None


class TransitionRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    process_instances: list[ProcessInstanceIn] = Field(alias="ProcessInstances", min_length=1, max_length=500)


class ProcessInstanceResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    process_instances: list[dict[str, Any]] = Field(alias="ProcessInstances")
    total_count: int | None = Field(default=None, alias="totalCount")


class CountResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    count: int = Field(alias="count")


class StatusCountResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    status_counts: list[dict[str, Any]] = Field(alias="statusCounts")


class EscalationResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    process_instances: list[dict[str, Any]] = Field(alias="ProcessInstances")
