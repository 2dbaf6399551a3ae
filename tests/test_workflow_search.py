"""Process search, count, history, remaining SLA and transition events (block: workflow)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from digit.kernel.clock import FrozenClock
from digit.kernel.events import OutboxRow
from digit.kernel.platform import Platform
from tests.workflow_helpers import RI, WF, citizen, employee, instance, new_business_id, ok, search


async def test_search_returns_the_latest_instance_per_application(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "REJECT"))

    response = await search(api, gro, businessIds=business_id)

    assert response.status_code == 200
    body = response.json()
    assert [p["action"] for p in body["ProcessInstances"]] == ["REJECT"]
    assert body["totalCount"] == 1


async def test_search_with_history_returns_every_step_newest_first(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "REJECT"))

    body = (await search(api, gro, businessIds=business_id, history="true")).json()

    assert [p["action"] for p in body["ProcessInstances"]] == ["REJECT", "APPLY"]
    assert body["ProcessInstances"][0]["previousStatus"] == "PENDINGFORASSIGNMENT"


async def test_search_by_assignee_and_status(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    lme1, lme2 = await employee(api, "LME_AMR_1"), await employee(api, "LME_AMR_2")
    mine, theirs, waiting = new_business_id(), new_business_id(), new_business_id()
    await ok(api, csr, instance(mine, "APPLY"), instance(theirs, "APPLY"), instance(waiting, "APPLY"))
    await ok(
        api,
        gro,
        instance(mine, "ASSIGN", assignes=[{"uuid": lme1.uuid}]),
        instance(theirs, "ASSIGN", assignes=[{"uuid": lme2.uuid}]),
    )

    assigned = (await search(api, lme1, assignee=lme1.uuid)).json()
    pending = (await search(api, gro, status="PENDINGFORASSIGNMENT")).json()

    assert [p["businessId"] for p in assigned["ProcessInstances"]] == [mine]
    assert [p["businessId"] for p in pending["ProcessInstances"]] == [waiting]


async def test_search_pages_with_offset_and_limit(api: httpx.AsyncClient) -> None:
    csr = await employee(api, "CSR_AMR")
    ids = [new_business_id() for _ in range(5)]
    await ok(api, csr, *(instance(i, "APPLY") for i in ids))

    page = (await search(api, csr, businessIds=",".join(ids), offset=2, limit=2)).json()

    assert len(page["ProcessInstances"]) == 2
    assert page["totalCount"] == 5


async def test_count_answers_a_bare_number_as_digit_does(api: httpx.AsyncClient) -> None:
    csr = await employee(api, "CSR_AMR")
    await ok(api, csr, instance(new_business_id(), "APPLY"), instance(new_business_id(), "APPLY"))

    response = await api.post(
        f"{WF}/process/_count", params={"tenantId": "pb.amritsar"}, json={"RequestInfo": RI}, headers=csr.headers
    )

    assert response.status_code == 200
    assert response.json() == 2


async def test_status_count_lists_applications_per_status(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    first, second = new_business_id(), new_business_id()
    await ok(api, csr, instance(first, "APPLY"), instance(second, "APPLY"))
    await ok(api, gro, instance(first, "REJECT"))

    response = await api.post(
        f"{WF}/process/_statuscount", params={"tenantId": "pb.amritsar"}, json={"RequestInfo": RI}, headers=gro.headers
    )

    counts = {c["applicationstatus"]: c["count"] for c in response.json()}
    assert counts == {"PENDINGFORASSIGNMENT": 1, "REJECTED": 1}


async def test_citizen_search_sees_only_own_applications(api: httpx.AsyncClient) -> None:
    me, csr = await citizen(api), await employee(api, "CSR_AMR")
    mine, other = new_business_id(), new_business_id()
    await ok(api, me, instance(mine, "APPLY"))
    await ok(api, csr, instance(other, "APPLY"))

    found = (await search(api, me)).json()["ProcessInstances"]

    assert [p["businessId"] for p in found] == [mine]


async def test_remaining_sla_counts_down_with_the_clock(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))
    clock.advance(days=1)

    latest = (await search(api, lme, businessIds=business_id)).json()["ProcessInstances"][0]

    day = 86_400_000
    assert 2 * day - 1000 < latest["stateSla"] <= 2 * day
    assert 4 * day - 1000 < latest["businesssServiceSla"] <= 4 * day


async def test_every_transition_emits_save_wf_transitions_without_pii(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    me, gro = await citizen(api), await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, me, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "REJECT", comment="duplicate"))

    async with platform.read_sessions() as session:
        events = list(
            await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.topic == "save-wf-transitions", OutboxRow.aggregate_id == business_id)
                .order_by(OutboxRow.seq)
            )
        )

    assert [(e.data["action"], e.data["fromState"], e.data["toState"]) for e in events] == [
        ("APPLY", None, "PENDINGFORASSIGNMENT"),
        ("REJECT", "PENDINGFORASSIGNMENT", "REJECTED"),
    ]
    assert events[1].data["actorUuid"] == gro.uuid
    assert events[1].data["applicantUuid"] == me.uuid
    assert "comment" not in events[1].data
    assert "9999999999" not in str([e.data for e in events])
