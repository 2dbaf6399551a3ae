"""User: create/update without OTP, profile and password changes, password policy, reset by OTP (block: user)."""

from __future__ import annotations

from typing import Any

import httpx

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login, send_otp, sent_otp, token_response

RI: dict[str, Any] = {"RequestInfo": {}}


def _employee(**changes: Any) -> dict[str, Any]:
    user: dict[str, Any] = {
        "userName": "NEW_EMP",
        "name": "Harpreet Kaur",
        "mobileNumber": "9123400001",
        "type": "EMPLOYEE",
        "tenantId": "pb.amritsar",
        "password": "Strong@123",
        "roles": [{"code": "EMPLOYEE", "tenantId": "pb.amritsar"}, {"code": "PGR_LME", "tenantId": "pb.amritsar"}],
    }
    user.update(changes)
    return user


async def _create(api: httpx.AsyncClient, user: dict[str, Any], who: str = "HR_AMR") -> httpx.Response:
    headers = await login(api, who, "pb.amritsar")
    return await api.post("/user/users/_createnovalidate", json={**RI, "user": user}, headers=headers)


async def test_create_employee_then_it_logs_in_with_its_password(api: httpx.AsyncClient) -> None:
    created = await _create(api, _employee())

    response = await token_response(api, username="NEW_EMP", password="Strong@123", tenant_id="pb.amritsar")

    assert created.status_code == 200
    assert "password" not in created.json()["user"][0]
    assert {r["code"] for r in response.json()["UserRequest"]["roles"]} == {"EMPLOYEE", "PGR_LME"}


async def test_create_with_an_unknown_role_is_400_invalid_role(api: httpx.AsyncClient) -> None:
    response = await _create(api, _employee(roles=[{"code": "NO_SUCH_ROLE", "tenantId": "pb.amritsar"}]))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_ROLE"


async def test_create_with_a_short_password_is_400_invalid_pwd_length(api: httpx.AsyncClient) -> None:
    response = await _create(api, _employee(password="Ab@1"))

    assert response.json()["Errors"][0]["code"] == "INVALID_PWD_LENGTH"


async def test_create_with_a_password_lacking_a_symbol_is_400_invalid_pwd_pattern(api: httpx.AsyncClient) -> None:
    response = await _create(api, _employee(password="Abcdefg12"))

    assert response.json()["Errors"][0]["code"] == "INVALID_PWD_PATTERN"


async def test_create_a_taken_user_name_is_400(api: httpx.AsyncClient) -> None:
    response = await _create(api, _employee(userName="GRO_AMR", mobileNumber="9123400002"))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "DuplicateUserNameException"


async def test_create_by_a_role_without_the_action_is_403(api: httpx.AsyncClient) -> None:
    response = await _create(api, _employee(), who="GRO_AMR")

    assert response.status_code == 403


async def test_update_changes_name_and_roles_but_never_the_user_name(api: httpx.AsyncClient) -> None:
    created = (await _create(api, _employee())).json()["user"][0]
    headers = await login(api, "HR_AMR", "pb.amritsar")
    changes = {
        "uuid": created["uuid"],
        "userName": "RENAMED",
        "tenantId": "pb.amritsar",
        "name": "Harpreet K. Sandhu",
        "roles": [{"code": "GRO", "tenantId": "pb.amritsar"}],
    }

    response = await api.post("/user/users/_updatenovalidate", json={**RI, "user": changes}, headers=headers)

    user = response.json()["user"][0]
    assert (user["userName"], user["name"]) == ("NEW_EMP", "Harpreet K. Sandhu")
    assert [r["code"] for r in user["roles"]] == ["GRO"]


async def test_profile_update_changes_own_name_but_not_roles(api: httpx.AsyncClient) -> None:
    headers = await citizen_login(api)
    me = (await api.post("/user/_details", json=RI, headers=headers)).json()
    changes = {"uuid": me["uuid"], "name": "Demo Citizen Renamed", "roles": [{"code": "SUPERUSER", "tenantId": "pb"}]}

    response = await api.post("/user/profile/_update", json={**RI, "user": changes}, headers=headers)

    user = response.json()["user"][0]
    assert user["name"] == "Demo Citizen Renamed"
    assert [r["code"] for r in user["roles"]] == ["CITIZEN"]


