"""config-service wire models: `criteria{schemaCode, tenantId, criteria}` in, `configData[]` out."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel


class ConfigCriteria(WireModel):
    model_config = ConfigDict(extra="ignore")

    schema_code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$")
    tenant_id: str = Field(min_length=1, max_length=128)
    criteria: dict[str, Any] | None = None  # field -> value the record's data must hold


class SearchConfigRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    criteria: ConfigCriteria


class ConfigData(WireModel):
    id: str
    tenant_id: str
    schema_code: str
    unique_identifier: str
    data: dict[str, Any]
    is_active: bool = True


class ConfigResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    config_data: list[ConfigData] = Field(alias="configData")
