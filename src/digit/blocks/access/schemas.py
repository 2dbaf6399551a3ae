"""egov-accesscontrol wire models."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from digit.kernel.envelope import RequestInfo, WireModel


class AuthorizationRole(WireModel):
    code: str
    name: str | None = None
    tenant_id: str | None = None


class AuthorizationRequest(WireModel):
    roles: list[AuthorizationRole] = Field(default_factory=list)
    uri: str = Field(min_length=1)
    tenant_ids: list[str] = Field(default_factory=list)


class AuthorizeRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    authorization_request: AuthorizationRequest = Field(alias="AuthorizationRequest")


class ActionsRequest(WireModel):
    """`/access/v1/actions/mdms/_get`: the actions (menus) the given roles may use in a tenant."""

    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    role_codes: list[str] = Field(default_factory=list)
    tenant_id: str
    action_master: str | None = None
    enabled: bool | None = None


class ActionsResponse(WireModel):
    response_info: dict[str, Any] = Field(alias="responseInfo")
    actions: list[dict[str, Any]]


class RolesSearchRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant_id: str | None = None
    codes: list[str] | None = None


class RolesResponse(WireModel):
    response_info: dict[str, Any] = Field(alias="responseInfo")
    roles: list[dict[str, Any]]


class RoleIn(WireModel):
    """egov-accesscontrol's Role on `roles/_create|_update` (name and code mandatory, as DIGIT checks)."""

    code: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=256)


class RoleRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant_id: str | None = None  # DIGIT's roles are global; here they live in a state's MDMS (default: yours)
    roles: list[RoleIn] = Field(default_factory=list)


class ActionRef(WireModel):
    name: str | None = None
    id: int | None = None


class RoleRef(WireModel):
    code: str | None = None
    name: str | None = None


class RoleActionsRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    role: RoleRef | None = None
    tenant_id: str | None = None
    actions: list[ActionRef] = Field(default_factory=list)


class RoleActionsResponse(WireModel):
    response_info: dict[str, Any] = Field(alias="ResponseInfo")
    role_actions: list[dict[str, Any]]
