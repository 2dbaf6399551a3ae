"""Open311 GeoReport v2 over PGR: discovery, services, requests in JSON and XML, api keys (block: pgr)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from georeport import GeoReport

from digit.app import create_app
from digit.kernel.settings import Settings
from tests.builders import login
from tests.conftest import base_settings
from tests.live_server import free_port, serving
from tests.pgr_helpers import RI, localities

AMRITSAR = "pb.amritsar"
OPEN311 = "/open311/v2"


async def issue_key(api: httpx.AsyncClient, tenant_id: str = AMRITSAR) -> str:
    admin = await login(api, "ADMIN", "pb")
    response = await api.post(
        f"{OPEN311}/clients/_create", json={"RequestInfo": RI, "tenantId": tenant_id, "name": "City app"}, headers=admin
    )
    assert response.status_code == 200, response.text
    key: str = response.json()["client"]["apiKey"]
    return key


async def post_request(api: httpx.AsyncClient, api_key: str, fmt: str = "json", **fields: Any) -> httpx.Response:
    form = {
        "api_key": api_key,
        "jurisdiction_id": AMRITSAR,
        "service_code": "GarbageNeedsTobeCleared",
        "phone": "9812345678",
        "first_name": "Gurpreet",
        "description": "Garbage heap near the bus stand",
        **fields,
    }
    return await api.post(f"{OPEN311}/requests.{fmt}", data=form)


async def test_services_json_lists_the_citys_complaint_types(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{OPEN311}/services.json?jurisdiction_id={AMRITSAR}")

    assert response.status_code == 200
    codes = {s["service_code"] for s in response.json()}
    assert {"StreetLightNotWorking", "GarbageNeedsTobeCleared"} <= codes


async def test_services_xml_is_well_formed(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{OPEN311}/services.xml?jurisdiction_id={AMRITSAR}")

    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == "services"
    assert root.find("service/service_code") is not None


async def test_discovery_names_the_endpoint(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{OPEN311}/discovery.json")

    assert response.status_code == 200
    assert response.json()["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


async def test_post_request_without_a_valid_api_key_is_403(api: httpx.AsyncClient) -> None:
    locality = (await localities(api, AMRITSAR))[0]

    response = await post_request(api, "not-a-real-key", address_id=locality)

    assert response.status_code == 403


async def test_post_request_then_read_it_back_open_with_agency(api: httpx.AsyncClient) -> None:
    key = await issue_key(api)
    locality = (await localities(api, AMRITSAR))[0]

    posted = await post_request(api, key, address_id=locality)
    request_id = posted.json()[0]["service_request_id"]
    response = await api.get(f"{OPEN311}/requests/{request_id}.json?jurisdiction_id={AMRITSAR}")

    assert posted.status_code == 200
    [request] = response.json()
    assert request["status"] == "open"
    assert request["agency_responsible"] == "DEPT_3"
    assert request["address_id"] == locality


async def test_post_request_by_lat_long_picks_the_nearest_locality(api: httpx.AsyncClient) -> None:
    key = await issue_key(api)

    posted = await post_request(api, key, lat="31.6340", long="74.8723")

    assert posted.status_code == 200, posted.text


async def test_closed_complaint_shows_closed_with_status_notes(api: httpx.AsyncClient) -> None:
    key = await issue_key(api)
    locality = (await localities(api, AMRITSAR))[0]
    request_id = (await post_request(api, key, address_id=locality)).json()[0]["service_request_id"]
    gro = await login(api, "GRO_AMR", AMRITSAR)
    found = await api.post(
        f"/pgr-services/v2/request/_search?tenantId={AMRITSAR}&serviceRequestId={request_id}",
        json={"RequestInfo": RI},
        headers=gro,
    )
    service = found.json()["ServiceWrappers"][0]["service"]
    rejected = await api.post(
        "/pgr-services/v2/request/_update",
        json={
            "RequestInfo": RI,
            "service": service,
            "workflow": {"action": "REJECT", "comments": "Cleared by the contractor"},
        },
        headers=gro,
    )

    response = await api.get(f"{OPEN311}/requests.json?jurisdiction_id={AMRITSAR}&status=closed")

    assert rejected.status_code == 200, rejected.text
    [request] = [r for r in response.json() if r["service_request_id"] == request_id]
    assert request["status"] == "closed"
    assert request["status_notes"] == "Cleared by the contractor"


async def test_requests_xml_of_unknown_jurisdiction_is_400(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{OPEN311}/requests.xml?jurisdiction_id=pb.nowhere")

    assert response.status_code == 400


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """The platform on a real port (the georeport client speaks HTTP with `requests`)."""
    port = free_port()
    settings = base_settings(database_url, tmp_path / "var", port=port)
    with serving(create_app(settings), port=port):
        yield f"http://127.0.0.1:{port}", settings


def test_georeport_client_lists_services_and_reads_a_posted_request_back(
    live_server: tuple[str, Settings],
) -> None:
    base, _ = live_server

    async def prepare() -> tuple[str, str]:
        async with httpx.AsyncClient(base_url=base) as api:
            key = await issue_key(api)
            locality = (await localities(api, AMRITSAR))[0]
            posted = await post_request(api, key, address_id=locality)
            return key, posted.json()[0]["service_request_id"]

    key, request_id = asyncio.run(prepare())
    client = GeoReport(f"{base}{OPEN311}", jurisdiction=AMRITSAR, api_key=key)

    services = client.get_service_list()
    request = client.get_service_request(request_id)

    assert any(s["service_code"] == "GarbageNeedsTobeCleared" for s in services)
    assert request["service_request_id"] == request_id
    assert request["status"] == "open"
