"""User: lockout after repeated failed logins (of one account from one address), unlock after the lock period.

A locked account answers as a wrong password does (400 INVALID_CREDENTIALS), so these tests tell a
lock by the right password being refused. (block: user)"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from tests.builders import token_response

USER, TENANT = "GRO_JAL", "pb.jalandhar"


async def _attempt(api: httpx.AsyncClient, password: str) -> httpx.Response:
    return await token_response(api, username=USER, password=password, tenant_id=TENANT)


async def _fail(api: httpx.AsyncClient, times: int) -> None:
    for _ in range(times):
        await _attempt(api, "Wrong@1234")


async def test_login_after_five_failures_refuses_the_right_password(api: httpx.AsyncClient) -> None:
    await _fail(api, 5)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_four_failures_do_not_lock(api: httpx.AsyncClient) -> None:
    await _fail(api, 4)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 200


async def test_success_resets_the_failure_count(api: httpx.AsyncClient) -> None:
    await _fail(api, 4)
    await _attempt(api, "eGov@123")
    await _fail(api, 4)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 200


async def test_failures_older_than_the_window_do_not_count(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    await _fail(api, 4)
    clock.advance(minutes=31)
    await _fail(api, 1)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 200


async def test_locked_account_unlocks_after_sixty_minutes(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    await _fail(api, 5)
    clock.advance(minutes=61)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 200


async def test_locked_account_stays_locked_before_sixty_minutes(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    await _fail(api, 5)
    clock.advance(minutes=59)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 400


async def test_lockout_threshold_is_configurable(make_api: Any) -> None:
    _, api = await make_api(login_max_failures=2)
    await _fail(api, 2)

    response = await _attempt(api, "eGov@123")

    assert response.status_code == 400


async def test_failed_login_is_logged_with_client_but_never_the_password(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    await _attempt(api, "Secret@9876")

    failures = [r for r in caplog.records if r.getMessage() == "login_failed"]
    assert [getattr(r, "client", None) for r in failures] == ["127.0.0.1"]
    assert all("Secret@9876" not in str(r.__dict__) for r in caplog.records)
