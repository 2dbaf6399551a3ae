"""DIGIT's other clients and tools, round 2: the system and admin paths DIGIT serves beside its UI's (issue 18,
"Also serve"). Bodies and query parameters as DIGIT's controllers take them; one owner block per path."""

from __future__ import annotations

import httpx

from digit.blocks.workflow.escalation import escalate_due
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests import test_billing_support as billing
from tests.builders import citizen_login, login, sent_otp
from tests.pgr_helpers import complaint, file_complaint, localities, service_of
from tests.workflow_helpers import WF, employee, instance, new_business_id, ok

RI = {"apiId": "Rainmaker"}
AMRITSAR = "pb.amritsar"
PLAIN = "/pgr-services/v2/request/_plainsearch"


# --- PGR _plainsearch ---------------------------------------------------------------------------------------


async def _file_two(api: httpx.AsyncClient, clock: FrozenClock) -> list[str]:
    citizen = await citizen_login(api)
    locality = (await localities(api, AMRITSAR))[0]
    first = service_of(await file_complaint(api, citizen, complaint(AMRITSAR, locality)))
    clock.advance(minutes=1)
    second = service_of(await file_complaint(api, citizen, complaint(AMRITSAR, locality)))
    return [first["serviceRequestId"], second["serviceRequestId"]]


async def test_plainsearch_by_the_superuser_pages_complaints_oldest_first(
    api: httpx.AsyncClient, clock: FrozenClock
) -> None:
    filed = await _file_two(api, clock)
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(f"{PLAIN}?tenantId={AMRITSAR}&limit=1&offset=1", json={"RequestInfo": RI}, headers=admin)

    assert response.status_code == 200, response.text
    assert [w["service"]["serviceRequestId"] for w in response.json()["ServiceWrappers"]] == [filed[1]]
    assert response.json()["totalCount"] == 2


async def test_plainsearch_by_a_city_employee_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await api.post(f"{PLAIN}?tenantId={AMRITSAR}", json={"RequestInfo": RI}, headers=gro)

    assert response.status_code == 403


async def test_plainsearch_without_a_tenant_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(PLAIN, json={"RequestInfo": RI}, headers=admin)

    assert response.status_code == 400


# --- workflow _nearingslacount, escalate/_search -------------------------------------------------------------


async def _applied(api: httpx.AsyncClient) -> str:
    business_id = new_business_id()
    await ok(api, await employee(api, "CSR_AMR"), instance(business_id, "APPLY"))
    return business_id


