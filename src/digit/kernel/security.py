"""The access gate every route passes: who is calling, and may they call this route for these tenants.

The kernel knows no user store. The identity block registers an `AccessProvider` on the platform;
until one is registered, every route off the open list answers 401 (secure by default).

Rules, as DIGIT's gateway has them, tightened:
- the token comes from `Authorization: Bearer`, the `auth-token` header, `RequestInfo.authToken`
  or an `access_token` query parameter;
- the tenants of a call are every `tenantId` in the body outside RequestInfo (else the `tenantId`
  query parameter, else the caller's own tenant); an ancestor of another listed tenant is dropped;
- the caller must be allowed the route in *every* tenant of the call (DIGIT checks only the first).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request

from digit.kernel.envelope import Role, UserInfo, split_values
from digit.kernel.errors import Forbidden, Invalid, Unauthenticated
from digit.kernel.observability import correlation_id
from digit.kernel.tenancy import most_specific, state_of

log = logging.getLogger(__name__)

SYSTEM_UUID = "00000000-0000-0000-0000-000000000000"


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
        return cls(uuid=SYSTEM_UUID, type="SYSTEM", tenant_id=tenant_id, roles=(Role(code="SYSTEM", tenant_id=""),))

    @classmethod
    def of(cls, user: UserInfo) -> Actor:
        return cls(uuid=user.uuid, type=user.type, tenant_id=user.tenant_id, roles=tuple(user.roles), user=user)

    @property
    def is_system(self) -> bool:
        return self.type == "SYSTEM"

    @property
    def is_citizen(self) -> bool:
        return self.type == "CITIZEN"

    def role_codes_in(self, tenant_id: str) -> set[str]:
        """Roles granted in the tenant itself or in its state (a state role covers its cities)."""
        if self.is_system and self.uuid == SYSTEM_UUID:
            return {"SYSTEM"}
        state = state_of(tenant_id)
        return {r.code for r in self.roles if r.tenant_id in (tenant_id, state) or r.tenant_id is None}

    def has_any_role(self, codes: Iterable[str], tenant_id: str) -> bool:
        return bool(self.role_codes_in(tenant_id) & set(codes))


class AccessProvider(Protocol):
    async def authenticate(self, token: str) -> UserInfo | None: ...

    async def authorize(self, user: UserInfo, *, route: str, method: str, tenant_ids: set[str]) -> bool: ...


class DenyAll:
    """Used while no identity block is installed: nobody is authenticated."""

    async def authenticate(self, token: str) -> UserInfo | None:
        return None

    async def authorize(self, user: UserInfo, *, route: str, method: str, tenant_ids: set[str]) -> bool:
        return False


def is_open_route(template: str, open_routes: Iterable[str]) -> bool:
    for pattern in open_routes:
        if pattern.endswith("*"):
            if template.startswith(pattern[:-1]):
                return True
        elif template == pattern:
            return True
    return False


def _tenants_in(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("RequestInfo", "requestInfo"):
                continue
            if key == "tenantId":
                if isinstance(value, str) and value:
                    found.add(value)
                elif isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str) and v)
            else:
                _tenants_in(value, found)
    elif isinstance(node, list):
        for item in node:
            _tenants_in(item, found)


async def read_json_body(request: Request) -> Any:
    """The parsed JSON body, or None; malformed JSON is the caller's fault (400), never a 500."""
    if "json" not in request.headers.get("content-type", ""):
        return None
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Invalid("INVALID_JSON", "the request body is not valid JSON") from None


async def read_form_tenants(request: Request) -> dict[str, list[str]]:
    """The `tenantId` fields of a multipart form (Starlette caches the parsed form for the route)."""
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.formparsers import MultiPartException

    try:
        form = await request.form()
    except (MultiPartException, StarletteHTTPException):
        raise Invalid("INVALID_MULTIPART", "the multipart body could not be read") from None
    return {"tenantId": [v for v in form.getlist("tenantId") if isinstance(v, str) and v.strip()]}


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


def tenants_of_call(request: Request, body: Any, user: UserInfo) -> set[str]:
    found: set[str] = set()
    _tenants_in(body, found)
    if not found:
        found.update(split_values(request.query_params.getlist("tenantId")))
    return most_specific(found) if found else {user.tenant_id}


async def access_gate(request: Request) -> None:
    """FastAPI dependency on every route: authenticate, authorise, and leave the caller on request.state."""
    from digit.kernel.deps import platform_of  # the gate is installed by the app; avoid an import cycle

    platform = platform_of(request)
    body = await read_json_body(request)
    request_info = _request_info(body)
    cid = request_info.get("correlationId") or request_info.get("msgId")
    if isinstance(cid, str) and cid:
        correlation_id.set(cid[:128])
    route = request.scope.get("route")
    template: str = getattr(route, "path", request.url.path)
    provider = platform.find(AccessProvider) or DenyAll()  # type: ignore[type-abstract]
    token = _token_from(request, request_info)
    user = await provider.authenticate(token) if token else None
    request.state.user = user
    if is_open_route(template, platform.settings.open_routes):
        return
    if token is None:
        raise Unauthenticated("UNAUTHORIZED", "You are not authorized to access this resource")
    if user is None:
        log.info("access_denied_bad_token", extra={"route": template, "client": _client(request)})
        raise Unauthenticated("INVALID_TOKEN", "the access token is invalid or expired")
    if body is None and request.headers.get("content-type", "").startswith("multipart/form-data"):
        body = await read_form_tenants(request)  # uploads: the form's tenantId is the call's tenant
    tenant_ids = tenants_of_call(request, body, user)
    if not await provider.authorize(user, route=template, method=request.method, tenant_ids=tenant_ids):
        log.info("access_denied", extra={"route": template, "user": user.uuid, "tenants": sorted(tenant_ids)})
        raise Forbidden("NOT_AUTHORIZED", "Not authorized to access this resource")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
