"""MDMS wire models: v1 `MdmsCriteria` and v2 `SchemaDefinition` / `Mdms`, with DIGIT's field names."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel


class MasterDetail(WireModel):
    name: str = Field(min_length=1)
    filter: str | None = None


class ModuleDetail(WireModel):
    module_name: str = Field(min_length=1)
    master_details: list[MasterDetail] = Field(min_length=1)


class MdmsCriteriaV1(WireModel):
    tenant_id: str = Field(min_length=1)
    module_details: list[ModuleDetail] = Field(min_length=1)


class SearchV1Request(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    mdms_criteria: MdmsCriteriaV1 = Field(alias="MdmsCriteria")


class SearchV1Response(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    mdms_res: dict[str, dict[str, list[Any]]] = Field(alias="MdmsRes")
