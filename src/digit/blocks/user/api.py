"""egov-user and user-otp on DIGIT's paths."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import egov_otp, profile, service, tokens
from digit.blocks.user import otp as otp_service
from digit.blocks.user.schemas import (
    EgovOtpRequest,
    EgovOtpResponse,
    LogoutRequest,
    PasswordResetRequest,
    PasswordUpdateRequest,
    PiiAuditRecord,
    PiiAuditResponse,
    PiiAuditSearchRequest,
    SendOtpRequest,
    SendOtpResponse,
    UserRequest,
    UserResponse,
    UserSearchRequest,
)
from digit.blocks.user.service import Identity, SearchCriteria
from digit.kernel.deps import CurrentActor, OptionalActor, PlatformDep, SessionDep, SessionKeptOnRefusalDep
from digit.kernel.envelope import RequestInfo, response_info
from digit.kernel.errors import Invalid, Unauthenticated
from digit.kernel.network import client_address
from digit.kernel.platform import Platform
from digit.kernel.security import Actor

router = APIRouter(tags=["user"])


def identity_of(platform: Platform) -> Identity:
    return platform.get(Identity)


def _client_address(request: Request, platform: Platform) -> str:
    """The caller's address as throttles count it (a trusted proxy's X-Forwarded-For, else the socket)."""
    return client_address(request, platform.settings.trusted_proxies)


def _presented_token(request: Request, request_info: RequestInfo) -> str | None:
    """The access token the call came with: body, query `access_token`, or `Authorization: Bearer`."""
    token = request_info.auth_token or request.query_params.get("access_token")
    if not token:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
    return token or None


def _check_client(authorization: str | None) -> None:
    """DIGIT's clients send `Basic base64(egov-user-client:)`; a malformed header is refused."""
    if not authorization:
        return
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return
    try:
        client_id = base64.b64decode(value.strip(), validate=True).decode().split(":", 1)[0]
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("INVALID_CLIENT", "the client credentials are not valid") from None
    if not client_id:
        raise Unauthenticated("INVALID_CLIENT", "the client credentials are not valid")


def _egov_user_info(request_info: RequestInfo | None) -> dict[str, Any]:
    return response_info(request_info, status="200").wire()


