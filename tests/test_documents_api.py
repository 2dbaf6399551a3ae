"""Documents (block: documents): DIGIT's egov-document-uploader paths, who may publish, who may read, which city."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from digit.blocks.filestore.client import FILESTORE_CLIENT
from digit.kernel.events import OutboxRow
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from tests.builders import citizen_login, login

DU = "/egov-document-uploader/egov-du/document"
AMRITSAR, JALANDHAR = "pb.amritsar", "pb.jalandhar"
RI: dict[str, Any] = {"RequestInfo": {"apiId": "Rainmaker"}}


def document(**overrides: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "tenantIds": [AMRITSAR],
        "name": "Citizen charter 2026",
        "category": "CATEGORY_CITIZEN_CHARTER",
        "description": "What the city promises, and how fast",
        "documentLink": "https://amritsar.example.gov.in/charter.pdf",
    }
    entity.update(overrides)
    return entity


async def create(api: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> httpx.Response:
    return await api.post(f"{DU}/_create", json={**RI, "DocumentEntity": document(**overrides)}, headers=headers)


async def created(api: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await create(api, headers, **overrides)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["Documents"][0]
    return found


async def search(api: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await api.post(f"{DU}/_search", params=params, json=RI, headers=headers)


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json().get("Errors", [])]


@pytest.fixture
async def gro(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "GRO_AMR", AMRITSAR)


# ---------------------------------------------------------------- create


async def test_create_by_an_official_publishes_a_numbered_active_document(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    response = await create(api, gro)

    assert response.status_code == 200
    [doc] = response.json()["Documents"]
    assert doc["uuid"].startswith("DOC-2026-11-26-")
    assert (doc["tenantId"], doc["category"], doc["active"]) == (AMRITSAR, "CATEGORY_CITIZEN_CHARTER", True)
    assert doc["documentLink"] == "https://amritsar.example.gov.in/charter.pdf"
    assert doc["postedBy"]
    assert doc["auditDetails"]["createdTime"] > 0


async def test_create_for_two_cities_publishes_one_document_in_each(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await create(api, admin, tenantIds=[AMRITSAR, JALANDHAR])

    assert response.status_code == 200
    docs = response.json()["Documents"]
    assert sorted(d["tenantId"] for d in docs) == [AMRITSAR, JALANDHAR]
    assert len({d["uuid"] for d in docs}) == 2


async def test_create_by_a_citizen_is_refused_403(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await create(api, citizen)

    assert response.status_code == 403
    assert codes(response) == ["NOT_AUTHORIZED"]


async def test_create_by_an_official_of_another_city_is_refused_403(api: httpx.AsyncClient) -> None:
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)

    response = await create(api, jalandhar)

    assert response.status_code == 403
    assert codes(response) == ["NOT_AUTHORIZED"]


async def test_create_with_a_category_the_city_does_not_list_is_400(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    response = await create(api, gro, category="CATEGORY_GOSSIP")

    assert response.status_code == 400
    assert codes(response) == ["EG_DOCUMENT_CATEGORY_DOES_NOT_EXIST_ERR"]


async def test_create_without_a_file_or_a_link_is_400(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await create(api, gro, documentLink=None)

    assert response.status_code == 400
    assert codes(response) == ["EG_FILE_NOT_SPECIFIED_ERR"]


async def test_create_without_tenant_ids_is_400(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await create(api, gro, tenantIds=[])

    assert response.status_code == 400
    assert codes(response) == ["EG_TENANT_NOT_SPECIFIED_ERR"]


async def test_create_of_the_same_name_and_category_twice_is_409(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    await created(api, gro)

    response = await create(api, gro)

    assert response.status_code == 409
    assert codes(response) == ["EG_DOCUMENT_DUPLICATE_RECORD_ERR"]


async def test_create_with_a_javascript_link_is_400(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await create(api, gro, documentLink="javascript:alert(document.cookie)")

    assert response.status_code == 400
    assert codes(response) == ["EG_DOCUMENT_LINK_ERR"]


async def test_create_with_a_file_of_the_city_takes_its_type_and_size(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    files = platform.get(FILESTORE_CLIENT)
    stored = await files.store(
        tenant_id="pb",
        module="engagement",
        tag=None,
        filename="charter.pdf",
        content=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        actor=Actor.system("pb"),
    )

    doc = await created(api, gro, documentLink=None, filestoreId=stored.file_store_id)

    assert (doc["filestoreId"], doc["fileType"], doc["fileSize"]) == (
        stored.file_store_id,
        stored.content_type,
        stored.size,
    )


async def test_create_with_a_file_of_another_city_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    files = platform.get(FILESTORE_CLIENT)
    stored = await files.store(
        tenant_id=JALANDHAR,
        module="engagement",
        tag=None,
        filename="minutes.pdf",
        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        actor=Actor.system(JALANDHAR),
    )

    response = await create(api, gro, documentLink=None, filestoreId=stored.file_store_id)

    assert response.status_code == 400
    assert codes(response) == ["EG_DOCUMENT_FILESTORE_ID_ERR"]


async def test_create_records_an_event_with_ids_and_codes_only(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    doc = await created(api, gro)

    async with platform.read_sessions() as session:
        events = list(await session.scalars(select(OutboxRow).where(OutboxRow.topic == "save-du-document")))

    assert [(e.aggregate_id, e.data) for e in events] == [
        (doc["uuid"], {"uuid": doc["uuid"], "tenantId": AMRITSAR, "category": doc["category"], "action": "CREATE"})
    ]


# ---------------------------------------------------------------- search


async def test_search_by_a_citizen_finds_the_cities_documents_newest_first(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    first = await created(api, gro, name="Acts of 1976", category="CATEGORY_ACTS")
    second = await created(api, gro, name="Water circular", category="CATEGORY_CIRCULARS")
    citizen = await citizen_login(api)

    response = await search(api, citizen, tenantIds=f"{AMRITSAR},{JALANDHAR}")

    assert response.status_code == 200
    body = response.json()
    assert [d["uuid"] for d in body["Documents"]] == [second["uuid"], first["uuid"]]
    assert body["totalCount"] == 2
    assert body["statusCount"] == [
        {"count": 1, "category": "CATEGORY_ACTS"},
        {"count": 1, "category": "CATEGORY_CIRCULARS"},
    ]


async def test_search_filters_by_name_and_category(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    await created(api, gro, name="Acts of 1976", category="CATEGORY_ACTS")
    wanted = await created(api, gro, name="Water circular", category="CATEGORY_CIRCULARS")
    await created(api, gro, name="Water act", category="CATEGORY_ACTS")

    response = await search(api, gro, tenantIds=AMRITSAR, name="WATER", category="CATEGORY_CIRCULARS")

    assert [d["uuid"] for d in response.json()["Documents"]] == [wanted["uuid"]]


async def test_search_by_posted_by_matches_the_officials_name(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    doc = await created(api, gro)

    by_name = await search(api, gro, tenantIds=AMRITSAR, postedBy=doc["postedBy"][:4].lower())
    by_other = await search(api, gro, tenantIds=AMRITSAR, postedBy="nobody of that name")

    assert [d["uuid"] for d in by_name.json()["Documents"]] == [doc["uuid"]]
    assert by_other.json()["Documents"] == []


async def test_search_pages_with_offset_and_limit(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    made = [await created(api, gro, name=f"Notice {i}", category="CATEGORY_NOTICES") for i in range(3)]

    response = await search(api, gro, tenantIds=AMRITSAR, offset=1, limit=1)

    assert [d["uuid"] for d in response.json()["Documents"]] == [made[1]["uuid"]]
    assert response.json()["totalCount"] == 3


async def test_search_without_limit_answers_a_page_of_ten(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    for i in range(11):
        await created(api, gro, name=f"Notice {i}", category="CATEGORY_NOTICES")

    response = await search(api, gro, tenantIds=AMRITSAR)

    assert (len(response.json()["Documents"]), response.json()["totalCount"]) == (10, 11)


@pytest.mark.parametrize("query", [{"limit": "10001"}, {"limit": "-1"}, {"offset": "-1"}, {"name": "n" * 129}])
async def test_search_with_page_or_text_out_of_bounds_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], query: dict[str, str]
) -> None:
    response = await search(api, gro, tenantIds=AMRITSAR, **query)

    assert response.status_code == 400
    assert codes(response) == ["INVALID_REQUEST"]


async def test_search_of_another_citys_documents_by_an_official_is_refused_403(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    await created(api, gro)
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)

    response = await search(api, jalandhar, tenantIds=AMRITSAR)

    assert response.status_code == 403


async def test_search_without_tenant_ids_finds_nothing(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    await created(api, gro)

    response = await search(api, gro)

    assert response.status_code == 200
    assert (response.json()["Documents"], response.json()["totalCount"]) == ([], 0)


# ---------------------------------------------------------------- update and delete


async def test_update_changes_the_document_and_keeps_its_number(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    doc = await created(api, gro)
    changed = {**doc, "name": "Citizen charter 2027", "description": "Revised", "tenantIds": None}

    response = await api.post(f"{DU}/_update", json={**RI, "DocumentEntity": changed}, headers=gro)
    found = await search(api, gro, tenantIds=AMRITSAR)

    assert response.status_code == 200
    assert response.json()["Documents"][0]["uuid"] == doc["uuid"]
    assert [(d["uuid"], d["name"], d["description"]) for d in found.json()["Documents"]] == [
        (doc["uuid"], "Citizen charter 2027", "Revised")
    ]


async def test_update_naming_another_city_does_not_reach_this_citys_document_404(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    doc = await created(api, gro)
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)
    smuggled = {**doc, "tenantId": JALANDHAR, "name": "Defaced"}

    response = await api.post(f"{DU}/_update", json={**RI, "DocumentEntity": smuggled}, headers=jalandhar)

    assert response.status_code == 404
    assert codes(response) == ["EG_DOCUMENT_EXISTENCE_ERR"]


async def test_update_without_uuid_is_400(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await api.post(f"{DU}/_update", json={**RI, "DocumentEntity": document()}, headers=gro)

    assert response.status_code == 400
    assert codes(response) == ["EG_DOCUMENT_UUID_NOT_PROVIDED_ERR"]


async def test_delete_withdraws_the_document_from_searches(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    doc = await created(api, gro)

    response = await api.post(f"{DU}/_delete", json={**RI, "DocumentEntity": doc}, headers=gro)
    found = await search(api, gro, tenantIds=AMRITSAR)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["ResponseInfo"]["status"]) == ("successful", "successful")
    assert found.json()["Documents"] == []


async def test_delete_lets_the_name_be_published_again(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    doc = await created(api, gro)
    await api.post(f"{DU}/_delete", json={**RI, "DocumentEntity": doc}, headers=gro)

    response = await create(api, gro)

    assert response.status_code == 200
    assert response.json()["Documents"][0]["uuid"] != doc["uuid"]


async def test_delete_by_a_citizen_is_refused_403(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    doc = await created(api, gro)
    citizen = await citizen_login(api)

    response = await api.post(f"{DU}/_delete", json={**RI, "DocumentEntity": doc}, headers=citizen)

    assert response.status_code == 403
