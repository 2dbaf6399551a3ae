"""DIGIT's wire envelope: RequestInfo in, ResponseInfo out, Errors when it goes wrong."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Scalar = str | int | float
"""DIGIT clients send RequestInfo's identifiers as strings or numbers (`"did": 1`, `"ts": "1700000000"`)."""


class WireModel(BaseModel):
    """camelCase on the wire (DIGIT's names), snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)

    def wire(self, **kwargs: Any) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json", **kwargs)


class Role(WireModel):
    code: str
    name: str | None = None
    tenant_id: str | None = None


class UserType(StrEnum):
    """Who a user is to DIGIT: `UserInfo.type`, `eg_user.type`, `userType` on the wire. Values are the strings
    themselves, so the wire and the database are unchanged; `UserInfo.type` stays a `str` (compare to these)."""

    CITIZEN = "CITIZEN"
    EMPLOYEE = "EMPLOYEE"
    SYSTEM = "SYSTEM"


class UserInfo(WireModel):
    """The caller, as the gateway puts it into RequestInfo.userInfo (client-sent values are ignored)."""

    model_config = ConfigDict(extra="allow")

    id: int | None = None
    uuid: str
    user_name: str | None = None
    name: str | None = None
    mobile_number: str | None = None
    email_id: str | None = None
    locale: str | None = None
    type: str
    roles: list[Role] = Field(default_factory=list)
    active: bool = True
    tenant_id: str


class PlainAccessRequest(WireModel):
    record_id: str | None = None
    plain_request_fields: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("plainRequestFields", "fields")
    )


class RequestInfo(WireModel):
    """Everything is optional: DIGIT clients send anything from `{}` to a full object."""

    model_config = ConfigDict(extra="allow")

    api_id: Scalar | None = None
    ver: Scalar | None = None
    ts: Scalar | None = None
    action: Scalar | None = None
    did: Scalar | None = None
    key: Scalar | None = None
    msg_id: Scalar | None = None
    requester_id: Scalar | None = None
    auth_token: str | None = None
    correlation_id: Scalar | None = None
    plain_access_request: PlainAccessRequest | None = None
    user_info: dict[str, Any] | None = None


class ResponseInfo(WireModel):
    api_id: Scalar | None = None
    ver: Scalar | None = None
    ts: Scalar | None = None
    res_msg_id: str | None = None
    msg_id: Scalar | None = None
    status: str = "successful"


class Enveloped(Protocol):
    """A request body that carries DIGIT's RequestInfo."""

    @property
    def request_info(self) -> RequestInfo | None: ...


def response_info(source: RequestInfo | Enveloped | None, *, status: str = "successful") -> ResponseInfo:
    """Echo the request's identifiers back, as DIGIT's ResponseInfoFactory does.

    Takes the request's RequestInfo or the whole body (or None when the route's body is optional)."""
    ri = (source if isinstance(source, RequestInfo) or source is None else source.request_info) or RequestInfo()
    return ResponseInfo(api_id=ri.api_id, ver=ri.ver, ts=ri.ts, res_msg_id="uief87324", msg_id=ri.msg_id, status=status)


class ErrorDetail(WireModel):
    code: str
    message: str
    description: str | None = None
    params: list[str] = Field(default_factory=list)


class ErrorResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    errors: list[ErrorDetail] = Field(alias="Errors")


class RequestInfoBody(WireModel):
    """A body that carries only RequestInfo (DIGIT's searches take criteria as query parameters)."""

    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")


def split_values(values: str | list[str] | None) -> list[str]:
    """DIGIT's list query parameters: comma-separated, possibly repeated (`?ids=a,b&ids=c`)."""
    raw = [values] if isinstance(values, str) else values or []
    return [part.strip() for value in raw for part in value.split(",") if part.strip()]
