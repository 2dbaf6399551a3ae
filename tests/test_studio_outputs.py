"""Studio: what a configured service puts out and keeps, through HTTP: documents checked by the type the
filestore read and their size, messages per state on every channel, PDFs per state, applicants' PII masked and
addresses encrypted, search filters, the workflow's SLAs, and the fee before and after its due date
(service: studio)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from digit.services.studio.models import ApplicationRow
from tests.builders import citizen_login, login
from tests.studio_helpers import CITY, RI, act, apply, employee_with, errors, load_config, service_code, studio, upload
from tests.test_studio_tradelicence import _pay_online, documents_of, tl_application

PET = Path(__file__).parent / "data" / "studio" / "petlicence"
MODULE = "Tradelicence"
DAY_MS = 86_400_000


@pytest.fixture
async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


@pytest.fixture
async def code(api: httpx.AsyncClient, citizen: dict[str, str]) -> str:
    return await service_code(api, citizen, MODULE)


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


def reviewed_pet(service: str, **extra: Any) -> dict[str, Any]:
    """The pet licence with no fee: APPLY -> REVIEW -> (VERIFY) LICENSED, plus `extra` top-level keys."""
    config: dict[str, Any] = json.loads((PET / "service.json").read_text(encoding="utf-8"))
    config["service"] = service
    config["idgen"][0]["idname"] = f"test.{service.lower()}"
    config["workflow"] = {
        "businessService": f"Animals.{service}",
        "business": "Animals",
        "ACTIVE": ["LICENSED"],
        "states": [
            {
                "state": None,
                "isStartState": True,
                "actions": [{"action": "APPLY", "nextState": "REVIEW", "roles": ["CITIZEN"]}],
            },
            {"state": "REVIEW", "actions": [{"action": "VERIFY", "nextState": "LICENSED", "roles": ["EMPLOYEE"]}]},
            {"state": "LICENSED", "isTerminateState": True, "actions": []},
        ],
    }
    config["calculator"] = {"rules": []}
    config["notification"] = {}
    return {**config, **extra}


async def register_pet(api: httpx.AsyncClient, admin: dict[str, str], config: dict[str, Any]) -> str:
    loaded = await load_config(api, admin, config)
    assert loaded.status_code == 200, loaded.text
    body = {**RI, "Service": {"tenantId": CITY, "module": "Animals", "businessService": config["service"]}}
    registered = await api.post("/public-service/v1/service", json=body, headers=studio(admin))
    assert registered.status_code == 200, registered.text
    found: str = registered.json()["Services"][0]["serviceCode"]
    return found


PET_FORM = {"pet": {"petName": "Bruno", "species": "DOG", "weightKg": 12}}


# ----------------------------------------------------------------------------------------------- documents


async def test_a_text_file_named_like_a_png_is_400_invalid_file_type(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    uploaded = await api.post(
        "/filestore/v1/files",
        data={"tenantId": CITY, "module": "studio"},
        files=[("file", ("id.png", b"just some text, not an image", "image/png"))],
        headers=citizen,
    )
    documents = await documents_of(api, citizen)
    documents[0]["fileStoreId"] = uploaded.json()["files"][0]["fileStoreId"]

    response = await apply(api, citizen, code, tl_application(documents))

    assert uploaded.status_code == 201, uploaded.text
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_FILE_TYPE"]
    assert "documents[0]" in errors(response)[0]


async def test_a_document_over_its_size_limit_is_400_file_too_large(
    api: httpx.AsyncClient, admin: dict[str, str], citizen: dict[str, str]
) -> None:
    photo = {
        "category": "PHOTO",
        "documentTypes": ["PET_PHOTO"],
        "isMandatory": True,
        "allowedFileTypes": ["png"],
        "maxSizeInMB": 0.00002,  # 20 bytes: the test image is larger
    }
    pet = await register_pet(api, admin, reviewed_pet("PhotoPet", documents=[photo]))
    proof = await upload(api, citizen, "bruno.png")

    response = await apply(
        api,
        citizen,
        pet,
        {"serviceDetails": PET_FORM, "documents": [{"documentType": "PHOTO.PET_PHOTO", "fileStoreId": proof}]},
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["FILE_TOO_LARGE"]


# ----------------------------------------------------------------------------------------------- messages


async def _sink(api: httpx.AsyncClient, admin: dict[str, str], channel: str, **query: str) -> list[str]:
    response = await api.post(
        f"/notification/v1/{channel}/_search", params={"tenantId": CITY, **query}, json=RI, headers=admin
    )
    assert response.status_code == 200, response.text
    return [m.get("message") or m["body"] for m in response.json()["messages"]]


async def test_the_state_reached_sends_its_sms_email_and_in_app_message_and_no_other(
    api: httpx.AsyncClient, admin: dict[str, str], citizen: dict[str, str]
) -> None:
    text = "Pet {PublicService.applicationNo} is {PublicService.status}."
    notices = {
        channel: [{"states": ["REVIEW"], "template": text}, {"states": ["LICENSED"], "template": "Licensed."}]
        for channel in ("sms", "email", "event")
    }
    pet = await register_pet(api, admin, reviewed_pet("NotifyPet", notification=notices))
    owner = {"type": "CITIZEN", "name": "Pet Owner", "mobileNumber": "9812300077", "emailId": "owner@pets.test"}

    applied = await apply(api, citizen, pet, {"serviceDetails": PET_FORM, "applicants": [owner]})

    assert applied.status_code == 200, applied.text
    expected = f"Pet {applied.json()['Application']['applicationNumber']} is REVIEW."
    assert await _sink(api, admin, "sms", mobileNumber="9812300077") == [expected]
    assert await _sink(api, admin, "email", emailId="owner@pets.test") == [expected]
    events = await api.post("/egov-user-event/v1/events/_search", params={"tenantId": CITY}, json=RI, headers=citizen)
    number = applied.json()["Application"]["applicationNumber"]
    assert [e["description"] for e in events.json()["events"] if e.get("referenceId") == number] == [expected]


# ----------------------------------------------------------------------------------------------- pdfs


async def _pdf(
    api: httpx.AsyncClient, headers: dict[str, str], code: str, number: str, key: str | None = None
) -> httpx.Response:
    params = {"tenantId": CITY, "applicationNumber": number, "serviceCode": code} | ({"pdfKey": key} if key else {})
    return await api.post("/studio-pdf/public-service/download/pdf", params=params, json=RI, headers=headers)


async def test_the_application_pdf_is_printed_while_pending_and_the_certificate_is_not(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    applied = await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))
    number = applied.json()["Application"]["applicationNumber"]

    application_pdf = await _pdf(api, citizen, code, number, "studio-application")
    certificate = await _pdf(api, citizen, code, number)

    assert application_pdf.status_code == 200, application_pdf.text
    assert application_pdf.content.startswith(b"%PDF")
    assert certificate.status_code == 400
    assert [e["code"] for e in certificate.json()["Errors"]] == ["PDF_NOT_AVAILABLE"]


# ----------------------------------------------------------------------------------------------- pii


async def test_an_employee_sees_the_applicant_masked_and_no_street_address(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    clerk = await employee_with(api, "TL_CEMP_1", "9123400401", "TL_CEMP")
    applied = await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))
    number = applied.json()["Application"]["applicationNumber"]

    seen = await api.get(
        f"/public-service/v1/application/{code}", params={"applicationNumber": number}, headers=studio(clerk)
    )

    assert seen.status_code == 200, seen.text
    found = seen.json()["Application"][0]
    assert (found["applicants"][0]["mobileNumber"], found["applicants"][0]["name"]) == ("******9999", "********izen")
    assert "addressLine1" not in found["address"]
    assert found["address"]["boundarycode"] == "AMR_LOC_001"
    own = applied.json()["Application"]
    assert (own["applicants"][0]["mobileNumber"], own["address"]["addressLine1"]) == ("9999999999", "12 Mall Road")


async def test_the_street_address_is_stored_encrypted(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, platform: Platform
) -> None:
    applied = await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))

    async with platform.read_sessions() as session:
        row = await session.scalar(
            select(ApplicationRow).where(ApplicationRow.id == applied.json()["Application"]["id"])
        )

    assert row is not None and row.address_private is not None
    assert "Mall Road" not in row.address_private
    assert "Mall Road" not in json.dumps(row.address)


# ----------------------------------------------------------------------------------------------- search


async def test_search_filters_by_ids_numbers_status_module_and_business_service(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    first = (await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))).json()["Application"]
    second = (await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))).json()["Application"]

    async def numbers(**query: str) -> list[str]:
        response = await api.get(f"/public-service/v1/application/{code}", params=query, headers=studio(citizen))
        assert response.status_code == 200, response.text
        return sorted(a["applicationNumber"] for a in response.json()["Application"])

    both = sorted([first["applicationNumber"], second["applicationNumber"]])
    assert await numbers(ids=first["id"]) == [first["applicationNumber"]]
    assert await numbers(applicationNumber=f"{first['applicationNumber']},{second['applicationNumber']}") == both
    assert await numbers(status="PENDINGPAYMENT") == both
    assert await numbers(status="INWORKFLOW") == both
    assert await numbers(status="APPROVED") == []
    assert await numbers(module=MODULE, businessService="NewTL") == both
    assert await numbers(module="CivilRegistration") == []
    assert await numbers(businessService="BirthCertificate") == []


async def test_search_by_repeated_application_numbers_finds_each(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    first = (await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))).json()["Application"]
    second = (await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))).json()["Application"]
    query = [("applicationNumber", first["applicationNumber"]), ("applicationNumber", second["applicationNumber"])]

    response = await api.get(f"/public-service/v1/application/{code}", params=query, headers=studio(citizen))

    assert response.status_code == 200, response.text
    assert sorted(a["id"] for a in response.json()["Application"]) == sorted([first["id"], second["id"]])


@pytest.mark.parametrize("query", [{"limit": "201"}, {"limit": "0"}, {"applicationNumber": "N" * 2001}])
async def test_search_with_limit_or_number_out_of_bounds_is_400(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, query: dict[str, str]
) -> None:
    response = await api.get(f"/public-service/v1/application/{code}", params=query, headers=studio(citizen))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_REQUEST"]


# ----------------------------------------------------------------------------------------------- workflow, fee


async def test_the_trade_licence_workflow_carries_its_slas(api: httpx.AsyncClient) -> None:
    inspector = await employee_with(api, "TL_INSP_9", "9123400402", "TL_FIELD_INSPECTOR")

    response = await api.post(
        "/egov-workflow-v2/egov-wf/businessservice/_search",
        params={"tenantId": CITY, "businessServices": "Tradelicence.NewTL"},
        json=RI,
        headers=inspector,
    )

    assert response.status_code == 200, response.text
    [found] = response.json()["BusinessServices"]
    assert found["businessServiceSla"] == 30 * DAY_MS
    assert {s["state"]: s.get("sla") for s in found["states"] if s["state"]} == {
        "PENDINGPAYMENT": 7 * DAY_MS,
        "PENDINGFIELDINSPECTION": 10 * DAY_MS,
        "PENDINGAPPROVAL": 5 * DAY_MS,
        "APPROVED": None,
        "REJECTED": None,
    }


async def test_the_fee_before_the_due_date_has_no_penalty(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    clock.advance(days=150)  # 2027-04-25: in the 2027-28 tax period, before 30 September
    citizen = await citizen_login(api)
    code = await service_code(api, citizen, MODULE)
    applied = await apply(api, citizen, code, tl_application(await documents_of(api, citizen), areaSqm=25))
    number = applied.json()["Application"]["applicationNumber"]

    fetched = await api.post(
        "/billing-service/bill/v2/_fetchbill",
        params={"tenantId": CITY, "consumerCode": number, "businessService": "TL"},
        json=RI,
        headers=citizen,
    )

    assert applied.status_code == 200, applied.text
    bill = fetched.json()["Bill"][0]
    assert [d["taxHeadCode"] for d in bill["billDetails"][0]["billAccountDetails"]] == ["TL_TAX"]
    assert bill["totalAmount"] == 250  # 25 m2 x 10 (RETAIL)


async def test_an_employee_of_another_city_acting_on_an_application_is_403(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    applied = (await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))).json()
    jalandhar = await login(api, "GRO_JAL", "pb.jalandhar")

    response = await act(api, jalandhar, code, applied["Application"], "INSPECT")

    assert response.status_code == 403


# ----------------------------------------------------------------------------------------------- more of the definition


async def test_a_trade_name_against_the_regex_is_400_with_the_definitions_message_code(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    application = tl_application(await documents_of(api, citizen), tradeName="Books $$$")

    response = await apply(api, citizen, code, application)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["TL_TRADE_NAME_INVALID"]
    assert "serviceDetails.tradeDetails.tradeName" in errors(response)[0]


async def test_a_rejected_application_is_inactive_as_the_definition_lists_it(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str, platform: Platform
) -> None:
    inspector = await employee_with(api, "TL_INSP_8", "9123400403", "TL_FIELD_INSPECTOR")
    applied = (await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))).json()
    await _pay_online(api, citizen, applied["Application"]["applicationNumber"], platform)

    rejected = await act(api, inspector, code, applied["Application"], "REJECT")

    assert rejected.status_code == 200, rejected.text
    found = rejected.json()["Application"]
    assert (found["workflowStatus"], found["status"], found["certificate"]) == ("REJECTED", "INACTIVE", None)


async def test_the_application_record_carries_its_parts(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    response = await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))

    assert response.status_code == 200, response.text
    found = response.json()["Application"]
    assert isinstance(found, dict)
    assert (found["module"], found["businessService"], found["serviceCode"]) == (MODULE, "NewTL", code)
    assert found["serviceDetails"]["tradeDetails"]["tradeType"] == "RETAIL"  # {code: ...} kept as its code
    assert found["address"]["boundarycode"] == "AMR_LOC_001"
    assert sorted(d["documentType"] for d in found["documents"]) == [
        "ID_PROOF.AADHAAR",
        "OWNERSHIP_PROOF.RENT_AGREEMENT",
    ]
    assert [(r["referenceType"], r["module"]) for r in found["reference"]] == [("billing", "TL")]
    searched = await api.get(
        f"/public-service/v1/application/{code}", params={"ids": found["id"]}, headers=studio(citizen)
    )
    assert [p["state"]["state"] for p in searched.json()["Application"][0]["processInstance"]] == ["PENDINGPAYMENT"]
    assert [p["state"]["state"] for p in found["processInstance"]] == ["PENDINGPAYMENT"]  # the create's own answer
    assert found["auditDetails"]["createdBy"] == found["applicants"][0]["userUuid"]


async def test_an_employee_without_a_role_of_the_service_is_403_on_search(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    clerk = await employee_with(api, "BND_REG_9", "9123400404", "BND_REGISTRAR")

    response = await api.get(f"/public-service/v1/application/{code}", headers=studio(clerk))

    assert response.status_code == 403
    assert [e["code"] for e in response.json()["Errors"]] == ["NOT_AUTHORIZED"]


async def test_fixed_billing_slabs_and_a_rebate_by_date_make_the_fee(
    api: httpx.AsyncClient, admin: dict[str, str], citizen: dict[str, str]
) -> None:
    config: dict[str, Any] = json.loads((PET / "service.json").read_text(encoding="utf-8"))
    config["service"], config["idgen"][0]["idname"] = "SlabPet", "test.slabpet"
    config["workflow"]["businessService"] = "Animals.SlabPet"
    config["notification"] = {}
    config["calculator"] = {
        "type": "custom",
        "billingSlabs": [{"key": "PET_FEE", "value": 150}],
        "rules": [{"taxHead": "PET_FEE", "type": "rebate", "before": "2027-01-01", "percent": 10}],
    }
    pet = await register_pet(api, admin, config)
    applied = await apply(api, citizen, pet, {"serviceDetails": PET_FORM})

    fetched = await api.post(
        "/billing-service/bill/v2/_fetchbill",
        params={"tenantId": CITY, "consumerCode": applied.json()["Application"]["applicationNumber"]}
        | {"businessService": "Animals.PetLicence"},
        json=RI,
        headers=citizen,
    )

    assert applied.status_code == 200, applied.text
    assert fetched.json()["Bill"][0]["totalAmount"] == 135  # 150 less 10 % before 1 January


async def test_a_fee_rule_that_tries_to_run_python_is_400_naming_it(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    config: dict[str, Any] = json.loads((PET / "service.json").read_text(encoding="utf-8"))
    config["service"], config["idgen"][0]["idname"] = "EvalPet", "test.evalpet"
    config["workflow"]["businessService"] = "Animals.EvalPet"
    config["calculator"]["rules"] = [{"taxHead": "PET_FEE", "type": "expression", "expression": "__import__('os')"}]
    config["notification"] = {}
    await load_config(api, admin, config)
    body = {**RI, "Service": {"tenantId": CITY, "module": "Animals", "businessService": "EvalPet"}}

    response = await api.post("/public-service/v1/service", json=body, headers=studio(admin))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_FEE_RULE"]
    assert "calculator.rules[0]" in errors(response)[0]


async def test_studio_clients_lower_case_application_key_binds_too(
    api: httpx.AsyncClient, citizen: dict[str, str], code: str
) -> None:
    application = {"tenantId": CITY, **tl_application(await documents_of(api, citizen))}

    response = await api.post(
        f"/public-service/v1/application/{code}", json={**RI, "application": application}, headers=studio(citizen)
    )

    assert response.status_code == 200, response.text
    assert response.json()["Application"]["workflowStatus"] == "PENDINGPAYMENT"
