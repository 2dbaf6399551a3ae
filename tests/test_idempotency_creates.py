"""`Idempotency-Key` on the creates that make an id (issue 11, section 4): pg transaction, user events, documents,
surveys, Studio applications and billing amendments. A retry with the same key makes nothing new and answers the
first call's ids; the key reused for another body is 409 `IDEMPOTENCY_KEY_REUSED` and makes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from tests import test_billing_support as billing
from tests.builders import citizen_login, login
from tests.studio_helpers import apply, service_code, studio, upload
from tests.test_documents_api import document
from tests.test_studio_birthcertificate import birth
from tests.test_surveys_api import survey

AMRITSAR = "pb.amritsar"
RI: dict[str, Any] = {"RequestInfo": {"apiId": "Rainmaker"}}


async def post(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str], key: str
) -> httpx.Response:
    return await api.post(path, json=body, headers={**headers, "Idempotency-Key": key})


def reused(response: httpx.Response) -> bool:
    return response.status_code == 409 and [e["code"] for e in response.json()["Errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


@pytest.fixture
async def gro(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "GRO_AMR", AMRITSAR)


# ---------------------------------------------------------------- pg-service transaction

PG_CREATE = "/pg-service/transaction/v1/_create"


@pytest.fixture
async def bill(api: httpx.AsyncClient) -> dict[str, Any]:
    await billing.create_demand(api, await billing.admin(api), "TL-IDEM-1", [("TL_TAX", 1000)])
    return await billing.the_bill(api, await billing.employee(api), "TL-IDEM-1")


def transaction(bill: dict[str, Any], amount: int) -> dict[str, Any]:
    txn = {
        "tenantId": AMRITSAR,
        "txnAmount": amount,
        "module": "TL",
        "billId": bill["id"],
        "consumerCode": bill["consumerCode"],
        "gateway": "SANDBOX",
        "callbackUrl": "http://citizen.example/payment/success",
        "taxAndPayments": [{"billId": bill["id"], "amountPaid": amount}],
    }
    return {**RI, "Transaction": txn}


async def transactions_of(api: httpx.AsyncClient, bill: dict[str, Any]) -> list[str]:
    response = await api.post(
        "/pg-service/transaction/v1/_search",
        params={"tenantId": AMRITSAR, "consumerCode": bill["consumerCode"]},
        json=RI,
        headers=await billing.admin(api),
    )
    assert response.status_code == 200, response.text
    return [t["txnId"] for t in response.json()["Transaction"]]


async def test_pg_create_twice_with_one_key_makes_one_transaction(api: httpx.AsyncClient, bill: dict[str, Any]) -> None:
    payer = await citizen_login(api)
    first = await post(api, PG_CREATE, transaction(bill, 400), payer, "pg-1")

    second = await post(api, PG_CREATE, transaction(bill, 400), payer, "pg-1")

    assert [first.status_code, second.status_code] == [200, 200], second.text
    assert second.json()["Transaction"]["txnId"] == first.json()["Transaction"]["txnId"]
    assert await transactions_of(api, bill) == [first.json()["Transaction"]["txnId"]]


async def test_pg_create_twice_without_a_token_with_one_key_makes_one_transaction(
    api: httpx.AsyncClient, bill: dict[str, Any]
) -> None:
    first = await post(api, PG_CREATE, transaction(bill, 400), {}, "pg-open-1")

    second = await post(api, PG_CREATE, transaction(bill, 400), {}, "pg-open-1")

    assert [first.status_code, second.status_code] == [200, 200], second.text
    assert second.json()["Transaction"]["txnId"] == first.json()["Transaction"]["txnId"]
    assert await transactions_of(api, bill) == [first.json()["Transaction"]["txnId"]]


async def test_pg_create_with_a_key_reused_for_another_body_is_409(
    api: httpx.AsyncClient, bill: dict[str, Any]
) -> None:
    payer = await citizen_login(api)
    first = await post(api, PG_CREATE, transaction(bill, 400), payer, "pg-2")

    response = await post(api, PG_CREATE, transaction(bill, 500), payer, "pg-2")

    assert reused(response), response.text
    assert await transactions_of(api, bill) == [first.json()["Transaction"]["txnId"]]


# ---------------------------------------------------------------- user events

EVENTS = "/egov-user-event/v1/events"


def events(name: str) -> dict[str, Any]:
    event = {
        "tenantId": AMRITSAR,
        "eventType": "SYSTEMGENERATED",
        "name": name,
        "description": f"{name} description",
        "source": "webapp",
        "recepient": {"toUsers": [], "toRoles": ["CITIZEN"]},
    }
    return {**RI, "events": [event, {**event, "name": f"{name} (again)"}]}


async def event_ids_named(api: httpx.AsyncClient, headers: dict[str, str], *names: str) -> list[str]:
    response = await api.post(f"{EVENTS}/_search", params={"tenantId": AMRITSAR}, json=RI, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(e["id"] for e in response.json()["events"] if e["name"] in names)


async def test_event_create_twice_with_one_key_makes_the_events_once(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    first = await post(api, f"{EVENTS}/_create", events("Water cut"), gro, "events-1")

    second = await post(api, f"{EVENTS}/_create", events("Water cut"), gro, "events-1")

    ids = [e["id"] for e in first.json()["events"]]
    assert [first.status_code, second.status_code] == [200, 200], second.text
    assert [e["id"] for e in second.json()["events"]] == ids
    assert await event_ids_named(api, gro, "Water cut", "Water cut (again)") == sorted(ids)


async def test_event_create_with_a_key_reused_for_another_body_is_409(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    await post(api, f"{EVENTS}/_create", events("Water cut"), gro, "events-2")

    response = await post(api, f"{EVENTS}/_create", events("Power cut"), gro, "events-2")

    assert reused(response), response.text
    assert await event_ids_named(api, gro, "Power cut", "Power cut (again)") == []


# ---------------------------------------------------------------- documents

DU = "/egov-document-uploader/egov-du/document"


async def document_numbers(api: httpx.AsyncClient, headers: dict[str, str], name: str) -> list[str]:
    response = await api.post(f"{DU}/_search", params={"tenantIds": AMRITSAR, "name": name}, json=RI, headers=headers)
    assert response.status_code == 200, response.text
    return [d["uuid"] for d in response.json()["Documents"]]


async def test_document_create_twice_with_one_key_publishes_one_document(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    body = {**RI, "DocumentEntity": document()}
    first = await post(api, f"{DU}/_create", body, gro, "doc-1")

    second = await post(api, f"{DU}/_create", body, gro, "doc-1")

    numbers = [d["uuid"] for d in first.json()["Documents"]]
    assert [first.status_code, second.status_code] == [200, 200], second.text
    assert second.json()["Documents"] == first.json()["Documents"]
    assert await document_numbers(api, gro, document()["name"]) == numbers


async def test_document_create_with_a_key_reused_for_another_body_is_409(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    await post(api, f"{DU}/_create", {**RI, "DocumentEntity": document()}, gro, "doc-2")

    other = {**RI, "DocumentEntity": document(name="Budget 2026")}
    response = await post(api, f"{DU}/_create", other, gro, "doc-2")

    assert reused(response), response.text
    assert await document_numbers(api, gro, "Budget 2026") == []


# ---------------------------------------------------------------- surveys

SS = "/egov-survey-services/egov-ss/survey"


async def survey_numbers(api: httpx.AsyncClient, headers: dict[str, str], title: str) -> list[str]:
    response = await api.post(f"{SS}/_search", params={"tenantIds": AMRITSAR, "title": title}, json=RI, headers=headers)
    assert response.status_code == 200, response.text
    return [s["uuid"] for s in response.json()["Surveys"]]


async def test_survey_create_twice_with_one_key_publishes_one_survey(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    body = {**RI, "SurveyEntity": survey(clock.now_ms())}
    first = await post(api, f"{SS}/_create", body, gro, "survey-1")

    second = await post(api, f"{SS}/_create", body, gro, "survey-1")

    numbers = [s["uuid"] for s in first.json()["Surveys"]]
    assert [first.status_code, second.status_code] == [200, 200], second.text
    assert [s["uuid"] for s in second.json()["Surveys"]] == numbers
    assert await survey_numbers(api, gro, body["SurveyEntity"]["title"]) == numbers


async def test_survey_create_with_a_key_reused_for_another_body_is_409(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    await post(api, f"{SS}/_create", {**RI, "SurveyEntity": survey(clock.now_ms())}, gro, "survey-2")

    other = {**RI, "SurveyEntity": survey(clock.now_ms(), title="Parks 2026")}
    response = await post(api, f"{SS}/_create", other, gro, "survey-2")

    assert reused(response), response.text
    assert await survey_numbers(api, gro, "Parks 2026") == []


# ---------------------------------------------------------------- Studio applications


async def studio_apply(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, application: dict[str, Any], key: str
) -> httpx.Response:
    return await apply(api, {**citizen, "Idempotency-Key": key}, code, application)


async def application_ids(api: httpx.AsyncClient, citizen: dict[str, str], code: str) -> list[str]:
    response = await api.get(f"/public-service/v1/application/{code}", headers=studio(citizen))
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["Application"]]


async def test_studio_apply_twice_with_one_key_makes_one_application(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = await service_code(api, citizen, "CivilRegistration")
    application = birth(await upload(api, citizen))
    first = await studio_apply(api, citizen, code, application, "apply-1")

    second = await studio_apply(api, citizen, code, application, "apply-1")

    assert [first.status_code, second.status_code] == [200, 200], second.text
    made = first.json()["Application"]
    assert (second.json()["Application"]["id"], second.json()["Application"]["applicationNumber"]) == (
        made["id"],
        made["applicationNumber"],
    )
    assert await application_ids(api, citizen, code) == [made["id"]]


async def test_studio_apply_with_a_key_reused_for_another_body_is_409(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = await service_code(api, citizen, "CivilRegistration")
    proof = await upload(api, citizen)
    first = await studio_apply(api, citizen, code, birth(proof), "apply-2")

    response = await studio_apply(api, citizen, code, birth(proof, copies=1), "apply-2")

    assert reused(response), response.text
    assert await application_ids(api, citizen, code) == [first.json()["Application"]["id"]]


# ---------------------------------------------------------------- billing amendments

AMENDMENT = "/billing-service/amendment"


def amendment(amount: int) -> dict[str, Any]:
    note = {
        "tenantId": AMRITSAR,
        "businessService": "TL",
        "consumerCode": "TL-IDEM-AMD",
        "amendmentReason": "COURT_CASE_SETTLEMENT",
        "reasonDocumentNumber": "CRT-2026-17",
        "demandDetails": [{"taxHeadMasterCode": "TL_ADHOC_REBATE", "taxAmount": amount}],
    }
    return {**RI, "Amendment": note}


async def amendment_ids(api: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await api.post(
        f"{AMENDMENT}/_search",
        params={"tenantId": AMRITSAR, "consumerCode": "TL-IDEM-AMD", "businessService": "TL"},
        json=RI,
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return [a["amendmentId"] for a in response.json()["Amendments"]]


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    headers = await billing.admin(api)
    await billing.create_demand(api, headers, "TL-IDEM-AMD", [("TL_TAX", 1000)])
    return headers


async def test_amendment_create_twice_with_one_key_makes_one_amendment(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await post(api, f"{AMENDMENT}/_create", amendment(-200), admin, "amd-1")

    second = await post(api, f"{AMENDMENT}/_create", amendment(-200), admin, "amd-1")

    assert [first.status_code, second.status_code] == [201, 201], second.text
    assert second.json()["Amendments"] == first.json()["Amendments"]
    assert await amendment_ids(api, admin) == [first.json()["Amendments"][0]["amendmentId"]]


async def test_amendment_create_with_a_key_reused_for_another_body_is_409(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await post(api, f"{AMENDMENT}/_create", amendment(-200), admin, "amd-2")

    response = await post(api, f"{AMENDMENT}/_create", amendment(-300), admin, "amd-2")

    assert reused(response), response.text
    assert await amendment_ids(api, admin) == [first.json()["Amendments"][0]["amendmentId"]]
