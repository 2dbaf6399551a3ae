"""DIGIT's egov-document-uploader wire models: `DocumentEntity` in and out, `Documents` in answers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel, split_values
from digit.kernel.inputs import Offset
from digit.kernel.paging import Paged, page_limit

DEFAULT_LIMIT = 10  # documents in a page of a search that names no limit (the service cuts any to 60)


def _tenant_list(value: Any) -> Any:
    """DIGIT's UI sends `tenantIds` as a list, and on edit as one tenant id string; both mean a list."""
    if isinstance(value, str):
        return split_values(value)
    return value


TenantIds = Annotated[list[Annotated[str, Field(max_length=256)]] | None, BeforeValidator(_tenant_list)]


class AuditDetails(WireModel):
    created_by: str | None = None
    created_time: int | None = None
    last_modified_by: str | None = None
    last_modified_time: int | None = None


class DocumentEntity(WireModel):
    """DIGIT's DocumentEntity; sizes are DIGIT's columns. Server-set fields are ignored on input."""

    uuid: str | None = Field(default=None, max_length=128)
    tenant_ids: TenantIds = Field(default=None, max_length=100)
    tenant_id: str | None = Field(default=None, max_length=256)
    name: str | None = Field(default=None, max_length=128)
    category: str | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=140)
    filestore_id: str | None = Field(default=None, max_length=1024)
    document_link: str | None = Field(default=None, max_length=1024)
    file_type: str | None = Field(default=None, max_length=128)
    file_size: int | None = Field(default=None, ge=0)
    active: bool | None = None
    posted_by: str | None = None
    audit_details: AuditDetails | None = None


class DocumentRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    document_entity: DocumentEntity = Field(alias="DocumentEntity")


class CategoryCount(WireModel):
    """One row of DIGIT's `statusCount`: active documents per category."""

    count: int
    category: str


class DocumentResponse(WireModel):
    response_info: ResponseInfo | None = Field(default=None, alias="ResponseInfo")
    total_count: int | None = None
    status_count: list[CategoryCount] | None = None
    documents: list[DocumentEntity] = Field(alias="Documents")


class DeleteResponse(ResponseInfo):
    """DIGIT's `_delete` answers with a bare ResponseInfo; it is also under `ResponseInfo`, as our answers are."""

    response_info: ResponseInfo | None = Field(default=None, alias="ResponseInfo")


class DocumentSearch(Paged):
    """document `_search` criteria (the tenants are `tenantIds`, where the access gate put them)."""

    name: str | None = Field(default=None, max_length=128)
    category: str | None = Field(default=None, max_length=128)
    posted_by: str | None = Field(default=None, max_length=128)
    offset: Offset = 0
    limit: int = page_limit(default=DEFAULT_LIMIT, maximum=10_000, minimum=0)
