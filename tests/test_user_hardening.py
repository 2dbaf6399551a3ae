"""User: identity hardening: verified mobile changes, unique mobiles, lockout per address, throttles,
sessions ended by a password change, refresh token families (block: user, issue 11 section 2)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from digit.blocks.user import throttle
from digit.blocks.user.models import ThrottleHitRow
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.builders import (
    CLIENT_BASIC,
    DEMO_PASSWORD,
    citizen_login,
    login,
    send_otp,
    sent_otp,
    token_of,
    token_response,
)

RI: dict[str, Any] = {"RequestInfo": {}}
StartApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]
NEW_MOBILE = "9876500031"
OTHER_CITIZEN = "9876500032"
PROXIED = {"trusted_proxies": ["127.0.0.1"]}  # the test client's socket is 127.0.0.1


# ---------------------------------------------------------------- helpers


async def _details(api: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await api.post("/user/_details", json=RI, headers=headers)


async def _profile(api: httpx.AsyncClient, headers: dict[str, str], **user: Any) -> httpx.Response:
    return await api.post("/user/profile/_update", json={**RI, "user": user}, headers=headers)


async def _register(api: httpx.AsyncClient, mobile: str) -> None:
    await send_otp(api, mobile, purpose="register")
    code = await sent_otp(api, mobile)
    user = {"name": "Second Citizen", "mobileNumber": mobile, "tenantId": "pb", "otpReference": code}
    created = await api.post("/user/citizen/_create", json={**RI, "user": user})
    assert created.status_code == 200, created.text


async def _update_otp(api: httpx.AsyncClient, mobile: str, tenant_id: str = "pb", user_type: str = "CITIZEN") -> str:
    body = {**RI, "otp": {"mobileNumber": mobile, "tenantId": tenant_id, "type": "update", "userType": user_type}}
    sent = await api.post("/user-otp/v1/_send", json=body)
    assert sent.status_code == 200, sent.text
    return await sent_otp(api, mobile, tenant_id)


async def _login_from(
    api: httpx.AsyncClient,
    address: str,
    *,
    username: str = "GRO_JAL",
    tenant_id: str = "pb.jalandhar",
    password: str = DEMO_PASSWORD,
) -> httpx.Response:
    """A password login that a trusted proxy forwarded for `address`."""
    form = {
        "username": username,
        "password": password,
        "grant_type": "password",
        "scope": "read",
        "tenantId": tenant_id,
        "userType": "EMPLOYEE",
    }
    headers = {"Authorization": CLIENT_BASIC, "X-Forwarded-For": address}
    return await api.post("/user/oauth/token", data=form, headers=headers)


async def _fail_from(
    api: httpx.AsyncClient, address: str, times: int, username: str = "GRO_JAL", tenant_id: str = "pb.jalandhar"
) -> None:
    for attempt in range(times):
        await _login_from(api, address, username=username, tenant_id=tenant_id, password=f"Wrong@{attempt:04d}")


async def _send_from(api: httpx.AsyncClient, address: str, mobile: str, purpose: str = "login") -> httpx.Response:
    body = {**RI, "otp": {"mobileNumber": mobile, "tenantId": "pb", "type": purpose, "userType": "CITIZEN"}}
    return await api.post("/user-otp/v1/_send", json=body, headers={"X-Forwarded-For": address})


async def _password_login(api: httpx.AsyncClient, user: str = "CSR_AMR") -> dict[str, Any]:
    response = await token_response(api, username=user, password="eGov@123", tenant_id="pb.amritsar")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _refresh(api: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": "read"}
    return await api.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})


def _bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


def _codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["Errors"]]


# ---------------------------------------------------------------- a new mobile number needs its OTP


async def test_profile_update_to_a_new_mobile_without_otp_is_400(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await _profile(api, citizen, mobileNumber=NEW_MOBILE, name="Demo Citizen")

    assert response.status_code == 400
    assert _codes(response) == ["MOBILE_NUMBER_NOT_VERIFIED"]


async def test_profile_update_to_a_new_mobile_without_otp_leaves_the_mobile(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    await _profile(api, citizen, mobileNumber=NEW_MOBILE, name="Someone Else")

    details = (await _details(api, citizen)).json()
    assert (details["mobileNumber"], details["name"]) == ("9999999999", "Demo Citizen")


async def test_profile_update_to_another_citizens_mobile_is_409(api: httpx.AsyncClient) -> None:
    await _register(api, OTHER_CITIZEN)
    citizen = await citizen_login(api)

    response = await _profile(api, citizen, mobileNumber=OTHER_CITIZEN, otpReference="123456")

    assert response.status_code == 409
    assert _codes(response) == ["DUPLICATE_MOBILE_NUMBER"]


async def test_profile_update_with_the_update_otp_changes_the_mobile(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = await _update_otp(api, NEW_MOBILE)

    response = await _profile(api, citizen, mobileNumber=NEW_MOBILE, otpReference=code)

    assert response.status_code == 200
    assert (await _details(api, citizen)).json()["mobileNumber"] == NEW_MOBILE


async def test_citizen_logs_in_by_the_new_mobile_after_a_verified_change(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = await _update_otp(api, NEW_MOBILE)
    await _profile(api, citizen, mobileNumber=NEW_MOBILE, otpReference=code)

    headers = await citizen_login(api, NEW_MOBILE)

    assert (await _details(api, headers)).json()["uuid"] == (await _details(api, citizen)).json()["uuid"]


async def test_profile_update_with_a_wrong_update_otp_is_400_invalid_otp(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    await _update_otp(api, NEW_MOBILE)

    response = await _profile(api, citizen, mobileNumber=NEW_MOBILE, otpReference="000000")

    assert response.status_code == 400
    assert _codes(response) == ["INVALID_OTP"]


async def test_wrong_update_otps_count_so_the_fifth_voids_it(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = await _update_otp(api, NEW_MOBILE)
    for wrong in ("111111", "222222", "333333", "444444", "555555"):
        await _profile(api, citizen, mobileNumber=NEW_MOBILE, otpReference=wrong)

    response = await _profile(api, citizen, mobileNumber=NEW_MOBILE, otpReference=code)

    assert response.status_code == 400


async def test_a_login_otp_of_the_new_number_does_not_verify_it(api: httpx.AsyncClient) -> None:
    await _register(api, OTHER_CITIZEN)
    citizen = await citizen_login(api)
    await send_otp(api, OTHER_CITIZEN, purpose="login")
    code = await sent_otp(api, OTHER_CITIZEN)

    response = await _profile(api, citizen, mobileNumber=OTHER_CITIZEN, otpReference=code)

    assert response.status_code in (400, 409)
    assert (await _details(api, citizen)).json()["mobileNumber"] == "9999999999"


async def test_update_otp_for_a_registered_number_is_refused_at_send(api: httpx.AsyncClient) -> None:
    body = {**RI, "otp": {"mobileNumber": "9999999999", "tenantId": "pb", "type": "update", "userType": "CITIZEN"}}

    response = await api.post("/user-otp/v1/_send", json=body)

    assert response.status_code == 400
    assert _codes(response) == ["USER_ALREADY_EXISTS"]


async def test_profile_update_resending_the_own_mobile_needs_no_otp(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await _profile(api, citizen, mobileNumber="9999999999", name="Demo Citizen Renamed")

    assert response.status_code == 200
    assert response.json()["user"][0]["name"] == "Demo Citizen Renamed"


async def test_employee_profile_update_to_a_colleagues_mobile_is_409(api: httpx.AsyncClient) -> None:
    employee = await login(api, "LME_AMR_2", "pb.amritsar")

    response = await _profile(api, employee, mobileNumber="9800000003", otpReference="123456")

    assert response.status_code == 409


async def test_admin_update_to_another_employees_mobile_is_409(api: httpx.AsyncClient) -> None:
    target = await login(api, "LME_AMR_2", "pb.amritsar")
    uuid = (await _details(api, target)).json()["uuid"]
    admin = await login(api, "HR_AMR", "pb.amritsar")
    user = {"uuid": uuid, "tenantId": "pb.amritsar", "mobileNumber": "9800000003"}

    response = await api.post("/user/users/_updatenovalidate", json={**RI, "user": user}, headers=admin)

    assert response.status_code == 409
    assert _codes(response) == ["DUPLICATE_MOBILE_NUMBER"]


async def test_admin_create_with_a_taken_mobile_is_409(api: httpx.AsyncClient) -> None:
    admin = await login(api, "HR_AMR", "pb.amritsar")
    user = {
        "userName": "NEW_EMP",
        "name": "Harpreet Kaur",
        "mobileNumber": "9800000003",
        "type": "EMPLOYEE",
        "tenantId": "pb.amritsar",
        "password": "Strong@123",
        "roles": [{"code": "EMPLOYEE", "tenantId": "pb.amritsar"}],
    }

    response = await api.post("/user/users/_createnovalidate", json={**RI, "user": user}, headers=admin)

    assert response.status_code == 409
    assert _codes(response) == ["DUPLICATE_MOBILE_NUMBER"]


# ---------------------------------------------------------------- lockout per account and address


async def test_failures_from_one_address_do_not_lock_the_account_at_another(make_api: StartApi) -> None:
    _, api = await make_api(**PROXIED)
    await _fail_from(api, "10.9.9.9", 7)

    response = await _login_from(api, "10.1.1.1")

    assert response.status_code == 200


async def test_failures_from_one_address_lock_the_account_from_that_address(make_api: StartApi) -> None:
    _, api = await make_api(**PROXIED)
    await _fail_from(api, "10.9.9.9", 5)

    response = await _login_from(api, "10.9.9.9")

    assert response.status_code == 400


async def test_locked_account_answers_exactly_as_an_unknown_one(make_api: StartApi) -> None:
    _, api = await make_api(**PROXIED)
    await _fail_from(api, "10.9.9.9", 5)

    locked = await _login_from(api, "10.9.9.9")
    unknown = await _login_from(api, "10.9.9.8", username="NO_SUCH_USER", password="Whatever@1")

    assert (locked.status_code, _codes(locked)) == (unknown.status_code, _codes(unknown))


async def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(api: httpx.AsyncClient) -> None:
    await _fail_from(api, "10.9.9.9", 5)

    response = await _login_from(api, "10.1.1.1")

    assert response.status_code == 400


async def test_failed_logins_over_many_accounts_from_one_address_are_429(make_api: StartApi) -> None:
    _, api = await make_api(login_address_max_failures=3, **PROXIED)
    for name in ("NO_SUCH_1", "NO_SUCH_2", "GRO_AMR"):
        await _fail_from(api, "10.7.7.7", 1, username=name)

    response = await _login_from(api, "10.7.7.7")

    assert response.status_code == 429
    assert _codes(response) == ["TOO_MANY_LOGIN_FAILURES"]


async def test_login_address_throttle_leaves_other_addresses_alone(make_api: StartApi) -> None:
    _, api = await make_api(login_address_max_failures=3, **PROXIED)
    await _fail_from(api, "10.7.7.7", 3, username="NO_SUCH_USER")

    response = await _login_from(api, "10.7.7.8")

    assert response.status_code == 200


async def test_login_address_throttle_ends_after_the_failure_window(make_api: StartApi, clock: FrozenClock) -> None:
    _, api = await make_api(login_address_max_failures=3, **PROXIED)
    await _fail_from(api, "10.7.7.7", 3, username="NO_SUCH_USER")
    clock.advance(minutes=31)

    response = await _login_from(api, "10.7.7.7")

    assert response.status_code == 200


async def test_admin_unlock_lifts_the_address_locks(make_api: StartApi) -> None:
    _, api = await make_api(**PROXIED)
    target = await login(api, "LME_AMR_2", "pb.amritsar")
    uuid = (await _details(api, target)).json()["uuid"]
    await _fail_from(api, "10.9.9.9", 5, username="LME_AMR_2", tenant_id="pb.amritsar")
    admin = await login(api, "HR_AMR", "pb.amritsar")
    unlock = {"uuid": uuid, "tenantId": "pb.amritsar", "accountLocked": False}
    await api.post("/user/users/_updatenovalidate", json={**RI, "user": unlock}, headers=admin)

    response = await _login_from(api, "10.9.9.9", username="LME_AMR_2", tenant_id="pb.amritsar")

    assert response.status_code == 200


# ---------------------------------------------------------------- OTP send throttles


async def test_otp_requests_from_one_address_beyond_the_limit_are_429(make_api: StartApi) -> None:
    _, api = await make_api(otp_send_max_per_address=3, **PROXIED)
    for mobile in ("9876500041", "9876500042", "9876500043"):
        await _send_from(api, "10.5.5.5", mobile)

    response = await _send_from(api, "10.5.5.5", "9876500044")

    assert response.status_code == 429
    assert _codes(response) == ["TOO_MANY_OTP_REQUESTS"]


async def test_otp_address_throttle_leaves_other_addresses_alone(make_api: StartApi) -> None:
    _, api = await make_api(otp_send_max_per_address=3, **PROXIED)
    for mobile in ("9876500041", "9876500042", "9876500043"):
        await _send_from(api, "10.5.5.5", mobile)

    response = await _send_from(api, "10.5.5.6", "9999999999")

    assert response.status_code == 200


async def test_otp_requests_for_one_number_count_refusals_and_every_type(make_api: StartApi) -> None:
    _, api = await make_api(otp_send_max_per_number=3, **PROXIED)
    await _send_from(api, "10.5.5.1", NEW_MOBILE, purpose="login")
    await _send_from(api, "10.5.5.2", NEW_MOBILE, purpose="passwordreset")
    await _send_from(api, "10.5.5.3", NEW_MOBILE, purpose="login")

    response = await _send_from(api, "10.5.5.4", NEW_MOBILE, purpose="register")

    assert response.status_code == 429


async def test_otp_send_still_tells_an_unregistered_number(make_api: StartApi) -> None:
    _, api = await make_api(**PROXIED)

    response = await _send_from(api, "10.5.5.5", NEW_MOBILE)

    assert response.status_code == 400
    assert _codes(response) == ["USER_NOT_FOUND"]


async def test_prune_forgets_throttle_hits_older_than_every_window(make_api: StartApi, clock: FrozenClock) -> None:
    app, api = await make_api(**PROXIED)
    await _fail_from(api, "10.7.7.7", 2, username="NO_SUCH_USER")
    await _send_from(api, "10.5.5.5", NEW_MOBILE)
    clock.advance(minutes=31)
    platform: Platform = app.state.platform

    async with platform.sessions() as session, session.begin():
        await throttle.prune(session, platform.settings, now_ms=clock.now_ms())
    async with platform.read_sessions() as session:
        left = await session.scalar(select(func.count()).select_from(ThrottleHitRow))

    assert left == 0


# ---------------------------------------------------------------- sessions


async def test_password_change_ends_the_users_other_sessions(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    second = await _password_login(api)
    body = {**RI, "existingPassword": "eGov@123", "newPassword": "N3w@Passw0rd", "tenantId": "pb.amritsar"}

    await api.post("/user/password/_update", json=body, headers=_bearer(first))

    assert (await _details(api, _bearer(second))).status_code == 401


async def test_password_change_retires_the_other_sessions_refresh_tokens(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    second = await _password_login(api)
    body = {**RI, "existingPassword": "eGov@123", "newPassword": "N3w@Passw0rd", "tenantId": "pb.amritsar"}

    await api.post("/user/password/_update", json=body, headers=_bearer(first))

    assert (await _refresh(api, second["refresh_token"])).status_code == 400


async def test_password_change_keeps_the_session_that_made_it(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    body = {**RI, "existingPassword": "eGov@123", "newPassword": "N3w@Passw0rd", "tenantId": "pb.amritsar"}

    changed = await api.post("/user/password/_update", json=body, headers=_bearer(first))

    assert changed.status_code == 200
    assert (await _details(api, _bearer(first))).status_code == 200


async def test_password_set_by_an_administrator_ends_the_users_sessions(api: httpx.AsyncClient) -> None:
    target = await login(api, "LME_AMR_2", "pb.amritsar")
    uuid = (await _details(api, target)).json()["uuid"]
    admin = await login(api, "HR_AMR", "pb.amritsar")
    user = {"uuid": uuid, "tenantId": "pb.amritsar", "password": "Admin@Set1"}

    await api.post("/user/users/_updatenovalidate", json={**RI, "user": user}, headers=admin)

    assert (await _details(api, target)).status_code == 401


async def test_reused_refresh_token_is_400(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    await _refresh(api, first["refresh_token"])

    response = await _refresh(api, first["refresh_token"])

    assert response.status_code == 400
    assert _codes(response) == ["INVALID_REFRESH_TOKEN"]


async def test_reused_refresh_token_revokes_the_access_token_issued_from_it(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    renewed = (await _refresh(api, first["refresh_token"])).json()

    await _refresh(api, first["refresh_token"])

    assert (await _details(api, _bearer(renewed))).status_code == 401


async def test_reused_refresh_token_revokes_every_descendant(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    second = (await _refresh(api, first["refresh_token"])).json()
    third = (await _refresh(api, second["refresh_token"])).json()

    await _refresh(api, first["refresh_token"])

    assert (await _refresh(api, third["refresh_token"])).status_code == 400


async def test_reused_refresh_token_leaves_the_users_other_logins(api: httpx.AsyncClient) -> None:
    first = await _password_login(api)
    other = await _password_login(api)
    await _refresh(api, first["refresh_token"])

    await _refresh(api, first["refresh_token"])

    assert (await _details(api, _bearer(other))).status_code == 200


async def test_logout_with_only_a_bearer_header_revokes_the_token(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    await api.post("/user/_logout", json=RI, headers=headers)

    assert (await api.post(f"/user/_details?access_token={token_of(headers)}", json=RI)).status_code == 401
