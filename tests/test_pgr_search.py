"""PGR search and count: who sees what, filters, paging (block: pgr)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event

from digit.kernel.platform import Platform
from tests.builders import citizen_login, login, token_response
from tests.pgr_helpers import RI, act, complaint, file_complaint, localities, search, service_of

AMRITSAR = "pb.amritsar"


@pytest.fixture
async def three(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Three complaints by the demo citizen, two of them street lights in the first locality."""
    citizen = await citizen_login(api)
    places = await localities(api, AMRITSAR)
    bodies = [
        complaint(AMRITSAR, places[0]),
        complaint(AMRITSAR, places[0]),
        complaint(AMRITSAR, places[1], service_code="GarbageNeedsTobeCleared"),
    ]
    return [service_of(await file_complaint(api, citizen, body)) for body in bodies]


async def test_search_by_mobile_number_finds_the_citizens_complaints(
    api: httpx.AsyncClient, three: list[dict[str, Any]]
) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&mobileNumber=9999999999")

    assert response.status_code == 200
    assert response.json()["totalCount"] == 3


async def test_search_by_service_code_and_locality_filters(api: httpx.AsyncClient, three: list[dict[str, Any]]) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    locality = three[0]["address"]["locality"]["code"]

    response = await search(api, gro, f"tenantId={AMRITSAR}&serviceCode=StreetLightNotWorking&locality={locality}")

    assert response.json()["totalCount"] == 2


async def test_search_pages_with_a_stable_total(api: httpx.AsyncClient, three: list[dict[str, Any]]) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    first = await search(api, gro, f"tenantId={AMRITSAR}&limit=2&offset=0")
    second = await search(api, gro, f"tenantId={AMRITSAR}&limit=2&offset=2")

    ids = [w["service"]["serviceRequestId"] for r in (first, second) for w in r.json()["ServiceWrappers"]]
    assert sorted(ids) == sorted(s["serviceRequestId"] for s in three)
    assert first.json()["totalCount"] == 3


async def test_search_by_another_citizen_finds_nothing(api: httpx.AsyncClient, three: list[dict[str, Any]]) -> None:
    csr = await login(api, "CSR_AMR", AMRITSAR)
    locality = three[0]["address"]["locality"]["code"]
    await file_complaint(
        api, csr, complaint(AMRITSAR, locality, citizen={"name": "Other", "mobileNumber": "9888877777"})
    )
    stranger = await citizen_login(api, "9888877777")

    response = await search(api, stranger, f"tenantId={AMRITSAR}&serviceRequestId={three[0]['serviceRequestId']}")

    assert response.status_code == 200
    assert response.json()["ServiceWrappers"] == []


async def test_search_by_gro_of_another_city_is_403(api: httpx.AsyncClient, three: list[dict[str, Any]]) -> None:
    gro_jalandhar = await login(api, "GRO_JAL", "pb.jalandhar")

    response = await search(api, gro_jalandhar, f"tenantId={AMRITSAR}")

    assert response.status_code == 403


async def test_search_masks_the_citizens_mobile_for_employees(
    api: httpx.AsyncClient, three: list[dict[str, Any]]
) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&serviceRequestId={three[0]['serviceRequestId']}")

    assert response.json()["ServiceWrappers"][0]["service"]["citizen"]["mobileNumber"] == "******9999"


async def test_count_matches_search(api: httpx.AsyncClient, three: list[dict[str, Any]]) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await api.post(
        f"/pgr-services/v2/request/_count?tenantId={AMRITSAR}&applicationStatus=PENDINGFORASSIGNMENT",
        json={"RequestInfo": RI},
        headers=gro,
    )

    assert response.status_code == 200
    assert response.json()["count"] == 3


async def test_search_without_tenant_is_400(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, "serviceCode=StreetLightNotWorking")

    assert response.status_code == 400


async def test_search_by_date_range_excludes_complaints_outside_it(
    api: httpx.AsyncClient, three: list[dict[str, Any]]
) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    last = max(s["auditDetails"]["createdTime"] for s in three)

    response = await search(api, gro, f"tenantId={AMRITSAR}&fromDate={last}&toDate={last + 1}")

    assert response.json()["totalCount"] == 1


async def test_search_by_assignee_finds_what_was_assigned_to_them(
    api: httpx.AsyncClient, three: list[dict[str, Any]]
) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    token = await token_response(api, username="LME_AMR_1", password="eGov@123", tenant_id=AMRITSAR)
    uuid = token.json()["UserRequest"]["uuid"]
    await act(api, gro, three[0], "ASSIGN", assignes=[uuid])

    response = await search(api, gro, f"tenantId={AMRITSAR}&assignee={uuid}")

    assert [w["service"]["serviceRequestId"] for w in response.json()["ServiceWrappers"]] == [
        three[0]["serviceRequestId"]
    ]


async def test_search_runs_the_same_number_of_queries_for_one_or_three_results(
    api: httpx.AsyncClient, platform: Platform, three: list[dict[str, Any]]
) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(platform.engine.sync_engine, "before_cursor_execute", count)
    try:
        await search(api, gro, f"tenantId={AMRITSAR}&limit=1")
        one = len(statements)
        statements.clear()
        await search(api, gro, f"tenantId={AMRITSAR}&limit=3")
        many = len(statements)
    finally:
        event.remove(platform.engine.sync_engine, "before_cursor_execute", count)

    assert many <= one  # never more; fewer when the first search filled the per-process caches


async def test_search_with_a_lowercase_sort_order_lists_the_oldest_first(
    api: httpx.AsyncClient, three: list[dict[str, Any]]
) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&sortBy=createdTime&sortOrder=asc")

    ids = [w["service"]["serviceRequestId"] for w in response.json()["ServiceWrappers"]]
    assert ids == [s["serviceRequestId"] for s in three]


async def test_search_with_an_unknown_sort_order_is_400(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&sortOrder=sideways")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["sortOrder"]
