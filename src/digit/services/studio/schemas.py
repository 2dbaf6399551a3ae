"""Studio's public-service wire format: `Service`, `Application` (an object on create/update, a list on search).

Go's JSON decoding ignores key case, so Studio clients send `Application`/`application`,
`Workflow`/`workflow` and `Service`/`service`; both spellings bind here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, ConfigDict, Field, StringConstraints

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel, split_values
from digit.kernel.paging import Paged, SearchQuery, page_limit

MAX_LIMIT = 200  # applications in one page of a search


class Lenient(WireModel):
    model_config = ConfigDict(extra="allow")


class Service(Lenient):
    id: str | None = None
    tenant_id: str | None = None
    module: str = Field(min_length=1, max_length=64)
    business_service: str = Field(min_length=1, max_length=64)
    service_code: str | None = None
    status: str = Field(default="ACTIVE", pattern="^(ACTIVE|INACTIVE)$")
    version: int | None = None
    additional_details: dict[str, Any] | None = None
    audit_details: dict[str, Any] | None = None


class ServiceRequest(WireModel):
    request_info: RequestInfo = Field(
        default_factory=RequestInfo, validation_alias=AliasChoices("RequestInfo", "requestInfo")
    )
    service: Service = Field(validation_alias=AliasChoices("Service", "service"))


class ServicesResponse(WireModel):
    response_info: ResponseInfo = Field(alias="responseInfo")
    services: list[dict[str, Any]] = Field(alias="Services")


class Applicant(Lenient):
    id: str | None = None
    type: str | None = Field(default=None, max_length=32)
    user_id: str | None = None
    user_uuid: str | None = None
    name: str | None = Field(default=None, max_length=128)
    mobile_number: int | str | None = None
    email_id: str | None = Field(default=None, max_length=128)
    prefix: str | None = Field(default=None, max_length=8)
    active: bool = True


class Address(Lenient):
    id: str | None = None
    tenant_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address_number: str | None = Field(default=None, max_length=256)
    address_line1: str | None = Field(default=None, max_length=256)
    address_line2: str | None = Field(default=None, max_length=256)
    landmark: str | None = Field(default=None, max_length=256)
    city: str | None = Field(default=None, max_length=128)
    pincode: str | None = Field(default=None, max_length=16)
    detail: str | None = Field(default=None, max_length=1024)
    hierarchy_type: str | None = Field(default=None, max_length=64)
    boundarylevel: str | None = Field(default=None, max_length=64)
    boundarycode: str | None = Field(default=None, max_length=64)


class Document(Lenient):
    id: str | None = None
    document_type: str = Field(min_length=1, max_length=160)
    file_store_id: str = Field(min_length=1, max_length=64)
    document_uid: str | None = Field(default=None, max_length=128)
    additional_details: dict[str, Any] | None = None


class Workflow(Lenient):
    action: str = Field(min_length=1, max_length=64)
    comment: str | None = Field(default=None, max_length=1024)
    comments: str | None = Field(default=None, max_length=1024)
    assignees: list[Any] = Field(default_factory=list)
    documents: list[dict[str, Any]] = Field(default_factory=list)

    def assignee_uuids(self) -> list[str]:
        return [str(a.get("uuid")) if isinstance(a, dict) else str(a) for a in self.assignees if a]


class Application(Lenient):
    id: str | None = None
    tenant_id: str | None = None
    module: str | None = None
    business_service: str | None = None
    service_code: str | None = None
    application_number: str | None = None
    channel: str | None = Field(default=None, max_length=32)
    service_details: dict[str, Any] | None = None
    applicants: list[Applicant] = Field(default_factory=list, max_length=50)
    address: Address | None = None
    documents: list[Document] = Field(default_factory=list, max_length=50)
    reference: list[dict[str, Any]] | None = None
    additional_details: dict[str, Any] | None = None
    workflow: Workflow | None = Field(default=None, validation_alias=AliasChoices("workflow", "Workflow"))


class ApplicationRequest(WireModel):
    request_info: RequestInfo = Field(
        default_factory=RequestInfo, validation_alias=AliasChoices("RequestInfo", "requestInfo")
    )
    application: Application = Field(validation_alias=AliasChoices("Application", "application"))


class ApplicationResponse(WireModel):
    response_info: ResponseInfo = Field(alias="responseInfo")
    application: dict[str, Any] = Field(alias="Application")


class ApplicationsResponse(WireModel):
    response_info: ResponseInfo = Field(alias="responseInfo")
    application: list[dict[str, Any]] = Field(alias="Application")
    total_count: int = Field(alias="totalCount")


class ServiceSearch(SearchQuery):
    """GET `/service` criteria: registered services by module, business service, code or status."""

    module: str | None = Field(default=None, max_length=64)
    business_service: str | None = Field(default=None, max_length=64)
    service_code: str | None = Field(default=None, max_length=160)
    status: str | None = Field(default=None, pattern="^(ACTIVE|INACTIVE)$")


# kernel/paging's `Csv`, each raw value keeping the length bound it had as one string parameter
Numbers = Annotated[
    list[Annotated[str, StringConstraints(max_length=2000)]], AfterValidator(split_values), Field(default_factory=list)
]
Ids = Annotated[
    list[Annotated[str, StringConstraints(max_length=4000)]], AfterValidator(split_values), Field(default_factory=list)
]
Statuses = Annotated[
    list[Annotated[str, StringConstraints(max_length=400)]], AfterValidator(split_values), Field(default_factory=list)
]


class ApplicationSearch(Paged):
    """GET `/application/{serviceCode}` criteria: comma-separated and/or repeated lists, one module and
    business service, a page of at most `MAX_LIMIT`."""

    application_number: Numbers
    ids: Ids
    status: Statuses
    workflow_status: Statuses
    module: str | None = Field(default=None, max_length=64)
    business_service: str | None = Field(default=None, max_length=64)
    limit: int = page_limit(default=100, maximum=MAX_LIMIT)


class PdfQuery(SearchQuery):
    """studio-pdf `download/pdf`: which application, which of its service's PDFs, in which language."""

    application_number: str = Field(min_length=1, max_length=128)
    service_code: str = Field(min_length=1, max_length=160)
    pdf_key: str | None = Field(default=None, max_length=128)
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}_[A-Z]{2}$")
