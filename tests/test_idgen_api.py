"""idgen: `POST /egov-idgen/id/_generate` through HTTP, DIGIT's formats and bad input (block: idgen).

The route needs a token by default (digit-py has no anonymous mixed mode); most tests here open it
through the normal `open_routes` setting to exercise the formats, and one test checks the default.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from digit.kernel.settings import Settings
from tests.builders import citizen_login, login

GENERATE = "/egov-idgen/id/_generate"
RI = {"apiId": "test", "msgId": "idgen-1"}

StartApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def idgen_api(make_api: StartApi, settings: Settings) -> httpx.AsyncClient:
    """The app with the idgen route on the open list (the lead may open it so in settings)."""
    _, client = await make_api(open_routes=[*settings.open_routes, GENERATE])
    return client


async def generate(api: httpx.AsyncClient, *requests: dict[str, Any]) -> httpx.Response:
    return await api.post(GENERATE, json={"RequestInfo": RI, "idRequests": list(requests)})


def ids_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["idResponses"]]


async def test_generate_without_token_is_401_by_default(api: httpx.AsyncClient) -> None:
    response = await generate(api, {"idName": "pgr.servicerequestid", "tenantId": "pb.amritsar"})

    assert response.status_code == 401
    assert response.json()["Errors"][0]["code"] == "UNAUTHORIZED"


async def test_generate_with_an_employee_token_is_allowed(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")
    body = {"RequestInfo": RI, "idRequests": [{"idName": "pgr.servicerequestid", "tenantId": "pb.amritsar"}]}

    response = await api.post(GENERATE, json=body, headers=headers)

    assert ids_of(response) == ["PB-PGR-2026-11-26-000001"]


async def test_generate_with_a_citizen_token_is_allowed(api: httpx.AsyncClient) -> None:
    headers = await citizen_login(api)
    body = {"RequestInfo": RI, "idRequests": [{"idName": "pgr.servicerequestid", "tenantId": "pb.amritsar"}]}

    response = await api.post(GENERATE, json=body, headers=headers)

    assert ids_of(response) == ["PB-PGR-2026-11-26-000001"]


async def test_generate_uses_the_mdms_format_of_the_id_name(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "pgr.servicerequestid", "tenantId": "pb.amritsar"})

    assert ids_of(response) == ["PB-PGR-2026-11-26-000001"]
    assert response.json()["responseInfo"]["msgId"] == "idgen-1"


async def test_generate_prefers_the_mdms_format_over_the_request_format(idgen_api: httpx.AsyncClient) -> None:
    request = {"idName": "pgr.servicerequestid", "tenantId": "pb.amritsar", "format": "OTHER-[SEQ_OTHER]"}

    assert ids_of(await generate(idgen_api, request)) == ["PB-PGR-2026-11-26-000001"]


async def test_generate_with_count_gives_consecutive_numbers(idgen_api: httpx.AsyncClient) -> None:
    request = {"idName": "test.batch", "tenantId": "pb.amritsar", "format": "B-[SEQ_TEST_BATCH]", "count": 3}

    assert ids_of(await generate(idgen_api, request)) == ["B-000001", "B-000002", "B-000003"]


async def test_generate_city_token_uses_the_tenant_city_code(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "egov.hrms.employeecode", "tenantId": "pb.jalandhar"})

    assert ids_of(response) == ["EMP-JAL-000001"]


async def test_generate_tenant_and_financial_year_tokens(idgen_api: httpx.AsyncClient) -> None:
    request = {
        "idName": "test.tokens",
        "tenantId": "pb.amritsar",
        "format": "[TENANT_ID]/[tenant_id]/[tenantid]/[fy:yyyy-yy]/[SEQ_T_[TENANT_ID]]",
    }

    assert ids_of(await generate(idgen_api, request)) == ["PB_AMRITSAR/pb_amritsar/pb.amritsar/2026-27/000001"]


async def test_per_city_sequences_count_separately(idgen_api: httpx.AsyncClient) -> None:
    amritsar = {"idName": "t", "tenantId": "pb.amritsar", "format": "C-[SEQ_C_[TENANT_ID]]"}
    jalandhar = {"idName": "t", "tenantId": "pb.jalandhar", "format": "C-[SEQ_C_[TENANT_ID]]"}

    assert ids_of(await generate(idgen_api, amritsar, jalandhar, amritsar)) == ["C-000001", "C-000001", "C-000002"]


async def test_cities_of_a_state_share_a_plain_sequence(idgen_api: httpx.AsyncClient) -> None:
    amritsar = {"idName": "t", "tenantId": "pb.amritsar", "format": "S-[SEQ_SHARED]"}
    jalandhar = {"idName": "t", "tenantId": "pb.jalandhar", "format": "S-[SEQ_SHARED]"}

    assert ids_of(await generate(idgen_api, amritsar, jalandhar)) == ["S-000001", "S-000002"]


async def test_random_token_gives_digits(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "t", "tenantId": "pb", "format": "R-[d{4}]-[SEQ_R]"})

    assert re.fullmatch(r"R-\d{4}-000001", ids_of(response)[0])


async def test_generate_without_id_requests_is_400_naming_the_field(idgen_api: httpx.AsyncClient) -> None:
    response = await idgen_api.post(GENERATE, json={"RequestInfo": RI})

    assert response.status_code == 400
    assert "idRequests" in response.json()["Errors"][0]["params"]


async def test_generate_without_request_info_is_400(idgen_api: httpx.AsyncClient) -> None:
    body = {"idRequests": [{"idName": "t", "tenantId": "pb", "format": "[SEQ_A]"}]}

    response = await idgen_api.post(GENERATE, json=body)

    assert response.status_code == 400
    assert "RequestInfo" in response.json()["Errors"][0]["params"]


async def test_generate_with_a_bad_date_token_is_400_invalid_format(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "t", "tenantId": "pb", "format": "X-[cy:qqqq]-[SEQ_A]"})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_FORMAT"]


async def test_generate_with_an_unclosed_token_is_400_invalid_format(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "t", "tenantId": "pb", "format": "X-[SEQ_A"})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_FORMAT"]


async def test_unknown_id_name_without_format_is_400_id_not_found(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "no.such.name", "tenantId": "pb.amritsar"})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["ID_NOT_FOUND"]


async def test_unknown_tenant_is_400_invalid_tenant(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "pgr.servicerequestid", "tenantId": "pb.nowhere"})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_TENANT_ID"]


async def test_wrong_types_are_400_naming_each_field(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "t", "tenantId": 5, "count": "many"})

    assert response.status_code == 400
    fields = {p for e in response.json()["Errors"] for p in e["params"]}
    assert {"idRequests.0.tenantId", "idRequests.0.count"} <= fields


async def test_count_of_zero_is_400(idgen_api: httpx.AsyncClient) -> None:
    response = await generate(idgen_api, {"idName": "t", "tenantId": "pb", "format": "[SEQ_A]", "count": 0})

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["idRequests.0.count"]


async def test_failed_request_gives_its_numbers_back(idgen_api: httpx.AsyncClient) -> None:
    good = {"idName": "t", "tenantId": "pb", "format": "G-[SEQ_GIVE_BACK]"}
    await generate(idgen_api, good, {"idName": "no.such.name", "tenantId": "pb"})

    assert ids_of(await generate(idgen_api, good)) == ["G-000001"]


async def test_padding_of_the_mdms_format_record_is_honoured(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    record = {"idname": "test.padded", "format": "P-[SEQ_PADDED]", "padding": 3}
    mdms = {"tenantId": "pb", "schemaCode": "common-masters.IdFormat", "data": record, "isActive": True}
    created = await api.post(
        "/mdms-v2/v2/_create/common-masters.IdFormat", json={"RequestInfo": RI, "Mdms": mdms}, headers=admin
    )
    body = {"RequestInfo": RI, "idRequests": [{"idName": "test.padded", "tenantId": "pb.amritsar"}]}

    response = await api.post(GENERATE, json=body, headers=admin)

    assert created.status_code == 200, created.text
    assert ids_of(response) == ["P-001"]
