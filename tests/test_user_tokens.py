"""User: token refresh, expiry, logout across processes, deactivation (block: user)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from digit.kernel.clock import FrozenClock
from tests.builders import CLIENT_BASIC, login, token_of

RI: dict[str, Any] = {"RequestInfo": {}}
StartApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


async def _details(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.post(f"/user/_details?access_token={token}", json=RI)


async def _refresh(api: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": "read"}
    return await api.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})


async def _login_body(api: httpx.AsyncClient) -> dict[str, Any]:
    form = {
        "username": "CSR_AMR",
        "password": "eGov@123",
        "grant_type": "password",
        "scope": "read",
        "tenantId": "pb.amritsar",
        "userType": "EMPLOYEE",
    }
    response = await api.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})
    body: dict[str, Any] = response.json()
    return body


async def test_refresh_grant_returns_a_working_new_access_token(api: httpx.AsyncClient) -> None:
    first = await _login_body(api)

    response = await _refresh(api, first["refresh_token"])

    assert response.status_code == 200
    assert (await _details(api, response.json()["access_token"])).status_code == 200


async def test_refresh_retires_the_previous_access_token(api: httpx.AsyncClient) -> None:
    first = await _login_body(api)

    await _refresh(api, first["refresh_token"])

    assert (await _details(api, first["access_token"])).status_code == 401


async def test_refresh_token_works_only_once(api: httpx.AsyncClient) -> None:
    first = await _login_body(api)
    await _refresh(api, first["refresh_token"])

    response = await _refresh(api, first["refresh_token"])

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_REFRESH_TOKEN"


async def test_access_token_is_not_a_refresh_token(api: httpx.AsyncClient) -> None:
    first = await _login_body(api)

    response = await _refresh(api, first["access_token"])

    assert response.status_code == 400


async def test_access_token_expires_after_its_lifetime(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    token = token_of(await login(api, "CSR_AMR", "pb.amritsar"))
    clock.advance(days=7, seconds=1)

    response = await _details(api, token)

    assert response.status_code == 401


async def test_logout_in_one_process_revokes_the_token_in_another(make_api: StartApi, clock: FrozenClock) -> None:
    """Each process caches live tokens; a logout elsewhere reaches it within `cache_check_ms` (1 s)."""
    _, first = await make_api()
    _, second = await make_api()
    headers = await login(first, "GRO_AMR", "pb.amritsar")
    assert (await _details(second, token_of(headers))).status_code == 200

    await first.post("/user/_logout", json={**RI, "access_token": token_of(headers)}, headers=headers)
    assert (await _details(first, token_of(headers))).status_code == 401  # the process that logged out: at once
    clock.advance(seconds=1)

    assert (await _details(second, token_of(headers))).status_code == 401


async def test_a_deactivated_user_is_refused_by_every_process_within_the_check_interval(
    make_api: StartApi, clock: FrozenClock
) -> None:
    _, first = await make_api()
    _, second = await make_api()
    admin = await login(first, "ADMIN", "pb")
    headers = await login(first, "GRO_AMR", "pb.amritsar")
    assert (await _details(second, token_of(headers))).status_code == 200
    found = await first.post(
        "/user/_search", json={**RI, "userName": "GRO_AMR", "tenantId": "pb.amritsar"}, headers=admin
    )
    user = found.json()["user"][0]

    updated = await first.post(
        "/user/users/_updatenovalidate", json={**RI, "user": {**user, "active": False}}, headers=admin
    )
    assert updated.status_code == 200, updated.text
    clock.advance(seconds=1)

    assert (await _details(second, token_of(headers))).status_code == 401


async def test_logout_also_revokes_the_refresh_token(api: httpx.AsyncClient) -> None:
    body = await _login_body(api)
    headers = {"Authorization": f"Bearer {body['access_token']}"}

    await api.post("/user/_logout", json={**RI, "access_token": body["access_token"]}, headers=headers)

    assert (await _refresh(api, body["refresh_token"])).status_code == 400


async def test_deactivated_user_token_stops_working(api: httpx.AsyncClient) -> None:
    target = await login(api, "LME_AMR_2", "pb.amritsar")
    details = (await _details(api, token_of(target))).json()
    admin = await login(api, "HR_AMR", "pb.amritsar")
    user = {"uuid": details["uuid"], "tenantId": "pb.amritsar", "active": False}

    update = await api.post("/user/users/_updatenovalidate", json={**RI, "user": user}, headers=admin)

    assert update.status_code == 200
    assert (await _details(api, token_of(target))).status_code == 401
