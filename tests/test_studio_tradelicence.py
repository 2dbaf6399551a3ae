"""Studio: the trade licence defined as data, through its whole journey and its refusals (service: studio)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.studio_helpers import CITY, RI, act, apply, employee_with, errors, service_code, studio, upload
from tests.workflow_helpers import new_citizen

MODULE = "Tradelicence"


def tl_application(documents: list[dict[str, str]], **trade: Any) -> dict[str, Any]:
    return {
        "module": MODULE,
        "businessService": "NewTL",
        "channel": "citizen",
        "serviceDetails": {
            "tradeDetails": {"tradeName": "Corner Books", "tradeType": {"code": "RETAIL"}, "areaSqm": 40, **trade}
        },
        "applicants": [{"type": "CITIZEN", "name": "Demo Citizen", "mobileNumber": 9999999999, "prefix": "91"}],
        "address": {
            "tenantId": CITY,
            "city": "Amritsar",
            "addressLine1": "12 Mall Road",
            "boundarycode": "AMR_LOC_001",
        },
        "documents": documents,
        "workflow": {"action": "APPLY"},
    }


async def documents_of(api: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"documentType": "ID_PROOF.AADHAAR", "fileStoreId": await upload(api, headers, "id.png")},
        {"documentType": "OWNERSHIP_PROOF.RENT_AGREEMENT", "fileStoreId": await upload(api, headers, "rent.png")},
    ]


@pytest.fixture
async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


@pytest.fixture
async def code(api: httpx.AsyncClient, citizen: dict[str, str]) -> str:
    return await service_code(api, citizen, MODULE)


async def _applied(api: httpx.AsyncClient, citizen: dict[str, str], code: str) -> dict[str, Any]:
    response = await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))
    assert response.status_code == 200, response.text
    application: dict[str, Any] = response.json()["Application"]
    return application


async def _pay_online(api: httpx.AsyncClient, payer: dict[str, str], number: str, platform: Platform) -> dict[str, Any]:
    """The citizen pays the whole bill through the sandbox gateway; the payment event is delivered."""
    fetched = await api.post(
        "/billing-service/bill/v2/_fetchbill",
        params={"tenantId": CITY, "consumerCode": number, "businessService": "TL"},
        json=RI,
        headers=payer,
    )
    bill: dict[str, Any] = fetched.json()["Bill"][0]
    txn = await api.post(
        "/pg-service/transaction/v1/_create",
        json={
            **RI,
            "Transaction": {
                "tenantId": CITY,
                "txnAmount": bill["totalAmount"],
                "module": "TL",
                "billId": bill["id"],
                "consumerCode": number,
                "gateway": "SANDBOX",
                "callbackUrl": "http://citizen.example/payment/success",
                "taxAndPayments": [{"billId": bill["id"], "amountPaid": bill["totalAmount"]}],
                "user": {"name": "Demo Citizen", "mobileNumber": "9999999999", "tenantId": "pb"},
            },
        },
        headers=payer,
    )
    assert txn.status_code == 200, txn.text
    decided = await api.post(
        f"/pg-service/sandbox/pay/{txn.json()['Transaction']['txnId']}/_decide", data={"outcome": "success"}
    )
    callback = await api.get(
        urlsplit(decided.headers["location"]).path + "?" + urlsplit(decided.headers["location"]).query
    )
    assert callback.status_code == 303, callback.text
    await drain(platform)
    return bill


async def _search(api: httpx.AsyncClient, headers: dict[str, str], code: str, number: str) -> dict[str, Any]:
    response = await api.get(
        f"/public-service/v1/application/{code}", params={"applicationNumber": number}, headers=studio(headers)
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["Application"][0]
    return found


async def test_whole_journey_apply_pay_online_inspect_approve_print_and_verify(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, platform: Platform
) -> None:
    inspector = await employee_with(api, "TL_INSP_1", "9123400101", "TL_FIELD_INSPECTOR")
    approver = await employee_with(api, "TL_APPR_1", "9123400102", "TL_APPROVER")
    applied = await _applied(api, citizen, code)
    number = applied["applicationNumber"]
    bill = await _pay_online(api, citizen, number, platform)
    paid = await _search(api, citizen, code, number)
    inspected = await act(api, inspector, code, await _search(api, inspector, code, number), "INSPECT")
    approved = await act(api, approver, code, inspected.json()["Application"], "APPROVE")
    pdf = await api.post(
        "/studio-pdf/public-service/download/pdf",
        params={"tenantId": CITY, "applicationNumber": number, "serviceCode": code},
        json=RI,
        headers=citizen,
    )
    token = approved.json()["Application"]["certificate"]["token"]
    verified = await api.get("/public-service/v1/certificate/_verify", params={"tenantId": CITY, "token": token})

    assert number.startswith("PB-TL-")
    assert applied["workflowStatus"] == "PENDINGPAYMENT"
    assert [d["taxHeadCode"] for d in bill["billDetails"][0]["billAccountDetails"]] == ["TL_TAX", "TL_ADHOC_PENALTY"]
    assert bill["totalAmount"] == 440  # 40 m2 x 10 (RETAIL) + 10 % penalty after 30 September
    assert paid["workflowStatus"] == "PENDINGFIELDINSPECTION"
    assert inspected.status_code == 200, inspected.text
    assert approved.status_code == 200, approved.text
    assert (approved.json()["Application"]["workflowStatus"], approved.json()["Application"]["status"]) == (
        "APPROVED",
        "ACTIVE",
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    assert verified.status_code == 200, verified.text
    assert verified.json()["Certificate"] | {"issuedOn": None} == {
        "genuine": True,
        "current": True,
        "tenantId": CITY,
        "serviceCode": code,
        "module": MODULE,
        "businessService": "NewTL",
        "applicationNumber": number,
        "holder": "Demo Citizen",
        "issuedOn": None,
        "status": "APPROVED",
    }


async def test_apply_with_a_short_trade_name_is_400_naming_the_field(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    response = await apply(api, citizen, code, tl_application(await documents_of(api, citizen), tradeName="X"))

    assert response.status_code == 400
    assert any("serviceDetails.tradeDetails.tradeName" in e for e in errors(response))


async def test_apply_with_area_as_text_is_400_naming_the_field(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    response = await apply(api, citizen, code, tl_application(await documents_of(api, citizen), areaSqm="forty"))

    assert response.status_code == 400
    assert any("serviceDetails.tradeDetails.areaSqm" in e for e in errors(response))


async def test_apply_with_a_trade_type_not_in_mdms_is_400(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    response = await apply(api, citizen, code, tl_application(await documents_of(api, citizen), tradeType="CASINO"))

    assert response.status_code == 400
    assert any("tradeType" in e for e in errors(response))


async def test_apply_without_ownership_proof_is_400_document_required(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    documents = (await documents_of(api, citizen))[:1]

    response = await apply(api, citizen, code, tl_application(documents))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["DOCUMENT_REQUIRED"]


async def test_citizen_taking_an_inspector_action_is_403(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, platform: Platform
) -> None:
    applied = await _applied(api, citizen, code)
    await _pay_online(api, citizen, applied["applicationNumber"], platform)

    response = await act(api, citizen, code, applied, "INSPECT")

    assert response.status_code == 403
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_ROLE"]


async def test_employee_of_another_city_is_403(api: httpx.AsyncClient, citizen: dict[str, str], code: str) -> None:
    applied = await _applied(api, citizen, code)
    jalandhar = await login(api, "GRO_JAL", "pb.jalandhar")

    response = await api.get(
        f"/public-service/v1/application/{code}",
        params={"applicationNumber": applied["applicationNumber"]},
        headers=studio(jalandhar),
    )

    assert response.status_code == 403


async def test_another_citizen_does_not_see_the_application(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    applied = await _applied(api, citizen, code)
    other = (await new_citizen(api, "9876500031")).headers

    response = await api.get(
        f"/public-service/v1/application/{code}",
        params={"applicationNumber": applied["applicationNumber"]},
        headers=studio(other),
    )

    assert response.status_code == 200
    assert response.json()["Application"] == []


async def test_pay_action_sent_by_hand_is_400_pay_by_payment(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    applied = await _applied(api, citizen, code)

    response = await act(api, citizen, code, applied, "PAY")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["PAY_BY_PAYMENT"]


async def test_verify_with_a_tampered_certificate_is_400_not_genuine(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, platform: Platform
) -> None:
    inspector = await employee_with(api, "TL_INSP_2", "9123400103", "TL_FIELD_INSPECTOR", "TL_APPROVER")
    applied = await _applied(api, citizen, code)
    await _pay_online(api, citizen, applied["applicationNumber"], platform)
    inspected = await act(api, inspector, code, applied, "INSPECT")
    approved = await act(api, inspector, code, inspected.json()["Application"], "APPROVE")
    token: str = approved.json()["Application"]["certificate"]["token"]
    number, _, signature = token.rpartition(".")
    forged = f"{number[:-1]}{'2' if number[-1] != '2' else '3'}.{signature}"

    response = await api.get("/public-service/v1/certificate/_verify", params={"tenantId": CITY, "token": forged})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["CERTIFICATE_NOT_GENUINE"]
