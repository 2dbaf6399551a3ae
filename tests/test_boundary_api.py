"""Boundaries: egov-location v11 search, boundary-service v2, and BoundaryClient (block: boundary)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from digit.blocks.boundary.client import BOUNDARY_CLIENT, BoundaryClient
from digit.kernel.platform import Platform
from tests.builders import login

RI: dict[str, Any] = {"apiId": "Rainmaker"}
LOCATION = "/egov-location/location/v11/boundarys/_search"
RELATIONSHIPS = "/boundary-service/boundary-relationships/_search"


def nodes(tree: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(tree, dict):
        if "code" in tree:
            found.append(tree)
        for value in tree.values():
            found.extend(nodes(value))
    elif isinstance(tree, list):
        for value in tree:
            found.extend(nodes(value))
    return found


def client(platform: Platform) -> BoundaryClient:
    return platform.get(BOUNDARY_CLIENT)


async def test_location_search_returns_the_city_tree(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{LOCATION}?tenantId=pb.amritsar&hierarchyTypeCode=ADMIN", json={"RequestInfo": RI})

    assert response.status_code == 200
    tenant_boundary = response.json()["TenantBoundary"]
    assert tenant_boundary[0]["hierarchyType"]["code"] == "ADMIN"
    city = tenant_boundary[0]["boundary"][0]
    assert (city["code"], city["label"]) == ("pb.amritsar", "City")
    labels = [n["label"] for n in nodes(city)]
    assert labels.count("Zone") >= 2
    assert labels.count("Ward") >= 2
    assert labels.count("Locality") >= 6


async def test_location_search_by_type_lists_localities(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{LOCATION}?tenantId=pb.jalandhar&hierarchyTypeCode=ADMIN&boundaryType=Locality", json={"RequestInfo": RI}
    )

    boundaries = response.json()["TenantBoundary"][0]["boundary"]
    assert response.status_code == 200
    assert len(boundaries) >= 6
    assert {b["label"] for b in boundaries} == {"Locality"}
    assert all(isinstance(b["latitude"], float) for b in boundaries)


async def test_location_search_by_codes_returns_those_boundaries(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{LOCATION}?tenantId=pb.amritsar&hierarchyTypeCode=ADMIN&codes=AMR_LOC_001,AMR_WARD_2",
        json={"RequestInfo": RI},
    )

    boundaries = response.json()["TenantBoundary"][0]["boundary"]
    assert sorted(b["code"] for b in boundaries) == ["AMR_LOC_001", "AMR_WARD_2"]


async def test_location_search_unknown_hierarchy_is_empty(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{LOCATION}?tenantId=pb.amritsar&hierarchyTypeCode=REVENUE", json={"RequestInfo": RI})

    assert response.status_code == 200
    assert response.json()["TenantBoundary"] == []


async def test_location_search_unknown_tenant_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{LOCATION}?tenantId=pb.atlantis", json={"RequestInfo": RI})

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"


async def test_location_search_without_tenant_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(LOCATION, json={"RequestInfo": RI})

    assert response.status_code == 400
    assert "tenantId" in {p for e in response.json()["Errors"] for p in e["params"]}


async def test_relationships_search_returns_state_to_locality_tree(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{RELATIONSHIPS}?tenantId=pb&hierarchyType=ADMIN", json={"RequestInfo": RI})

    assert response.status_code == 200
    tree = response.json()["TenantBoundary"][0]["boundary"]
    assert [n["boundaryType"] for n in tree] == ["State"]
    types = {n["boundaryType"] for n in nodes(tree)}
    assert types == {"State", "District", "City", "Zone", "Ward", "Locality"}


async def test_relationships_search_with_parents_gives_the_chain(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{RELATIONSHIPS}?tenantId=pb.amritsar&hierarchyType=ADMIN&codes=AMR_LOC_001&includeParents=true",
        json={"RequestInfo": RI},
    )

    chain = [n["code"] for n in nodes(response.json()["TenantBoundary"][0]["boundary"])]
    assert chain[0] == "PB"
    assert chain[-3:] == ["AMR_ZONE_1", "AMR_WARD_1", "AMR_LOC_001"]
    assert "pb.amritsar" in chain


async def test_relationships_search_with_children_gives_the_subtree(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{RELATIONSHIPS}?tenantId=pb&hierarchyType=ADMIN&codes=AMR_WARD_1&includeChildren=true",
        json={"RequestInfo": RI},
    )

    ward = response.json()["TenantBoundary"][0]["boundary"][0]
    assert ward["code"] == "AMR_WARD_1"
    assert {c["boundaryType"] for c in ward["children"]} == {"Locality"}


async def test_relationships_search_by_parent_lists_its_children(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{RELATIONSHIPS}?tenantId=pb&hierarchyType=ADMIN&parent=AMR_WARD_1", json={"RequestInfo": RI}
    )

    children = response.json()["TenantBoundary"][0]["boundary"]
    assert sorted(c["code"] for c in children) == ["AMR_LOC_001", "AMR_LOC_002", "AMR_LOC_003"]


async def test_relationships_search_without_hierarchy_type_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{RELATIONSHIPS}?tenantId=pb", json={"RequestInfo": RI})

    assert response.status_code == 400


async def test_hierarchy_search_lists_state_and_district_levels(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": RI, "BoundaryTypeHierarchySearchCriteria": {"tenantId": "pb", "hierarchyType": "ADMIN"}}

    response = await api.post("/boundary-service/boundary-hierarchy-definition/_search", json=body)

    levels = [level["boundaryType"] for level in response.json()["BoundaryHierarchy"][0]["boundaryHierarchy"]]
    assert levels == ["State", "District", "City", "Zone", "Ward", "Locality"]


async def test_boundary_search_by_code_returns_geometry(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/boundary-service/boundary/_search?tenantId=pb&codes=JAL_LOC_001", json={"RequestInfo": RI}
    )

    found = response.json()["Boundary"]
    assert [b["code"] for b in found] == ["JAL_LOC_001"]
    assert found[0]["geometry"]["type"] == "Point"


@pytest.fixture
async def loc_admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def create_v2_tree(api: httpx.AsyncClient, headers: dict[str, str]) -> list[httpx.Response]:
    hierarchy = {
        "tenantId": "pb.amritsar",
        "hierarchyType": "REVENUE",
        "boundaryHierarchy": [
            {"boundaryType": "Block", "parentBoundaryType": None},
            {"boundaryType": "Mohalla", "parentBoundaryType": "Block"},
        ],
    }
    entities = [{"tenantId": "pb.amritsar", "code": c} for c in ("B1", "M1")]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("/boundary-service/boundary-hierarchy-definition/_create", {"BoundaryHierarchy": hierarchy}),
        ("/boundary-service/boundary/_create", {"Boundary": entities}),
        (
            "/boundary-service/boundary-relationships/_create",
            {
                "BoundaryRelationship": {
                    "tenantId": "pb.amritsar",
                    "code": "B1",
                    "hierarchyType": "REVENUE",
                    "boundaryType": "Block",
                }
            },
        ),
        (
            "/boundary-service/boundary-relationships/_create",
            {
                "BoundaryRelationship": {
                    "tenantId": "pb.amritsar",
                    "code": "M1",
                    "hierarchyType": "REVENUE",
                    "boundaryType": "Mohalla",
                    "parent": "B1",
                }
            },
        ),
    ]
    return [await api.post(path, json={"RequestInfo": RI, **body}, headers=headers) for path, body in calls]


async def test_v2_create_hierarchy_entities_relationships_then_tree(
    api: httpx.AsyncClient, loc_admin: dict[str, str]
) -> None:
    responses = await create_v2_tree(api, loc_admin)

    tree = await api.post(f"{RELATIONSHIPS}?tenantId=pb.amritsar&hierarchyType=REVENUE", json={"RequestInfo": RI})

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    root = tree.json()["TenantBoundary"][0]["boundary"][0]
    assert (root["code"], [c["code"] for c in root["children"]]) == ("B1", ["M1"])


async def test_v2_relationship_with_parent_of_wrong_level_is_400(
    api: httpx.AsyncClient, loc_admin: dict[str, str]
) -> None:
    await create_v2_tree(api, loc_admin)
    await api.post(
        "/boundary-service/boundary/_create",
        json={"RequestInfo": RI, "Boundary": [{"tenantId": "pb.amritsar", "code": "M2"}]},
        headers=loc_admin,
    )

    response = await api.post(
        "/boundary-service/boundary-relationships/_create",
        json={
            "RequestInfo": RI,
            "BoundaryRelationship": {
                "tenantId": "pb.amritsar",
                "code": "M2",
                "hierarchyType": "REVENUE",
                "boundaryType": "Mohalla",
                "parent": "M1",
            },
        },
        headers=loc_admin,
    )

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_PARENT"


async def test_v2_duplicate_boundary_code_is_400(api: httpx.AsyncClient, loc_admin: dict[str, str]) -> None:
    await create_v2_tree(api, loc_admin)

    response = await api.post(
        "/boundary-service/boundary/_create",
        json={"RequestInfo": RI, "Boundary": [{"tenantId": "pb.amritsar", "code": "B1"}]},
        headers=loc_admin,
    )

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "DUPLICATE_CODE"


async def test_v2_hierarchy_with_undeclared_parent_is_400(api: httpx.AsyncClient, loc_admin: dict[str, str]) -> None:
    hierarchy = {
        "tenantId": "pb",
        "hierarchyType": "BAD",
        "boundaryHierarchy": [{"boundaryType": "A"}, {"boundaryType": "B", "parentBoundaryType": "C"}],
    }

    response = await api.post(
        "/boundary-service/boundary-hierarchy-definition/_create",
        json={"RequestInfo": RI, "BoundaryHierarchy": hierarchy},
        headers=loc_admin,
    )

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_HIERARCHY"


async def test_v2_create_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/boundary-service/boundary/_create",
        json={"RequestInfo": RI, "Boundary": [{"tenantId": "pb.amritsar", "code": "X"}]},
    )

    assert response.status_code == 401


async def test_client_knows_a_demo_locality(platform: Platform) -> None:
    assert await client(platform).locality_exists("pb.amritsar", "AMR_LOC_001")


async def test_client_refuses_a_ward_as_locality(platform: Platform) -> None:
    assert not await client(platform).locality_exists("pb.amritsar", "AMR_WARD_1")


async def test_client_refuses_another_citys_locality(platform: Platform) -> None:
    assert not await client(platform).locality_exists("pb.amritsar", "JAL_LOC_001")


async def test_client_get_boundaries_returns_known_codes_only(platform: Platform) -> None:
    found = await client(platform).get_boundaries("pb.jalandhar", ["JAL_LOC_002", "NOPE"])

    assert list(found) == ["JAL_LOC_002"]
    assert found["JAL_LOC_002"].label == "Locality"


async def test_client_lists_the_city_localities(platform: Platform) -> None:
    localities = await client(platform).localities("pb.jalandhar")

    assert len(localities) == 10
    assert {locality.label for locality in localities} == {"Locality"}


async def test_boundary_search_unknown_tenant_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/boundary-service/boundary/_search?tenantId=zz", json={"RequestInfo": RI})

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"


async def test_hierarchy_search_with_wrong_limit_type_is_400(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": RI, "BoundaryTypeHierarchySearchCriteria": {"tenantId": "pb", "limit": "all"}}

    response = await api.post("/boundary-service/boundary-hierarchy-definition/_search", json=body)

    assert response.status_code == 400
    assert "BoundaryTypeHierarchySearchCriteria.limit" in {p for e in response.json()["Errors"] for p in e["params"]}


async def test_boundary_search_by_repeated_and_comma_separated_codes_finds_each(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/boundary-service/boundary/_search?tenantId=pb&codes=JAL_LOC_001,AMR_LOC_001&codes=AMR_LOC_002",
        json={"RequestInfo": RI},
    )

    assert response.status_code == 200
    assert [b["code"] for b in response.json()["Boundary"]] == ["AMR_LOC_001", "AMR_LOC_002", "JAL_LOC_001"]


async def test_boundary_search_with_limit_over_1000_is_400_naming_limit(api: httpx.AsyncClient) -> None:
    response = await api.post("/boundary-service/boundary/_search?tenantId=pb&limit=1001", json={"RequestInfo": RI})

    assert response.status_code == 400
    assert [(e["code"], e["params"]) for e in response.json()["Errors"]] == [("INVALID_REQUEST", ["limit"])]
