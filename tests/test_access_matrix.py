"""Access: the authorization matrix over every route the app serves, derived from the app and MDMS (block: access).

Nothing here lists routes: they come from `app.routes`, the open list from settings (plus blocks' own),
and who may call what from MDMS (ACCESSCONTROL-ROLES/-ACTIONS-TEST/-ROLEACTIONS). A route added
without an action mapping fails `test_every_route_is_open_or_mapped_to_a_role`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI, routing

from digit.blocks.access.service import RoleActionIndex
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.user import tokens
from digit.blocks.user.models import UserRow
from digit.blocks.user.service import Identity, create_user
from digit.kernel.platform import Platform
from digit.kernel.security import Actor, is_open_route

CITY, OTHER_CITY = "pb.amritsar", "pb.jalandhar"
GATE_DENIALS = {  # (code, message) of the kernel's access gate; handlers may reuse a code, not the message
    ("UNAUTHORIZED", "You are not authorized to access this resource"),
    ("INVALID_TOKEN", "the access token is invalid or expired"),
    ("NOT_AUTHORIZED", "Not authorized to access this resource"),
}
GATE_FORBIDDEN = ("NOT_AUTHORIZED", "Not authorized to access this resource")
SKIPPED_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (path template, method) the app serves, docs and OpenAPI aside."""
    found = set()
    for context in routing.iter_route_contexts(app.routes):
        if not isinstance(context.original_route, routing.APIRoute) or context.path in SKIPPED_PATHS:
            continue
        for method in context.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add(Endpoint(str(context.path), method))
    return sorted(found, key=lambda e: (e.path, e.method))


def is_open(platform: Platform, endpoint: Endpoint) -> bool:
    return is_open_route(endpoint.path, platform.settings.open_routes)


def answers_anonymously(platform: Platform, endpoint: Endpoint) -> bool:
    """Also answers without a token (narrowly, kernel/anonymous.py); with one, it is role-checked like any route."""
    return is_open_route(endpoint.path, platform.settings.anonymous_routes)


async def call(api: httpx.AsyncClient, endpoint: Endpoint, token: str | None, tenant_id: str = CITY) -> httpx.Response:
    url = _PARAM.sub("x", endpoint.path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"tenantId": tenant_id}
    if endpoint.method in ("GET", "DELETE"):
        return await api.request(endpoint.method, url, params=params, headers=headers)
    body = {"RequestInfo": {}, "tenantId": tenant_id}
    return await api.request(endpoint.method, url, params=params, json=body, headers=headers)


def errors(response: httpx.Response) -> set[tuple[str, str]]:
    try:
        body = response.json()
    except ValueError:
        return set()
    found = body.get("Errors") if isinstance(body, dict) else None
    return {(str(e.get("code")), str(e.get("message"))) for e in found or [] if isinstance(e, dict)}


