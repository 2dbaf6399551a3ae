"""Helpers for the Studio tests: Studio's headers, the demo services' codes, uploads, employees with service roles."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx

from tests.builders import login
from tests.test_filestore_api import png

CITY = "pb.amritsar"
RI: dict[str, Any] = {"RequestInfo": {"apiId": "studio-test"}}
DEMO_CONFIGS = (
    Path(__file__).resolve().parents[1] / "data" / "demo" / "mdms" / "pb" / "Studio" / "ServiceConfiguration.json"
)
SERVICES = "/public-service/v1/service"


def studio(headers: dict[str, str], tenant_id: str = CITY) -> dict[str, str]:
    return {**headers, "X-Tenant-Id": tenant_id}


def demo_config(module: str) -> dict[str, Any]:
    records = json.loads(DEMO_CONFIGS.read_text(encoding="utf-8"))
    found: dict[str, Any] = next(r["data"] for r in records if r["data"]["module"] == module)
    return copy.deepcopy(found)


async def service_code(api: httpx.AsyncClient, headers: dict[str, str], module: str) -> str:
    response = await api.get(SERVICES, params={"module": module}, headers=studio(headers))
    assert response.status_code == 200, response.text
    code: str = response.json()["Services"][0]["serviceCode"]
    return code


async def upload(api: httpx.AsyncClient, headers: dict[str, str], name: str = "proof.png") -> str:
    response = await api.post(
        "/filestore/v1/files",
        data={"tenantId": CITY, "module": "studio"},
        files=[("file", (name, png(), "image/png"))],
        headers=headers,
    )
    assert response.status_code == 201, response.text
    file_id: str = response.json()["files"][0]["fileStoreId"]
    return file_id


async def employee_with(api: httpx.AsyncClient, user_name: str, mobile: str, *roles: str) -> dict[str, str]:
    """A new Amritsar employee holding EMPLOYEE and the given roles, logged in."""
    hr = await login(api, "ADMIN", "pb")
    user = {
        "userName": user_name,
        "name": "Studio Officer",
        "mobileNumber": mobile,
        "type": "EMPLOYEE",
        "tenantId": CITY,
        "password": "Strong@123",
        "roles": [{"code": code, "tenantId": CITY} for code in ("EMPLOYEE", *roles)],
    }
    response = await api.post("/user/users/_createnovalidate", json={**RI, "user": user}, headers=hr)
    assert response.status_code == 200, response.text
    return await login(api, user_name, CITY, password="Strong@123")


async def load_config(api: httpx.AsyncClient, admin: dict[str, str], data: dict[str, Any]) -> httpx.Response:
    """The configuration as an MDMS v2 record of Studio.ServiceConfiguration at the state."""
    body = {
        **RI,
        "Mdms": {
            "tenantId": "pb",
            "schemaCode": "Studio.ServiceConfiguration",
            "uniqueIdentifier": f"{data['module']}.{data['service']}",
            "data": data,
            "isActive": True,
        },
    }
    return await api.post("/mdms-v2/v2/_create/Studio.ServiceConfiguration", json=body, headers=admin)


async def register(api: httpx.AsyncClient, admin: dict[str, str], module: str, service: str) -> httpx.Response:
    body = {**RI, "Service": {"tenantId": CITY, "module": module, "businessService": service, "status": "ACTIVE"}}
    return await api.post(SERVICES, json=body, headers=studio(admin))


async def apply(
    api: httpx.AsyncClient, headers: dict[str, str], code: str, application: dict[str, Any]
) -> httpx.Response:
    body = {**RI, "Application": {"tenantId": CITY, **application}}
    return await api.post(f"/public-service/v1/application/{code}", json=body, headers=studio(headers))


async def act(
    api: httpx.AsyncClient, headers: dict[str, str], code: str, application: dict[str, Any], action: str
) -> httpx.Response:
    body = {**RI, "Application": {**application, "workflow": {"action": action, "comment": "test"}}}
    return await api.put(
        f"/public-service/v1/application/{code}/{application['id']}", json=body, headers=studio(headers)
    )


def errors(response: httpx.Response) -> list[str]:
    return [f"{e['code']} {e['message']}" for e in response.json()["Errors"]]