@router.post("/user/oauth/token")
async def oauth_token(
    request: Request,
    platform: PlatformDep,
    session: SessionKeptOnRefusalDep,
    grant_type: Annotated[str, Form()] = "password",
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    tenant_id: Annotated[str | None, Form(alias="tenantId")] = None,
    user_type: Annotated[str | None, Form(alias="userType")] = None,
    scope: Annotated[str, Form()] = "read",
    refresh_token: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """OAuth2 password and refresh grants (form-encoded, DIGIT's fields)."""
    _check_client(request.headers.get("authorization"))
    issued = await tokens.grant(
        session,
        identity_of(platform),
        grant_type=grant_type,
        username=username,
        password=password,
        tenant_id=tenant_id,
        user_type=user_type,
        refresh_token=refresh_token,
        client=_client_address(request, platform),
    )
    return {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "refresh_token": issued.refresh_token,
        "expires_in": issued.expires_in,
        "scope": scope,
        "ResponseInfo": {
            "api_id": "",
            "ver": "",
            "ts": "",
            "res_msg_id": "",
            "msg_id": "",
            "status": "Access Token generated successfully",
        },
        "UserRequest": issued.user.wire(),
    }


@router.post("/user/_details")
async def user_details(actor: CurrentActor) -> dict[str, Any]:
    """The user behind the access token (query `access_token` or any token the gate accepts)."""
    assert actor.user is not None
    return actor.user.wire()


@router.post("/user/_logout")
async def logout(body: LogoutRequest, session: SessionDep, platform: PlatformDep, request: Request) -> dict[str, Any]:
    """Revoke the token (and its refresh token) at once, for every process."""
    token = body.access_token or _presented_token(request, body.request_info)
    await tokens.logout(session, identity_of(platform), access_token=tokens.assert_token(token))
    return {"ResponseInfo": response_info(body.request_info, status="Logout successfully").wire()}


async def _search(body: UserSearchRequest, session: AsyncSession, platform: Platform, actor: Actor) -> UserResponse:
    criteria = SearchCriteria(
        tenant_id=body.tenant_id or actor.tenant_id,
        ids=body.id or (),
        uuids=body.uuid or (),
        user_name=body.user_name,
        name=body.name,
        mobile_number=body.mobile_number,
        email_id=body.email_id,
        role_codes=body.role_codes or (),
        user_type=body.user_type,
        active=True if body.active is None else body.active,
        limit=body.page_size,
        offset=body.page_number * body.page_size,
    )
    action = body.request_info.action
    purpose = body.purpose or (str(action) if action is not None else None)
    users = await service.search_users_shown(session, identity_of(platform), criteria, actor=actor, purpose=purpose)
    return UserResponse(response_info=_egov_user_info(body.request_info), user=users)


@router.post("/user/_search")
async def search_users(
    body: UserSearchRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> UserResponse:
    """Users by uuid, id, userName, mobileNumber, emailId, name (exact, blind index), roleCodes, userType; paged."""
    return await _search(body, session, platform, actor)


@router.post("/user/v1/_search")
async def search_users_v1(
    body: UserSearchRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> UserResponse:
    """DIGIT's older path for the same search."""
    return await _search(body, session, platform, actor)


@router.post("/user/users/_createnovalidate")
async def create_user_no_validate(
    body: UserRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> UserResponse:
    """Internal create (no OTP): employees, system users, citizens created by a service."""
    user = body.user.model_dump(by_alias=True, exclude_none=True)
    shown = await service.create_user_shown(session, identity_of(platform), user=user, actor=actor)
    return UserResponse(response_info=_egov_user_info(body.request_info), user=[shown])


@router.post("/user/users/_updatenovalidate")
async def update_user_no_validate(
    body: UserRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> UserResponse:
    """Internal update by uuid (userName, type and tenantId never change)."""
    shown = await profile.update_user_shown(
        session,
        identity_of(platform),
        uuid=body.user.uuid,
        user_id=body.user.id,
        changes=body.user.model_dump(by_alias=True, exclude_unset=True),
        actor=actor,
    )
    return UserResponse(response_info=_egov_user_info(body.request_info), user=[shown])


@router.post("/user/profile/_update")
async def update_profile(
    body: UserRequest, session: SessionKeptOnRefusalDep, platform: PlatformDep, actor: CurrentActor
) -> UserResponse:
    """A person updates their own profile (not roles, activation or password); a new `mobileNumber`
    needs `otpReference`, the code of an OTP of type `update` sent to that number (a wrong code's count sticks)."""
    changes = body.user.model_dump(by_alias=True, exclude_unset=True)
    updated = await profile.update_profile_shown(session, identity_of(platform), changes=changes, actor=actor)
    return UserResponse(response_info=_egov_user_info(body.request_info), user=[updated])


@router.post("/user/password/_update")
async def update_password(
    body: PasswordUpdateRequest, request: Request, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> dict[str, Any]:
    """Change one's own password, knowing the current one; the user's other sessions end."""
    await profile.change_password(
        session,
        identity_of(platform),
        existing=body.existing_password,
        new=body.new_password,
        actor=actor,
        access_token=_presented_token(request, body.request_info),
    )
    return {"responseInfo": _egov_user_info(body.request_info)}


@router.post("/user/password/nologin/_update")
async def reset_password(
    body: PasswordResetRequest, session: SessionKeptOnRefusalDep, platform: PlatformDep
) -> dict[str, Any]:
    """Reset a forgotten password with an OTP (type passwordreset) sent to the user's mobile number (a wrong
    code counts against the OTP)."""
    await profile.reset_password(
        session,
        identity_of(platform),
        user_name=body.user_name,
        tenant_id=body.tenant_id,
        user_type=body.type,
        code=body.otp_reference,
        new=body.new_password,
    )
    return {"responseInfo": _egov_user_info(body.request_info)}


@router.post("/user/citizen/_create")
async def create_citizen(
    body: UserRequest, session: SessionKeptOnRefusalDep, platform: PlatformDep, actor: OptionalActor
) -> UserResponse:
    """Citizen self-registration: the OTP sent with type `register` is the `otpReference`."""
    created = await profile.register_citizen_shown(
        session,
        identity_of(platform),
        user=body.user.model_dump(by_alias=True, exclude_none=True),
        otp_reference=body.user.otp_reference,
        actor=actor,
    )
    return UserResponse(response_info=_egov_user_info(body.request_info), user=[created])


@router.post("/user-otp/v1/_send")
async def send_otp(
    body: SendOtpRequest, request: Request, session: SessionKeptOnRefusalDep, platform: PlatformDep
) -> SendOtpResponse:
    """Send an OTP by SMS for `register` (default), `login`, `passwordreset` or `update` (a new number); a
    refused request still counts against the address and the number."""
    wanted = body.otp
    await otp_service.send_otp(
        session,
        identity_of(platform),
        mobile_number=wanted.mobile_number,
        tenant_id=wanted.tenant_id,
        purpose=wanted.type,
        user_type=wanted.user_type,
        client=_client_address(request, platform),
    )
    return SendOtpResponse(response_info=_egov_user_info(body.request_info), successful=True)


@router.post("/otp/v1/_create", status_code=201)
async def create_egov_otp(body: EgovOtpRequest, session: SessionDep, platform: PlatformDep) -> EgovOtpResponse:
    """egov-otp `_create` (system users): a token for `identity` (a mobile number), its code sent by SMS only."""
    if not body.otp.identity:
        raise Invalid("OTP.IDENTITY_MANDATORY", "otp.identity is required", params=["otp.identity"])
    token = await egov_otp.create_token(
        session, identity_of(platform), mobile_number=body.otp.identity, tenant_id=body.otp.tenant_id
    )
    return EgovOtpResponse(otp=token)


@router.post("/otp/v1/_validate")
async def validate_egov_otp(
    body: EgovOtpRequest, session: SessionKeptOnRefusalDep, platform: PlatformDep
) -> EgovOtpResponse:
    """egov-otp `_validate`: the code against the identity's newest live token (wrong codes use it up)."""
    if not body.otp.identity or not body.otp.otp:
        raise Invalid("OTP.VALIDATION_UNSUCCESSFUL", "otp.identity and otp.otp are required", params=["otp.otp"])
    token = await egov_otp.validate_token(
        session,
        identity_of(platform),
        mobile_number=body.otp.identity,
        tenant_id=body.otp.tenant_id,
        code=body.otp.otp,
    )
    return EgovOtpResponse(otp=token)


@router.post("/otp/v1/_search")
async def search_egov_otp(body: EgovOtpRequest, session: SessionDep, platform: PlatformDep) -> EgovOtpResponse:
    """egov-otp `_search` (system users): a token's state by its UUID; `otp: null` when there is none."""
    if not body.otp.uuid:
        raise Invalid("OTP.UUID_MANDATORY", "otp.UUID is required", params=["otp.UUID"])
    token = await egov_otp.search_token(
        session, identity_of(platform), uuid=body.otp.uuid, tenant_id=body.otp.tenant_id
    )
    return EgovOtpResponse(otp=token)


@router.post("/user/pii-audit/v1/_search")
async def search_pii_audit(body: PiiAuditSearchRequest, session: SessionDep) -> PiiAuditResponse:
    """Who read whose PII unmasked, which fields, why and when (admins)."""
    rows = await service.search_pii_audit(
        session,
        tenant_id=body.tenant_id,
        accessor_uuid=body.accessor_uuid,
        subject_uuid=body.subject_uuid,
        from_ms=body.from_date,
        to_ms=body.to_date,
        limit=body.limit,
        offset=body.offset,
    )
    audits = [
        PiiAuditRecord(
            id=r.id,
            tenant_id=r.tenant_id,
            accessor_uuid=r.accessor_uuid,
            subject_uuid=r.subject_uuid,
            fields=[str(f) for f in r.fields],
            purpose=r.purpose,
            time=r.created_time,
        )
        for r in rows
    ]
    return PiiAuditResponse(response_info=response_info(body.request_info).wire(), audits=audits)
