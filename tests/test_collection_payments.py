"""Collection: counter payments apportioned by tax-head order, receipts, idempotency, cancellation, events."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from digit.kernel.dispatch import drain, subscriptions
from digit.kernel.events import Consumer, Event, OutboxRow
from digit.kernel.platform import Platform
from tests.test_billing_support import (
    RI,
    TENANT,
    admin,
    citizen,
    collected,
    create_demand,
    employee,
    pay,
    search_demands,
    the_bill,
)


async def _billed(api: httpx.AsyncClient, code: str, details: list[tuple[str, Any]]) -> dict[str, Any]:
    await create_demand(api, await admin(api), code, details)
    return await the_bill(api, await employee(api), code)


async def test_create_partial_cash_payment_issues_a_receipt_and_apportions_by_order(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-1", [("TL_ADHOC_PENALTY", 100), ("TL_TAX", 1000)])
    clerk = await employee(api)

    response = await pay(api, clerk, bill, 500)

    assert response.status_code == 200, response.text
    [payment] = response.json()["Payments"]
    assert payment["paymentStatus"] == "NEW"
    assert payment["totalAmountPaid"] == 500
    assert payment["paymentDetails"][0]["receiptNumber"]
    [demand] = await search_demands(api, clerk, "TL-P-1")
    assert collected(demand) == {"TL_TAX": 500, "TL_ADHOC_PENALTY": 0}
    assert demand["isPaymentCompleted"] is False


async def test_create_payment_adjusts_rebates_before_the_tax_heads_in_order(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-2", [("TL_TAX", 1000), ("TL_ADHOC_PENALTY", 100), ("TL_ADHOC_REBATE", -100)])
    clerk = await employee(api)

    response = await pay(api, clerk, bill, 950)

    assert response.status_code == 200, response.text
    [demand] = await search_demands(api, clerk, "TL-P-2")
    assert collected(demand) == {"TL_TAX": 1000, "TL_ADHOC_PENALTY": 50, "TL_ADHOC_REBATE": -100}
    accounts = response.json()["Payments"][0]["paymentDetails"][0]["bill"]["billDetails"][0]["billAccountDetails"]
    assert {a["taxHeadCode"]: a["adjustedAmount"] for a in accounts} == {
        "TL_TAX": 1000,
        "TL_ADHOC_PENALTY": 50,
        "TL_ADHOC_REBATE": -100,
    }


async def test_create_payment_of_the_whole_due_marks_bill_and_demand_paid(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-3", [("TL_TAX", 1000), ("TL_ADHOC_PENALTY", 100)])
    clerk = await employee(api)

    response = await pay(api, clerk, bill, 1100)
    again = await pay(api, clerk, bill, 1)

    assert response.status_code == 200
    assert response.json()["Payments"][0]["paymentDetails"][0]["bill"]["status"] == "PAID"
    [demand] = await search_demands(api, clerk, "TL-P-3")
    assert demand["isPaymentCompleted"] is True
    assert again.status_code == 400
    assert [e["code"] for e in again.json()["Errors"]] == ["BILL_ALREADY_PAID"]


async def test_create_payment_above_the_due_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-4", [("TL_TAX", 100)])

    response = await pay(api, await employee(api), bill, 101)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["AMOUNT_EXCEEDS_DUE"]


async def test_create_payments_in_paise_add_up_exactly(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-5", [("TL_TAX", 100.1), ("TL_ADHOC_PENALTY", 0.2)])
    clerk = await employee(api)

    statuses = [(await pay(api, clerk, bill, amount)).status_code for amount in (33.33, 33.33, 33.64)]

    assert statuses == [200, 200, 200]
    [demand] = await search_demands(api, clerk, "TL-P-5")
    assert collected(demand) == {"TL_TAX": 100.1, "TL_ADHOC_PENALTY": 0.2}
    assert demand["isPaymentCompleted"] is True


async def test_create_payment_with_fractions_of_paise_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-6", [("TL_TAX", 100)])

    response = await pay(api, await employee(api), bill, 10.005)

    assert response.status_code == 400
    assert "INVALID_AMOUNT" in [e["code"] for e in response.json()["Errors"]]


async def test_create_payment_retried_with_the_same_key_takes_effect_once(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-7", [("TL_TAX", 1000)])
    clerk = await employee(api)

    first = await pay(api, clerk, bill, 300, key="till-7-0001")
    retry = await pay(api, clerk, bill, 300, key="till-7-0001")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["Payments"][0]["id"] == first.json()["Payments"][0]["id"]
    [demand] = await search_demands(api, clerk, "TL-P-7")
    assert collected(demand) == {"TL_TAX": 300}


async def test_create_payment_reusing_a_key_for_another_amount_is_409(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-8", [("TL_TAX", 1000)])
    clerk = await employee(api)
    await pay(api, clerk, bill, 300, key="till-8-0001")

    response = await pay(api, clerk, bill, 400, key="till-8-0001")

    assert response.status_code == 409
    assert [e["code"] for e in response.json()["Errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_create_counter_payment_by_a_citizen_is_403(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-9", [("TL_TAX", 1000)])

    response = await pay(api, await citizen(api), bill, 100)

    assert response.status_code == 403


async def test_create_cheque_payment_without_instrument_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-10", [("TL_TAX", 1000)])

    response = await pay(api, await employee(api), bill, 100, mode="CHEQUE")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_INSTRUMENT_DETAILS"]


async def test_create_online_payment_at_the_counter_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-11", [("TL_TAX", 1000)])

    response = await pay(api, await employee(api), bill, 100, mode="ONLINE", transactionNumber="X1")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_PAYMENT_MODE"]


async def test_concurrent_payments_of_the_remaining_amount_collect_it_once(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-12", [("TL_TAX", 1000), ("TL_ADHOC_PENALTY", 100)])
    clerk = await employee(api)
    await pay(api, clerk, bill, 400)

    responses = await asyncio.gather(*(pay(api, clerk, bill, 700) for _ in range(6)))

    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400, 400, 400]
    [demand] = await search_demands(api, clerk, "TL-P-12")
    assert collected(demand) == {"TL_TAX": 1000, "TL_ADHOC_PENALTY": 100}


async def test_validate_payment_stores_nothing(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-13", [("TL_TAX", 1000)])
    clerk = await employee(api)
    body = {
        "RequestInfo": RI,
        "Payment": {
            "tenantId": TENANT,
            "totalAmountPaid": 100,
            "paymentMode": "CASH",
            "paymentDetails": [{"billId": bill["id"], "totalAmountPaid": 100}],
        },
    }

    response = await api.post("/collection-services/payments/_validate", json=body, headers=clerk)

    assert response.status_code == 200
    [demand] = await search_demands(api, clerk, "TL-P-13")
    assert collected(demand) == {"TL_TAX": 0}


async def test_search_payments_by_module_and_consumer_code_finds_receipts(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-P-14", [("TL_TAX", 1000)])
    clerk = await employee(api)
    await pay(api, clerk, bill, 100)
    await pay(api, clerk, bill, 200)

    response = await api.post(
        "/collection-services/payments/TL/_search",
        params={"tenantId": TENANT, "consumerCodes": "TL-P-14"},
        json={"RequestInfo": RI},
        headers=clerk,
    )

    assert response.status_code == 200
    assert sorted(p["totalAmountPaid"] for p in response.json()["Payments"]) == [100, 200]


def _cancel(payment_id: str, action: str = "CANCEL") -> dict[str, Any]:
    return {
        "RequestInfo": RI,
        "PaymentWorkflows": [
            {"paymentId": payment_id, "action": action, "tenantId": TENANT, "reason": "wrong consumer"}
        ],
    }


async def test_cancel_payment_by_a_collector_is_403(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-C-1", [("TL_TAX", 1000)])
    clerk = await employee(api)
    payment = (await pay(api, clerk, bill, 100)).json()["Payments"][0]

    response = await api.post("/collection-services/payments/TL/_workflow", json=_cancel(payment["id"]), headers=clerk)

    assert response.status_code == 403


async def test_cancel_payment_restores_the_demand(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-C-2", [("TL_TAX", 1000), ("TL_ADHOC_PENALTY", 100)])
    clerk = await employee(api)
    first = (await pay(api, clerk, bill, 400)).json()["Payments"][0]
    await pay(api, clerk, bill, 700)

    response = await api.post(
        "/collection-services/payments/TL/_workflow", json=_cancel(first["id"]), headers=await admin(api)
    )

    assert response.status_code == 200, response.text
    assert response.json()["Payments"][0]["paymentStatus"] == "CANCELLED"
    [demand] = await search_demands(api, clerk, "TL-C-2")
    assert collected(demand) == {"TL_TAX": 600, "TL_ADHOC_PENALTY": 100}
    assert demand["isPaymentCompleted"] is False
    assert (await the_bill(api, clerk, "TL-C-2"))["totalAmount"] == 400


async def test_cancel_payment_twice_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-C-3", [("TL_TAX", 1000)])
    payment = (await pay(api, await employee(api), bill, 100)).json()["Payments"][0]
    headers = await admin(api)
    await api.post("/collection-services/payments/TL/_workflow", json=_cancel(payment["id"]), headers=headers)

    response = await api.post(
        "/collection-services/payments/TL/_workflow", json=_cancel(payment["id"]), headers=headers
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["PAYMENT_ALREADY_CANCELLED"]


async def test_dishonour_of_a_cash_payment_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-C-4", [("TL_TAX", 1000)])
    payment = (await pay(api, await employee(api), bill, 100)).json()["Payments"][0]

    response = await api.post(
        "/collection-services/payments/TL/_workflow", json=_cancel(payment["id"], "DISHONOUR"), headers=await admin(api)
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_ACTION"]


async def test_payment_event_carries_ids_and_amounts_but_no_pii(api: httpx.AsyncClient, platform: Platform) -> None:
    bill = await _billed(api, "TL-E-1", [("TL_TAX", 1000)])
    await pay(api, await employee(api), bill, 250)

    async with platform.read_sessions() as session:
        [event] = await session.scalars(select(OutboxRow).where(OutboxRow.topic == "egov.collection.payment-create"))

    assert event.data["paymentDetails"][0]["consumerCode"] == "TL-E-1"
    assert event.data["totalAmountPaid"] == 250
    assert "9999999999" not in str(event.data)
    assert "Counter Payer" not in str(event.data)


async def test_licence_consumer_moves_on_when_the_bill_is_paid(api: httpx.AsyncClient, platform: Platform) -> None:
    paid_licences: list[str] = []

    async def licence_service(_platform: Platform, event: Event) -> None:
        for detail in event.data["paymentDetails"]:
            if detail["businessService"] == "TL" and detail["billStatus"] == "PAID":
                paid_licences.append(detail["consumerCode"])

    subscriptions(platform).consumers.append(
        Consumer("test-licence", ("egov.collection.payment-create",), licence_service)
    )
    bill = await _billed(api, "TL-E-2", [("TL_TAX", 1000)])
    clerk = await employee(api)
    await pay(api, clerk, bill, 400)
    await pay(api, clerk, bill, 600)

    await drain(platform)

    assert paid_licences == ["TL-E-2"]


async def test_cancel_payment_emits_a_cancel_event(api: httpx.AsyncClient, platform: Platform) -> None:
    bill = await _billed(api, "TL-C-5", [("TL_TAX", 1000)])
    payment = (await pay(api, await employee(api), bill, 100)).json()["Payments"][0]
    await api.post("/collection-services/payments/TL/_workflow", json=_cancel(payment["id"]), headers=await admin(api))

    async with platform.read_sessions() as session:
        events = list(
            await session.scalars(select(OutboxRow).where(OutboxRow.topic == "egov.collection.payment-cancel"))
        )

    assert [(e.aggregate_id, e.data["action"], e.data["paymentStatus"]) for e in events] == [
        (payment["id"], "CANCEL", "CANCELLED")
    ]


async def test_search_payments_as_a_citizen_shows_only_their_own(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-S-1", [("TL_TAX", 1000)])
    await pay(api, await employee(api), bill, 100)

    response = await api.post(
        "/collection-services/payments/_search",
        params={"tenantId": TENANT, "consumerCodes": "TL-S-1"},
        json={},
        headers=await citizen(api),
    )

    assert response.status_code == 200
    assert response.json()["Payments"] == []


async def test_amending_a_demand_while_paying_never_errors_or_overcollects(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    demand = await create_demand(api, headers, "TL-X-1", [("TL_TAX", 1000)])
    clerk = await employee(api)
    bill = await the_bill(api, clerk, "TL-X-1")
    demand["demandDetails"][0]["taxAmount"] = 900
    amend = api.post("/billing-service/demand/_update", json={"RequestInfo": RI, "Demands": [demand]}, headers=headers)

    responses = await asyncio.gather(amend, *(pay(api, clerk, bill, 1000) for _ in range(3)))

    statuses = [r.status_code for r in responses]
    [after] = await search_demands(api, clerk, "TL-X-1")
    detail = after["demandDetails"][0]
    assert set(statuses) <= {200, 400, 409}
    assert statuses[1:].count(200) <= 1
    assert detail["collectionAmount"] <= detail["taxAmount"]


async def test_counter_payment_on_a_citizens_demand_is_visible_to_that_citizen(api: httpx.AsyncClient) -> None:
    payer = await citizen(api)
    me = await api.post("/user/_details", json={}, headers=payer)
    await create_demand(api, await admin(api), "TL-S-2", [("TL_TAX", 1000)], payer={"uuid": me.json()["uuid"]})
    bill = await the_bill(api, await employee(api), "TL-S-2")
    await pay(api, await employee(api), bill, 100)

    response = await api.post(
        "/collection-services/payments/_search", params={"tenantId": TENANT}, json={}, headers=payer
    )

    assert [p["paymentDetails"][0]["bill"]["consumerCode"] for p in response.json()["Payments"]] == ["TL-S-2"]


async def test_dishonour_of_a_cheque_restores_the_demand(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-C-6", [("TL_TAX", 1000)])
    clerk = await employee(api)
    cheque = await pay(
        api, clerk, bill, 1000, mode="CHEQUE", instrumentNumber="000123", instrumentDate=1_795_600_000_000
    )
    payment = cheque.json()["Payments"][0]

    response = await api.post(
        "/collection-services/payments/TL/_workflow", json=_cancel(payment["id"], "DISHONOUR"), headers=await admin(api)
    )

    assert response.status_code == 200, response.text
    assert response.json()["Payments"][0]["paymentStatus"] == "DISHONOURED"
    [demand] = await search_demands(api, clerk, "TL-C-6")
    assert collected(demand) == {"TL_TAX": 0}
