"""Builders for PGR tests: a complaint body, a locality of a city, an LME of a department."""

from __future__ import annotations

from typing import Any

import httpx

P = "/pgr-services/v2/request"
RI: dict[str, Any] = {"apiId": "Rainmaker"}


async def localities(api: httpx.AsyncClient, tenant_id: str) -> list[str]:
    response = await api.post(
        f"/egov-location/location/v11/boundarys/_search?tenantId={tenant_id}&hierarchyTypeCode=ADMIN",
        json={"RequestInfo": RI},
    )
    assert response.status_code == 200, response.text
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("label", "")).lower() == "locality":
                found.append(node["code"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(response.json())
    return found


def complaint(
    tenant_id: str, locality: str, service_code: str = "StreetLightNotWorking", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tenantId": tenant_id,
        "serviceCode": service_code,
        "description": "The street light near the park has been off for a week",
        "source": "web",
        "address": {
            "city": tenant_id,
            "landmark": "Opposite the gurudwara gate",
            "locality": {"code": locality},
            "geoLocation": {"latitude": 31.63, "longitude": 74.87},
        },
    }
    body.update(extra)
    return body


async def file_complaint(api: httpx.AsyncClient, headers: dict[str, str], service: dict[str, Any]) -> httpx.Response:
    return await api.post(
        f"{P}/_create", json={"RequestInfo": RI, "service": service, "workflow": {"action": "APPLY"}}, headers=headers
    )


async def act(
    api: httpx.AsyncClient, headers: dict[str, str], service: dict[str, Any], action: str, **workflow: Any
) -> httpx.Response:
    return await api.post(
        f"{P}/_update",
        json={"RequestInfo": RI, "service": service, "workflow": {"action": action, **workflow}},
        headers=headers,
    )


async def search(api: httpx.AsyncClient, headers: dict[str, str], query: str) -> httpx.Response:
    return await api.post(f"{P}/_search?{query}", json={"RequestInfo": RI}, headers=headers)


def service_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    service: dict[str, Any] = response.json()["ServiceWrappers"][0]["service"]
    return service
