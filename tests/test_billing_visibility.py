"""Billing: who sees which demands and bills. A citizen lists their own; a consumer code opens one (open payment)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.test_billing_support import RI, TENANT, admin, citizen, create_demand, the_bill


async def _my_uuid(api: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await api.post("/user/_details", json={}, headers=headers)
    uuid: str = response.json()["uuid"]
    return uuid


async def _search(api: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await api.post(
        f"/billing-service/{path}", params={"tenantId": TENANT, **params}, json={"RequestInfo": RI}, headers=headers
    )


async def test_search_demands_by_a_citizen_without_consumer_code_lists_only_their_own(
    api: httpx.AsyncClient,
) -> None:
    operator, me = await admin(api), await citizen(api)
    await create_demand(api, operator, "TL-V-1", [("TL_TAX", 5)], payer={"uuid": await _my_uuid(api, me)})
    await create_demand(api, operator, "TL-V-2", [("TL_TAX", 5)])

    response = await _search(api, "demand/_search", me)

    assert response.status_code == 200
    assert [d["consumerCode"] for d in response.json()["Demands"]] == ["TL-V-1"]


async def test_search_bills_by_a_citizen_without_consumer_code_lists_only_their_own(api: httpx.AsyncClient) -> None:
    operator, me = await admin(api), await citizen(api)
    await create_demand(api, operator, "TL-V-3", [("TL_TAX", 5)], payer={"uuid": await _my_uuid(api, me)})
    await create_demand(api, operator, "TL-V-4", [("TL_TAX", 5)])
    await the_bill(api, operator, "TL-V-3")
    await the_bill(api, operator, "TL-V-4")

    response = await _search(api, "bill/v2/_search", me)

    assert response.status_code == 200
    assert [b["consumerCode"] for b in response.json()["Bill"]] == ["TL-V-3"]


async def test_search_bills_by_a_citizen_naming_a_consumer_code_finds_someone_elses_bill(
    api: httpx.AsyncClient,
) -> None:
    operator, me = await admin(api), await citizen(api)
    await create_demand(api, operator, "TL-V-5", [("TL_TAX", 5)])
    await the_bill(api, operator, "TL-V-5")

    response = await _search(api, "bill/v2/_search", me, consumerCode="TL-V-5")

    assert [b["consumerCode"] for b in response.json()["Bill"]] == ["TL-V-5"]


async def test_search_demands_by_an_employee_without_consumer_code_lists_the_citys(api: httpx.AsyncClient) -> None:
    operator = await admin(api)
    await create_demand(api, operator, "TL-V-6", [("TL_TAX", 5)])
    await create_demand(api, operator, "TL-V-7", [("TL_TAX", 5)])

    response = await _search(api, "demand/_search", operator)

    assert sorted(d["consumerCode"] for d in response.json()["Demands"]) == ["TL-V-6", "TL-V-7"]
