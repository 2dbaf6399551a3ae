"""localization: `_upsert`, `_create`, `_update`, `_delete` through HTTP with DIGIT's bodies (block: localization)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.builders import login

BASE = "/localization/messages"
TITLE = {"code": "PGR_TITLE", "message": "Complaints", "module": "rainmaker-test", "locale": "en_IN"}
HINDI_TITLE = {**TITLE, "message": "शिकायतें", "locale": "hi_IN"}


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def call(api: httpx.AsyncClient, action: str, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await api.post(f"{BASE}/v1/{action}", json={"RequestInfo": {}, **body}, headers=headers)


async def texts(api: httpx.AsyncClient, locale: str = "en_IN", tenant_id: str = "pb") -> dict[str, str]:
    response = await api.post(
        f"{BASE}/v1/_search", params={"locale": locale, "tenantId": tenant_id, "module": "rainmaker-test"}, json={}
    )
    assert response.status_code == 200, response.text
    return {m["code"]: m["message"] for m in response.json()["messages"] if m["locale"] == locale}


async def test_upsert_creates_then_replaces_and_search_sees_it(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    first = await call(api, "_upsert", admin, tenantId="pb", messages=[TITLE, HINDI_TITLE])
    second = await call(api, "_upsert", admin, tenantId="pb", messages=[{**TITLE, "message": "Grievances"}])

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["messages"] == [{**TITLE, "message": "Grievances"}]
    assert await texts(api) == {"PGR_TITLE": "Grievances"}
    assert await texts(api, "hi_IN", "pb.amritsar") == {"PGR_TITLE": "शिकायतें"}


async def test_upsert_rejects_the_same_message_twice(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await call(api, "_upsert", admin, tenantId="pb", messages=[TITLE, TITLE])

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["DUPLICATE_RECORDS"]


async def test_upsert_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await call(api, "_upsert", {}, tenantId="pb", messages=[TITLE])

    assert response.status_code == 401


async def test_upsert_by_an_employee_without_a_localization_role_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await call(api, "_upsert", gro, tenantId="pb.amritsar", messages=[TITLE])

    assert response.status_code == 403


async def test_upsert_for_an_unknown_tenant_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await call(api, "_upsert", admin, tenantId="pb.nowhere", messages=[TITLE])

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"


async def test_upsert_with_wrong_types_names_the_fields(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    bad = {"code": 7, "message": "x", "module": "m", "locale": "english"}

    response = await call(api, "_upsert", admin, tenantId="pb", messages=[bad])

    assert response.status_code == 400
    assert {p for e in response.json()["Errors"] for p in e["params"]} == {"messages.0.code", "messages.0.locale"}


async def test_upsert_without_messages_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await call(api, "_upsert", admin, tenantId="pb", messages=[])

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["messages"]


async def test_create_of_an_existing_message_is_400_and_stores_nothing(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await call(api, "_create", admin, tenantId="pb", messages=[TITLE])
    new = {**TITLE, "code": "PGR_NEW"}

    response = await call(api, "_create", admin, tenantId="pb", messages=[new, {**TITLE, "message": "Other"}])

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["DUPLICATE_RECORDS"]
    assert await texts(api) == {"PGR_TITLE": "Complaints"}


async def test_update_changes_the_text_of_a_module_message(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await call(api, "_create", admin, tenantId="pb", messages=[TITLE])

    response = await call(
        api,
        "_update",
        admin,
        tenantId="pb",
        locale="en_IN",
        module="rainmaker-test",
        messages=[{"code": "PGR_TITLE", "message": "My complaints"}],
    )

    assert response.status_code == 200
    assert await texts(api) == {"PGR_TITLE": "My complaints"}


async def test_update_of_an_unknown_code_is_404(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await call(
        api,
        "_update",
        admin,
        tenantId="pb",
        locale="en_IN",
        module="rainmaker-test",
        messages=[{"code": "NO_SUCH", "message": "x"}],
    )

    assert response.status_code == 404
    assert response.json()["Errors"][0]["code"] == "MESSAGE_NOT_FOUND"


async def test_delete_removes_the_named_messages(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await call(api, "_create", admin, tenantId="pb", messages=[TITLE, HINDI_TITLE])
    identity = {"code": "PGR_TITLE", "module": "rainmaker-test", "locale": "en_IN"}

    response = await call(api, "_delete", admin, tenantId="pb", messages=[identity])

    assert response.status_code == 200
    assert response.json()["successful"] is True
    assert (await texts(api), await texts(api, "hi_IN")) == ({}, {"PGR_TITLE": "शिकायतें"})
