"""DIGIT's own clients, round 2: PGR, workflow, inbox and user accept what DIGIT accepts (block: pgr).

Each test replays a request as DIGIT's UI or tooling sends it (pgr-services' `ServiceRequestValidator`,
egov-workflow-v2's `WorkflowValidator` and egov-user's OTP rules are the reference).
"""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.builders import citizen_login, login
from tests.pgr_helpers import RI, act, complaint, file_complaint, localities, search, service_of

AMRITSAR = "pb.amritsar"
PLACEHOLDER = [{"documentType": "PHOTO", "fileStoreId": "", "documentUid": "", "additionalDetails": {}}]
ACK = "/pgr-services/v2/request/_acknowledgement"


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


async def _lme_uuid(api: httpx.AsyncClient, user_name: str) -> str:
    response = await api.post(
        "/user/oauth/token",
        data={
            "username": user_name,
            "password": "eGov@123",
            "grant_type": "password",
            "scope": "read",
            "tenantId": AMRITSAR,
            "userType": "EMPLOYEE",
        },
        headers={"Authorization": "Basic ZWdvdi11c2VyLWNsaWVudDo="},
    )
    uuid: str = response.json()["UserRequest"]["uuid"]
    return uuid


async def _resolved(api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]) -> dict[str, Any]:
    uuid = await _lme_uuid(api, "LME_AMR_1")
    assigned = service_of(await act(api, gro, filed, "ASSIGN", assignes=[uuid], comments="please fix"))
    lme = await login(api, "LME_AMR_1", AMRITSAR)
    return service_of(await act(api, lme, assigned, "RESOLVE", comments="fixed"))


async def test_create_with_an_empty_document_placeholder_is_accepted(
    api: httpx.AsyncClient, citizen: dict[str, str], locality: str
) -> None:
    body = {
        "RequestInfo": RI,
        "service": complaint(AMRITSAR, locality),
        "workflow": {"action": "APPLY", "verificationDocuments": PLACEHOLDER},
    }

    response = await api.post("/pgr-services/v2/request/_create", json=body, headers=citizen)

    assert response.status_code == 200, response.text
    assert response.json()["ServiceWrappers"][0]["service"]["documents"] == []


async def test_assign_with_an_empty_document_placeholder_is_accepted(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    uuid = await _lme_uuid(api, "LME_AMR_1")

    response = await act(api, gro, filed, "ASSIGN", assignes=[uuid], comments="c", verificationDocuments=PLACEHOLDER)

    assert response.status_code == 200, response.text
    assert service_of(response)["applicationStatus"] == "PENDINGATLME"


async def test_rate_without_a_rating_is_accepted(
    api: httpx.AsyncClient, citizen: dict[str, str], gro: dict[str, str], filed: dict[str, Any]
) -> None:
    resolved = await _resolved(api, gro, filed)
    resolved.pop("rating", None)

    response = await act(api, citizen, resolved, "RATE", comments="ok", verificationDocuments=[])

    assert response.status_code == 200, response.text
    assert service_of(response)["applicationStatus"] == "CLOSEDAFTERRESOLUTION"


async def test_rate_with_a_rating_off_the_scale_is_400(
    api: httpx.AsyncClient, citizen: dict[str, str], gro: dict[str, str], filed: dict[str, Any]
) -> None:
    resolved = await _resolved(api, gro, filed)

    response = await act(api, citizen, {**resolved, "rating": 9}, "RATE", comments="ok")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_RATING"]


async def test_search_fills_next_actions_for_the_gro(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any]
) -> None:
    response = await search(api, gro, f"tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}")

    workflow = response.json()["ServiceWrappers"][0]["workflow"]
    assert sorted(a["action"] for a in workflow["nextActions"]) == ["ASSIGN", "REJECT"]


async def test_search_gives_the_filing_citizen_no_action_on_a_new_complaint(
    api: httpx.AsyncClient, citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    response = await search(api, citizen, f"tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}")

    actions = [a["action"] for a in response.json()["ServiceWrappers"][0]["workflow"]["nextActions"]]
    assert "ASSIGN" not in actions


@pytest.mark.parametrize("path", ["/inbox/v2/_search", "/inbox-v2/v2/_search"])
@pytest.mark.parametrize("module_name", ["rainmaker-pgr", "RAINMAKER-PGR"])
async def test_inbox_with_digits_pgr_module_name_lists_the_complaint(
    api: httpx.AsyncClient, gro: dict[str, str], filed: dict[str, Any], path: str, module_name: str
) -> None:
    body = {
        "RequestInfo": RI,
        "inbox": {
            "tenantId": AMRITSAR,
            "processSearchCriteria": {"businessService": ["PGR"], "moduleName": module_name, "tenantId": "pb"},
            "moduleSearchCriteria": {},
            "limit": 10,
            "offset": 0,
        },
    }

    response = await api.post(path, json=body, headers=gro)

    assert response.status_code == 200, response.text
    assert [i["businessObject"]["serviceRequestId"] for i in response.json()["items"]] == [filed["serviceRequestId"]]


async def test_inbox_v2_filters_by_complaint_number(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], filed: dict[str, Any], locality: str
) -> None:
    await file_complaint(api, citizen, complaint(AMRITSAR, locality))
    body = {
        "RequestInfo": RI,
        "inbox": {
            "tenantId": AMRITSAR,
            "processSearchCriteria": {"businessService": ["PGR"], "moduleName": "RAINMAKER-PGR", "tenantId": "pb"},
            "moduleSearchCriteria": {"complaintNumber": filed["serviceRequestId"], "area": [locality]},
            "limit": 10,
            "offset": 0,
        },
    }

    response = await api.post("/inbox-v2/v2/_search", json=body, headers=gro)

    assert response.json()["totalCount"] == 1


