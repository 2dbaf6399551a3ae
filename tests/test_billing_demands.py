"""Billing: demands validated against the BillingService masters, amendments kept in history, bills v2."""

from __future__ import annotations

import httpx

from digit.kernel.clock import FrozenClock
from tests.test_billing_support import (
    RI,
    TENANT,
    admin,
    citizen,
    create_demand,
    demand_body,
    employee,
    fetch_bill,
    the_bill,
)


async def test_create_demand_with_known_tax_heads_is_stored(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    demand = await create_demand(api, headers, "TL-D-1", [("TL_TAX", 1000), ("TL_ADHOC_PENALTY", 100)])

    assert demand["status"] == "ACTIVE"
    assert demand["isPaymentCompleted"] is False
    assert sorted((d["taxHeadMasterCode"], d["taxAmount"]) for d in demand["demandDetails"]) == [
        ("TL_ADHOC_PENALTY", 100),
        ("TL_TAX", 1000),
    ]


async def test_create_demand_with_unknown_tax_head_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)

    response = await api.post(
        "/billing-service/demand/_create", json=demand_body("TL-D-2", [("NO_SUCH", 5)]), headers=headers
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_TAXHEADS_NOTFOUND"]


async def test_create_demand_outside_every_tax_period_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    body = demand_body("TL-D-3", [("TL_TAX", 5)], taxPeriodFrom=1_000, taxPeriodTo=2_000)

    response = await api.post("/billing-service/demand/_create", json=body, headers=headers)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_TAXPERIODS_DEMAND"]


async def test_create_demand_twice_for_one_period_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    await create_demand(api, headers, "TL-D-4", [("TL_TAX", 5)])

    response = await api.post(
        "/billing-service/demand/_create", json=demand_body("TL-D-4", [("TL_TAX", 5)]), headers=headers
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_DUPLICATE_CONSUMERCODE"]


async def test_create_demand_with_collection_above_tax_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    body = demand_body("TL-D-5", [("TL_TAX", 5)])
    body["Demands"][0]["demandDetails"][0]["collectionAmount"] = 6

    response = await api.post("/billing-service/demand/_create", json=body, headers=headers)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_DEMAND_DEATIL_INVALID"]


async def test_create_demand_by_a_collector_is_403(api: httpx.AsyncClient) -> None:
    headers = await employee(api)

    response = await api.post(
        "/billing-service/demand/_create", json=demand_body("TL-D-6", [("TL_TAX", 5)]), headers=headers
    )

    assert response.status_code == 403


async def test_update_demand_keeps_the_former_state_in_history(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    demand = await create_demand(api, headers, "TL-D-7", [("TL_TAX", 1000)])
    demand["demandDetails"][0]["taxAmount"] = 1200

    updated = await api.post(
        "/billing-service/demand/_update", json={"RequestInfo": RI, "Demands": [demand]}, headers=headers
    )
    history = await api.post(
        "/billing-service/demand/_history",
        params={"tenantId": TENANT, "demandId": demand["id"]},
        json={},
        headers=headers,
    )

    assert updated.status_code == 200
    assert updated.json()["Demands"][0]["demandDetails"][0]["taxAmount"] == 1200
    assert [(h["changeReason"], h["demandDetails"][0]["taxAmount"]) for h in history.json()["Demands"]] == [
        ("CREATE", 1000),
        ("UPDATE", 1200),
    ]


async def test_update_demand_with_stale_row_version_is_409(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    demand = await create_demand(api, headers, "TL-D-8", [("TL_TAX", 1000)])
    first = dict(demand, rowVersion=demand["rowVersion"])
    await api.post("/billing-service/demand/_update", json={"RequestInfo": RI, "Demands": [first]}, headers=headers)

    response = await api.post(
        "/billing-service/demand/_update", json={"RequestInfo": RI, "Demands": [first]}, headers=headers
    )

    assert response.status_code == 409


async def test_fetch_bill_totals_the_open_demands_per_tax_head(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    await create_demand(api, headers, "TL-B-1", [("TL_ADHOC_PENALTY", 100), ("TL_TAX", 1000), ("TL_ADHOC_REBATE", -50)])

    response = await fetch_bill(api, await employee(api), "TL-B-1")

    assert response.status_code == 200
    body = response.json()
    assert "ResposneInfo" in body
    [bill] = body["Bill"]
    assert bill["totalAmount"] == 1050
    assert bill["status"] == "ACTIVE"
    assert [(a["taxHeadCode"], a["amount"]) for a in bill["billDetails"][0]["billAccountDetails"]] == [
        ("TL_TAX", 1000),
        ("TL_ADHOC_PENALTY", 100),
        ("TL_ADHOC_REBATE", -50),
    ]


async def test_fetch_bill_twice_returns_the_same_active_bill(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    await create_demand(api, headers, "TL-B-2", [("TL_TAX", 10)])

    first = await the_bill(api, headers, "TL-B-2")
    second = await the_bill(api, headers, "TL-B-2")

    assert first["id"] == second["id"]


async def test_fetch_bill_after_demand_update_expires_the_old_bill(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    demand = await create_demand(api, headers, "TL-B-3", [("TL_TAX", 10)])
    old = await the_bill(api, headers, "TL-B-3")
    demand["demandDetails"][0]["taxAmount"] = 20
    await api.post("/billing-service/demand/_update", json={"RequestInfo": RI, "Demands": [demand]}, headers=headers)

    new = await the_bill(api, headers, "TL-B-3")
    search = await api.post(
        "/billing-service/bill/v2/_search", params={"tenantId": TENANT, "billId": old["id"]}, json={}, headers=headers
    )

    assert new["id"] != old["id"]
    assert new["totalAmount"] == 20
    assert search.json()["Bill"][0]["status"] == "EXPIRED"


async def test_fetch_bill_after_expiry_builds_a_new_bill(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    headers = await admin(api)
    await create_demand(api, headers, "TL-B-4", [("TL_TAX", 10)], billExpiryTime=3_600_000)
    old = await the_bill(api, headers, "TL-B-4")
    clock.advance(hours=2)

    new = await the_bill(api, headers, "TL-B-4")

    assert new["id"] != old["id"]


async def test_create_demand_with_an_employee_as_payer_is_400(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    me = await api.post("/user/_details", params={"access_token": headers["Authorization"][7:]}, json={})
    body = demand_body("TL-D-9", [("TL_TAX", 5)], payer={"uuid": me.json()["uuid"]})

    response = await api.post("/billing-service/demand/_create", json=body, headers=headers)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_DEMAND_PAYER_INVALID"]


async def test_search_tax_heads_returns_the_tl_masters(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/billing-service/taxheads/_search",
        params={"tenantId": TENANT, "service": "TL"},
        json={},
        headers=await employee(api),
    )

    assert response.status_code == 200
    assert sorted((h["code"], h["category"]) for h in response.json()["TaxHeadMasters"]) == [
        ("TL_ADHOC_PENALTY", "PENALTY"),
        ("TL_ADHOC_REBATE", "REBATE"),
        ("TL_TAX", "TAX"),
    ]


async def test_search_demands_by_payer_mobile_number_finds_the_citizens_demands(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    me = await api.post("/user/_details", json={}, headers=await citizen(api))
    await create_demand(api, headers, "TL-D-10", [("TL_TAX", 5)], payer={"uuid": me.json()["uuid"]})
    await create_demand(api, headers, "TL-D-11", [("TL_TAX", 5)])

    response = await api.post(
        "/billing-service/demand/_search",
        params={"tenantId": TENANT, "mobileNumber": "9999999999"},
        json={},
        headers=headers,
    )

    assert response.status_code == 200
    assert [d["consumerCode"] for d in response.json()["Demands"]] == ["TL-D-10"]
