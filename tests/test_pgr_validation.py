"""PGR: bad input is refused with a 4xx and changes nothing (block: pgr)."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import citizen_login, login
from tests.pgr_helpers import RI, complaint, file_complaint, localities

AMRITSAR = "pb.amritsar"


@pytest.fixture
async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


async def count(api: httpx.AsyncClient) -> int:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    response = await api.post(
        f"/pgr-services/v2/request/_count?tenantId={AMRITSAR}", json={"RequestInfo": RI}, headers=gro
    )
    total: int = response.json()["count"]
    return total


async def test_create_with_unknown_service_code_is_400_and_stores_nothing(
    api: httpx.AsyncClient, citizen: dict[str, str]
) -> None:
    locality = (await localities(api, AMRITSAR))[0]

    response = await file_complaint(api, citizen, complaint(AMRITSAR, locality, service_code="NoSuchCode"))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_SERVICECODE"
    assert await count(api) == 0


async def test_create_with_locality_of_another_city_is_400(api: httpx.AsyncClient, citizen: dict[str, str]) -> None:
    jalandhar_locality = (await localities(api, "pb.jalandhar"))[0]

    response = await file_complaint(api, citizen, complaint(AMRITSAR, jalandhar_locality))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_LOCALITY"
    assert await count(api) == 0


async def test_create_with_unknown_photo_is_400(api: httpx.AsyncClient, citizen: dict[str, str]) -> None:
    locality = (await localities(api, AMRITSAR))[0]
    body = complaint(AMRITSAR, locality, documents=[{"documentType": "PHOTO", "fileStoreId": "not-a-file"}])

    response = await file_complaint(api, citizen, body)

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_FILESTORE_ID"
    assert await count(api) == 0


async def test_create_with_unknown_source_is_400(api: httpx.AsyncClient, citizen: dict[str, str]) -> None:
    locality = (await localities(api, AMRITSAR))[0]

    response = await file_complaint(api, citizen, complaint(AMRITSAR, locality, source="carrier-pigeon"))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_SOURCE"


async def test_create_at_state_level_is_400(api: httpx.AsyncClient, citizen: dict[str, str]) -> None:
    locality = (await localities(api, AMRITSAR))[0]

    response = await file_complaint(api, citizen, complaint("pb", locality))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"


async def test_action_not_allowed_from_the_state_is_400_and_changes_nothing(
    api: httpx.AsyncClient, citizen: dict[str, str]
) -> None:
    locality = (await localities(api, AMRITSAR))[0]
    filed = (await file_complaint(api, citizen, complaint(AMRITSAR, locality))).json()["ServiceWrappers"][0]["service"]
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await api.post(
        "/pgr-services/v2/request/_update",
        json={"RequestInfo": RI, "service": filed, "workflow": {"action": "RESOLVE"}},
        headers=gro,
    )
    after = await api.post(
        f"/pgr-services/v2/request/_count?tenantId={AMRITSAR}&applicationStatus=PENDINGFORASSIGNMENT",
        json={"RequestInfo": RI},
        headers=gro,
    )

    assert response.status_code == 400
    assert after.json()["count"] == 1


async def test_create_without_workflow_is_400(api: httpx.AsyncClient, citizen: dict[str, str]) -> None:
    response = await api.post(
        "/pgr-services/v2/request/_create", json={"RequestInfo": RI, "service": {"tenantId": AMRITSAR}}, headers=citizen
    )

    assert response.status_code == 400
