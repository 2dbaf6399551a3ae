"""PGR wire models, as DIGIT's pgr-services v2 spells them (`service`, `workflow`, `ServiceWrappers`)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel

SOURCES = ("web", "mobile", "whatsapp", "ivr", "RB Bot")


class Locality(WireModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(min_length=1, max_length=64)
    name: str | None = None
    label: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class GeoLocation(WireModel):
    model_config = ConfigDict(extra="allow")

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    additional_details: dict[str, Any] | None = None


class Address(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    tenant_id: str | None = None
    door_no: str | None = Field(default=None, max_length=128)
    plot_no: str | None = Field(default=None, max_length=128)
    building_name: str | None = Field(default=None, max_length=256)
    street: str | None = Field(default=None, max_length=256)
    landmark: str | None = Field(default=None, max_length=256)
    city: str | None = Field(default=None, max_length=128)
    district: str | None = Field(default=None, max_length=128)
    region: str | None = Field(default=None, max_length=128)
    state: str | None = Field(default=None, max_length=128)
    country: str | None = Field(default=None, max_length=128)
    pincode: str | None = Field(default=None, max_length=16)
    locality: Locality
    geo_location: GeoLocation | None = None
    addition_details: dict[str, Any] | None = None  # sic: DIGIT's name for the address's extra JSON


class Document(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    document_type: str = Field(default="PHOTO", max_length=64)
    file_store_id: str = Field(min_length=1, max_length=64)
    document_uid: str | None = None
    additional_details: dict[str, Any] | None = None


def _drop_placeholders(value: Any) -> Any:
    """DIGIT's UI sends document entries with an empty `fileStoreId` as placeholders; DIGIT ignores them."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    return [d for d in value if not (isinstance(d, dict) and not (d.get("fileStoreId") or d.get("file_store_id")))]


class Citizen(WireModel):
    """The person a complaint is for, when an employee files on their behalf (name + mobile)."""

    model_config = ConfigDict(extra="ignore")

    uuid: str | None = None
    name: str | None = Field(default=None, max_length=100)
    mobile_number: str | None = Field(default=None, max_length=15)
    email_id: str | None = None
    tenant_id: str | None = None


class AuditDetails(WireModel):
    created_by: str | None = None
    created_time: int | None = None
    last_modified_by: str | None = None
    last_modified_time: int | None = None


class Service(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    tenant_id: str = Field(min_length=1, max_length=64)
    service_code: str = Field(min_length=1, max_length=64)
    service_request_id: str | None = None
    description: str | None = Field(default=None, max_length=4000)
    account_id: str | None = None
    rating: int | None = None
    additional_detail: dict[str, Any] | None = None
    application_status: str | None = None
    source: str = Field(min_length=1)
    address: Address
    citizen: Citizen | None = None
    documents: list[Document] | None = None
    active: bool = True
    row_version: int | None = None
    audit_details: AuditDetails | None = None

    @field_validator("documents", mode="before")
    @classmethod
    def _without_placeholders(cls, value: Any) -> Any:
        return None if value is None else _drop_placeholders(value)


class Workflow(WireModel):
    model_config = ConfigDict(extra="ignore")

    action: str = Field(min_length=1, max_length=64)
    assignes: list[str] = Field(default_factory=list)
    comments: str | None = Field(default=None, max_length=2000)
    verification_documents: list[Document] = Field(default_factory=list)

    @field_validator("verification_documents", mode="before")
    @classmethod
    def _without_placeholders(cls, value: Any) -> Any:
        return _drop_placeholders(value)


class ServiceRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    service: Service
    workflow: Workflow


class ServiceWrapper(WireModel):
    service: dict[str, Any]
    workflow: dict[str, Any] | None = None


class ServiceResponse(WireModel):
    response_info: ResponseInfo = Field(alias="responseInfo")  # sic: lower-case, as pgr-services answers
    service_wrappers: list[ServiceWrapper] = Field(alias="ServiceWrappers")
    total_count: int | None = None


class CountResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    count: int
