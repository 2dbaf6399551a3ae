"""egov-user and user-otp wire models, with DIGIT's field names."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, ConfigDict, Field

from digit.kernel.envelope import RequestInfo, UserType, WireModel
from digit.kernel.inputs import PAGE_MAX


class RoleIn(WireModel):
    code: str = Field(min_length=1, max_length=64)
    name: str | None = None
    tenant_id: str | None = None


class User(WireModel):
    """DIGIT's User; unknown fields are kept (DIGIT clients send many)."""

    model_config = ConfigDict(extra="allow")

    id: int | None = None
    uuid: str | None = None
    user_name: str | None = Field(default=None, max_length=180)
    salutation: str | None = Field(default=None, max_length=5)
    name: str | None = Field(default=None, max_length=250)
    gender: str | None = None
    mobile_number: str | None = None
    country_code: str | None = None
    alternatemobilenumber: str | None = None
    email_id: str | None = Field(default=None, max_length=128)
    alt_contact_number: str | None = None
    pan: str | None = None
    aadhaar_number: str | None = None
    permanent_address: str | None = Field(default=None, max_length=300)
    permanent_city: str | None = None
    permanent_pin_code: str | None = None
    correspondence_address: str | None = Field(default=None, max_length=300)
    correspondence_city: str | None = None
    correspondence_pin_code: str | None = None
    active: bool | None = None
    locale: str | None = None
    type: str | None = None
    account_locked: bool | None = None
    account_locked_date: int | None = None
    father_or_husband_name: str | None = None
    relationship: str | None = None
    blood_group: str | None = None
    identification_mark: str | None = None
    photo: str | None = None
    signature: str | None = None
    password: str | None = None
    otp_reference: str | None = None
    tenant_id: str | None = None
    roles: list[RoleIn] | None = None
    dob: str | int | None = None
    pwd_expiry_date: int | None = None


class NewUser(User):
    """A user another block creates through the user client: DIGIT's User fields, snake_case in Python
    (others given by their DIGIT names are kept); the password is optional, roles are checked against MDMS."""

    model_config = ConfigDict(coerce_numbers_to_str=True)  # a mobile number sent as a JSON number, as DIGIT takes

    user_name: str = Field(min_length=1, max_length=180)
    type: str = Field(min_length=1)
    tenant_id: str = Field(min_length=1)


class UserChanges(User):
    """What another block changes on a user through the user client: only the fields it sets (userName,
    type and tenantId never change)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)


class UserRequest(WireModel):
    """`{RequestInfo, user}` (DIGIT's create/update bodies; some DIGIT clients send `User`)."""

    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    user: User = Field(validation_alias=AliasChoices("user", "User"))


class UserResponse(WireModel):
    response_info: dict[str, Any] = Field(alias="responseInfo")
    user: list[dict[str, Any]]


class UserSearchRequest(WireModel):
    """DIGIT's flat search body."""

    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    id: list[int] | None = None
    uuid: list[str] | None = None
    user_name: str | None = None
    name: str | None = None
    mobile_number: str | None = None
    email_id: str | None = None
    active: bool | None = None
    tenant_id: str | None = None
    user_type: str | None = None
    role_codes: list[str] | None = None
    page_size: int = Field(default=50, ge=1, le=500)
    page_number: int = Field(default=0, ge=0, le=PAGE_MAX, validation_alias=AliasChoices("pageNumber", "offset"))
    sort: list[str] | None = None
    purpose: str | None = None


class OtpRequestBody(WireModel):
    mobile_number: str = Field(min_length=1, max_length=20)
    tenant_id: str = Field(min_length=1)
    type: str = "register"
    user_type: str | None = None
    country_code: str | None = None


class SendOtpRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    otp: OtpRequestBody


class SendOtpResponse(WireModel):
    response_info: dict[str, Any] = Field(alias="responseInfo")
    successful: bool


class LogoutRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    access_token: str | None = Field(default=None, alias="access_token")


class PasswordUpdateRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    existing_password: str
    new_password: str
    tenant_id: str
    type: str | None = None


class PasswordResetRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    otp_reference: str
    user_name: str
    new_password: str
    tenant_id: str
    type: str = UserType.CITIZEN.value


class PiiAuditSearchRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant_id: str
    accessor_uuid: str | None = None
    subject_uuid: str | None = None
    from_date: int | None = None
    to_date: int | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class PiiAuditRecord(WireModel):
    id: str
    tenant_id: str
    accessor_uuid: str
    subject_uuid: str
    fields: list[str]
    purpose: str | None = None
    time: int


class PiiAuditResponse(WireModel):
    response_info: dict[str, Any] = Field(alias="ResponseInfo")
    audits: list[PiiAuditRecord] = Field(alias="PiiAudits")


class EgovOtp(WireModel):
    """egov-otp's Otp: `identity` is the mobile number a token is for; `otp` the code (never answered)."""

    otp: str | None = Field(default=None, max_length=128)
    uuid: str | None = Field(default=None, max_length=64, validation_alias=AliasChoices("UUID", "uuid"))
    identity: str | None = Field(default=None, max_length=100)
    tenant_id: str = Field(min_length=1, max_length=256)


class EgovOtpRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    otp: EgovOtp


class EgovOtpResponse(WireModel):
    response_info: dict[str, Any] | None = Field(default=None, alias="responseInfo")
    otp: dict[str, Any] | None