class RoleUsers:
    """One user per role per city, and fresh tokens for them (a handler may log a token out)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.identity = platform.get(Identity)
        self.users: dict[tuple[str, str], int] = {}

    async def roles(self) -> list[str]:
        mdms = self.platform.get(MDMS_CLIENT)
        records = await mdms.get_master(tenant_id="pb", module="ACCESSCONTROL-ROLES", master="roles")
        return sorted(r["code"] for r in records if isinstance(r, dict) and r.get("code"))

    async def token(self, role: str, tenant_id: str) -> str:
        async with self.platform.sessions() as session:
            key = (role, tenant_id)
            if key not in self.users:
                user = {
                    "userName": f"MATRIX_{role}_{tenant_id}",
                    "name": f"Matrix {role}",
                    "type": "EMPLOYEE",
                    "tenantId": tenant_id,
                    "roles": [{"code": role, "tenantId": tenant_id}],
                }
                created = await create_user(session, self.identity, user=user, actor=Actor.system(tenant_id))
                self.users[key] = created.id
            row = await session.get(UserRow, self.users[key])
            assert row is not None
            issued = await tokens.issue_tokens(session, self.identity, row)
            await session.commit()
            return issued.access_token


async def mapped_roles(platform: Platform, endpoint: Endpoint) -> frozenset[str]:
    index = await platform.get(RoleActionIndex).for_tenant(CITY)
    return index.roles_for(endpoint.path)


@pytest.fixture
def role_users(platform: Platform) -> RoleUsers:
    return RoleUsers(platform)


async def unmapped(app: FastAPI, platform: Platform) -> list[str]:
    return [str(e) for e in endpoints(app) if not is_open(platform, e) and not await mapped_roles(platform, e)]


async def test_every_route_is_open_or_mapped_to_a_role(app: FastAPI, platform: Platform) -> None:
    assert await unmapped(app, platform) == [], "routes with no role-action mapping in MDMS and not on the open list"


async def test_a_route_added_without_a_mapping_is_reported_and_refused(
    app: FastAPI, api: httpx.AsyncClient, platform: Platform, role_users: RoleUsers
) -> None:
    async def probe() -> dict[str, str]:
        return {"reached": "yes"}

    app.add_api_route("/matrix-probe/v1/_unmapped", probe, methods=["POST"])
    endpoint = Endpoint("/matrix-probe/v1/_unmapped", "POST")

    found = await unmapped(app, platform)
    response = await call(api, endpoint, await role_users.token("SUPERUSER", CITY))

    assert found == ["POST /matrix-probe/v1/_unmapped"]
    assert response.status_code == 403


async def test_every_protected_route_without_a_token_is_401(
    app: FastAPI, api: httpx.AsyncClient, platform: Platform
) -> None:
    wrong = []
    for endpoint in endpoints(app):
        response = await call(api, endpoint, None)
        expected_401 = not is_open(platform, endpoint) and not answers_anonymously(platform, endpoint)
        if (response.status_code == 401) != expected_401:
            wrong.append(f"{endpoint} -> {response.status_code}")

    assert wrong == []


async def test_every_protected_route_refuses_a_role_without_the_action_with_403(
    app: FastAPI, api: httpx.AsyncClient, platform: Platform, role_users: RoleUsers
) -> None:
    roles = await role_users.roles()
    wrong = []
    for endpoint in endpoints(app):
        allowed = await mapped_roles(platform, endpoint)
        lacking = [r for r in roles if r not in allowed]
        if is_open(platform, endpoint) or not lacking:
            continue
        response = await call(api, endpoint, await role_users.token(lacking[0], CITY))
        if response.status_code != 403 or GATE_FORBIDDEN not in errors(response):
            wrong.append(f"{endpoint} as {lacking[0]} -> {response.status_code}")

    assert wrong == []


async def test_every_protected_route_refuses_the_right_role_in_another_city_with_403(
    app: FastAPI, api: httpx.AsyncClient, platform: Platform, role_users: RoleUsers
) -> None:
    wrong = []
    for endpoint in endpoints(app):
        allowed = sorted(await mapped_roles(platform, endpoint))
        if is_open(platform, endpoint) or not allowed:
            continue
        response = await call(api, endpoint, await role_users.token(allowed[0], OTHER_CITY))
        if response.status_code != 403 or GATE_FORBIDDEN not in errors(response):
            wrong.append(f"{endpoint} as {allowed[0]}@{OTHER_CITY} -> {response.status_code}")

    assert wrong == []


async def test_every_protected_route_admits_the_right_role_in_its_tenant(
    app: FastAPI, api: httpx.AsyncClient, platform: Platform, role_users: RoleUsers
) -> None:
    wrong = []
    for endpoint in endpoints(app):
        allowed = sorted(await mapped_roles(platform, endpoint))
        if is_open(platform, endpoint) or not allowed:
            continue
        response = await call(api, endpoint, await role_users.token(allowed[0], CITY))
        if response.status_code in (401, 403) and errors(response) & GATE_DENIALS:
            wrong.append(f"{endpoint} as {allowed[0]}@{CITY} -> {response.status_code} {sorted(errors(response))}")

    assert wrong == []
