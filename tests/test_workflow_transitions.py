"""Workflow transitions through HTTP on DIGIT's classic PGR config as seeded (block: workflow)."""

from __future__ import annotations

import httpx

from tests.workflow_helpers import (
    Caller,
    citizen,
    codes,
    employee,
    instance,
    new_business_id,
    new_citizen,
    ok,
    search,
    transition,
)


async def test_apply_by_csr_moves_to_pending_for_assignment(api: httpx.AsyncClient) -> None:
    csr = await employee(api, "CSR_AMR")

    response = await transition(api, csr, instance(new_business_id(), "APPLY"))

    assert response.status_code == 200, response.text
    applied = response.json()["ProcessInstances"][0]
    assert applied["state"]["state"] == "PENDINGFORASSIGNMENT"
    assert applied["state"]["applicationStatus"] == "PENDINGFORASSIGNMENT"
    assert applied["businesssServiceSla"] == 432_000_000


async def test_action_not_allowed_from_the_state_is_invalid_action(api: httpx.AsyncClient) -> None:
    csr, lme = await employee(api, "CSR_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    response = await transition(api, lme, instance(business_id, "RESOLVE"))

    assert response.status_code == 400
    assert codes(response) == ["INVALID ACTION"]


async def test_action_without_the_role_is_invalid_role(api: httpx.AsyncClient) -> None:
    csr, lme = await employee(api, "CSR_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    response = await transition(api, lme, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))

    assert response.status_code == 400
    assert codes(response) == ["INVALID ROLE"]


async def test_role_in_another_city_does_not_count(api: httpx.AsyncClient) -> None:
    csr, gro_jalandhar = await employee(api, "CSR_AMR"), await employee(api, "GRO_JAL", "pb.jalandhar")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    response = await transition(api, gro_jalandhar, instance(business_id, "REJECT"))

    assert response.status_code in (400, 403)


async def test_assign_to_an_lme_records_assignee_and_state_sla(api: httpx.AsyncClient) -> None:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    assigned = (await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}])))[0]

    assert assigned["state"]["state"] == "PENDINGATLME"
    assert [a["uuid"] for a in assigned["assignes"]] == [lme.uuid]
    assert assigned["stateSla"] == 259_200_000
    assert assigned["assigner"]["uuid"] == gro.uuid


async def test_assignee_who_is_not_an_employee_of_the_tenant_is_refused(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    gro_jalandhar = await employee(api, "GRO_JAL", "pb.jalandhar")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    response = await transition(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": gro_jalandhar.uuid}]))

    assert response.status_code == 400
    assert codes(response) == ["INVALID_ASSIGNEE"]


async def test_unknown_assignee_is_refused(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    response = await transition(
        api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": "7a1e8a43-1111-4a5e-9c4c-000000000000"}])
    )

    assert response.status_code == 400
    assert codes(response) == ["INVALID_ASSIGNEE"]


async def test_batch_with_one_bad_instance_keeps_nothing(api: httpx.AsyncClient) -> None:
    csr = await employee(api, "CSR_AMR")
    good, bad = new_business_id(), new_business_id()

    response = await transition(api, csr, instance(good, "APPLY"), instance(bad, "RESOLVE"))
    found = await search(api, csr, businessIds=good)

    assert response.status_code == 400
    assert found.json()["ProcessInstances"] == []


async def test_rating_outside_rate_is_refused(api: httpx.AsyncClient) -> None:
    csr = await employee(api, "CSR_AMR")

    response = await transition(api, csr, instance(new_business_id(), "APPLY", rating=5))

    assert response.status_code == 400
    assert codes(response) == ["INVALID_ACTION"]


async def test_full_pgr_journey_ends_closed_after_resolution_with_rating(api: httpx.AsyncClient) -> None:
    me = await citizen(api)
    gro, lme = await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, me, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))
    await ok(api, lme, instance(business_id, "RESOLVE", comment="fixed"))

    rated = (await ok(api, me, instance(business_id, "RATE", rating=4)))[0]

    assert rated["state"]["state"] == "CLOSEDAFTERRESOLUTION"
    assert rated["rating"] == 4
    assert rated["nextActions"] == []


async def test_another_citizen_cannot_act_on_my_application(api: httpx.AsyncClient) -> None:
    me = await citizen(api)
    other = await new_citizen(api, "9888888888")
    gro = await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, me, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "REJECT"))

    response = await transition(api, other, instance(business_id, "REOPEN"))

    assert response.status_code == 400
    assert codes(response) == ["INVALID_USER"]


async def test_next_actions_are_filtered_by_the_callers_roles(api: httpx.AsyncClient) -> None:
    csr = await employee(api, "CSR_AMR")
    gro = await employee(api, "GRO_AMR")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))

    as_gro = (await search(api, gro, businessIds=business_id)).json()["ProcessInstances"][0]
    as_csr = (await search(api, csr, businessIds=business_id)).json()["ProcessInstances"][0]

    assert [a["action"] for a in as_gro["nextActions"]] == ["ASSIGN", "REJECT"]
    assert as_csr["nextActions"] == []


async def test_resolve_by_an_lme_who_is_not_the_assignee_is_refused(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    assignee, other = await employee(api, "LME_AMR_1"), await employee(api, "LME_AMR_2")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": assignee.uuid}]))

    response = await transition(api, other, instance(business_id, "RESOLVE", comment="not mine"))

    assert response.status_code == 400
    assert codes(response) == ["INVALID_USER"]


async def test_next_actions_of_an_assigned_application_are_empty_for_a_non_assignee(api: httpx.AsyncClient) -> None:
    csr, gro = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    assignee, other = await employee(api, "LME_AMR_1"), await employee(api, "LME_AMR_2")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": assignee.uuid}]))

    as_assignee = (await search(api, assignee, businessIds=business_id)).json()["ProcessInstances"][0]
    as_other = (await search(api, other, businessIds=business_id)).json()["ProcessInstances"][0]

    assert [a["action"] for a in as_assignee["nextActions"]] == ["REASSIGN", "RESOLVE"]
    assert as_other["nextActions"] == []


async def test_assign_retried_with_one_idempotency_key_answers_the_first_transition(api: httpx.AsyncClient) -> None:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    keyed = Caller({**gro.headers, "Idempotency-Key": "assign-1"}, gro.uuid)
    assign = instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}])
    first = await ok(api, keyed, assign)

    second = await transition(api, keyed, assign)

    assert second.status_code == 200, second.text
    assert [i["id"] for i in second.json()["ProcessInstances"]] == [i["id"] for i in first]
