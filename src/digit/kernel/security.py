"""The access gate every route passes: who is calling, and may they call this route for these tenants.

The kernel knows no user store. The identity block registers an `AccessProvider` on the platform;
until one is registered, every route off the open list answers 401 (secure by default).

Rules, as DIGIT's gateway has them, tightened:
- the token comes from `Authorization: Bearer`, the `auth-token` header, `RequestInfo.authToken`
  or an `access_token` query parameter;
- the tenants of a call are every tenant the request names, in any place and spelling
  (`kernel/request_tenants.py`); places that disagree are a 400 before any handler runs; a call
  that names none is about the caller's own tenant;
- the caller must be allowed the route in *every* tenant of the call (DIGIT checks only the first),
  and handlers take their tenant from what the gate authorised (`TenantQuery`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request

from digit.kernel.envelope import Role, UserInfo, UserType
from digit.kernel.errors import Forbidden, Invalid, Unauthenticated
from digit.kernel.inputs import PARSED_JSON
from digit.kernel.observability import set_correlation_id
from digit.kernel.platform import Key
from digit.kernel.request_tenants import CallTenants, from_places
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

SYSTEM_UUID = "00000000-0000-0000-0000-000000000000"


def role_codes_in(roles: Iterable[Role], tenant_id: str) -> set[str]:
    """Codes of the roles that apply in the tenant: granted there, or in its state (a state role covers its
    cities), or granted with no tenant at all. Every check of a person's roles in a tenant goes through here."""
    here = (tenant_id, state_of(tenant_id))
    return {r.code for r in roles if r.tenant_id in here or r.tenant_id is None}


@dataclass(frozen=True)
class Actor:
    """The caller as services see it: uuid, type and roles per tenant. No PII."""

    uuid: str
    type: str
    tenant_id: str
    roles: tuple[Role, ...] = ()
    user: UserInfo | None = field(default=None, compare=False)

    @classmethod
    def system(cls, tenant_id: str = "") -> Actor:
        return cls(
            uuid=SYSTEM_UUID, type=UserType.SYSTEM, tenant_id=tenant_id, roles=(Role(code="SYSTEM", tenant_id=""),)
        )

    @classmethod
    def of(cls, user: UserInfo) -> Actor:
        return cls(uuid=user.uuid, type=user.type, tenant_id=user.tenant_id, roles=tuple(user.roles), user=user)

    @property
    def is_system(self) -> bool:
        return self.type == UserType.SYSTEM

    @property
    def is_citizen(self) -> bool:
        return self.type == UserType.CITIZEN

    def role_codes_in(self, tenant_id: str) -> set[str]:
        """Roles granted in the tenant itself or in its state (a state role covers its cities)."""
        if self.is_system and self.uuid == SYSTEM_UUID:
            return {"SYSTEM"}
        return role_codes_in(self.roles, tenant_id)

    def has_any_role(self, codes: Iterable[str], tenant_id: str) -> bool:
        return bool(self.role_codes_in(tenant_id) & set(codes))


class AccessProvider(Protocol):
    async def authenticate(self, token: str) -> UserInfo | None: ...

    async def authorize(self, user: UserInfo, *, route: str, method: str, tenant_ids: set[str]) -> bool: ...

    async def roles_for(self, *, route: str, tenant_id: str) -> frozenset[str]:
        """The roles that may call the route in the tenant (named in a refusal, so the caller knows)."""
        ...


class DenyAll:
    """Used while no identity block is installed: nobody is authenticated."""

    async def authenticate(self, token: str) -> UserInfo | None:
        return None

    async def authorize(self, user: UserInfo, *, route: str, method: str, tenant_ids: set[str]) -> bool:
        return False

    async def roles_for(self, *, route: str, tenant_id: str) -> frozenset[str]:
        return frozenset()


def is_open_route(template: str, open_routes: Iterable[str]) -> bool:
    for pattern in open_routes:
        if pattern.endswith("*"):
            if template.startswith(pattern[:-1]):
                return True
        elif template == pattern:
            return True
    return False


