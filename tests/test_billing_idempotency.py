"""Billing demand _create with an `Idempotency-Key`: a retry answers the first demand (block: billing)."""

from __future__ import annotations

import httpx

from tests.test_billing_support import RI, TENANT, admin, demand_body


async def create(api: httpx.AsyncClient, headers: dict[str, str], body: object, key: str) -> httpx.Response:
    return await api.post("/billing-service/demand/_create", json=body, headers={**headers, "Idempotency-Key": key})


async def test_create_demand_twice_with_one_key_answers_the_first_demand(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    body = demand_body("TL-I-1", [("TL_TAX", 5)])
    first = await create(api, headers, body, "demand-1")

    second = await create(api, headers, body, "demand-1")

    assert second.status_code == 200, second.text
    assert second.json()["Demands"] == first.json()["Demands"]


async def test_create_demand_with_a_key_reused_for_another_body_is_409(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    await create(api, headers, demand_body("TL-I-2", [("TL_TAX", 5)]), "demand-2")

    response = await create(api, headers, demand_body("TL-I-3", [("TL_TAX", 5)]), "demand-2")
    found = await api.post(
        "/billing-service/demand/_search",
        params={"tenantId": TENANT, "consumerCode": "TL-I-3"},
        json={"RequestInfo": RI},
        headers=headers,
    )

    assert response.status_code == 409
    assert found.json()["Demands"] == []
