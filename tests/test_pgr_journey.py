"""PGR: the citizen's complaint from filing to closing, through HTTP only (block: pgr)."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from digit.blocks.workflow.escalation import escalate_due
from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.pgr_helpers import RI, act, complaint, file_complaint, localities, search, service_of

AMRITSAR = "pb.amritsar"


async def lme_for(api: httpx.AsyncClient, department: str, *, other: bool = False) -> tuple[str, str]:
    """(userName, uuid) of a demo LME of Amritsar in the department (or, with other=True, not in it)."""
    hr = await login(api, "HR_AMR", AMRITSAR)
    response = await api.post(
        f"/egov-hrms/employees/_search?tenantId={AMRITSAR}&roles=PGR_LME", json={"RequestInfo": RI}, headers=hr
    )
    assert response.status_code == 200, response.text
    for employee in response.json()["Employees"]:
        departments = {a["department"] for a in employee["assignments"] if a.get("isCurrentAssignment", True)}
        if (department in departments) != other:
            return employee["user"]["userName"], employee["uuid"]
    raise AssertionError(f"no demo LME {'outside' if other else 'in'} {department}")


@pytest.fixture
async def locality(api: httpx.AsyncClient) -> str:
    return (await localities(api, AMRITSAR))[0]


@pytest.fixture
async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


@pytest.fixture
async def gro(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "GRO_AMR", AMRITSAR)


@pytest.fixture
async def filed(api: httpx.AsyncClient, citizen: dict[str, str], locality: str) -> dict[str, Any]:
    return service_of(await file_complaint(api, citizen, complaint(AMRITSAR, locality)))


async def assigned(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    user_name, uuid = await lme_for(api, "DEPT_1")
    service = service_of(await act(api, gro, filed, "ASSIGN", assignes=[uuid], comments="please fix"))
    return service, await login(api, user_name, AMRITSAR)


async def test_create_by_citizen_is_pending_for_assignment_with_pgr_id(filed: dict[str, Any]) -> None:
    assert filed["applicationStatus"] == "PENDINGFORASSIGNMENT"
    assert re.fullmatch(r"PB-PGR-\d{4}-\d{2}-\d{2}-\d{6}", filed["serviceRequestId"])


async def test_create_is_found_at_once_by_the_gro(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    response = await search(api, gro, f"tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}")

    assert response.status_code == 200
    assert [w["service"]["serviceRequestId"] for w in response.json()["ServiceWrappers"]] == [filed["serviceRequestId"]]


async def test_create_keeps_the_address_private_parts_readable_to_the_owner(
    api: httpx.AsyncClient, citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    response = await search(api, citizen, f"tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}")

    address = response.json()["ServiceWrappers"][0]["service"]["address"]
    assert address["landmark"] == "Opposite the gurudwara gate"


async def test_assign_to_lme_of_the_department_is_pending_at_lme(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    service, _ = await assigned(api, gro, filed)

    assert service["applicationStatus"] == "PENDINGATLME"


async def test_assign_to_lme_of_another_department_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    _, uuid = await lme_for(api, "DEPT_1", other=True)

    response = await act(api, gro, filed, "ASSIGN", assignes=[uuid])

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_ASSIGNMENT"


async def test_lme_may_not_assign(api: httpx.AsyncClient, filed: dict[str, Any]) -> None:
    user_name, uuid = await lme_for(api, "DEPT_1")
    lme = await login(api, user_name, AMRITSAR)

    response = await act(api, lme, filed, "ASSIGN", assignes=[uuid])

    assert response.status_code in (400, 403)


async def test_resolve_then_rate_closes_after_resolution(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    service, lme = await assigned(api, gro, filed)
    resolved = service_of(await act(api, lme, service, "RESOLVE", comments="replaced the bulb"))

    closed = service_of(await act(api, citizen, {**resolved, "rating": 5}, "RATE", comments="thanks"))

    assert resolved["applicationStatus"] == "RESOLVED"
    assert closed["applicationStatus"] == "CLOSEDAFTERRESOLUTION"
    assert closed["rating"] == 5


async def test_rate_twice_is_400_and_keeps_the_first_rating(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    service, lme = await assigned(api, gro, filed)
    resolved = service_of(await act(api, lme, service, "RESOLVE", comments="done"))
    closed = service_of(await act(api, citizen, {**resolved, "rating": 4}, "RATE"))

    response = await act(api, citizen, {**closed, "rating": 1}, "RATE")
    after = await search(api, citizen, f"tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}")

    assert response.status_code == 400
    assert after.json()["ServiceWrappers"][0]["service"]["rating"] == 4


async def test_rating_out_of_range_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    service, lme = await assigned(api, gro, filed)
    resolved = service_of(await act(api, lme, service, "RESOLVE", comments="done"))

    response = await act(api, citizen, {**resolved, "rating": 9}, "RATE")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_RATING"


async def test_reopen_within_the_window_is_pending_for_assignment_again(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any], clock: FrozenClock
) -> None:
    service, lme = await assigned(api, gro, filed)
    resolved = service_of(await act(api, lme, service, "RESOLVE", comments="done"))
    clock.advance(hours=24)

    reopened = service_of(await act(api, citizen, resolved, "REOPEN", comments="still dark"))

    assert reopened["applicationStatus"] == "PENDINGFORASSIGNMENT"


async def test_reopen_after_the_window_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any], clock: FrozenClock
) -> None:
    service, lme = await assigned(api, gro, filed)
    resolved = service_of(await act(api, lme, service, "RESOLVE", comments="done"))
    clock.advance(days=6)

    response = await act(api, citizen, resolved, "REOPEN", comments="still dark")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "REOPEN_WINDOW_EXPIRED"


async def test_lme_sends_back_for_reassignment(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    service, lme = await assigned(api, gro, filed)

    back = service_of(await act(api, lme, service, "REASSIGN", comments="not my area"))

    assert back["applicationStatus"] == "PENDINGFORREASSIGNMENT"


async def test_resolve_by_an_lme_who_is_not_the_assignee_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    service, _ = await assigned(api, gro, filed)
    other_name, _ = await lme_for(api, "DEPT_1", other=True)
    other = await login(api, other_name, AMRITSAR)

    response = await act(api, other, service, "RESOLVE", comments="not mine")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_USER"


async def test_gro_assigns_again_after_the_lme_sends_it_back(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    service, lme = await assigned(api, gro, filed)
    back = service_of(await act(api, lme, service, "REASSIGN", comments="not my area"))
    _, uuid = await lme_for(api, "DEPT_1")

    again = service_of(await act(api, gro, back, "ASSIGN", assignes=[uuid]))

    assert again["applicationStatus"] == "PENDINGATLME"


async def test_reject_with_reason_is_rejected(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    rejected = service_of(await act(api, gro, filed, "REJECT", comments="duplicate of an open complaint"))

    assert rejected["applicationStatus"] == "REJECTED"


async def test_reject_without_reason_is_400(api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]) -> None:
    response = await act(api, gro, filed, "REJECT")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_REJECTION"


async def test_history_shows_every_step(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    service, lme = await assigned(api, gro, filed)
    await act(api, lme, service, "RESOLVE", comments="done")

    response = await api.post(
        f"/egov-workflow-v2/egov-wf/process/_search?tenantId={AMRITSAR}&businessIds={filed['serviceRequestId']}&history=true",
        json={"RequestInfo": RI},
        headers=gro,
    )

    assert response.status_code == 200
    assert sorted(p["action"] for p in response.json()["ProcessInstances"]) == ["APPLY", "ASSIGN", "RESOLVE"]


async def test_csr_files_for_a_new_citizen_who_then_sees_it(api: httpx.AsyncClient, locality: str) -> None:
    csr = await login(api, "CSR_AMR", AMRITSAR)
    body = complaint(AMRITSAR, locality, citizen={"name": "Harpreet Kaur", "mobileNumber": "9876501234"})

    filed = service_of(await file_complaint(api, csr, body))
    owner = await citizen_login(api, "9876501234")
    response = await search(api, owner, f"tenantId={AMRITSAR}")

    assert [w["service"]["serviceRequestId"] for w in response.json()["ServiceWrappers"]] == [filed["serviceRequestId"]]


async def test_csr_filing_without_a_citizen_mobile_is_400(api: httpx.AsyncClient, locality: str) -> None:
    csr = await login(api, "CSR_AMR", AMRITSAR)

    response = await file_complaint(api, csr, complaint(AMRITSAR, locality))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_CITIZEN"


async def test_citizen_is_told_in_app_with_the_complaint_id(
    api: httpx.AsyncClient, platform: Platform, citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    await drain(platform)

    response = await api.post(
        "/egov-user-event/v1/events/_search?tenantId=pb.amritsar", json={"RequestInfo": RI}, headers=citizen
    )

    assert response.status_code == 200
    assert filed["serviceRequestId"] in str(response.json()["events"])


async def test_citizen_gets_an_sms_with_a_short_tracking_link(
    api: httpx.AsyncClient, platform: Platform, filed: dict[str, Any]
) -> None:
    await drain(platform)
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(
        "/notification/v1/sms/_search?tenantId=pb&mobileNumber=9999999999", json={"RequestInfo": RI}, headers=admin
    )

    [text] = [m["message"] for m in response.json()["messages"] if filed["serviceRequestId"] in m["message"]]
    assert "/egov-url-shortening/" in text
    assert "Street light not working" in text
    assert "{" not in text


async def test_assignee_is_told_in_app(
    api: httpx.AsyncClient, platform: Platform, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    _, lme = await assigned(api, gro, filed)
    await drain(platform)

    response = await api.post(
        "/egov-user-event/v1/events/_search?tenantId=pb.amritsar", json={"RequestInfo": RI}, headers=lme
    )

    assert filed["serviceRequestId"] in str(response.json()["events"])


async def test_complaint_past_its_sla_at_the_lme_is_escalated_back_for_reassignment(
    api: httpx.AsyncClient,
    platform: Platform,
    gro: dict[str, str],
    citizen: dict[str, str],
    filed: dict[str, Any],
    clock: FrozenClock,
) -> None:
    await assigned(api, gro, filed)
    clock.advance(days=4)

    escalated = await escalate_due(platform)
    await drain(platform)
    response = await search(api, citizen, f"tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}")

    assert [e["businessId"] for e in escalated] == [filed["serviceRequestId"]]
    assert response.json()["ServiceWrappers"][0]["service"]["applicationStatus"] == "PENDINGFORREASSIGNMENT"


async def test_complaint_within_its_sla_is_not_escalated(
    api: httpx.AsyncClient, platform: Platform, gro: dict[str, str], filed: dict[str, Any], clock: FrozenClock
) -> None:
    await assigned(api, gro, filed)
    clock.advance(days=1)

    assert await escalate_due(platform) == []


async def test_citizen_downloads_the_acknowledgement_pdf_in_hindi(
    api: httpx.AsyncClient, citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    response = await api.post(
        f"/pgr-services/v2/request/_acknowledgement?tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}&locale=hi_IN",
        json={"RequestInfo": RI},
        headers=citizen,
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert filed["serviceRequestId"] in text


async def test_acknowledgement_of_someone_elses_complaint_is_404(
    api: httpx.AsyncClient, filed: dict[str, Any], locality: str
) -> None:
    csr = await login(api, "CSR_AMR", AMRITSAR)
    await file_complaint(
        api, csr, complaint(AMRITSAR, locality, citizen={"name": "Other", "mobileNumber": "9888877777"})
    )
    stranger = await citizen_login(api, "9888877777")

    response = await api.post(
        f"/pgr-services/v2/request/_acknowledgement?tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}",
        json={"RequestInfo": RI},
        headers=stranger,
    )

    assert response.status_code == 404


async def test_citizen_with_hindi_locale_is_told_in_hindi(
    api: httpx.AsyncClient, platform: Platform, citizen: dict[str, str], locality: str
) -> None:
    profile = await api.post(
        "/user/profile/_update", json={"RequestInfo": RI, "user": {"locale": "hi_IN"}}, headers=citizen
    )
    filed = service_of(await file_complaint(api, citizen, complaint(AMRITSAR, locality)))
    await drain(platform)

    response = await api.post(
        "/egov-user-event/v1/events/_search?tenantId=pb.amritsar", json={"RequestInfo": RI}, headers=citizen
    )

    assert profile.status_code == 200, profile.text
    [event] = [e for e in response.json()["events"] if filed["serviceRequestId"] in str(e)]
    assert "शिकायत" in event["description"]


async def test_acknowledgement_names_the_complaint_type_in_english(
    api: httpx.AsyncClient, citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    response = await api.post(
        f"/pgr-services/v2/request/_acknowledgement?tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}",
        json={"RequestInfo": RI},
        headers=citizen,
    )

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Street light not working" in text


async def test_inbox_of_the_gro_carries_the_complaint(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    body = {
        "RequestInfo": RI,
        "inbox": {
            "tenantId": AMRITSAR,
            "processSearchCriteria": {"businessService": ["PGR"], "moduleName": "pgr-services"},
            "moduleSearchCriteria": {},
            "offset": 0,
            "limit": 10,
        },
    }

    response = await api.post("/inbox/v2/_search", json=body, headers=gro)

    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["businessObject"]["serviceRequestId"] == filed["serviceRequestId"]
    assert item["businessObject"]["citizen"]["mobileNumber"] == "******9999"
