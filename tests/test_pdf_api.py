"""pdf-service over HTTP: `_createnosave`, `_create` + `_search`, and bad input answered 400 with nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from digit.blocks.pdf.models import JobRow, TemplateRow
from digit.kernel.db import stamp
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID
from tests.builders import login
from tests.test_pdf_render import COMPLAINT, PAYMENT, pdf_text

RECEIPT_BODY: dict[str, Any] = {"RequestInfo": {"apiId": "test"}, "Payments": [PAYMENT]}


async def _jobs(platform: Platform) -> int:
    async with platform.read_sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(JobRow)) or 0)


async def test_createnosave_answers_a_pdf(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(
        "/pdf-service/v1/_createnosave",
        params={"key": "consolidatedreceipt", "tenantId": "pb.amritsar"},
        json=RECEIPT_BODY,
        headers=gro,
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


async def test_create_stores_the_pdf_and_search_finds_the_job(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    body = {"RequestInfo": {}, "ServiceWrappers": [COMPLAINT]}

    created = await api.post(
        "/pdf-service/v1/_create",
        params={"key": "pgr-acknowledgement", "tenantId": "pb.amritsar"},
        json=body,
        headers=gro,
    )
    job = created.json()
    found = await api.post(
        "/pdf-service/v1/_search", params={"tenantid": "pb.amritsar", "jobid": job["jobid"]}, json={}, headers=gro
    )
    download = await api.get(
        "/filestore/v1/files/id",
        params={"tenantId": "pb.amritsar", "fileStoreId": job["filestoreIds"][0]},
        headers=gro,
    )

    assert created.status_code == 200
    assert (job["key"], job["tenantid"], job["totalcount"], len(job["filestoreIds"])) == (
        "pgr-acknowledgement",
        "pb.amritsar",
        1,
        1,
    )
    assert found.status_code == 200
    assert [(r["jobid"], r["filestoreids"]) for r in found.json()["searchresult"]] == [
        (job["jobid"], job["filestoreIds"])
    ]
    assert download.content.startswith(b"%PDF")


async def test_create_with_unknown_key_is_400_and_stores_nothing(api: httpx.AsyncClient, platform: Platform) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(
        "/pdf-service/v1/_create",
        params={"key": "no-such-key", "tenantId": "pb.amritsar"},
        json=RECEIPT_BODY,
        headers=gro,
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_KEY"]
    assert await _jobs(platform) == 0


async def test_create_with_missing_fields_is_400_naming_them(api: httpx.AsyncClient, platform: Platform) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    complaint = {"service": {**COMPLAINT["service"], "serviceRequestId": None}}

    response = await api.post(
        "/pdf-service/v1/_create",
        params={"key": "pgr-acknowledgement", "tenantId": "pb.amritsar"},
        json={"RequestInfo": {}, "ServiceWrappers": [complaint]},
        headers=gro,
    )

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["ServiceWrappers[0].service.serviceRequestId"]
    assert await _jobs(platform) == 0


async def test_createnosave_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/pdf-service/v1/_createnosave",
        params={"key": "consolidatedreceipt", "tenantId": "pb.amritsar"},
        json=RECEIPT_BODY,
    )

    assert response.status_code == 401


async def test_createnosave_uses_the_locale_in_request_info(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    body = {**RECEIPT_BODY, "RequestInfo": {"userInfo": {"locale": "hi_IN"}}}

    response = await api.post(
        "/pdf-service/v1/_createnosave",
        params={"key": "consolidatedreceipt", "tenantId": "pb.amritsar"},
        json=body,
        headers=gro,
    )

    assert response.status_code == 200
    assert "भुगतानरसीद" in pdf_text(response.content)


async def test_city_template_overrides_the_state_one(api: httpx.AsyncClient, platform: Platform) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    async with platform.sessions() as session, session.begin():
        state = await session.scalar(
            select(TemplateRow).where(TemplateRow.tenant_id == "pb", TemplateRow.key == "consolidatedreceipt")
        )
        assert state is not None
        labels = {
            **state.config["labels"],
            "en_IN": {**state.config["labels"]["en_IN"], "PDF_RECEIPT_TITLE": "Amritsar"},
        }
        city = TemplateRow(
            tenant_id="pb.amritsar", key="consolidatedreceipt", config={**state.config, "labels": labels}
        )
        stamp(city, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms())
        session.add(city)

    response = await api.post(
        "/pdf-service/v1/_createnosave",
        params={"key": "consolidatedreceipt", "tenantId": "pb.amritsar", "locale": "en_IN"},
        json=RECEIPT_BODY,
        headers=gro,
    )

    assert response.status_code == 200
    assert pdf_text(response.content).startswith("Amritsar")


async def test_search_by_repeated_and_comma_separated_job_ids_finds_each(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    body = {"RequestInfo": {}, "ServiceWrappers": [COMPLAINT]}
    params = {"key": "pgr-acknowledgement", "tenantId": "pb.amritsar"}
    jobs = [(await api.post("/pdf-service/v1/_create", params=params, json=body, headers=gro)).json() for _ in "abc"]
    query = [
        ("tenantid", "pb.amritsar"),
        ("jobid", f"{jobs[0]['jobid']},{jobs[1]['jobid']}"),
        ("jobid", jobs[2]["jobid"]),
    ]

    found = await api.post("/pdf-service/v1/_search", params=query, json={}, headers=gro)

    assert found.status_code == 200
    assert sorted(r["jobid"] for r in found.json()["searchresult"]) == sorted(j["jobid"] for j in jobs)


async def test_search_without_job_or_entity_id_is_400(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post("/pdf-service/v1/_search", params={"tenantid": "pb.amritsar"}, json={}, headers=gro)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_SEARCH"]
