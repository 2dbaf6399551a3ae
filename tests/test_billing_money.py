"""Billing: amounts have a range (NUMERIC(14,2)), whole paise and the sign their tax head allows (block: billing)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.test_billing_support import TENANT, admin, create_demand, demand_body, fetch_bill

CREATE = "/billing-service/demand/_create"


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["Errors"]]


async def demands_of(api: httpx.AsyncClient, headers: dict[str, str], consumer_code: str) -> list[dict[str, Any]]:
    response = await api.post(
        "/billing-service/demand/_search",
        params={"tenantId": TENANT, "consumerCode": consumer_code},
        json={"RequestInfo": {}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["Demands"]
    return found


async def test_create_demand_with_tax_amount_1e300_is_400_and_stores_nothing(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(CREATE, json=demand_body("TL-M-1", [("TL_TAX", 1e300)]), headers=headers)

    assert response.status_code == 400
    assert await demands_of(api, headers, "TL-M-1") == []


async def test_create_demand_with_tax_amount_1e20_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(CREATE, json=demand_body("TL-M-2", [("TL_TAX", 1e20)]), headers=headers)

    assert response.status_code == 400


async def test_create_demand_with_tax_amount_past_the_money_column_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(CREATE, json=demand_body("TL-M-3", [("TL_TAX", 10**12)]), headers=headers)

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["Demands.0.demandDetails.0.taxAmount"]


async def test_create_demand_with_largest_amount_is_stored(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    demand = await create_demand(api, headers, "TL-M-4", [("TL_TAX", "999999999999.99")])

    assert demand["demandDetails"][0]["taxAmount"] == 999999999999.99


async def test_create_demand_with_amount_of_a_huge_exponent_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(CREATE, json=demand_body("TL-M-5", [("TL_TAX", "1e999999999")]), headers=headers)

    assert response.status_code == 400


async def test_create_demand_with_negative_tl_tax_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(CREATE, json=demand_body("TL-M-6", [("TL_TAX", -500)]), headers=headers)

    assert response.status_code == 400
    assert codes(response) == ["EG_DEMAND_DEATIL_INVALID"]


async def test_create_demand_with_negative_penalty_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(
        CREATE, json=demand_body("TL-M-7", [("TL_TAX", 500), ("TL_ADHOC_PENALTY", -50)]), headers=headers
    )

    assert response.status_code == 400
    assert codes(response) == ["EG_DEMAND_DEATIL_INVALID"]


async def test_create_demand_with_negative_rebate_is_stored(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    demand = await create_demand(api, headers, "TL-M-8", [("TL_TAX", 500), ("TL_ADHOC_REBATE", -50)])

    assert sorted(d["taxAmount"] for d in demand["demandDetails"]) == [-50, 500]


async def test_create_demand_with_positive_rebate_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(
        CREATE, json=demand_body("TL-M-9", [("TL_TAX", 500), ("TL_ADHOC_REBATE", 50)]), headers=headers
    )

    assert response.status_code == 400
    assert codes(response) == ["EG_DEMAND_DEATIL_INVALID"]


async def test_update_demand_to_negative_tl_tax_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    demand = await create_demand(api, headers, "TL-M-10", [("TL_TAX", 500)])
    demand["demandDetails"][0]["taxAmount"] = -500

    response = await api.post(
        "/billing-service/demand/_update", json={"RequestInfo": {}, "Demands": [demand]}, headers=headers
    )

    assert response.status_code == 400
    assert codes(response) == ["EG_DEMAND_DEATIL_INVALID"]


async def test_create_demand_with_bill_expiry_past_a_century_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    body = demand_body("TL-M-11", [("TL_TAX", 500)], billExpiryTime=2**62)

    response = await api.post(CREATE, json=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["Demands.0.billExpiryTime"]


async def test_fetch_bill_past_the_money_column_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    await create_demand(api, headers, "TL-M-12", [("TL_TAX", "900000000000"), ("TL_ADHOC_PENALTY", "900000000000")])

    response = await fetch_bill(api, headers, "TL-M-12")

    assert response.status_code == 400
    assert codes(response) == ["EG_BS_BILL_AMOUNT_TOO_LARGE"]
