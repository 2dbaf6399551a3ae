"""Payment gateway: the sandbox page, signed callbacks, forged callbacks refused, reconciliation, the whole flow."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from digit.blocks.pg.service import PG_DEPS, reconcile_pending
from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain
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


async def _open_txn(api: httpx.AsyncClient, payer: dict[str, str], bill: dict[str, Any], amount: Any) -> httpx.Response:
    body = {
        "RequestInfo": RI,
        "Transaction": {
            "tenantId": TENANT,
            "txnAmount": amount,
            "module": "TL",
            "billId": bill["id"],
            "consumerCode": bill["consumerCode"],
            "gateway": "SANDBOX",
            "callbackUrl": "http://citizen.example/payment/success",
            "taxAndPayments": [{"billId": bill["id"], "amountPaid": amount}],
            "user": {"name": "Payer", "mobileNumber": "9999999999", "tenantId": "pb"},
        },
    }
    return await api.post("/pg-service/transaction/v1/_create", json=body, headers=payer)


async def _txn(api: httpx.AsyncClient, payer: dict[str, str], bill: dict[str, Any], amount: Any) -> dict[str, Any]:
    response = await _open_txn(api, payer, bill, amount)
    assert response.status_code == 200, response.text
    txn: dict[str, Any] = response.json()["Transaction"]
    return txn


async def _click(api: httpx.AsyncClient, txn_id: str, outcome: str = "success") -> str:
    """The payer clicks on the sandbox page; returns the signed callback path the browser is sent to."""
    response = await api.post(f"/pg-service/sandbox/pay/{txn_id}/_decide", data={"outcome": outcome})
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def _search_txn(api: httpx.AsyncClient, headers: dict[str, str], txn_id: str) -> dict[str, Any]:
    response = await api.post(
        "/pg-service/transaction/v1/_search", params={"tenantId": TENANT, "txnId": txn_id}, json={}, headers=headers
    )
    assert response.status_code == 200, response.text
    txn: dict[str, Any] = response.json()["Transaction"][0]
    return txn


async def _billed(api: httpx.AsyncClient, code: str, details: list[tuple[str, Any]]) -> dict[str, Any]:
    await create_demand(api, await admin(api), code, details)
    return await the_bill(api, await employee(api), code)


async def test_whole_flow_counter_then_online_then_cancel_restores_the_demand(api: httpx.AsyncClient) -> None:
    code = "TL-FLOW-1"
    bill = await _billed(api, code, [("TL_TAX", 1000), ("TL_ADHOC_PENALTY", 100)])
    clerk, payer = await employee(api), await citizen(api)
    counter = await pay(api, clerk, bill, 400)
    rest = await the_bill(api, payer, code)
    txn = await _txn(api, payer, rest, 700)
    page = await api.get(urlsplit(txn["redirectUrl"]).path)
    callback = await _click(api, txn["txnId"])
    back = await api.get(callback)
    settled = await _search_txn(api, payer, txn["txnId"])
    receipts = await api.post(
        "/collection-services/payments/TL/_search",
        params={"tenantId": TENANT, "consumerCodes": code},
        json={},
        headers=clerk,
    )
    paid_demand = (await search_demands(api, clerk, code))[0]
    cancel = await api.post(
        "/collection-services/payments/TL/_workflow",
        json={
            "RequestInfo": RI,
            "PaymentWorkflows": [
                {"paymentId": counter.json()["Payments"][0]["id"], "action": "CANCEL", "tenantId": TENANT}
            ],
        },
        headers=await admin(api),
    )
    restored = (await search_demands(api, clerk, code))[0]

    assert counter.status_code == 200
    assert rest["totalAmount"] == 700
    assert txn["txnStatus"] == "PENDING"
    assert page.status_code == 200 and "Pay (success)" in page.text
    assert back.status_code == 303
    assert back.headers["location"] == f"http://citizen.example/payment/success?eg_pg_txnid={txn['txnId']}"
    assert settled["txnStatus"] == "SUCCESS" and settled["receipt"]
    assert sorted((p["paymentMode"], p["totalAmountPaid"]) for p in receipts.json()["Payments"]) == [
        ("CASH", 400),
        ("ONLINE", 700),
    ]
    assert all(p["paymentDetails"][0]["receiptNumber"] for p in receipts.json()["Payments"])
    assert paid_demand["isPaymentCompleted"] is True
    assert cancel.status_code == 200, cancel.text
    assert collected(restored) == {"TL_TAX": 600, "TL_ADHOC_PENALTY": 100}
    assert restored["isPaymentCompleted"] is False


async def test_callback_with_forged_signature_is_400_and_pays_nothing(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-G-1", [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)
    params = {
        "eg_pg_txnid": txn["txnId"],
        "status": "SUCCESS",
        "gatewayTxnId": "FAKE1",
        "amount": "500.00",
        "signature": "0" * 64,
    }

    response = await api.get("/pg-service/transaction/v1/_redirect", params=params)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["PG_CALLBACK_SIGNATURE_INVALID"]
    assert (await _search_txn(api, payer, txn["txnId"]))["txnStatus"] == "PENDING"


async def test_callback_with_a_tampered_amount_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-G-2", [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)
    callback = await _click(api, txn["txnId"])
    params = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    params["amount"] = "5.00"

    response = await api.get("/pg-service/transaction/v1/_redirect", params=params)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["PG_CALLBACK_SIGNATURE_INVALID"]


async def test_update_without_the_payer_paying_stays_pending(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-G-3", [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)

    response = await api.post(
        "/pg-service/transaction/v1/_update", params={"transactionId": txn["txnId"]}, json={}, headers=payer
    )

    assert response.status_code == 200
    assert response.json()["Transaction"][0]["txnStatus"] == "PENDING"


async def test_update_after_the_payer_paid_settles_once(api: httpx.AsyncClient) -> None:
    code = "TL-G-4"
    bill = await _billed(api, code, [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)
    callback = await _click(api, txn["txnId"])

    first = await api.post(
        "/pg-service/transaction/v1/_update", params={"transactionId": txn["txnId"]}, json={}, headers=payer
    )
    replay = await api.get(callback)

    assert first.json()["Transaction"][0]["txnStatus"] == "SUCCESS"
    assert replay.status_code == 303
    payments = await api.post(
        "/collection-services/payments/_search",
        params={"tenantId": TENANT, "consumerCodes": code},
        json={},
        headers=await employee(api),
    )
    assert [p["totalAmountPaid"] for p in payments.json()["Payments"]] == [500]


async def test_failure_click_fails_the_transaction_without_payment(api: httpx.AsyncClient) -> None:
    code = "TL-G-5"
    bill = await _billed(api, code, [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)

    await api.get(await _click(api, txn["txnId"], "failure"))

    assert (await _search_txn(api, payer, txn["txnId"]))["txnStatus"] == "FAILURE"
    [demand] = await search_demands(api, await employee(api), code)
    assert collected(demand) == {"TL_TAX": 0}


async def test_create_transaction_above_the_bill_due_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-G-6", [("TL_TAX", 500)])

    response = await _open_txn(api, await citizen(api), bill, 501)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["TXN_AMOUNT_MISMATCH"]


async def test_reconciliation_settles_a_paid_transaction_whose_callback_never_came(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    code = "TL-G-7"
    bill = await _billed(api, code, [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)
    await _click(api, txn["txnId"])  # the browser never comes back
    early = await reconcile_pending(platform.get(PG_DEPS))
    clock.advance(minutes=20)

    counts = await reconcile_pending(platform.get(PG_DEPS))

    assert early["checked"] == 0
    assert counts["SUCCESS"] == 1
    assert (await _search_txn(api, payer, txn["txnId"]))["txnStatus"] == "SUCCESS"
    [demand] = await search_demands(api, await employee(api), code)
    assert demand["isPaymentCompleted"] is True


async def test_reconciliation_leaves_an_unpaid_transaction_pending(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    bill = await _billed(api, "TL-G-8", [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)
    clock.advance(minutes=20)

    counts = await reconcile_pending(platform.get(PG_DEPS))

    assert counts == {"checked": 1, "SUCCESS": 0, "FAILURE": 0, "PENDING": 1}
    assert (await _search_txn(api, payer, txn["txnId"]))["txnStatus"] == "PENDING"


async def test_sandbox_page_needs_no_token_but_search_does(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-G-9", [("TL_TAX", 500)])
    txn = await _txn(api, await citizen(api), bill, 500)

    page = await api.get(f"/pg-service/sandbox/pay/{txn['txnId']}")
    search = await api.post("/pg-service/transaction/v1/_search", params={"tenantId": TENANT}, json={})

    assert page.status_code == 200
    assert search.status_code == 401


async def test_receipt_pdf_is_attached_and_downloadable_by_the_payer(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    code = "TL-R-1"
    bill = await _billed(api, code, [("TL_TAX", 500)])
    payer = await citizen(api)
    txn = await _txn(api, payer, bill, 500)
    await api.get(await _click(api, txn["txnId"]))

    await drain(platform)
    mine = await api.post(
        "/collection-services/payments/TL/_search", params={"tenantId": TENANT}, json={"RequestInfo": RI}, headers=payer
    )
    [payment] = mine.json()["Payments"]
    download = await api.get(
        "/filestore/v1/files/id", params={"tenantId": TENANT, "fileStoreId": payment["fileStoreId"]}, headers=payer
    )

    assert payment["paymentDetails"][0]["bill"]["consumerCode"] == code
    assert download.status_code == 200, download.text
    assert download.content.startswith(b"%PDF")
