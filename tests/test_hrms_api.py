"""egov-hrms through HTTP: create, update, search and count employees; access per tenant; PII kept out of HRMS."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from digit.blocks.hrms.client import HRMS_CLIENT
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login

H = "/egov-hrms/employees"
RI: dict[str, Any] = {"apiId": "Rainmaker"}
APPOINTED = 1_700_000_000_000
DAY = 86_400_000


@pytest.fixture
async def hr(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "HR_AMR", "pb.amritsar")


def new_employee(mobile: str = "9812345678", name: str = "Ravi Kumar", department: str = "DEPT_1") -> dict[str, Any]:
    return {
        "tenantId": "pb.amritsar",
        "employeeStatus": "EMPLOYED",
        "employeeType": "PERMANENT",
        "dateOfAppointment": APPOINTED,
        "assignments": [
            {"department": department, "designation": "DESIG_4", "fromDate": APPOINTED, "isCurrentAssignment": True}
        ],
        "jurisdictions": [
            {
                "hierarchy": "ADMIN",
                "boundaryType": "City",
                "boundary": "pb.amritsar",
                "tenantId": "pb.amritsar",
                "roles": [{"code": "PGR_LME", "tenantId": "pb.amritsar"}],
            }
        ],
        "user": {
            "name": name,
            "mobileNumber": mobile,
            "gender": "MALE",
            "password": "Ravi@2026",
            "roles": [{"code": "EMPLOYEE", "tenantId": "pb.amritsar"}],
        },
    }


async def create(api: httpx.AsyncClient, headers: dict[str, str], *employees: dict[str, Any]) -> httpx.Response:
    return await api.post(f"{H}/_create", json={"RequestInfo": RI, "Employees": list(employees)}, headers=headers)


async def created(api: httpx.AsyncClient, headers: dict[str, str], employee: dict[str, Any]) -> dict[str, Any]:
    response = await create(api, headers, employee)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["Employees"][0]
    return result


async def search(api: httpx.AsyncClient, headers: dict[str, str], query: str) -> httpx.Response:
    return await api.post(f"{H}/_search?{query}", json={"RequestInfo": RI}, headers=headers)


def codes(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {e["code"] for e in response.json()["Employees"]}


def error_codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["Errors"]]


# ---- search and access


async def test_search_own_city_as_hr_admin_lists_the_demo_employees(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await search(api, hr, "tenantId=pb.amritsar")

    assert {"GRO_AMR", "LME_AMR_1", "LME_AMR_2", "CSR_AMR", "HR_AMR"} <= codes(response)
    assert "GRO_JAL" not in codes(response)


async def test_search_another_city_as_amritsar_hr_admin_is_403(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await search(api, hr, "tenantId=pb.jalandhar")

    assert response.status_code == 403
    assert error_codes(response)


async def test_search_as_citizen_is_403(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await search(api, citizen, "tenantId=pb.amritsar")

    assert response.status_code == 403


async def test_search_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{H}/_search?tenantId=pb.amritsar", json={"RequestInfo": RI})

    assert response.status_code == 401


async def test_demo_line_men_work_in_two_different_departments(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await search(api, hr, "tenantId=pb.amritsar&codes=LME_AMR_1,LME_AMR_2")

    departments = {
        e["code"]: [a["department"] for a in e["assignments"] if a["isCurrentAssignment"]]
        for e in response.json()["Employees"]
    }
    assert departments == {"LME_AMR_1": ["DEPT_1"], "LME_AMR_2": ["DEPT_3"]}


async def test_search_by_department_finds_the_current_assignment(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await search(api, hr, "tenantId=pb.amritsar&departments=DEPT_1")

    assert codes(response) == {"LME_AMR_1"}


async def test_search_by_role_finds_the_line_men(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await search(api, hr, "tenantId=pb.amritsar&roles=PGR_LME")

    assert codes(response) == {"LME_AMR_1", "LME_AMR_2"}


async def test_search_by_name_ignores_case(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    await created(api, hr, new_employee(name="Ravi Kumar"))

    response = await search(api, hr, "tenantId=pb.amritsar&names=ravi kumar")

    assert len(codes(response)) == 1


async def test_search_by_phone_finds_the_employee(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee(mobile="9812345678"))

    response = await search(api, hr, "tenantId=pb.amritsar&phone=9812345678")

    assert codes(response) == {employee["code"]}


async def test_search_by_uuid_finds_only_that_employee(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())

    response = await search(api, hr, f"tenantId=pb.amritsar&uuids={employee['uuid']}")

    assert codes(response) == {employee["code"]}


async def test_search_of_the_state_covers_its_cities(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await search(api, admin, "tenantId=pb")

    assert {"LME_AMR_1", "GRO_JAL"} <= codes(response)


async def test_search_as_gro_masks_contact_details(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee(mobile="9812345678"))
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await search(api, gro, f"tenantId=pb.amritsar&codes={employee['code']}")

    assert response.json()["Employees"][0]["user"]["mobileNumber"] == "******5678"


async def test_search_as_hr_admin_shows_contact_details(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee(mobile="9812345678"))

    response = await search(api, hr, f"tenantId=pb.amritsar&codes={employee['code']}")

    assert response.json()["Employees"][0]["user"]["mobileNumber"] == "9812345678"


async def test_count_gives_total_active_and_inactive(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await api.post(f"{H}/_count?tenantId=pb.amritsar", json={"RequestInfo": RI}, headers=hr)

    assert response.status_code == 200, response.text
    count = response.json()["EmployeCount"]
    assert count["totalEmployee"] == count["activeEmployee"] + count["inactiveEmployee"]
    assert count["activeEmployee"] >= 6


# ---- create


async def test_create_numbers_the_employee_and_the_user_logs_in_with_the_code(
    api: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    employee = await created(api, hr, new_employee())

    headers = await login(api, employee["code"], "pb.amritsar", password="Ravi@2026")

    assert employee["code"].startswith("EMP-")
    assert employee["user"]["userName"] == employee["code"]
    assert employee["user"]["type"] == "EMPLOYEE"
    assert headers["Authorization"].startswith("Bearer ")


async def test_create_gives_the_user_the_jurisdiction_roles(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())

    roles = {(r["code"], r["tenantId"]) for r in employee["user"]["roles"]}

    assert roles >= {("PGR_LME", "pb.amritsar"), ("EMPLOYEE", "pb.amritsar")}


async def test_create_without_a_current_assignment_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    body["assignments"][0].update(isCurrentAssignment=False, toDate=APPOINTED + DAY)

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert "ERR_HRMS_INVALID_CURRENT_ASSGN" in error_codes(response)


async def test_create_with_two_current_assignments_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    body["assignments"].append(copy.deepcopy(body["assignments"][0]))

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert "ERR_HRMS_INVALID_CURRENT_ASSGN" in error_codes(response)


async def test_create_with_a_to_date_on_the_current_assignment_is_400(
    api: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    body = new_employee()
    body["assignments"][0]["toDate"] = APPOINTED + DAY

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert "ERR_HRMS_INVALID_ASSIGNMENT_CURRENT_TO_DATE" in error_codes(response)


async def test_create_with_overlapping_past_assignments_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    past = {"department": "DEPT_3", "designation": "DESIG_5", "isCurrentAssignment": False}
    body["assignments"] = [
        {**past, "fromDate": APPOINTED, "toDate": APPOINTED + 10 * DAY},
        {**past, "fromDate": APPOINTED + 5 * DAY, "toDate": APPOINTED + 20 * DAY},
        {**body["assignments"][0], "fromDate": APPOINTED + 30 * DAY},
    ]

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert "ERR_HRMS_OVERLAPPING_ASSGN" in error_codes(response)


async def test_create_with_an_unknown_department_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    response = await create(api, hr, new_employee(department="DEPT_404"))

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_INVALID_DEPT"]


async def test_create_without_an_active_jurisdiction_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    body["jurisdictions"] = []

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert "ERR_HRMS_INVALID_JURISDICTION_ACTIIEV_NULL" in error_codes(response)


async def test_create_with_an_unknown_boundary_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    body["jurisdictions"][0]["boundary"] = "AMR_NOWHERE"

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_INVALID_JURISDICTION_BOUNDARY"]


async def test_create_with_a_boundary_of_another_level_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    body["jurisdictions"][0]["boundary"] = "AMR_ZONE_1"

    response = await create(api, hr, body)

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_INVALID_BOUNDARY_TYPE_HEIRARCHY"]


async def test_create_with_a_mobile_number_already_used_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    await created(api, hr, new_employee(mobile="9812345678"))

    response = await create(api, hr, new_employee(mobile="9812345678", name="Someone Else"))

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_USER_EXIST_MOB"]


async def test_create_in_another_city_as_amritsar_hr_admin_is_403(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    body = new_employee()
    body["tenantId"] = "pb.jalandhar"

    response = await create(api, hr, body)

    assert response.status_code == 403


async def test_create_as_a_gro_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await create(api, gro, new_employee())

    assert response.status_code == 403


async def test_create_at_the_state_tenant_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = new_employee()
    body["tenantId"] = "pb"

    response = await create(api, admin, body)

    assert response.status_code == 400
    assert error_codes(response) == ["INVALID_TENANT_ID"]


async def test_create_by_the_state_superuser_in_a_city_is_200(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await create(api, admin, new_employee())

    assert response.status_code == 200, response.text


async def test_create_keeps_names_and_numbers_out_of_the_hrms_tables(
    api: httpx.AsyncClient, hr: dict[str, str], platform: Platform
) -> None:
    await created(api, hr, new_employee(mobile="9812345678", name="Ravi Kumar"))
    async with platform.read_sessions() as session:
        rows = [
            str(row)
            for table in ("eg_hrms_employee", "eg_hrms_assignment", "eg_hrms_jurisdiction")
            for row in (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
        ]

    assert rows
    assert not any("9812345678" in row or "Ravi" in row for row in rows)


# ---- update


def moved(employee: dict[str, Any], department: str, when: int) -> dict[str, Any]:
    """The employee sent back with the current assignment closed and a new one in `department`."""
    body = copy.deepcopy(employee)
    old = body["assignments"][0]
    old.update(isCurrentAssignment=False, toDate=when)
    body["assignments"].append(
        {"department": department, "designation": old["designation"], "fromDate": when, "isCurrentAssignment": True}
    )
    return body


async def update(api: httpx.AsyncClient, headers: dict[str, str], employee: dict[str, Any]) -> httpx.Response:
    return await api.post(f"{H}/_update", json={"RequestInfo": RI, "Employees": [employee]}, headers=headers)


async def test_update_moves_the_employee_to_another_department(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee(department="DEPT_1"))

    response = await update(api, hr, moved(employee, "DEPT_3", APPOINTED + 100 * DAY))
    found = await search(api, hr, "tenantId=pb.amritsar&departments=DEPT_3")

    assert response.status_code == 200, response.text
    assert [a["isCurrentAssignment"] for a in response.json()["Employees"][0]["assignments"]] == [False, True]
    assert employee["code"] in codes(found)


async def test_update_leaving_out_a_stored_assignment_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())
    body = copy.deepcopy(employee)
    body["assignments"][0].pop("id")

    response = await update(api, hr, body)

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_UPDATE_ASSIGNEMENT_INCOSISTENT"]


async def test_update_leaving_out_a_stored_jurisdiction_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())
    body = copy.deepcopy(employee)
    zone = {**body["jurisdictions"][0], "id": None, "boundaryType": "Zone", "boundary": "AMR_ZONE_1"}
    body["jurisdictions"].append(zone)
    body["jurisdictions"].pop(0)

    response = await update(api, hr, body)

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_UPDATE_JURISDICTION_INCOSISTENT"]


async def test_update_changing_the_code_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())

    response = await update(api, hr, {**employee, "code": "EMP-OTHER"})

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_UPDATE_EMPLOYEE_CODE_CHANGE"]


async def test_update_of_an_unknown_uuid_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())

    response = await update(api, hr, {**employee, "uuid": "00000000-0000-0000-0000-00000000dead"})

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_UPDATE_EMPLOYEE_NOT_EXIST_CODE"]


async def test_update_changes_the_users_name(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee(name="Ravi Kumar"))
    body = copy.deepcopy(employee)
    body["user"]["name"] = "Ravi K Sharma"

    response = await update(api, hr, body)
    found = await search(api, hr, "tenantId=pb.amritsar&names=Ravi K Sharma")

    assert response.json()["Employees"][0]["user"]["name"] == "Ravi K Sharma"
    assert codes(found) == {employee["code"]}


async def test_update_sending_back_a_masked_mobile_number_keeps_the_number(
    api: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    employee = await created(api, hr, new_employee(mobile="9812345678"))
    body = copy.deepcopy(employee)
    body["user"]["mobileNumber"] = "******5678"

    response = await update(api, hr, body)

    assert response.status_code == 200, response.text
    assert response.json()["Employees"][0]["user"]["mobileNumber"] == "9812345678"


async def test_deactivation_without_details_is_400(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())

    response = await update(api, hr, {**employee, "isActive": False})

    assert response.status_code == 400
    assert error_codes(response) == ["ERR_HRMS_INVALID_DEACT_REQUEST"]


async def test_deactivated_employee_is_inactive_and_cannot_log_in(api: httpx.AsyncClient, hr: dict[str, str]) -> None:
    employee = await created(api, hr, new_employee())
    details = [{"reasonForDeactivation": "OTHERS", "effectiveFrom": APPOINTED + DAY, "remarks": "left"}]

    response = await update(api, hr, {**employee, "isActive": False, "deactivationDetails": details})
    active = await search(api, hr, f"tenantId=pb.amritsar&codes={employee['code']}&isActive=true")
    login_attempt = await api.post(
        "/user/oauth/token",
        data={
            "username": employee["code"],
            "password": "Ravi@2026",
            "grant_type": "password",
            "scope": "read",
            "tenantId": "pb.amritsar",
            "userType": "EMPLOYEE",
        },
        headers={"Authorization": "Basic ZWdvdi11c2VyLWNsaWVudDo="},
    )

    assert response.status_code == 200, response.text
    assert response.json()["Employees"][0]["isActive"] is False
    assert codes(active) == set()
    assert login_attempt.status_code != 200


# ---- the client other blocks use


async def test_client_finds_the_line_man_of_a_department_with_contact_details(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    hrms = platform.get(HRMS_CLIENT)

    found = await hrms.search_employees(tenant_id="pb.amritsar", departments=["DEPT_1"], roles=["PGR_LME"])

    assert [e.code for e in found] == ["LME_AMR_1"]
    assert found[0].user_name == "LME_AMR_1"
    assert found[0].uuid == found[0].wire()["user"]["uuid"]
    assert found[0].current_departments == {"DEPT_1"}


async def test_hr_admin_reading_contact_details_in_clear_is_audited(api: httpx.AsyncClient) -> None:
    hr = await login(api, "HR_AMR", "pb.amritsar")
    found = await api.post(
        "/egov-hrms/employees/_search?tenantId=pb.amritsar&codes=LME_AMR_1", json={"RequestInfo": {}}, headers=hr
    )
    subject = found.json()["Employees"][0]["uuid"]
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(
        "/user/pii-audit/v1/_search",
        json={"RequestInfo": {}, "tenantId": "pb.amritsar", "subjectUuid": subject},
        headers=admin,
    )

    assert [a["purpose"] for a in response.json()["PiiAudits"]] == ["egov-hrms employee search"]


async def test_create_twice_with_one_idempotency_key_makes_one_employee(
    api: httpx.AsyncClient, hr: dict[str, str]
) -> None:
    keyed = {**hr, "Idempotency-Key": "hire-1"}
    first = await create(api, keyed, new_employee(mobile="9812300001"))

    second = await create(api, keyed, new_employee(mobile="9812300001"))

    assert second.status_code == 200, second.text
    assert [e["code"] for e in second.json()["Employees"]] == [e["code"] for e in first.json()["Employees"]]
