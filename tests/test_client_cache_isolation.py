"""Users and employees cached per process are shared by every caller (block: user, hrms): what one caller
changes in the value it got must not change what the next caller gets."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import httpx
import pytest
from pydantic import ValidationError

from digit.blocks.hrms.client import HRMS_CLIENT
from digit.blocks.user.client import TOKEN_AUTHENTICATOR, USER_CLIENT
from digit.kernel.envelope import Role
from digit.kernel.platform import Platform
from tests.builders import login

AMRITSAR = "pb.amritsar"


async def _uuid_of(platform: Platform, user_name: str) -> str:
    [user] = [u for u in await platform.get(USER_CLIENT).search_users(tenant_id=AMRITSAR) if u.user_name == user_name]
    return user.uuid


async def test_get_users_after_a_caller_changed_its_copy_returns_the_stored_user(platform: Platform) -> None:
    users = platform.get(USER_CLIENT)
    uuid = await _uuid_of(platform, "GRO_AMR")
    first = (await users.get_users([uuid]))[uuid]  # a miss: read and cached
    first.name = "Someone Else"
    first.roles.append(Role(code="SUPERUSER", tenant_id="pb"))
    again = (await users.get_users([uuid]))[uuid]  # a hit
    again.roles.clear()

    latest = (await users.get_users([uuid]))[uuid]

    assert latest.name != "Someone Else"
    assert "SUPERUSER" not in {r.code for r in latest.roles}
    assert "GRO" in {r.code for r in latest.roles}


async def test_role_of_a_cached_user_cannot_be_changed_in_place(platform: Platform) -> None:
    users = platform.get(USER_CLIENT)
    uuid = await _uuid_of(platform, "GRO_AMR")
    [role, *_] = (await users.get_users([uuid]))[uuid].roles

    with pytest.raises(ValidationError):
        role.code = "SUPERUSER"


async def test_token_user_changed_by_one_request_is_unchanged_for_the_next(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    headers = await login(api, "GRO_AMR", AMRITSAR)
    token = headers["Authorization"].removeprefix("Bearer ")
    gate = platform.get(TOKEN_AUTHENTICATOR)
    first = await gate.authenticate(token)
    assert first is not None
    first.roles.clear()

    again = await gate.authenticate(token)

    assert again is not None
    assert "GRO" in {r.code for r in again.roles}


async def test_search_employees_hands_out_read_only_values(platform: Platform) -> None:
    hrms = platform.get(HRMS_CLIENT)
    uuid = await _uuid_of(platform, "LME_AMR_1")
    [employee] = await hrms.search_employees(tenant_id=AMRITSAR, uuids=[uuid])  # a miss: read and cached

    with pytest.raises(FrozenInstanceError):
        employee.assignments[0].department = "DEPT_9"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        employee.name = "Someone Else"  # type: ignore[misc]
    employee.wire()["user"]["name"] = "Someone Else"  # a copy: the cached employee's wire shape is untouched
    [again] = await hrms.search_employees(tenant_id=AMRITSAR, uuids=[uuid])  # a hit

    assert again.assignments[0].department == "DEPT_1"
    assert again.name == employee.name == again.wire()["user"]["name"] != "Someone Else"
