"""User: PII encrypted at rest, blind-index search, masking, audit of unmasked reads (block: user)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from digit.kernel.db import Base
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login

RI: dict[str, Any] = {"RequestInfo": {}}
CITIZEN_MOBILE = "9999999999"


async def _search(api: httpx.AsyncClient, headers: dict[str, str], **criteria: Any) -> httpx.Response:
    return await api.post("/user/_search", json={**RI, **criteria}, headers=headers)


async def _create_employee(api: httpx.AsyncClient) -> dict[str, Any]:
    admin = await login(api, "HR_AMR", "pb.amritsar")
    user = {
        "userName": "EMP_PII_1",
        "name": "Zorawar Singhania",
        "mobileNumber": "9123456780",
        "emailId": "Zorawar.S@Example.org",
        "permanentAddress": "42 Lawrence Road, Amritsar",
        "type": "EMPLOYEE",
        "tenantId": "pb.amritsar",
        "password": "Strong@123",
        "roles": [{"code": "EMPLOYEE", "tenantId": "pb.amritsar"}],
    }
    response = await api.post("/user/users/_createnovalidate", json={**RI, "user": user}, headers=admin)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()["user"][0]
    return created


async def _all_stored_text(platform: Platform) -> str:
    chunks: list[str] = []
    async with platform.read_sessions() as session:
        for table in Base.metadata.sorted_tables:
            if not table.name.startswith("eg_user_"):
                continue
            for row in await session.execute(select(table)):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


async def test_raw_user_rows_hold_no_plaintext_pii(api: httpx.AsyncClient, platform: Platform) -> None:
    await _create_employee(api)
    await citizen_login(api)

    stored = await _all_stored_text(platform)

    for plain in (
        "Zorawar",
        "9123456780",
        "zorawar.s@example.org",
        "Zorawar.S@Example.org",
        "Lawrence",
        "EMP_PII_1",
        CITIZEN_MOBILE,
        "Demo Citizen",
        "GRO_AMR",
        "eGov@123",
        "Strong@123",
    ):
        assert plain not in stored, plain


async def test_search_by_mobile_number_finds_the_user_through_the_blind_index(api: httpx.AsyncClient) -> None:
    created = await _create_employee(api)
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await _search(api, headers, tenantId="pb.amritsar", mobileNumber="9123456780")

    assert response.status_code == 200
    assert [u["uuid"] for u in response.json()["user"]] == [created["uuid"]]


async def test_search_by_email_ignores_case(api: httpx.AsyncClient) -> None:
    created = await _create_employee(api)
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await _search(api, headers, tenantId="pb.amritsar", emailId="zorawar.s@example.org")

    assert [u["uuid"] for u in response.json()["user"]] == [created["uuid"]]


async def test_search_by_user_name_and_by_role_codes(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    by_name = await _search(api, headers, tenantId="pb.amritsar", userName="LME_AMR_1")
    by_role = await _search(api, headers, tenantId="pb.amritsar", roleCodes=["PGR_LME"], userType="EMPLOYEE")

    assert [u["userName"] for u in by_name.json()["user"]] == ["LME_AMR_1"]
    assert sorted(u["userName"] for u in by_role.json()["user"]) == ["LME_AMR_1", "LME_AMR_2"]


async def test_search_pages_with_page_size_and_number(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")
    criteria = {"tenantId": "pb.amritsar", "userType": "EMPLOYEE", "pageSize": 2}

    first = await _search(api, headers, **criteria, pageNumber=0)
    second = await _search(api, headers, **criteria, pageNumber=1)

    first_ids = [u["uuid"] for u in first.json()["user"]]
    second_ids = [u["uuid"] for u in second.json()["user"]]
    assert len(first_ids) == 2 and len(second_ids) == 2
    assert not set(first_ids) & set(second_ids)


async def test_search_of_another_city_is_403(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await _search(api, headers, tenantId="pb.jalandhar", userName="GRO_JAL")

    assert response.status_code == 403


async def test_caller_without_a_pii_role_sees_masked_pii(api: httpx.AsyncClient) -> None:
    headers = await login(api, "COLL_AMR", "pb.amritsar")

    response = await _search(api, headers, tenantId="pb.amritsar", mobileNumber=CITIZEN_MOBILE, userType="CITIZEN")

    user = response.json()["user"][0]
    assert user["mobileNumber"] == "******9999"
    assert user["name"] == "********izen"


async def test_caller_with_a_pii_role_sees_pii_in_clear(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await _search(api, headers, tenantId="pb.amritsar", mobileNumber=CITIZEN_MOBILE, userType="CITIZEN")

    assert response.json()["user"][0]["mobileNumber"] == CITIZEN_MOBILE


async def test_own_record_is_unmasked_and_not_audited(api: httpx.AsyncClient) -> None:
    headers = await login(api, "COLL_AMR", "pb.amritsar")
    await _search(api, headers, tenantId="pb.amritsar", userName="COLL_AMR")
    admin = await login(api, "ADMIN", "pb")

    own = await _search(api, headers, tenantId="pb.amritsar", userName="COLL_AMR")
    audits = await api.post("/user/pii-audit/v1/_search", json={**RI, "tenantId": "pb"}, headers=admin)

    assert own.json()["user"][0]["mobileNumber"] == "9800000007"
    assert audits.json()["PiiAudits"] == []


async def test_unmasked_read_of_another_person_is_audited_and_searchable(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")
    gro = (await api.post("/user/_details", json=RI, headers=headers)).json()
    found = await api.post(
        "/user/_search",
        json={**RI, "tenantId": "pb.amritsar", "mobileNumber": CITIZEN_MOBILE, "purpose": "complaint"},
        headers=headers,
    )
    citizen_uuid = found.json()["user"][0]["uuid"]
    admin = await login(api, "ADMIN", "pb")

    response = await api.post(
        "/user/pii-audit/v1/_search", json={**RI, "tenantId": "pb", "subjectUuid": citizen_uuid}, headers=admin
    )

    assert response.status_code == 200
    audits = response.json()["PiiAudits"]
    assert [(a["accessorUuid"], a["subjectUuid"], a["purpose"]) for a in audits] == [
        (gro["uuid"], citizen_uuid, "complaint")
    ]
    assert {"name", "mobileNumber"} <= set(audits[0]["fields"])


async def test_masked_read_writes_no_audit(api: httpx.AsyncClient) -> None:
    headers = await login(api, "COLL_AMR", "pb.amritsar")
    await _search(api, headers, tenantId="pb.amritsar", mobileNumber=CITIZEN_MOBILE, userType="CITIZEN")
    admin = await login(api, "ADMIN", "pb")

    response = await api.post("/user/pii-audit/v1/_search", json={**RI, "tenantId": "pb"}, headers=admin)

    assert response.json()["PiiAudits"] == []


async def test_pii_audit_search_needs_an_admin(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post("/user/pii-audit/v1/_search", json={**RI, "tenantId": "pb.amritsar"}, headers=headers)

    assert response.status_code == 403


async def test_search_by_exact_name_ignores_case(api: httpx.AsyncClient) -> None:
    created = await _create_employee(api)
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await _search(api, headers, tenantId="pb.amritsar", name="zorawar singhania")

    assert [u["uuid"] for u in response.json()["user"]] == [created["uuid"]]
