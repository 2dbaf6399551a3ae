"""tenant-management wire models, as DIGIT's sandbox sign-up page sends them (`tenant{name, email}`)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel


class Tenant(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    code: str | None = Field(default=None, max_length=64)  # derived from the name when left out
    name: str = Field(min_length=1, max_length=128)
    email: str | None = Field(default=None, max_length=256, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    parent_id: str | None = Field(default=None, max_length=128)  # a state: the new tenant is one of its cities
    is_active: bool = True
    additional_attributes: dict[str, Any] | None = None
    audit_details: dict[str, Any] | None = None


class CreateTenantRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant: Tenant


class TenantResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    tenants: list[Tenant] = Field(alias="Tenants")
