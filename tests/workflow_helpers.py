"""Builders for workflow and inbox tests: employees with their uuids, ProcessInstance bodies, transitions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from tests.builders import DEMO_PASSWORD, citizen_token, send_otp, sent_otp, token_response

WF = "/egov-workflow-v2/egov-wf"
RI: dict[str, Any] = {"apiId": "Rainmaker"}
AMRITSAR = "pb.amritsar"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Caller:
    headers: dict[str, str]
    uuid: str


async def employee(api: httpx.AsyncClient, user_name: str, tenant_id: str = AMRITSAR) -> Caller:
    response = await token_response(api, username=user_name, password=DEMO_PASSWORD, tenant_id=tenant_id)
    assert response.status_code == 200, response.text
    body = response.json()
    return Caller({"Authorization": f"Bearer {body['access_token']}"}, body["UserRequest"]["uuid"])


async def citizen(api: httpx.AsyncClient, mobile: str = "9999999999") -> Caller:
    body = await citizen_token(api, mobile)
    user = body["UserRequest"]
    assert isinstance(user, dict)
    return Caller({"Authorization": f"Bearer {body['access_token']}"}, str(user["uuid"]))


async def new_citizen(api: httpx.AsyncClient, mobile: str) -> Caller:
    """Register a citizen by OTP, then log them in."""
    await send_otp(api, mobile, purpose="register")
    code = await sent_otp(api, mobile)
    user = {"name": "Test Citizen", "mobileNumber": mobile, "tenantId": "pb", "otpReference": code}
    response = await api.post("/user/citizen/_create", json={"RequestInfo": {}, "user": [user][0]})
    assert response.status_code == 200, response.text
    return await citizen(api, mobile)


def new_business_id() -> str:
    return f"PB-PGR-TEST-{next(_ids):06d}"


def instance(business_id: str, action: str, tenant_id: str = AMRITSAR, **extra: Any) -> dict[str, Any]:
    body = {
        "businessService": "PGR",
        "businessId": business_id,
        "action": action,
        "moduleName": "pgr-services",
        "tenantId": tenant_id,
    }
    body.update(extra)
    return body


async def transition(api: httpx.AsyncClient, caller: Caller, *instances: dict[str, Any]) -> httpx.Response:
    return await api.post(
        f"{WF}/process/_transition",
        json={"RequestInfo": RI, "ProcessInstances": list(instances)},
        headers=caller.headers,
    )


async def ok(api: httpx.AsyncClient, caller: Caller, *instances: dict[str, Any]) -> list[dict[str, Any]]:
    response = await transition(api, caller, *instances)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["ProcessInstances"]
    return found


async def search(api: httpx.AsyncClient, caller: Caller, **params: Any) -> httpx.Response:
    params.setdefault("tenantId", AMRITSAR)
    return await api.post(f"{WF}/process/_search", params=params, json={"RequestInfo": RI}, headers=caller.headers)


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json().get("Errors", [])]
