"""Shared arrangements for the pay-and-bill tests (no tests here): demands, bills, counter payments."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import citizen_login, login

TENANT = "pb.amritsar"
PERIOD_FROM = 1_775_001_600_000  # 2026-04-01, TL tax period 2026-27
PERIOD_TO = 1_806_537_599_999
RI: dict[str, Any] = {"apiId": "Rainmaker"}


async def employee(api: httpx.AsyncClient, name: str = "COLL_AMR", tenant_id: str = TENANT) -> dict[str, str]:
    return await login(api, name, tenant_id)


async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


def demand_body(consumer_code: str, details: list[tuple[str, Any]], **extra: Any) -> dict[str, Any]:
    demand = {
        "tenantId": TENANT,
        "consumerCode": consumer_code,
        "consumerType": "TL",
        "businessService": "TL",
        "taxPeriodFrom": PERIOD_FROM,
        "taxPeriodTo": PERIOD_TO,
        "demandDetails": [
            {"taxHeadMasterCode": code, "taxAmount": amount, "collectionAmount": 0} for code, amount in details
        ],
    }
    demand.update(extra)
    return {"RequestInfo": RI, "Demands": [demand]}


async def create_demand(
    api: httpx.AsyncClient, headers: dict[str, str], consumer_code: str, details: list[tuple[str, Any]], **extra: Any
) -> dict[str, Any]:
    response = await api.post(
        "/billing-service/demand/_create", json=demand_body(consumer_code, details, **extra), headers=headers
    )
    assert response.status_code == 200, response.text
    demand: dict[str, Any] = response.json()["Demands"][0]
    return demand


async def fetch_bill(api: httpx.AsyncClient, headers: dict[str, str], consumer_code: str) -> httpx.Response:
    return await api.post(
        "/billing-service/bill/v2/_fetchbill",
        params={"tenantId": TENANT, "consumerCode": consumer_code, "businessService": "TL"},
        json={"RequestInfo": RI},
        headers=headers,
    )


async def the_bill(api: httpx.AsyncClient, headers: dict[str, str], consumer_code: str) -> dict[str, Any]:
    response = await fetch_bill(api, headers, consumer_code)
    assert response.status_code == 200, response.text
    bill: dict[str, Any] = response.json()["Bill"][0]
    return bill


def payment_body(bill: dict[str, Any], amount: Any, mode: str = "CASH", **extra: Any) -> dict[str, Any]:
    payment = {
        "tenantId": TENANT,
        "totalDue": bill["totalAmount"],
        "totalAmountPaid": amount,
        "paymentMode": mode,
        "payerName": "Counter Payer",
        "paidBy": "OWNER",
        "mobileNumber": "9999999999",
        "paymentDetails": [
            {"billId": bill["id"], "totalDue": bill["totalAmount"], "totalAmountPaid": amount, "businessService": "TL"}
        ],
    }
    payment.update(extra)
    return {"RequestInfo": RI, "Payment": payment}


async def pay(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    bill: dict[str, Any],
    amount: Any,
    mode: str = "CASH",
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    more = {"Idempotency-Key": key} if key else {}
    return await api.post(
        "/collection-services/payments/_create", json=payment_body(bill, amount, mode, **extra), headers=headers | more
    )


async def search_demands(api: httpx.AsyncClient, headers: dict[str, str], consumer_code: str) -> list[dict[str, Any]]:
    response = await api.post(
        "/billing-service/demand/_search",
        params={"tenantId": TENANT, "consumerCode": consumer_code, "businessService": "TL"},
        json={"RequestInfo": RI},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    demands: list[dict[str, Any]] = response.json()["Demands"]
    return demands


def collected(demand: dict[str, Any]) -> dict[str, Any]:
    return {d["taxHeadMasterCode"]: d["collectionAmount"] for d in demand["demandDetails"]}
