"""MDMS v1 (`/egov-mdms-service/v1/_search|_get`, `/mdms-v2/v1/_search`): filters, fallback, tenants (block: mdms)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

SEARCH = "/egov-mdms-service/v1/_search"
RI: dict[str, Any] = {"apiId": "Rainmaker"}


def criteria(tenant_id: str, module: str, master: str, filter: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"name": master}
    if filter is not None:
        detail["filter"] = filter
    return {
        "RequestInfo": RI,
        "MdmsCriteria": {"tenantId": tenant_id, "moduleDetails": [{"moduleName": module, "masterDetails": [detail]}]},
    }


async def tenants(api: httpx.AsyncClient, filter: str, tenant_id: str = "pb") -> httpx.Response:
    return await api.post(SEARCH, json=criteria(tenant_id, "tenant", "tenants", filter))


async def test_search_lists_the_demo_tenants(api: httpx.AsyncClient) -> None:
    response = await api.post(SEARCH, json=criteria("pb", "tenant", "tenants"))

    assert response.status_code == 200
    codes = {t["code"] for t in response.json()["MdmsRes"]["tenant"]["tenants"]}
    assert {"pb", "pb.amritsar", "pb.jalandhar"} <= codes


async def test_search_city_falls_back_to_state_master(api: httpx.AsyncClient) -> None:
    response = await tenants(api, "[?(@.code=='pb.amritsar')]", tenant_id="pb.amritsar")

    assert response.status_code == 200
    assert [t["code"] for t in response.json()["MdmsRes"]["tenant"]["tenants"]] == ["pb.amritsar"]


async def test_search_city_master_replaces_state_master(api: httpx.AsyncClient) -> None:
    response = await api.post(SEARCH, json=criteria("pb.amritsar", "egov-location", "TenantBoundary"))

    assert response.status_code == 200
    boundaries = response.json()["MdmsRes"]["egov-location"]["TenantBoundary"]
    assert [b["boundary"]["code"] for b in boundaries] == ["pb.amritsar"]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("[?(@.code IN ['pb.amritsar','pb.jalandhar'])]", ["pb.amritsar", "pb.jalandhar"]),
        ("$.[?(@.code=='pb')]", ["pb"]),
        ("[?(@.type=='CITY' && @.code!='pb.amritsar')]", ["pb.jalandhar"]),
        ("[?(@.code NIN ['pb','pb.amritsar'])]", ["pb.jalandhar"]),
    ],
)
async def test_search_filter_in_jayway_spelling_selects_records(
    api: httpx.AsyncClient, filter: str, expected: list[str]
) -> None:
    response = await tenants(api, filter)

    assert response.status_code == 200
    assert sorted(t["code"] for t in response.json()["MdmsRes"]["tenant"]["tenants"]) == expected


async def test_search_filter_projection_returns_values(api: httpx.AsyncClient) -> None:
    response = await tenants(api, "[*].code")

    assert response.status_code == 200
    assert {"pb.amritsar", "pb.jalandhar"} <= set(response.json()["MdmsRes"]["tenant"]["tenants"])


async def test_search_filter_on_boolean_field(api: httpx.AsyncClient) -> None:
    response = await api.post(SEARCH, json=criteria("pb", "tenant", "citymodule", "[?(@.active==true)]"))

    assert response.status_code == 200
    modules = response.json()["MdmsRes"]["tenant"]["citymodule"]
    assert modules
    assert all(m["active"] is True for m in modules)


@pytest.mark.parametrize("filter", ["[?(@.code==)]", "garbage", "[?(@.code ANYOF ['x'])]"])
async def test_search_bad_filter_is_400_naming_it(api: httpx.AsyncClient, filter: str) -> None:
    response = await tenants(api, filter)

    assert response.status_code == 400
    error = response.json()["Errors"][0]
    assert error["code"] == "INVALID_FILTER"
    assert filter in error["message"]


async def test_search_unknown_tenant_is_400_invalid_tenant(api: httpx.AsyncClient) -> None:
    response = await api.post(SEARCH, json=criteria("pb.atlantis", "tenant", "tenants"))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "Invalid_tenantId.MdmsCriteria.tenantId"


async def test_search_without_request_info_is_answered(api: httpx.AsyncClient) -> None:
    body = criteria("pb", "tenant", "tenants")
    del body["RequestInfo"]

    response = await api.post(SEARCH, json=body)

    assert response.status_code == 200


async def test_search_with_wrong_types_is_400_naming_fields(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": RI, "MdmsCriteria": {"tenantId": ["pb"], "moduleDetails": "tenant"}}

    response = await api.post(SEARCH, json=body)

    assert response.status_code == 400
    fields = {p for e in response.json()["Errors"] for p in e["params"]}
    assert {"MdmsCriteria.tenantId", "MdmsCriteria.moduleDetails"} <= fields


async def test_search_unknown_master_is_an_empty_list(api: httpx.AsyncClient) -> None:
    response = await api.post(SEARCH, json=criteria("pb", "tenant", "nosuchmaster"))

    assert response.status_code == 200
    assert response.json()["MdmsRes"] == {"tenant": {"nosuchmaster": []}}


async def test_get_reads_one_master_by_query(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/egov-mdms-service/v1/_get",
        params={"moduleName": "tenant", "masterName": "tenants", "tenantId": "pb", "filter": "[?(@.code=='pb')]"},
        json={"RequestInfo": RI},
    )

    assert response.status_code == 200
    assert [t["code"] for t in response.json()["MdmsRes"]["tenant"]["tenants"]] == ["pb"]


async def test_get_without_master_name_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/egov-mdms-service/v1/_get", params={"moduleName": "tenant", "tenantId": "pb"}, json={"RequestInfo": RI}
    )

    assert response.status_code == 400
    assert "masterName" in {p for e in response.json()["Errors"] for p in e["params"]}


async def test_v1_search_over_v2_store_answers_like_v1(api: httpx.AsyncClient) -> None:
    response = await api.post("/mdms-v2/v1/_search", json=criteria("pb.jalandhar", "tenant", "tenants"))

    assert response.status_code == 200
    assert "pb.jalandhar" in {t["code"] for t in response.json()["MdmsRes"]["tenant"]["tenants"]}


async def test_tenant_search_lists_one_code(api: httpx.AsyncClient) -> None:
    response = await api.post("/tenant/v1/tenant/_search?tenantId=pb&code=pb.amritsar", json={"RequestInfo": RI})

    assert response.status_code == 200
    assert [t["code"] for t in response.json()["tenant"]] == ["pb.amritsar"]


async def test_tenant_search_by_repeated_and_comma_separated_codes_lists_each(api: httpx.AsyncClient) -> None:
    query = "tenantId=pb&code=pb.amritsar,pb.jalandhar&code=pb"

    response = await api.post(f"/tenant/v1/tenant/_search?{query}", json={"RequestInfo": RI})

    assert response.status_code == 200
    assert sorted(t["code"] for t in response.json()["tenant"]) == ["pb", "pb.amritsar", "pb.jalandhar"]


async def test_tenant_search_unknown_tenant_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/tenant/v1/tenant/_search?tenantId=zz", json={"RequestInfo": RI})

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"
