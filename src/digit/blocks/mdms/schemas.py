"""MDMS wire models: v1 `MdmsCriteria` and v2 `SchemaDefinition` / `Mdms`, with DIGIT's field names."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Csv, SearchQuery


class MasterDetail(WireModel):
    name: str = Field(min_length=1)
    filter: str | None = None


class ModuleDetail(WireModel):
    module_name: str = Field(min_length=1)
    master_details: list[MasterDetail] = Field(min_length=1)


class MdmsCriteriaV1(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    module_details: list[ModuleDetail] = Field(min_length=1)


class MasterQuery(SearchQuery):
    """v1 `_get`: one master by query parameters."""

    module_name: str = Field(min_length=1)
    master_name: str = Field(min_length=1)
    filter: str | None = None

    def criteria(self, tenant_id: str) -> MdmsCriteriaV1:
        """The same search as v1 `_search`'s body states it."""
        master = MasterDetail(name=self.master_name, filter=self.filter)
        return MdmsCriteriaV1(
            tenant_id=tenant_id, module_details=[ModuleDetail(module_name=self.module_name, master_details=[master])]
        )


class TenantSearch(SearchQuery):
    """tenant `_search`: the state's tenants, or those of some codes (comma-separated and/or repeated)."""

    code: Csv


class SearchV1Request(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    mdms_criteria: MdmsCriteriaV1 = Field(alias="MdmsCriteria")


class SearchV1Response(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    mdms_res: dict[str, dict[str, list[Any]]] = Field(alias="MdmsRes")


# ---------------------------------------------------------------- v2 schemas


class SchemaDefinition(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    code: str = Field(min_length=3, max_length=200)
    description: str | None = None
    definition: dict[str, Any]
    is_active: bool = True


class CreateSchemaRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    schema_definition: SchemaDefinition = Field(alias="SchemaDefinition")


class SchemaDefCriteria(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    codes: list[str] = Field(default_factory=list)
    offset: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=1, le=1000)


class SearchSchemaRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    schema_def_criteria: SchemaDefCriteria = Field(alias="SchemaDefCriteria")


class SchemaDefinitionsResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    schema_definitions: list[dict[str, Any]] = Field(alias="SchemaDefinitions")


# ---------------------------------------------------------------- v2 data


class AuditDetails(WireModel):
    created_by: str | None = None
    last_modified_by: str | None = None
    created_time: int | None = None
    last_modified_time: int | None = None


class Mdms(WireModel):
    id: str | None = None
    tenant_id: str = Field(min_length=1, max_length=256)
    schema_code: str | None = None
    unique_identifier: str | None = None
    data: dict[str, Any]
    is_active: bool | None = None
    row_version: int | None = Field(default=None, ge=1)
    audit_details: AuditDetails | None = None


class MdmsRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    mdms: Mdms = Field(alias="Mdms")


class MdmsCriteriaV2(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    ids: list[str] = Field(default_factory=list)
    unique_identifiers: list[str] = Field(default_factory=list)
    schema_code: str | None = None
    filters: dict[str, str | int | float | bool] = Field(default_factory=dict)
    is_active: bool | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=10, ge=1, le=1000)


class SearchV2Request(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    mdms_criteria: MdmsCriteriaV2 = Field(alias="MdmsCriteria")


class MdmsResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    mdms: list[dict[str, Any]]


class CountResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    total_count: int
