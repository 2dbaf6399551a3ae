"""Concurrent transitions: one winner per step, the loser 409, no lost or duplicated history (block: workflow)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from digit.blocks.workflow import service
from digit.blocks.workflow.schemas import ProcessInstanceIn
from digit.kernel.envelope import Role
from digit.kernel.errors import Conflict
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from tests.test_workflow_businessservice import create, small_config
from tests.workflow_helpers import employee, instance, new_business_id, ok, search, transition

CLIENTS = 50


async def test_fifty_concurrent_assigns_have_exactly_one_winner(api: httpx.AsyncClient) -> None:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    assign = instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}])

    responses = await asyncio.gather(*(transition(api, gro, assign) for _ in range(CLIENTS)))
    history = (await search(api, gro, businessIds=business_id, history="true")).json()["ProcessInstances"]

    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 1
    assert set(statuses) - {200} <= {400, 409}
    assert sorted(h["action"] for h in history) == ["APPLY", "ASSIGN"]


async def test_fifty_concurrent_clients_lose_and_duplicate_no_step(api: httpx.AsyncClient) -> None:
    admin, csr, gro = await employee(api, "ADMIN", "pb"), await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    await create(api, admin, small_config())
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY", businessService="TESTSVC"))
    conflicts = 0

    async def comment(number: int) -> None:
        nonlocal conflicts
        body = instance(business_id, "COMMENT", businessService="TESTSVC", comment=f"note {number}")
        for _attempt in range(200):
            response = await transition(api, gro, body)
            if response.status_code == 200:
                return
            assert response.status_code == 409, response.text
            conflicts += 1
        raise AssertionError("a client never got through")

    await asyncio.gather(*(comment(n) for n in range(CLIENTS)))
    history = (await search(api, gro, businessIds=business_id, history="true", limit=500)).json()

    comments = sorted(h["comment"] for h in history["ProcessInstances"] if h["action"] == "COMMENT")
    assert comments == sorted(f"note {n}" for n in range(CLIENTS))
    assert history["totalCount"] == CLIENTS + 1


async def _until_a_lock_is_awaited(platform: Platform) -> None:
    """Wait (polling PostgreSQL, not the clock) until some transaction waits for a row lock."""
    async with platform.engine.connect() as watcher:
        for _ in range(10_000):
            waiting = await watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            if waiting:
                return
            await watcher.rollback()
            await asyncio.sleep(0)
    raise AssertionError("the second transition never waited for the first")


async def test_second_of_two_overlapping_transitions_is_409(
    api: httpx.AsyncClient, platform: Platform, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("SQLite serialises writers: the second transaction starts after the first commits")
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    actor = Actor(uuid=gro.uuid, type="EMPLOYEE", tenant_id="pb.amritsar", roles=(Role(code="GRO", tenant_id="pb"),))
    reject = [ProcessInstanceIn.model_validate(instance(business_id, "REJECT"))]
    now = platform.clock.now_ms()

    async with platform.sessions() as first, platform.sessions() as second:
        await service.transition(first, instances=reject, actor=actor, now_ms=now, users=None)
        racing = asyncio.create_task(service.transition(second, instances=reject, actor=actor, now_ms=now, users=None))
        await _until_a_lock_is_awaited(platform)
        await first.commit()
        with pytest.raises(Conflict) as raised:
            await racing
        await second.rollback()

    assert raised.value.status_code == 409
