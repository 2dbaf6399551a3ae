"""The workflow client hands other blocks typed process instances, built from the rows (no dict to read by key),
whose `wire()` is exactly what DIGIT's `process/_search` answers."""

from __future__ import annotations

import httpx

from digit.blocks.workflow.client import WORKFLOW_CLIENT, ProcessInstance
from digit.kernel.platform import Platform
from tests.workflow_helpers import AMRITSAR, RI, WF, employee, instance, new_business_id, transition

VARYING = {"nextActions", "stateSla", "businesssServiceSla"}  # the asker's actions; SLAs left at the time asked


async def test_latest_is_typed_and_wires_as_the_search_answers(api: httpx.AsyncClient, platform: Platform) -> None:
    csr = await employee(api, "CSR_AMR")
    business_id = new_business_id()
    applied = await transition(api, csr, instance(business_id, "APPLY", comment="street dark"))
    assert applied.status_code == 200, applied.text

    latest = await platform.get(WORKFLOW_CLIENT).latest(tenant_id=AMRITSAR, business_ids=[business_id])
    searched = await api.post(
        f"{WF}/process/_search?tenantId={AMRITSAR}&businessIds={business_id}",
        json={"RequestInfo": RI},
        headers=csr.headers,
    )

    found = latest[business_id]
    assert isinstance(found, ProcessInstance)
    assert (found.action, found.state, found.application_status) == (
        "APPLY",
        "PENDINGFORASSIGNMENT",
        "PENDINGFORASSIGNMENT",
    )
    assert (found.assigner, found.comment, found.next_actions) == (csr.uuid, "street dark", ())
    assert found.business_sla_left_ms is not None and 0 < found.business_sla_left_ms <= 432_000_000
    [wire] = searched.json()["ProcessInstances"]
    assert {k: v for k, v in found.wire().items() if k not in VARYING} == {
        k: v for k, v in wire.items() if k not in VARYING
    }


async def test_history_is_typed_newest_first(api: httpx.AsyncClient, platform: Platform) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await transition(api, csr, instance(business_id, "APPLY"))
    lme = await employee(api, "LME_AMR_1")
    assigned = await transition(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))
    assert assigned.status_code == 200, assigned.text

    history = await platform.get(WORKFLOW_CLIENT).history(tenant_id=AMRITSAR, business_id=business_id)

    assert [(i.action, i.state) for i in history] == [("ASSIGN", "PENDINGATLME"), ("APPLY", "PENDINGFORASSIGNMENT")]
    assert history[0].assignees == (lme.uuid,)


async def test_business_service_is_the_typed_config(platform: Platform) -> None:
    config = await platform.get(WORKFLOW_CLIENT).business_service(tenant_id=AMRITSAR, code="PGR")

    assert config is not None and config.business_service == "PGR"
    assert "PENDINGFORASSIGNMENT" in {s.application_status for s in config.states}
