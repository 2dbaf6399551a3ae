"""SLA escalation from MDMS Workflow.AutoEscalation, run by a leader-elected scheduler (block: workflow)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from digit.blocks.workflow.escalation import AUTO_ESCALATION_UUID, Escalator, escalate_due
from digit.kernel.clock import FrozenClock
from digit.kernel.events import OutboxRow
from digit.kernel.platform import Platform
from tests.workflow_helpers import RI, WF, employee, instance, new_business_id, ok, search


async def _assigned(api: httpx.AsyncClient) -> str:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))
    return business_id


async def test_application_past_its_state_sla_is_escalated(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    business_id = await _assigned(api)
    gro = await employee(api, "GRO_AMR")
    clock.advance(days=3, minutes=1)

    escalated = await escalate_due(platform)
    latest = (await search(api, gro, businessIds=business_id)).json()["ProcessInstances"][0]

    assert [e["businessId"] for e in escalated] == [business_id]
    assert latest["action"] == "REASSIGN"
    assert latest["state"]["state"] == "PENDINGFORREASSIGNMENT"
    assert latest["escalated"] is True
    assert latest["assigner"]["uuid"] == AUTO_ESCALATION_UUID


async def test_application_within_its_sla_is_left_alone(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    await _assigned(api)
    clock.advance(days=2)

    escalated = await escalate_due(platform)

    assert escalated == []


async def test_escalation_publishes_on_the_configured_topic(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    business_id = await _assigned(api)
    clock.advance(days=4)

    await escalate_due(platform)
    async with platform.read_sessions() as session:
        topics = list(await session.scalars(select(OutboxRow.topic).where(OutboxRow.aggregate_id == business_id)))

    assert topics.count("pgr-auto-escalation") == 1
    assert topics.count("save-wf-transitions") == 3


async def test_escalation_endpoint_runs_a_round_for_a_superuser(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    business_id = await _assigned(api)
    admin = await employee(api, "ADMIN", "pb")
    clock.advance(days=4)

    response = await api.post(f"{WF}/auto/PGR/_escalate", json={"RequestInfo": RI}, headers=admin.headers)

    assert response.status_code == 200, response.text
    assert [p["businessId"] for p in response.json()["ProcessInstances"]] == [business_id]


async def test_only_one_process_leads_the_escalation_on_postgresql(
    platform: Platform,
    is_postgres: bool,
    make_api: Callable[..., Awaitable[tuple[FastAPI, Any]]],
) -> None:
    if not is_postgres:
        pytest.skip("SQLite runs one process; there the scheduler uses a plain asyncio lock")
    other_app, _ = await make_api()
    other: Platform = other_app.state.platform
    first, second = platform.get(Escalator).leadership, other.get(Escalator).leadership

    first_leads = await first.acquire()
    second_leads_while_first_lives = await second.acquire()
    await first.release()
    second_leads_after = await second.acquire()
    await second.release()

    assert (first_leads, second_leads_while_first_lives, second_leads_after) == (True, False, True)


async def test_escalation_endpoint_runs_a_round_while_another_process_leads_the_scheduler(
    api: httpx.AsyncClient, clock: FrozenClock, make_api: Callable[..., Awaitable[tuple[FastAPI, Any]]]
) -> None:
    business_id = await _assigned(api)
    admin = await employee(api, "ADMIN", "pb")
    worker_app, _ = await make_api()
    worker = worker_app.state.platform.get(Escalator).leadership
    worker_leads = await worker.acquire()  # as `digit worker` does
    clock.advance(days=4)

    response = await api.post(f"{WF}/auto/PGR/_escalate", json={"RequestInfo": RI}, headers=admin.headers)
    await worker.release()

    assert worker_leads is True
    assert response.status_code == 200, response.text
    assert [p["businessId"] for p in response.json()["ProcessInstances"]] == [business_id]
