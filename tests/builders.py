"""Login helpers for tests: DIGIT's form-encoded `/user/oauth/token`, as a DIGIT client calls it.

`citizen_login` works without a fixed OTP: it asks for an OTP through `/user-otp/v1/_send` (type
login), reads the SMS from the notification block's development sink through its admin API
(`/notification/v1/sms/_search`, as the demo ADMIN) and logs in with the code it finds there. Pass
`otp=` to skip that (e.g. an app started with `make_api(fixed_otp="123456")`).
"""

from __future__ import annotations

import re

import httpx

DEMO_PASSWORD = "eGov@123"
CLIENT_BASIC = "Basic ZWdvdi11c2VyLWNsaWVudDo="  # egov-user-client:
TOKEN_PATH = "/user/oauth/token"


async def token_response(
    api: httpx.AsyncClient, *, username: str, password: str, tenant_id: str, user_type: str = "EMPLOYEE"
) -> httpx.Response:
    form = {
        "username": username,
        "password": password,
        "grant_type": "password",
        "scope": "read",
        "tenantId": tenant_id,
        "userType": user_type,
    }
    return await api.post(TOKEN_PATH, data=form, headers={"Authorization": CLIENT_BASIC})


def _headers(body: dict[str, object], username: str) -> dict[str, str]:
    token = body.get("access_token")
    if not isinstance(token, str):
        raise AssertionError(f"login of {username} returned no access_token: {body}")
    return {"Authorization": f"Bearer {token}"}


async def login(
    api: httpx.AsyncClient, user_name: str, tenant_id: str, password: str = DEMO_PASSWORD
) -> dict[str, str]:
    """Authorization header of an employee logged in with user name and password."""
    response = await token_response(api, username=user_name, password=password, tenant_id=tenant_id)
    if response.status_code != 200:
        raise AssertionError(f"login {user_name}@{tenant_id} -> {response.status_code} {response.text[:300]}")
    return _headers(response.json(), user_name)


async def sent_otp(api: httpx.AsyncClient, mobile: str, tenant_id: str = "pb") -> str:
    """The newest OTP the development SMS sink holds for a mobile number (read as the demo ADMIN)."""
    admin = await login(api, "ADMIN", "pb")
    response = await api.post(
        "/notification/v1/sms/_search",
        params={"tenantId": tenant_id, "mobileNumber": mobile, "limit": 5},
        json={"RequestInfo": {}},
        headers=admin,
    )
    if response.status_code != 200:
        raise AssertionError(f"SMS sink unreadable: {response.status_code} {response.text[:300]}")
    for message in response.json().get("messages", []):
        if message.get("category") in (None, "OTP"):
            found = re.search(r"\b(\d{6})\b", str(message.get("message", "")))
            if found:
                return found.group(1)
    raise AssertionError("no OTP in the SMS sink for this number")


async def send_otp(
    api: httpx.AsyncClient, mobile: str, tenant_id: str = "pb", purpose: str = "login"
) -> httpx.Response:
    body = {
        "RequestInfo": {},
        "otp": {"mobileNumber": mobile, "tenantId": tenant_id, "type": purpose, "userType": "CITIZEN"},
    }
    return await api.post("/user-otp/v1/_send", json=body)


async def citizen_token(
    api: httpx.AsyncClient, mobile: str = "9999999999", tenant_id: str = "pb", otp: str | None = None
) -> dict[str, object]:
    """The whole token response of a citizen login by OTP."""
    sent = await send_otp(api, mobile, tenant_id)
    if sent.status_code != 200:
        raise AssertionError(f"OTP send -> {sent.status_code} {sent.text[:300]}")
    code = otp or await sent_otp(api, mobile, tenant_id)
    response = await token_response(api, username=mobile, password=code, tenant_id=tenant_id, user_type="CITIZEN")
    if response.status_code != 200:
        raise AssertionError(f"citizen login -> {response.status_code} {response.text[:300]}")
    body: dict[str, object] = response.json()
    return body


async def citizen_login(
    api: httpx.AsyncClient, mobile: str = "9999999999", tenant_id: str = "pb", otp: str | None = None
) -> dict[str, str]:
    """Authorization header of a citizen logged in by mobile number and OTP."""
    return _headers(await citizen_token(api, mobile, tenant_id, otp), mobile)


def token_of(headers: dict[str, str]) -> str:
    """The bare access token of an Authorization header dict."""
    return headers["Authorization"].removeprefix("Bearer ").strip()