async def test_profile_update_of_someone_else_is_403(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")
    other = (await api.post("/user/_details", json=RI, headers=await login(api, "CSR_AMR", "pb.amritsar"))).json()

    response = await api.post(
        "/user/profile/_update", json={**RI, "user": {"uuid": other["uuid"], "name": "X"}}, headers=headers
    )

    assert response.status_code == 403


async def test_password_update_with_the_right_existing_password_switches_passwords(api: httpx.AsyncClient) -> None:
    headers = await login(api, "CSR_AMR", "pb.amritsar")
    body = {**RI, "existingPassword": "eGov@123", "newPassword": "Newer@456", "tenantId": "pb.amritsar"}

    response = await api.post("/user/password/_update", json=body, headers=headers)
    old = await token_response(api, username="CSR_AMR", password="eGov@123", tenant_id="pb.amritsar")
    new = await token_response(api, username="CSR_AMR", password="Newer@456", tenant_id="pb.amritsar")

    assert (response.status_code, old.status_code, new.status_code) == (200, 400, 200)


async def test_password_update_with_a_wrong_existing_password_is_400(api: httpx.AsyncClient) -> None:
    headers = await login(api, "CSR_AMR", "pb.amritsar")
    body = {**RI, "existingPassword": "Wrong@123", "newPassword": "Newer@456", "tenantId": "pb.amritsar"}

    response = await api.post("/user/password/_update", json=body, headers=headers)

    assert response.json()["Errors"][0]["code"] == "INVALID_EXISTING_PASSWORD"


async def test_password_reset_with_an_otp_sets_a_new_password(api: httpx.AsyncClient) -> None:
    sent = await api.post(
        "/user-otp/v1/_send",
        json={
            **RI,
            "otp": {
                "mobileNumber": "9800000002",
                "tenantId": "pb.amritsar",
                "type": "passwordreset",
                "userType": "EMPLOYEE",
            },
        },
    )
    code = await sent_otp(api, "9800000002", "pb.amritsar")
    body = {
        **RI,
        "otpReference": code,
        "userName": "GRO_AMR",
        "newPassword": "Reset@789",
        "tenantId": "pb.amritsar",
        "type": "EMPLOYEE",
    }

    response = await api.post("/user/password/nologin/_update", json=body)
    login_new = await token_response(api, username="GRO_AMR", password="Reset@789", tenant_id="pb.amritsar")

    assert (sent.status_code, response.status_code, login_new.status_code) == (200, 200, 200)


async def test_password_reset_with_a_wrong_otp_is_400(api: httpx.AsyncClient) -> None:
    await send_otp(api, "9999999999", purpose="passwordreset")
    body = {**RI, "otpReference": "000000", "userName": "9999999999", "newPassword": "Reset@789", "tenantId": "pb"}

    response = await api.post("/user/password/nologin/_update", json=body)

    assert response.json()["Errors"][0]["code"] == "INVALID_OTP"


async def test_city_admin_cannot_grant_a_state_superuser_role(api: httpx.AsyncClient) -> None:
    roles = [{"code": "EMPLOYEE", "tenantId": "pb.amritsar"}, {"code": "SUPERUSER", "tenantId": "pb"}]

    response = await _create(api, _employee(roles=roles))

    assert response.status_code == 403
    assert response.json()["Errors"][0]["code"] == "INVALID_ROLE_GRANT"


async def test_city_admin_cannot_grant_superuser_even_in_its_city(api: httpx.AsyncClient) -> None:
    response = await _create(api, _employee(roles=[{"code": "SUPERUSER", "tenantId": "pb.amritsar"}]))

    assert response.status_code == 403


async def test_city_admin_cannot_update_a_user_of_another_city(api: httpx.AsyncClient) -> None:
    other = await login(api, "GRO_JAL", "pb.jalandhar")
    target = (await api.post("/user/_details", json=RI, headers=other)).json()
    headers = await login(api, "HR_AMR", "pb.amritsar")
    changes = {"uuid": target["uuid"], "tenantId": "pb.amritsar", "name": "Taken Over"}

    response = await api.post("/user/users/_updatenovalidate", json={**RI, "user": changes}, headers=headers)

    assert response.status_code == 403
    assert response.json()["Errors"][0]["code"] == "NOT_AUTHORIZED_FOR_TENANT"


async def test_superuser_grants_roles_anywhere_in_its_state(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    user = _employee(roles=[{"code": "SUPERUSER", "tenantId": "pb"}], tenantId="pb")

    response = await api.post("/user/users/_createnovalidate", json={**RI, "user": user}, headers=admin)

    assert response.status_code == 200


async def test_password_policy_is_read_per_tenant_from_mdms(api: httpx.AsyncClient, platform: Platform) -> None:
    from digit.blocks.mdms import service as mdms_service

    policy = {
        "code": "STRICT",
        "minLength": 12,
        "maxLength": 20,
        "pattern": "^(?=.*[A-Z])(?=.*\\d)(?=.*[@#$%]).{12,20}$",
    }
    async with platform.sessions() as session, session.begin():
        await mdms_service.upsert_master(
            session,
            tenant_id="pb.amritsar",
            code="egov-user.PasswordPolicy",
            records=[policy],
            actor_uuid="test",
            now_ms=platform.clock.now_ms(),
        )
    platform.get(MDMS_CLIENT).invalidate()

    response = await _create(api, _employee(password="Strong@123"))

    assert response.json()["Errors"][0]["code"] == "INVALID_PWD_LENGTH"