async def test_nearingslacount_counts_an_application_with_a_third_of_its_sla_left(
    api: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _applied(api)
    gro = await employee(api, "GRO_AMR")
    clock.advance(days=4)  # PGR's business SLA is 5 days

    response = await api.post(
        f"{WF}/process/_nearingslacount", params={"tenantId": AMRITSAR}, json={"RequestInfo": RI}, headers=gro.headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == 1


async def test_nearingslacount_leaves_out_an_application_with_most_of_its_sla_left(
    api: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _applied(api)
    gro = await employee(api, "GRO_AMR")
    clock.advance(days=1)

    response = await api.post(
        f"{WF}/process/_nearingslacount", params={"tenantId": AMRITSAR}, json={"RequestInfo": RI}, headers=gro.headers
    )

    assert response.json() == 0


async def test_nearingslacount_leaves_out_an_application_past_its_sla(
    api: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _applied(api)
    gro = await employee(api, "GRO_AMR")
    clock.advance(days=6)

    response = await api.post(
        f"{WF}/process/_nearingslacount", params={"tenantId": AMRITSAR}, json={"RequestInfo": RI}, headers=gro.headers
    )

    assert response.json() == 0


async def _assigned(api: httpx.AsyncClient) -> str:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))
    return business_id


async def test_escalate_search_returns_only_escalated_applications(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    escalated = await _assigned(api)
    clock.advance(days=3, minutes=1)
    await escalate_due(platform)
    await _assigned(api)  # assigned after the escalation round: not escalated
    gro = await employee(api, "GRO_AMR")

    response = await api.post(
        f"{WF}/escalate/_search", params={"tenantId": AMRITSAR}, json={"RequestInfo": RI}, headers=gro.headers
    )

    assert response.status_code == 200, response.text
    assert [p["businessId"] for p in response.json()["ProcessInstances"]] == [escalated]
    assert response.json()["ProcessInstances"][0]["escalated"] is True


async def test_escalate_search_by_a_citizen_is_403(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await api.post(
        f"{WF}/escalate/_search", params={"tenantId": AMRITSAR}, json={"RequestInfo": RI}, headers=citizen
    )

    assert response.status_code == 403


# --- access control actions/_search --------------------------------------------------------------------------


async def test_actions_search_lists_the_actions_of_the_given_roles(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    body = {"RequestInfo": RI, "roleCodes": ["CITIZEN"], "tenantId": AMRITSAR}

    response = await api.post("/access/v1/actions/_search", json=body, headers=gro)

    assert response.status_code == 200, response.text
    urls = [a["url"] for a in response.json()["actions"]]
    assert "/pgr-services/v2/request/_create" in urls
    assert "/pgr-services/v2/request/_plainsearch" not in urls


async def test_actions_search_without_role_codes_lists_the_callers_own(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await api.post("/access/v1/actions/_search", json={"RequestInfo": RI, "tenantId": "pb"}, headers=admin)

    assert response.status_code == 200, response.text
    assert "/pgr-services/v2/request/_plainsearch" in [a["url"] for a in response.json()["actions"]]


async def test_actions_search_without_a_token_is_401(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": RI, "roleCodes": ["CITIZEN"], "tenantId": "pb"}

    response = await api.post("/access/v1/actions/_search", json=body)

    assert response.status_code == 401


# --- localization v2/_search ---------------------------------------------------------------------------------

V2 = "/localization/messages/v2/_search"


async def test_localization_v2_search_takes_the_criteria_in_the_body(api: httpx.AsyncClient) -> None:
    v1 = await api.post(
        "/localization/messages/v1/_search",
        params={"tenantId": AMRITSAR, "locale": "en_IN", "module": "rainmaker-pgr"},
        json={"RequestInfo": RI},
    )
    criteria = {"tenantId": AMRITSAR, "locale": "en_IN", "module": "rainmaker-pgr"}

    response = await api.post(V2, json={"RequestInfo": RI, "messageSearchCriteria": criteria})

    assert response.status_code == 200, response.text
    assert response.json()["messages"]
    assert response.json()["messages"] == v1.json()["messages"]


async def test_localization_v2_search_filters_by_codes(api: httpx.AsyncClient) -> None:
    every = await api.post(V2, json={"RequestInfo": RI, "messageSearchCriteria": {"tenantId": "pb", "locale": "en_IN"}})
    code = every.json()["messages"][0]["code"]
    criteria = {"tenantId": "pb", "locale": "en_IN", "codes": [code]}

    response = await api.post(V2, json={"RequestInfo": RI, "messageSearchCriteria": criteria})

    assert {m["code"] for m in response.json()["messages"]} == {code}


async def test_localization_v2_search_of_a_bad_locale_is_400(api: httpx.AsyncClient) -> None:
    criteria = {"tenantId": "pb", "locale": "english"}

    response = await api.post(V2, json={"RequestInfo": RI, "messageSearchCriteria": criteria})

    assert response.status_code == 400


async def test_localization_v2_search_of_an_unknown_tenant_is_400(api: httpx.AsyncClient) -> None:
    criteria = {"tenantId": "zz.nowhere", "locale": "en_IN"}

    response = await api.post(V2, json={"RequestInfo": RI, "messageSearchCriteria": criteria})

    assert response.status_code == 400


# --- collection payments/_plainsearch ------------------------------------------------------------------------

PAYMENTS_PLAIN = "/collection-services/payments/_plainsearch"


async def _paid(api: httpx.AsyncClient, clock: FrozenClock, codes: list[str]) -> list[str]:
    clerk = await billing.employee(api)
    ids = []
    for code in codes:
        await billing.create_demand(api, await billing.admin(api), code, [("TL_TAX", 100)])
        response = await billing.pay(api, clerk, await billing.the_bill(api, clerk, code), 100)
        assert response.status_code == 200, response.text
        ids.append(response.json()["Payments"][0]["id"])
        clock.advance(minutes=1)
    return ids


async def test_payments_plainsearch_by_the_superuser_pages_oldest_first(
    api: httpx.AsyncClient, clock: FrozenClock
) -> None:
    paid = await _paid(api, clock, ["TL-PLAIN-1", "TL-PLAIN-2"])
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(
        PAYMENTS_PLAIN, params={"tenantId": AMRITSAR, "limit": 1}, json={"RequestInfo": RI}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert [p["id"] for p in response.json()["Payments"]] == [paid[0]]


async def test_payments_plainsearch_by_a_collector_is_403(api: httpx.AsyncClient) -> None:
    clerk = await billing.employee(api)

    response = await api.post(PAYMENTS_PLAIN, params={"tenantId": AMRITSAR}, json={"RequestInfo": RI}, headers=clerk)

    assert response.status_code == 403


# --- billing _cancelbill, bill/v2/_generate ------------------------------------------------------------------

CANCEL = "/billing-service/bill/v2/_cancelbill"


def _cancel_body(*consumer_codes: str) -> dict[str, object]:
    criteria = {
        "tenantId": AMRITSAR,
        "consumerCodes": list(consumer_codes),
        "businessService": "TL",
        "additionalDetails": {"reason": "WRONG_AMOUNT"},
    }
    return {"RequestInfo": RI, "UpdateBillCriteria": criteria}


async def _billed(api: httpx.AsyncClient, code: str) -> dict[str, object]:
    await billing.create_demand(api, await billing.admin(api), code, [("TL_TAX", 100)])
    return await billing.the_bill(api, await billing.employee(api), code)


async def test_cancelbill_cancels_the_open_bill_and_the_next_fetch_builds_a_new_one(api: httpx.AsyncClient) -> None:
    first = await _billed(api, "TL-CANCEL-1")
    admin = await billing.admin(api)

    response = await api.post(CANCEL, json=_cancel_body("TL-CANCEL-1"), headers=admin)
    again = await billing.the_bill(api, await billing.employee(api), "TL-CANCEL-1")

    assert response.status_code == 200, response.text
    assert response.json()["Message"] == "Successfully cancelled 1 Active bills for given consumer codes"
    assert again["id"] != first["id"]


async def test_cancelbill_without_an_open_bill_is_400(api: httpx.AsyncClient) -> None:
    admin = await billing.admin(api)

    response = await api.post(CANCEL, json=_cancel_body("TL-CANCEL-NONE"), headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_CANCEL_BILL_ERROR"]


async def test_cancelbill_of_a_partly_paid_bill_is_400(api: httpx.AsyncClient) -> None:
    bill = await _billed(api, "TL-CANCEL-2")
    paid = await billing.pay(api, await billing.employee(api), bill, 40)
    admin = await billing.admin(api)

    response = await api.post(CANCEL, json=_cancel_body("TL-CANCEL-2"), headers=admin)

    assert paid.status_code == 200, paid.text
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_CANCEL_BILL_ERROR"]


async def test_cancelbill_by_a_collector_is_403(api: httpx.AsyncClient) -> None:
    await _billed(api, "TL-CANCEL-3")

    response = await api.post(CANCEL, json=_cancel_body("TL-CANCEL-3"), headers=await billing.employee(api))

    assert response.status_code == 403


async def test_bill_generate_is_deprecated_as_in_digit(api: httpx.AsyncClient) -> None:
    clerk = await billing.employee(api)

    response = await api.post(
        "/billing-service/bill/v2/_generate",
        params={"tenantId": AMRITSAR, "consumerCode": "TL-1", "businessService": "TL"},
        json={"RequestInfo": RI},
        headers=clerk,
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_API_ERROR"]


# --- boundary-service boundary/_update -----------------------------------------------------------------------

POINT = {"type": "Point", "coordinates": [74.87, 31.63]}


async def _boundary(api: httpx.AsyncClient, headers: dict[str, str], code: str) -> None:
    body = {"RequestInfo": RI, "Boundary": [{"tenantId": AMRITSAR, "code": code}]}
    response = await api.post("/boundary-service/boundary/_create", json=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_boundary_update_replaces_the_geometry_of_an_existing_code(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    await _boundary(api, admin, "WARD-UPD-1")
    body = {"RequestInfo": RI, "Boundary": [{"tenantId": AMRITSAR, "code": "WARD-UPD-1", "geometry": POINT}]}

    response = await api.post("/boundary-service/boundary/_update", json=body, headers=admin)
    found = await api.post(
        "/boundary-service/boundary/_search",
        params={"tenantId": AMRITSAR, "codes": "WARD-UPD-1"},
        json={"RequestInfo": RI},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    assert found.json()["Boundary"][0]["geometry"] == POINT


async def test_boundary_update_of_an_unknown_code_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "Boundary": [{"tenantId": AMRITSAR, "code": "NO-SUCH-WARD", "geometry": POINT}]}

    response = await api.post("/boundary-service/boundary/_update", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["NOT_FOUND_CODE_AND_TENANT_ID_CODE"]


async def test_boundary_update_by_a_city_employee_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    body = {"RequestInfo": RI, "Boundary": [{"tenantId": AMRITSAR, "code": "WARD-UPD-2", "geometry": POINT}]}

    response = await api.post("/boundary-service/boundary/_update", json=body, headers=gro)

    assert response.status_code == 403


# --- egov-otp otp/v1/_create|_validate|_search ---------------------------------------------------------------

OTP = "/otp/v1"
MOBILE = "9876501234"


async def _token(api: httpx.AsyncClient) -> tuple[dict[str, object], str]:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "otp": {"identity": MOBILE, "tenantId": "pb"}}
    response = await api.post(f"{OTP}/_create", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()["otp"], await sent_otp(api, MOBILE)


async def test_egov_otp_create_answers_a_token_without_its_code(api: httpx.AsyncClient) -> None:
    token, _code = await _token(api)

    assert token["UUID"]
    assert token["isValidationSuccessful"] is False
    assert "otp" not in token


async def test_egov_otp_validate_with_the_sent_code_succeeds(api: httpx.AsyncClient) -> None:
    token, code = await _token(api)
    body = {"RequestInfo": RI, "otp": {"identity": MOBILE, "tenantId": "pb", "otp": code}}

    response = await api.post(f"{OTP}/_validate", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["otp"]["UUID"] == token["UUID"]
    assert response.json()["otp"]["isValidationSuccessful"] is True


async def test_egov_otp_validate_twice_is_400_the_second_time(api: httpx.AsyncClient) -> None:
    _token_body, code = await _token(api)
    body = {"RequestInfo": RI, "otp": {"identity": MOBILE, "tenantId": "pb", "otp": code}}
    await api.post(f"{OTP}/_validate", json=body)

    response = await api.post(f"{OTP}/_validate", json=body)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["OTP.VALIDATION_UNSUCCESSFUL"]


async def test_egov_otp_search_tells_that_a_token_was_validated(api: httpx.AsyncClient) -> None:
    token, code = await _token(api)
    validate = {"RequestInfo": RI, "otp": {"identity": MOBILE, "tenantId": "pb", "otp": code}}
    await api.post(f"{OTP}/_validate", json=validate)
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(
        f"{OTP}/_search", json={"RequestInfo": RI, "otp": {"UUID": token["UUID"], "tenantId": "pb"}}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert response.json()["otp"]["isValidationSuccessful"] is True


async def test_egov_otp_create_by_a_citizen_is_403(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    body = {"RequestInfo": RI, "otp": {"identity": MOBILE, "tenantId": "pb"}}

    response = await api.post(f"{OTP}/_create", json=body, headers=citizen)

    assert response.status_code == 403


# --- access control roles/_create|_update, role-actions/_create ----------------------------------------------

ACCESS = "/access/v1"
AUDITOR = {"code": "AUDITOR", "name": "Auditor", "description": "Reads payments"}


async def test_roles_create_adds_a_role_that_roles_search_finds(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(f"{ACCESS}/roles/_create", json={"RequestInfo": RI, "roles": [AUDITOR]}, headers=admin)
    found = await api.post(
        f"{ACCESS}/roles/_search", json={"RequestInfo": RI, "tenantId": "pb", "codes": ["AUDITOR"]}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert [r["name"] for r in found.json()["roles"]] == ["Auditor"]


async def test_roles_create_of_an_existing_code_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "roles": [{"code": "GRO", "name": "Grievance Routing Officer 2"}]}

    response = await api.post(f"{ACCESS}/roles/_create", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["accesscontrol.0008"]


async def test_roles_create_without_a_name_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(
        f"{ACCESS}/roles/_create", json={"RequestInfo": RI, "roles": [{"code": "NONAME"}]}, headers=admin
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["accesscontrol.0007"]


async def test_roles_update_renames_an_existing_role(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "roles": [{"code": "CSR", "name": "Citizen Service Desk"}]}

    response = await api.post(f"{ACCESS}/roles/_update", json=body, headers=admin)
    found = await api.post(
        f"{ACCESS}/roles/_search", json={"RequestInfo": RI, "tenantId": "pb", "codes": ["CSR"]}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert [r["name"] for r in found.json()["roles"]] == ["Citizen Service Desk"]


async def test_roles_update_of_an_unknown_code_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "roles": [{"code": "NO_SUCH_ROLE", "name": "Nobody"}]}

    response = await api.post(f"{ACCESS}/roles/_update", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["accesscontrol.0009"]


async def test_roles_create_by_a_city_employee_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await api.post(f"{ACCESS}/roles/_create", json={"RequestInfo": RI, "roles": [AUDITOR]}, headers=gro)

    assert response.status_code == 403


async def test_role_actions_create_grants_the_role_the_named_action(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {
        "RequestInfo": RI,
        "tenantId": "pb",
        "role": {"code": "AUDITOR"},
        "actions": [{"name": "Plain search of payments"}],
    }

    response = await api.post(f"{ACCESS}/role-actions/_create", json=body, headers=admin)
    actions = await api.post(
        f"{ACCESS}/actions/_search", json={"RequestInfo": RI, "tenantId": "pb", "roleCodes": ["AUDITOR"]}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert response.json()["roleActions"] == [{"roleCode": "AUDITOR", "actionId": 1206, "tenantId": "pb"}]
    assert [a["url"] for a in actions.json()["actions"]] == ["/collection-services/payments/_plainsearch"]


async def test_role_actions_create_of_an_unknown_action_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "tenantId": "pb", "role": {"code": "AUDITOR"}, "actions": [{"name": "Fly"}]}

    response = await api.post(f"{ACCESS}/role-actions/_create", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["accesscontrol.0005"]


async def test_role_actions_create_of_an_existing_grant_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "tenantId": "pb", "role": {"code": "CSR"}, "actions": [{"id": 1000}]}

    response = await api.post(f"{ACCESS}/role-actions/_create", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["accesscontrol.0014"]


# --- egov-enc-service _rotateallkeys -------------------------------------------------------------------------

ENC = "/egov-enc-service/crypto/v1"


async def _encrypt(api: httpx.AsyncClient, headers: dict[str, str], value: str) -> str:
    body = {"RequestInfo": RI, "encryptionRequests": [{"tenantId": "pb", "type": "Normal", "value": value}]}
    response = await api.post(f"{ENC}/_encrypt", json=body, headers=headers)
    assert response.status_code == 200, response.text
    sealed: str = response.json()[0]
    return sealed


async def test_rotateallkeys_gives_every_state_new_keys_and_old_values_still_decrypt(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    old = await _encrypt(api, admin, "before rotation")

    rotated = await api.post(f"{ENC}/_rotateallkeys", json={"RequestInfo": RI}, headers=admin)
    new = await _encrypt(api, admin, "after rotation")
    opened = await api.post(f"{ENC}/_decrypt", json=[old, new], headers=admin)

    assert rotated.status_code == 200, rotated.text
    assert rotated.json() == {"acknowledged": True}
    assert new.split("|", 1)[0] != old.split("|", 1)[0]
    assert opened.json() == ["before rotation", "after rotation"]


async def test_rotateallkeys_by_a_city_employee_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await api.post(f"{ENC}/_rotateallkeys", json={"RequestInfo": RI}, headers=gro)

    assert response.status_code == 403


# --- billing amendments --------------------------------------------------------------------------------------

AMENDMENT = "/billing-service/amendment"


def _amendment(consumer_code: str, *details: tuple[str, int]) -> dict[str, object]:
    amendment = {
        "tenantId": AMRITSAR,
        "businessService": "TL",
        "consumerCode": consumer_code,
        "amendmentReason": "COURT_CASE_SETTLEMENT",
        "reasonDocumentNumber": "CRT-2026-17",
        "demandDetails": [{"taxHeadMasterCode": code, "taxAmount": amount} for code, amount in details],
    }
    return {"RequestInfo": RI, "Amendment": amendment}


async def test_amendment_create_is_active_and_the_next_bill_includes_it(api: httpx.AsyncClient) -> None:
    await billing.create_demand(api, await billing.admin(api), "TL-AMD-1", [("TL_TAX", 1000)])
    admin = await billing.admin(api)

    created = await api.post(
        f"{AMENDMENT}/_create", json=_amendment("TL-AMD-1", ("TL_ADHOC_REBATE", -200)), headers=admin
    )
    bill = await billing.the_bill(api, await billing.employee(api), "TL-AMD-1")
    found = await api.post(
        f"{AMENDMENT}/_search",
        params={"tenantId": AMRITSAR, "consumerCode": "TL-AMD-1", "businessService": "TL"},
        json={"RequestInfo": RI},
        headers=admin,
    )

    assert created.status_code == 201, created.text
    assert created.json()["Amendments"][0]["status"] == "ACTIVE"
    assert created.json()["Amendments"][0]["amendmentId"].startswith("DN-TL-AMD-1-")
    assert bill["totalAmount"] == 800
    assert [a["status"] for a in found.json()["Amendments"]] == ["CONSUMED"]


async def test_amendment_create_with_mixed_signs_is_400(api: httpx.AsyncClient) -> None:
    admin = await billing.admin(api)
    body = _amendment("TL-AMD-2", ("TL_TAX", 100), ("TL_ADHOC_REBATE", -50))

    response = await api.post(f"{AMENDMENT}/_create", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_AMENDMENT_TAXAMOUNT_ERROR"]


async def test_amendment_create_of_an_unknown_tax_head_is_400(api: httpx.AsyncClient) -> None:
    admin = await billing.admin(api)

    response = await api.post(f"{AMENDMENT}/_create", json=_amendment("TL-AMD-3", ("NO_SUCH_HEAD", 10)), headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_AMENDMENT_TAXHEAD_ERROR"]


async def test_amendment_search_by_consumer_code_without_business_service_is_400(api: httpx.AsyncClient) -> None:
    admin = await billing.admin(api)

    response = await api.post(
        f"{AMENDMENT}/_search",
        params={"tenantId": AMRITSAR, "consumerCode": "TL-AMD-1"},
        json={"RequestInfo": RI},
        headers=admin,
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_AMENDMENT_CRITERIA_ERROR"]


async def test_amendment_update_without_an_amendment_workflow_is_400(api: httpx.AsyncClient) -> None:
    admin = await billing.admin(api)
    update = {"amendmentId": "DN-TL-AMD-1-1", "tenantId": AMRITSAR, "workflow": {"action": "APPROVE"}}

    response = await api.post(
        f"{AMENDMENT}/_update", json={"RequestInfo": RI, "AmendmentUpdate": update}, headers=admin
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_BS_AMENDMENT_UPDATE_WF_ERROR"]


async def test_amendment_create_by_a_collector_is_403(api: httpx.AsyncClient) -> None:
    clerk = await billing.employee(api)

    response = await api.post(f"{AMENDMENT}/_create", json=_amendment("TL-AMD-4", ("TL_TAX", 10)), headers=clerk)

    assert response.status_code == 403
