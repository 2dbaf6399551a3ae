"""PGR create with an `Idempotency-Key`: a retry files nothing new and answers the first complaint (block: pgr)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.builders import citizen_login, login
from tests.pgr_helpers import RI, P, complaint, localities, search

AMRITSAR = "pb.amritsar"


@pytest.fixture
async def body(api: httpx.AsyncClient) -> dict[str, Any]:
    locality = (await localities(api, AMRITSAR))[0]
    return {"RequestInfo": RI, "service": complaint(AMRITSAR, locality), "workflow": {"action": "APPLY"}}


@pytest.fixture
async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


async def create(
    api: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], key: str | None
) -> httpx.Response:
    more = {"Idempotency-Key": key} if key else {}
    return await api.post(f"{P}/_create", json=body, headers={**headers, **more})


async def complaints_in_amritsar(api: httpx.AsyncClient) -> int:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    response = await search(api, gro, f"tenantId={AMRITSAR}")
    total: int = response.json()["totalCount"]
    return total


async def test_create_twice_with_one_key_files_one_complaint(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    first = await create(api, citizen, body, "retry-1")
    second = await create(api, citizen, body, "retry-1")

    ids = [r.json()["ServiceWrappers"][0]["service"]["serviceRequestId"] for r in (first, second)]
    assert [first.status_code, second.status_code] == [200, 200]
    assert ids[0] == ids[1]
    assert await complaints_in_amritsar(api) == 1


async def test_create_retry_with_one_key_answers_the_same_complaint(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    first = await create(api, citizen, body, "retry-2")

    second = await create(api, citizen, body, "retry-2")

    assert second.json()["ServiceWrappers"] == first.json()["ServiceWrappers"]


async def test_create_without_a_key_twice_files_two_complaints(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    await create(api, citizen, body, None)
    await create(api, citizen, body, None)

    assert await complaints_in_amritsar(api) == 2


async def test_create_with_a_key_reused_for_another_body_is_409(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    await create(api, citizen, body, "retry-3")
    other = {**body, "service": {**body["service"], "description": "Another complaint altogether"}}

    response = await create(api, citizen, other, "retry-3")

    assert response.status_code == 409
    assert [e["code"] for e in response.json()["Errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await complaints_in_amritsar(api) == 1


async def test_create_with_one_key_by_two_callers_files_two_complaints(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    csr = await login(api, "CSR_AMR", AMRITSAR)
    for_citizen = {**body, "service": {**body["service"], "citizen": {"name": "Walk In", "mobileNumber": "9876512345"}}}
    await create(api, citizen, for_citizen, "shared-key")

    response = await create(api, csr, for_citizen, "shared-key")

    assert response.status_code == 200
    assert await complaints_in_amritsar(api) == 2


async def test_concurrent_creates_with_one_key_file_one_complaint(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    responses = await asyncio.gather(*(create(api, citizen, body, "race-1") for _ in range(5)))

    ids = {r.json()["ServiceWrappers"][0]["service"]["serviceRequestId"] for r in responses}
    assert [r.status_code for r in responses] == [200] * 5
    assert len(ids) == 1
    assert await complaints_in_amritsar(api) == 1


async def test_create_with_a_control_character_in_the_key_is_400(
    api: httpx.AsyncClient, citizen: dict[str, str], body: dict[str, Any]
) -> None:
    response = await create(api, citizen, body, "bad\tkey")

    assert response.status_code == 400