async def read_json_body(request: Request) -> Any:
    """The parsed JSON body, or None; malformed JSON is the caller's fault (400), never a 500."""
    if "json" not in request.headers.get("content-type", "").lower():
        return None
    if PARSED_JSON in request.scope:  # parsed and checked by the input limits middleware already
        return request.scope[PARSED_JSON]
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Invalid("INVALID_JSON", "the request body is not valid JSON") from None


async def read_form_fields(request: Request) -> list[tuple[str, Any]]:
    """The fields of a form body (Starlette caches the parsed form for the route), or none."""
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.formparsers import MultiPartException

    content_type = request.headers.get("content-type", "").lower().lstrip()
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return []
    try:
        form = await request.form()
    except (MultiPartException, StarletteHTTPException):
        raise Invalid("INVALID_MULTIPART", "the form body could not be read") from None
    return list(form.multi_items())


def _request_info(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        ri = body.get("RequestInfo") or body.get("requestInfo")
        if isinstance(ri, dict):
            return ri
    return {}


def _token_from(request: Request, request_info: dict[str, Any]) -> str | None:
    token = request_info.get("authToken")
    if isinstance(token, str) and token:
        return token
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("auth-token") or request.query_params.get("access_token") or None


async def access_gate(request: Request) -> None:
    """FastAPI dependency on every route: authenticate, authorise, and leave the caller on request.state."""
    from digit.kernel.deps import platform_of  # the gate is installed by the app; avoid an import cycle

    platform = platform_of(request)
    body = await read_json_body(request)
    request_info = _request_info(body)
    cid = request_info.get("correlationId") or request_info.get("msgId")
    if cid:
        set_correlation_id(cid)
    route = request.scope.get("route")
    template: str = getattr(route, "path", None) or request.url.path  # the URL only when no route matched
    provider = platform.find(ACCESS_PROVIDER) or DenyAll()
    token = _token_from(request, request_info)
    user = await provider.authenticate(token) if token else None
    request.state.user = user
    form = await read_form_fields(request) if body is None else []
    by_place, scopes = from_places(
        path=request.path_params,
        query=request.query_params.multi_items(),
        body=body,
        form=form,
        header=request.headers.get("x-tenant-id") or None,
    )
    named = bool(scopes)
    if not named and user is not None:
        scopes = {user.tenant_id}
    request.state.tenants = CallTenants(by_place=by_place, authorised=frozenset(scopes), named=named)
    if is_open_route(template, platform.settings.open_routes):
        return
    if token is None and is_open_route(template, platform.settings.anonymous_routes):
        from digit.kernel.anonymous import count_anonymous_call  # its table imports this module

        await count_anonymous_call(platform, request, route=template)
        return
    if token is None:
        raise Unauthenticated("UNAUTHORIZED", "You are not authorized to access this resource")
    if user is None:
        log.info("access_denied_bad_token", extra={"route": template, "client": _client(request)})
        raise Unauthenticated("INVALID_TOKEN", "the access token is invalid or expired")
    if not await provider.authorize(user, route=template, method=request.method, tenant_ids=scopes):
        log.info("access_denied", extra={"route": template, "user": user.uuid, "tenants": sorted(scopes)})
        raise await _not_authorized(provider, template, scopes)


async def _not_authorized(provider: AccessProvider, template: str, scopes: set[str]) -> Forbidden:
    """403 that names the roles which would be allowed (in `description` and `params`)."""
    tenant_id = sorted(scopes)[0] if scopes else ""
    roles = sorted(await provider.roles_for(route=template, tenant_id=tenant_id)) if tenant_id else []
    if roles:
        where = ", ".join(sorted(scopes))
        description = f"{template} needs one of the roles {', '.join(roles)} in {where} (or its state)"
    else:
        description = f"no role may call {template}"
    return Forbidden("NOT_AUTHORIZED", "Not authorized to access this resource", description=description, params=roles)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ACCESS_PROVIDER = Key[AccessProvider](AccessProvider)
"""The platform key of `AccessProvider`."""
