"""User: employee and citizen login, token refresh, details, logout (block: user)."""

from __future__ import annotations

import httpx

from tests.builders import citizen_login, citizen_token, login, token_of, token_response

RI = {"RequestInfo": {"apiId": "test"}}


async def test_login_employee_returns_tokens_and_user_with_roles(api: httpx.AsyncClient) -> None:
    response = await token_response(api, username="GRO_AMR", password="eGov@123", tenant_id="pb.amritsar")

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] and body["access_token"] and body["expires_in"] > 0
    assert {(r["code"], r["tenantId"]) for r in body["UserRequest"]["roles"]} >= {("GRO", "pb.amritsar")}
    assert body["UserRequest"]["userName"] == "GRO_AMR"


async def test_login_with_wrong_password_is_400_invalid_credentials(api: httpx.AsyncClient) -> None:
    response = await token_response(api, username="GRO_AMR", password="Wrong@123", tenant_id="pb.amritsar")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_login_in_another_tenant_is_refused(api: httpx.AsyncClient) -> None:
    response = await token_response(api, username="GRO_AMR", password="eGov@123", tenant_id="pb.jalandhar")

    assert response.status_code == 400


async def test_citizen_login_by_otp_from_sms_sink(api: httpx.AsyncClient) -> None:
    body = await citizen_token(api)

    user = body["UserRequest"]
    assert isinstance(user, dict)
    assert (user["type"], user["mobileNumber"], user["name"]) == ("CITIZEN", "9999999999", "Demo Citizen")


async def test_details_returns_the_user_of_the_token(api: httpx.AsyncClient) -> None:
    headers = await login(api, "LME_AMR_1", "pb.amritsar")

    response = await api.post(f"/user/_details?access_token={token_of(headers)}", json=RI)

    assert response.status_code == 200
    assert response.json()["userName"] == "LME_AMR_1"


async def test_logout_revokes_the_token_at_once(api: httpx.AsyncClient) -> None:
    headers = await login(api, "LME_AMR_2", "pb.amritsar")
    token = token_of(headers)

    logout = await api.post("/user/_logout", json={**RI, "access_token": token}, headers=headers)
    after = await api.post(f"/user/_details?access_token={token}", json=RI)

    assert logout.status_code == 200
    assert after.status_code == 401


async def test_citizen_login_helper_gives_a_working_header(api: httpx.AsyncClient) -> None:
    headers = await citizen_login(api)

    response = await api.post("/user/_details", json=RI, headers=headers)

    assert response.status_code == 200
    assert response.json()["type"] == "CITIZEN"
