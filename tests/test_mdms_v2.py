"""MDMS v2 (`/mdms-v2`): schemas, validated data, unique and reference keys, locking, cache (block: mdms).

Writes go through the real gate: the demo ADMIN (SUPERUSER) is allowed by the mdms role-action mapping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from digit.kernel.clock import FrozenClock
from tests.builders import login

RI: dict[str, Any] = {"apiId": "Rainmaker"}
SCHEMA = "common-masters.Colour"
DEFINITION: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "code": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "active": {"type": "boolean"},
    },
    "required": ["code", "name"],
    "x-unique": ["code"],
}


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def create_schema(
    api: httpx.AsyncClient, headers: dict[str, str], code: str = SCHEMA, definition: dict[str, Any] | None = None
) -> httpx.Response:
    body = {
        "RequestInfo": RI,
        "SchemaDefinition": {"tenantId": "pb", "code": code, "definition": definition or DEFINITION, "isActive": True},
    }
    return await api.post("/mdms-v2/schema/v1/_create", json=body, headers=headers)


async def create_data(
    api: httpx.AsyncClient, headers: dict[str, str], data: dict[str, Any], tenant_id: str = "pb", code: str = SCHEMA
) -> httpx.Response:
    body = {"RequestInfo": RI, "Mdms": {"tenantId": tenant_id, "schemaCode": code, "data": data, "isActive": True}}
    return await api.post(f"/mdms-v2/v2/_create/{code}", json=body, headers=headers)


async def search(api: httpx.AsyncClient, **criteria: Any) -> httpx.Response:
    return await api.post("/mdms-v2/v2/_search", json={"RequestInfo": RI, "MdmsCriteria": criteria})


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["Errors"]]


RED = {"code": "RED", "name": "Red", "active": True}


async def test_schema_create_then_search_finds_it(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    assert (await create_schema(api, admin)).status_code == 200

    response = await api.post(
        "/mdms-v2/schema/v1/_search",
        json={"RequestInfo": RI, "SchemaDefCriteria": {"tenantId": "pb", "codes": [SCHEMA]}},
    )

    assert response.status_code == 200
    assert [s["definition"]["x-unique"] for s in response.json()["SchemaDefinitions"]] == [["code"]]


async def test_schema_create_twice_is_duplicate_schema_code(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)

    response = await create_schema(api, admin)

    assert response.status_code == 400
    assert codes(response) == ["DUPLICATE_SCHEMA_CODE"]


async def test_schema_unique_outside_required_is_refused(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    definition = {**DEFINITION, "x-unique": ["active"]}

    response = await create_schema(api, admin, definition=definition)

    assert response.status_code == 400
    assert codes(response) == ["UNIQUE_ATTRIBUTE_LIST_ERR"]


async def test_schema_that_is_not_json_schema_is_refused(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    definition = {**DEFINITION, "type": "banana"}

    response = await create_schema(api, admin, definition=definition)

    assert response.status_code == 400
    assert "INVALID_SCHEMA_DEFINITION" in codes(response)


async def test_schema_create_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await create_schema(api, {})

    assert response.status_code == 401


async def test_schema_create_without_mdms_role_is_403(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await create_schema(api, headers)

    assert response.status_code == 403


async def test_data_create_is_found_by_v2_and_v1_search(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    created = await create_data(api, admin, RED)

    found = await search(api, tenantId="pb", schemaCode=SCHEMA)
    v1 = await api.post(
        "/egov-mdms-service/v1/_search",
        json={
            "MdmsCriteria": {
                "tenantId": "pb.amritsar",
                "moduleDetails": [{"moduleName": "common-masters", "masterDetails": [{"name": "Colour"}]}],
            }
        },
    )

    assert created.status_code == 200
    assert created.json()["mdms"][0]["uniqueIdentifier"] == "RED"
    assert [m["data"]["code"] for m in found.json()["mdms"]] == ["RED"]
    assert v1.json()["MdmsRes"]["common-masters"]["Colour"] == [RED]


async def test_data_violating_schema_is_400_with_each_violation(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)

    response = await create_data(api, admin, {"code": "RED", "active": "yes"})

    assert response.status_code == 400
    assert codes(response) == ["MASTER_DATA_VALIDATION_ERR", "INVALID_REQUEST_REQUIRED1", "INVALID_REQUEST_TYPE2"]


async def test_data_with_empty_unique_field_is_refused(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    definition = {**DEFINITION, "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
    await create_schema(api, admin, definition=definition)

    response = await create_data(api, admin, {"code": "", "name": "Nothing"})

    assert response.status_code == 400
    assert codes(response) == ["UNIQUE_IDENTIFIER_EMPTY_ERR"]


async def test_data_duplicate_unique_key_is_duplicate_record(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    await create_data(api, admin, RED)

    response = await create_data(api, admin, {**RED, "name": "Crimson"})

    assert response.status_code == 400
    assert codes(response) == ["DUPLICATE_RECORD"]


async def test_data_reference_to_missing_record_is_refused(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    shade = {
        **DEFINITION,
        "properties": {**DEFINITION["properties"], "colour": {"type": "string"}},
        "x-ref-schema": [{"fieldPath": "colour", "schemaCode": SCHEMA}],
    }
    await create_schema(api, admin, code="common-masters.Shade", definition=shade)
    await create_data(api, admin, RED)

    good = await create_data(
        api, admin, {"code": "DARK_RED", "name": "Dark red", "colour": "RED"}, code="common-masters.Shade"
    )
    bad = await create_data(api, admin, {"code": "TEAL", "name": "Teal", "colour": "BLUE"}, code="common-masters.Shade")

    assert good.status_code == 200
    assert bad.status_code == 400
    assert codes(bad) == ["REFERENCE_VALIDATION_ERR"]


async def test_data_for_unknown_tenant_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)

    response = await create_data(api, admin, RED, tenant_id="pb.atlantis")

    assert response.status_code == 400
    assert codes(response) == ["INVALID_TENANT_ID"]


async def test_data_for_schema_that_does_not_exist_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await create_data(api, admin, RED, code="common-masters.Nothing")

    assert response.status_code == 400
    assert codes(response) == ["INVALID_SCHEMA_CODE"]


async def update(
    api: httpx.AsyncClient, headers: dict[str, str], record: dict[str, Any], **changes: Any
) -> httpx.Response:
    body = {"RequestInfo": RI, "Mdms": {**record, **changes}}
    return await api.post(f"/mdms-v2/v2/_update/{SCHEMA}", json=body, headers=headers)


async def test_update_changes_data_and_bumps_row_version(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    record = (await create_data(api, admin, RED)).json()["mdms"][0]

    response = await update(api, admin, record, data={**RED, "name": "Scarlet"})

    assert response.status_code == 200
    assert response.json()["mdms"][0]["data"]["name"] == "Scarlet"
    assert response.json()["mdms"][0]["rowVersion"] == record["rowVersion"] + 1


async def test_update_without_id_is_master_data_id_absent(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    record = (await create_data(api, admin, RED)).json()["mdms"][0]

    response = await update(api, admin, record, id=None)

    assert response.status_code == 400
    assert codes(response) == ["MASTER_DATA_ID_ABSENT_ERR"]


async def test_update_of_unique_field_is_refused(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    record = (await create_data(api, admin, RED)).json()["mdms"][0]

    response = await update(api, admin, record, data={**RED, "code": "BLUE"})

    assert response.status_code == 400
    assert codes(response) == ["UNIQUE_KEY_UPDATE_ERR"]


async def test_update_with_stale_copy_is_409(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    record = (await create_data(api, admin, RED)).json()["mdms"][0]
    await update(api, admin, record, data={**RED, "name": "Scarlet"})

    response = await update(api, admin, record, data={**RED, "name": "Ruby"})

    assert response.status_code == 409


async def test_search_city_falls_back_to_state_records(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    await create_data(api, admin, RED)

    response = await search(api, tenantId="pb.amritsar", schemaCode=SCHEMA)

    assert [m["tenantId"] for m in response.json()["mdms"]] == ["pb"]


async def test_search_filters_pages_and_counts(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_schema(api, admin)
    for code in ("A", "B", "C"):
        await create_data(api, admin, {"code": code, "name": code, "active": code != "B"})

    page = await search(api, tenantId="pb", schemaCode=SCHEMA, filters={"active": "true"}, limit=1, offset=1)
    count = await api.post(
        "/mdms-v2/v2/_count", json={"RequestInfo": RI, "MdmsCriteria": {"tenantId": "pb", "schemaCode": SCHEMA}}
    )

    assert [m["data"]["code"] for m in page.json()["mdms"]] == ["C"]
    assert count.json()["totalCount"] == 3


async def test_search_with_wrong_limit_type_is_400(api: httpx.AsyncClient) -> None:
    response = await search(api, tenantId="pb", limit="many")

    assert response.status_code == 400
    assert "MdmsCriteria.limit" in {p for e in response.json()["Errors"] for p in e["params"]}


async def test_second_process_sees_an_update_after_its_check_interval(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]], clock: FrozenClock
) -> None:
    _, first = await make_api()
    _, second = await make_api(mdms_cache_check_ms=60_000)
    headers = await login(first, "ADMIN", "pb")
    await create_schema(first, headers)
    body = {
        "MdmsCriteria": {
            "tenantId": "pb",
            "moduleDetails": [{"moduleName": "common-masters", "masterDetails": [{"name": "Colour"}]}],
        }
    }
    before = await second.post("/egov-mdms-service/v1/_search", json=body)  # caches "no colours" for 60 s
    await create_data(first, headers, RED)

    cached = await second.post("/egov-mdms-service/v1/_search", json=body)
    clock.advance(seconds=61)
    fresh = await second.post("/egov-mdms-service/v1/_search", json=body)

    assert before.json()["MdmsRes"]["common-masters"]["Colour"] == []
    assert cached.json()["MdmsRes"]["common-masters"]["Colour"] == []
    assert fresh.json()["MdmsRes"]["common-masters"]["Colour"] == [RED]


async def test_schema_create_for_unknown_tenant_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {
        "RequestInfo": RI,
        "SchemaDefinition": {"tenantId": "pb.atlantis", "code": SCHEMA, "definition": DEFINITION},
    }

    response = await api.post("/mdms-v2/schema/v1/_create", json=body, headers=admin)

    assert response.status_code == 400
    assert codes(response) == ["INVALID_TENANT_ID"]


async def test_schema_search_with_wrong_codes_type_is_400(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": RI, "SchemaDefCriteria": {"tenantId": "pb", "codes": "common-masters.Colour"}}

    response = await api.post("/mdms-v2/schema/v1/_search", json=body)

    assert response.status_code == 400
    assert "SchemaDefCriteria.codes" in {p for e in response.json()["Errors"] for p in e["params"]}


async def test_search_unknown_tenant_is_400(api: httpx.AsyncClient) -> None:
    response = await search(api, tenantId="pb.atlantis", schemaCode=SCHEMA)

    assert response.status_code == 400
    assert codes(response) == ["INVALID_TENANT_ID"]


async def test_search_without_schema_falls_back_per_master(api: httpx.AsyncClient) -> None:
    pages = [await search(api, tenantId="pb.amritsar", limit=1000, offset=offset) for offset in range(0, 5000, 1000)]

    found = {(m["schemaCode"], m["tenantId"]) for page in pages for m in page.json()["mdms"]}
    assert ("egov-location.TenantBoundary", "pb.amritsar") in found
    assert ("tenant.tenants", "pb") in found


async def test_data_reference_through_a_list_path_checks_every_item(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await create_schema(api, admin)
    await create_data(api, admin, RED)
    palette = {
        "type": "object",
        "properties": {"code": {"type": "string"}, "items": {"type": "array"}},
        "required": ["code"],
        "x-unique": ["code"],
        "x-ref-schema": [{"fieldPath": "items.*.colour", "schemaCode": SCHEMA}],
    }
    await create_schema(api, admin, code="common-masters.Palette", definition=palette)

    response = await create_data(
        api, admin, {"code": "P1", "items": [{"colour": "RED"}, {"colour": "GREEN"}]}, code="common-masters.Palette"
    )

    assert response.status_code == 400
    assert codes(response) == ["REFERENCE_VALIDATION_ERR"]