async def test_forbidden_call_names_the_roles_that_would_be_allowed(
    api: httpx.AsyncClient, citizen: dict[str, str]
) -> None:
    body = {"RequestInfo": RI, "inbox": {"tenantId": AMRITSAR, "processSearchCriteria": {}, "limit": 1}}

    response = await api.post("/inbox/v2/_search", json=body, headers=citizen)

    [error] = response.json()["Errors"]
    assert response.status_code == 403
    assert error["code"] == "NOT_AUTHORIZED"
    assert "GRO" in error["params"]
    assert "GRO" in error["description"]


async def test_otp_of_the_default_type_for_a_registered_number_says_to_use_login(api: httpx.AsyncClient) -> None:
    body = {"otp": {"mobileNumber": "9999999999", "tenantId": "pb", "userType": "citizen"}}

    response = await api.post("/user-otp/v1/_send?tenantId=pb", json=body)

    [error] = response.json()["Errors"]
    assert response.status_code == 400
    assert error["code"] == "USER_ALREADY_EXISTS"
    assert '"type": "login"' in error["message"]


async def _acknowledgement(api: httpx.AsyncClient, citizen: dict[str, str], service_request_id: str) -> PdfReader:
    response = await api.post(
        f"{ACK}?tenantId={AMRITSAR}&serviceRequestId={service_request_id}", json={"RequestInfo": RI}, headers=citizen
    )
    assert response.status_code == 200, response.text
    return PdfReader(io.BytesIO(response.content))


async def test_acknowledgement_prints_the_locality_name_not_its_code(
    api: httpx.AsyncClient, citizen: dict[str, str], filed: dict[str, Any], locality: str
) -> None:
    boundaries = await api.post(
        f"/egov-location/location/v11/boundarys/_search?tenantId={AMRITSAR}&hierarchyTypeCode=ADMIN",
        json={"RequestInfo": RI},
    )
    name = _name_of(boundaries.json(), locality)

    reader = await _acknowledgement(api, citizen, filed["serviceRequestId"])

    text = reader.pages[0].extract_text()
    assert name in text
    assert locality not in text


def _name_of(node: Any, code: str) -> str:
    if isinstance(node, dict):
        if node.get("code") == code and node.get("name"):
            return str(node["name"])
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            found = _name_of(item, code)
            if found:
                return found
    return ""


async def test_acknowledgement_wraps_a_long_description_inside_the_page(
    api: httpx.AsyncClient, citizen: dict[str, str], locality: str
) -> None:
    words = " ".join(f"word{i}" for i in range(60))
    filed = service_of(await file_complaint(api, citizen, complaint(AMRITSAR, locality, description=words)))
    reader = await _acknowledgement(api, citizen, filed["serviceRequestId"])
    page = reader.pages[0]
    right_edge = float(page.mediabox.width)
    starts: list[tuple[float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            starts.append((float(tm[4]) * float(cm[0]) + float(cm[4]), text))

    page.extract_text(visitor_text=visit)

    assert "word59" in page.extract_text()
    assert [t for x, t in starts if "word" in t and x > right_edge * 0.95] == []
    assert len([t for _, t in starts if "word" in t]) > 1  # the description spans several lines


async def test_acknowledgement_puts_the_link_beside_the_qr_code_not_over_it(
    api: httpx.AsyncClient, citizen: dict[str, str], filed: dict[str, Any]
) -> None:
    reader = await _acknowledgement(api, citizen, filed["serviceRequestId"])
    page = reader.pages[0]
    [image] = page.images
    link_starts: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if "http" in text or "complaints" in text:
            link_starts.append(float(tm[4]) * float(cm[0]) + float(cm[4]))

    page.extract_text(visitor_text=visit)
    qr_right_edge_pt = (10 + 35) * 72 / 25.4  # left margin 10 mm + 35 mm QR code, in points

    assert image.name
    assert link_starts
    assert min(link_starts) >= qr_right_edge_pt
