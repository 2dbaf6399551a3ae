"""Inbox v2: filters, counts per status and SLA bucket, paging, a fixed number of queries (block: inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import event

from digit.blocks.inbox.client import INBOX_CLIENT
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.workflow_helpers import RI, Caller, employee, instance, new_business_id, ok

INBOX = "/inbox/v2/_search"


async def inbox(
    api: httpx.AsyncClient, caller: Caller, *, offset: int = 0, limit: int = 10, **criteria: Any
) -> httpx.Response:
    module = criteria.pop("module", {})
    process = {"businessService": ["PGR"], "moduleName": "pgr-services", **criteria}
    body = {
        "RequestInfo": RI,
        "inbox": {
            "tenantId": "pb.amritsar",
            "processSearchCriteria": process,
            "moduleSearchCriteria": module,
            "offset": offset,
            "limit": limit,
        },
    }
    return await api.post(INBOX, json=body, headers=caller.headers)


async def _desk(api: httpx.AsyncClient) -> dict[str, Any]:
    """Three complaints: two assigned to LME 1 (localities SUN01, SUN02), one waiting for the GRO (SUN01)."""
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    lme = await employee(api, "LME_AMR_1")
    first, second, waiting = new_business_id(), new_business_id(), new_business_id()
    await ok(
        api,
        csr,
        instance(first, "APPLY", additionalDetails={"locality": "SUN01", "serviceCode": "NoStreetlight"}),
        instance(second, "APPLY", additionalDetails={"locality": "SUN02", "serviceCode": "GarbageNeedsTobeCleared"}),
        instance(waiting, "APPLY", additionalDetails={"locality": "SUN01", "serviceCode": "NoStreetlight"}),
    )
    await ok(
        api,
        gro,
        instance(first, "ASSIGN", assignes=[{"uuid": lme.uuid}]),
        instance(second, "ASSIGN", assignes=[{"uuid": lme.uuid}]),
    )
    return {"gro": gro, "lme": lme, "first": first, "second": second, "waiting": waiting}


async def test_inbox_counts_per_status_and_lists_open_items(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)

    response = await inbox(api, desk["gro"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalCount"] == 3
    assert {s["applicationstatus"]: s["count"] for s in body["statusMap"]} == {
        "PENDINGATLME": 2,
        "PENDINGFORASSIGNMENT": 1,
    }
    assert {i["ProcessInstance"]["businessId"] for i in body["items"]} == {
        desk["first"],
        desk["second"],
        desk["waiting"],
    }


async def test_inbox_assignee_me_lists_only_my_items(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)

    body = (await inbox(api, desk["lme"], assignee=desk["lme"].uuid)).json()

    assert body["totalCount"] == 2
    assert {i["businessObject"]["businessId"] for i in body["items"]} == {desk["first"], desk["second"]}


async def test_inbox_filters_by_status(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)

    body = (await inbox(api, desk["gro"], status=["PENDINGFORASSIGNMENT"])).json()

    assert [i["ProcessInstance"]["businessId"] for i in body["items"]] == [desk["waiting"]]


async def test_inbox_filters_by_locality(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)

    body = (await inbox(api, desk["gro"], module={"locality": ["SUN02"]})).json()

    assert [i["businessObject"]["locality"] for i in body["items"]] == ["SUN02"]
    assert body["totalCount"] == 1


async def test_inbox_filters_by_a_module_attribute(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)

    body = (await inbox(api, desk["gro"], module={"serviceCode": "NoStreetlight"})).json()

    assert {i["ProcessInstance"]["businessId"] for i in body["items"]} == {desk["first"], desk["waiting"]}


async def test_inbox_sla_buckets_and_breached_filter(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    desk = await _desk(api)
    clock.advance(days=4, hours=1)  # business SLA is 5 days: every item is now nearing it
    nearing = (await inbox(api, desk["gro"])).json()
    clock.advance(days=1)

    breached = (await inbox(api, desk["gro"], module={"slaBreached": True})).json()

    assert nearing["nearingSlaCount"] == 3
    assert nearing["slaBuckets"] == {"breached": 0, "nearing": 3, "onTime": 0}
    assert breached["totalCount"] == 3
    assert breached["slaBuckets"]["breached"] == 3


async def test_inbox_pages_in_the_requested_order(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    ids = [new_business_id() for _ in range(3)]
    for business_id in ids:  # one request each: each gets its own createdTime
        await ok(api, csr, instance(business_id, "APPLY"))
    oldest_first = {"sortBy": "createdTime", "sortOrder": "ASC"}

    first_page = (await inbox(api, gro, limit=2, module=oldest_first)).json()
    second_page = (await inbox(api, gro, offset=2, limit=2, module=oldest_first)).json()

    order = [i["ProcessInstance"]["businessId"] for i in first_page["items"] + second_page["items"]]
    assert order == ids
    assert first_page["totalCount"] == 3


async def test_inbox_uses_the_modules_business_objects(api: httpx.AsyncClient, platform: Platform) -> None:
    desk = await _desk(api)

    async def complaints(tenant_id: str, business_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {b: {"serviceRequestId": b, "tenantId": tenant_id} for b in business_ids}

    platform.get(INBOX_CLIENT).register_business_objects("pgr-services", complaints)

    body = (await inbox(api, desk["gro"], status=["PENDINGFORASSIGNMENT"])).json()

    assert body["items"][0]["businessObject"] == {"serviceRequestId": desk["waiting"], "tenantId": "pb.amritsar"}


async def test_inbox_query_count_does_not_grow_with_the_page(api: httpx.AsyncClient, platform: Platform) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    await ok(
        api, csr, *(instance(new_business_id(), "APPLY", additionalDetails={"locality": "SUN01"}) for _ in range(25))
    )
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(platform.engine.sync_engine, "before_cursor_execute", count)
    try:
        await inbox(api, gro, limit=1)
        small = len(statements)
        statements.clear()
        response = await inbox(api, gro, limit=25)
        large = len(statements)
    finally:
        event.remove(platform.engine.sync_engine, "before_cursor_execute", count)

    assert len(response.json()["items"]) == 25
    assert large <= small  # never more; fewer when the first call filled the per-process caches


async def test_inbox_filters_by_the_state_uuid_the_status_map_gives(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)
    counts = (await inbox(api, desk["gro"])).json()["statusMap"]
    waiting = next(s["statusid"] for s in counts if s["applicationstatus"] == "PENDINGFORASSIGNMENT")

    body = (await inbox(api, desk["gro"], status=[waiting])).json()

    assert [i["ProcessInstance"]["businessId"] for i in body["items"]] == [desk["waiting"]]
    assert body["totalCount"] == 1


async def test_inbox_counts_leave_out_terminal_states_the_filter_does_not_name(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)
    await ok(api, desk["gro"], instance(desk["waiting"], "REJECT", comment="not a municipal matter"))

    open_only = (await inbox(api, desk["gro"])).json()
    rejected = (await inbox(api, desk["gro"], status=["REJECTED"])).json()

    assert {s["applicationstatus"]: s["count"] for s in open_only["statusMap"]} == {"PENDINGATLME": 2}
    assert {s["applicationstatus"]: s["count"] for s in rejected["statusMap"]} == {"PENDINGATLME": 2, "REJECTED": 1}
    assert [i["ProcessInstance"]["businessId"] for i in rejected["items"]] == [desk["waiting"]]


async def test_inbox_status_filter_naming_no_state_finds_nothing(api: httpx.AsyncClient) -> None:
    desk = await _desk(api)

    body = (await inbox(api, desk["gro"], status=["NOSUCHSTATUS"])).json()

    assert body["totalCount"] == 0 and body["items"] == []
