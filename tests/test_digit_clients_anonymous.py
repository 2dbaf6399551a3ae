"""Calls DIGIT's UI makes without a token: answered in a narrow scope, rate-limited per client address
(kernel/anonymous.py; blocks: billing, pg, collection, filestore, notification)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.test_billing_support import RI, TENANT, admin, create_demand, employee, the_bill
from tests.test_filestore_api import png

FETCH = "/billing-service/bill/v2/_fetchbill"


async def _billed(api: httpx.AsyncClient, code: str) -> dict[str, Any]:
    await create_demand(api, await admin(api), code, [("TL_TAX", 300)])
    return await the_bill(api, await employee(api), code)


async def _anonymous_txn(api: httpx.AsyncClient, bill: dict[str, Any], consumer_code: str) -> httpx.Response:
    body = {
        "RequestInfo": {"apiId": "Rainmaker"},
        "Transaction": {
            "tenantId": TENANT,
            "txnAmount": 300,
            "module": "TL",
            "billId": bill["id"],
            "consumerCode": consumer_code,
            "productInfo": "Trade licence",
            "gateway": "SANDBOX",
            "taxAndPayments": [{"billId": bill["id"], "amountPaid": 300}],
            "user": {"name": "Payer", "mobileNumber": "9999999999", "tenantId": TENANT},
            "callbackUrl": "http://citizen.example/payment/success",
        },
    }
    return await api.post(f"/pg-service/transaction/v1/_create?tenantId={TENANT}", json=body)


async def test_fetchbill_without_a_token_finds_the_bill_by_consumer_code(api: httpx.AsyncClient) -> None:
    await _billed(api, "OPEN-A1")

    response = await api.post(
        f"{FETCH}?tenantId={TENANT}&consumerCode=OPEN-A1&businessService=TL", json={"RequestInfo": RI}
    )

    assert response.status_code == 200, response.text
    assert [b["consumerCode"] for b in response.json()["Bill"]] == ["OPEN-A1"]


async def test_fetchbill_without_a_token_masks_the_payer(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "OPEN-A2")

    response = await api.post(
        f"{FETCH}?tenantId={TENANT}&consumerCode=OPEN-A2&businessService=TL", json={"RequestInfo": RI}
    )

    [anonymous] = response.json()["Bill"]
    assert anonymous["payerId"] is None
    assert anonymous["mobileNumber"] in (None, "") or anonymous["mobileNumber"].startswith("*")
    assert bill["id"] == anonymous["id"]


async def test_fetchbill_without_a_token_or_consumer_code_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{FETCH}?tenantId={TENANT}&businessService=TL", json={"RequestInfo": RI})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_FETCHBILL_CONSUMERCODE_MISSING"]


async def test_fetchbill_without_a_token_for_two_consumer_codes_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{FETCH}?tenantId={TENANT}&consumerCode=OPEN-A3,OPEN-A4&businessService=TL", json={"RequestInfo": RI}
    )

    assert response.status_code == 400


async def test_bill_search_without_a_token_is_still_401(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"/billing-service/bill/v2/_search?tenantId={TENANT}&consumerCode=X", json={"RequestInfo": RI}
    )

    assert response.status_code == 401


async def test_anonymous_calls_past_the_limit_are_429(make_api: Any) -> None:
    _, api = await make_api(anonymous_max_per_address=2)
    url = f"{FETCH}?tenantId={TENANT}&consumerCode=NONE&businessService=TL"

    statuses = [(await api.post(url, json={"RequestInfo": RI})).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


async def test_anonymous_limit_counts_the_forwarded_client_behind_a_trusted_proxy(make_api: Any) -> None:
    _, api = await make_api(anonymous_max_per_address=1, trusted_proxies=["127.0.0.1"])
    url = f"{FETCH}?tenantId={TENANT}&consumerCode=NONE&businessService=TL"

    first = await api.post(url, json={"RequestInfo": RI}, headers={"X-Forwarded-For": "203.0.113.7"})
    other = await api.post(url, json={"RequestInfo": RI}, headers={"X-Forwarded-For": "203.0.113.8"})

    assert (first.status_code, other.status_code) == (200, 200)


async def test_transaction_create_without_a_token_pays_the_named_bill(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "OPEN-P1")

    response = await _anonymous_txn(api, bill, "OPEN-P1")

    assert response.status_code == 200, response.text
    assert response.json()["Transaction"]["txnStatus"] == "PENDING"
    assert response.json()["Transaction"]["user"]["uuid"] is None


async def test_transaction_create_without_a_token_for_another_consumer_code_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "OPEN-P2")

    response = await _anonymous_txn(api, bill, "SOMEONE-ELSE")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["TXN_CONSUMER_CODE_MISMATCH"]


async def test_transaction_update_without_a_token_settles_an_open_payment(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "OPEN-P3")
    txn = (await _anonymous_txn(api, bill, "OPEN-P3")).json()["Transaction"]
    await api.post(f"/pg-service/sandbox/pay/{txn['txnId']}/_decide", data={"outcome": "success"})

    response = await api.post(
        f"/pg-service/transaction/v1/_update?transactionId={txn['txnId']}", json={"RequestInfo": {}}
    )

    assert response.status_code == 200, response.text
    assert response.json()["Transaction"][0]["txnStatus"] == "SUCCESS"


async def test_receipt_search_without_a_token_finds_the_payment_by_consumer_code_masked(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "OPEN-P4")
    txn = (await _anonymous_txn(api, bill, "OPEN-P4")).json()["Transaction"]
    await api.post(f"/pg-service/sandbox/pay/{txn['txnId']}/_decide", data={"outcome": "success"})
    await api.post(f"/pg-service/transaction/v1/_update?transactionId={txn['txnId']}", json={"RequestInfo": {}})

    response = await api.post(
        f"/collection-services/payments/TL/_search?tenantId={TENANT}&consumerCodes=OPEN-P4", json={"RequestInfo": {}}
    )

    [payment] = response.json()["Payments"]
    assert payment["paymentDetails"][0]["bill"]["consumerCode"] == "OPEN-P4"
    assert payment.get("mobileNumber") in (None, "") or payment["mobileNumber"].startswith("*")


async def test_receipt_search_without_a_token_or_consumer_code_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(f"/collection-services/payments/TL/_search?tenantId={TENANT}", json={"RequestInfo": {}})

    assert response.status_code == 400


async def test_file_url_without_a_token_answers_for_a_stored_id(api: httpx.AsyncClient) -> None:
    headers = await employee(api)
    stored = await api.post(
        "/filestore/v1/files",
        data={"tenantId": TENANT, "module": "PGR"},
        files={"file": ("a.png", png(), "image/png")},
        headers=headers,
    )
    assert stored.status_code == 201 or stored.status_code == 200, stored.text
    file_store_id = stored.json()["files"][0]["fileStoreId"]

    response = await api.get(f"/filestore/v1/files/url?tenantId={TENANT}&fileStoreIds={file_store_id}")

    assert response.status_code == 200, response.text
    assert [f["id"] for f in response.json()["fileStoreIds"]] == [file_store_id]


async def _event(api: httpx.AsyncClient, name: str, roles: list[str]) -> None:
    event = {
        "tenantId": TENANT,
        "source": "WEBAPP",
        "eventType": "EVENTSONGROUND",
        "name": name,
        "description": "Town hall",
        "eventCategory": "Meeting",
        "recepient": {"toRoles": roles, "toUsers": []},
        "eventDetails": {"fromDate": 1_900_000_000_000, "toDate": 1_900_000_360_000},
    }
    response = await api.post(
        "/egov-user-event/v1/events/_create", json={"RequestInfo": RI, "events": [event]}, headers=await admin(api)
    )
    assert response.status_code == 200, response.text


async def test_event_search_without_a_token_lists_public_events_only(api: httpx.AsyncClient) -> None:
    await _event(api, "Public town hall", ["CITIZEN"])
    await _event(api, "Staff meeting", ["EMPLOYEE"])

    response = await api.post(f"/egov-user-event/v1/events/_search?tenantId={TENANT}", json={"RequestInfo": {}})

    assert response.status_code == 200, response.text
    assert [e["name"] for e in response.json()["events"]] == ["Public town hall"]
