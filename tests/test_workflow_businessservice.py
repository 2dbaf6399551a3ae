"""Business services: validation naming the fault, city -> state fallback, versions (block: workflow)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from digit.kernel.clock import FrozenClock
from tests.workflow_helpers import RI, WF, Caller, codes, employee, instance, new_business_id, ok, transition


def small_config(tenant_id: str = "pb", code: str = "TESTSVC") -> dict[str, Any]:
    return {
        "tenantId": tenant_id,
        "businessService": code,
        "business": "test-services",
        "businessServiceSla": 86_400_000,
        "states": [
            {
                "state": None,
                "isStartState": True,
                "actions": [{"action": "APPLY", "nextState": "OPEN", "roles": ["CITIZEN", "CSR"]}],
            },
            {
                "state": "OPEN",
                "applicationStatus": "OPEN",
                "sla": 3_600_000,
                "actions": [
                    {"action": "CLOSE", "nextState": "CLOSED", "roles": ["GRO"]},
                    {"action": "COMMENT", "nextState": "OPEN", "roles": ["*"]},
                ],
            },
            {"state": "CLOSED", "applicationStatus": "CLOSED", "isTerminateState": True},
        ],
    }


async def create(
    api: httpx.AsyncClient, caller: Caller, *configs: dict[str, Any], path: str = "_create"
) -> httpx.Response:
    return await api.post(
        f"{WF}/businessservice/{path}",
        json={"RequestInfo": RI, "BusinessServices": list(configs)},
        headers=caller.headers,
    )


async def business_services(api: httpx.AsyncClient, caller: Caller, tenant_id: str, code: str) -> list[dict[str, Any]]:
    response = await api.post(
        f"{WF}/businessservice/_search",
        params={"tenantId": tenant_id, "businessServices": code},
        json={"RequestInfo": RI},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["BusinessServices"]
    return found


async def test_search_at_a_city_falls_back_to_the_state_config(api: httpx.AsyncClient) -> None:
    gro = await employee(api, "GRO_AMR")

    found = await business_services(api, gro, "pb.amritsar", "PGR")

    assert len(found) == 1
    assert {"PENDINGFORASSIGNMENT", "PENDINGATLME", "RESOLVED"} <= {s["state"] for s in found[0]["states"]}
    assert found[0]["businessServiceSla"] == 432_000_000


async def test_city_config_wins_over_the_state_one(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    await create(api, admin, small_config("pb"))
    city = small_config("pb.amritsar")
    city["businessServiceSla"] = 1000
    created = await create(api, admin, city)

    amritsar = await business_services(api, admin, "pb.amritsar", "TESTSVC")
    jalandhar = await business_services(api, admin, "pb.jalandhar", "TESTSVC")

    assert created.status_code == 200, created.text
    assert amritsar[0]["businessServiceSla"] == 1000
    assert jalandhar[0]["businessServiceSla"] == 86_400_000


async def test_create_without_a_start_state_names_the_fault(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    config = small_config()
    config["states"][0]["isStartState"] = False

    response = await create(api, admin, config)

    assert response.status_code == 400
    assert "INVALID_START_STATE" in codes(response)


async def test_create_with_an_unknown_next_state_names_it(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    config = small_config()
    config["states"][1]["actions"][0]["nextState"] = "NOWHERE"

    response = await create(api, admin, config)

    assert response.status_code == 400
    assert codes(response) == ["INVALID NEXTSTATE"]
    assert "NOWHERE" in response.json()["Errors"][0]["message"]


async def test_create_with_a_role_not_in_access_control_names_it(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    config = small_config()
    config["states"][1]["actions"][0]["roles"] = ["NO_SUCH_ROLE"]

    response = await create(api, admin, config)

    assert response.status_code == 400
    assert codes(response) == ["INVALID ROLE"]
    assert "NO_SUCH_ROLE" in response.json()["Errors"][0]["message"]


async def test_create_with_a_dead_end_state_is_refused(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    config = small_config()
    config["states"][2]["isTerminateState"] = False

    response = await create(api, admin, config)

    assert response.status_code == 400
    assert codes(response) == ["INVALID STATE"]


async def test_create_twice_is_refused(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    await create(api, admin, small_config())

    response = await create(api, admin, small_config())

    assert response.status_code == 400
    assert codes(response) == ["INVALID BUSINESSSERVICE"]


async def test_create_needs_an_admin_role(api: httpx.AsyncClient) -> None:
    gro = await employee(api, "GRO_AMR")

    response = await create(api, gro, small_config("pb.amritsar"))

    assert response.status_code == 403


async def test_next_state_given_as_the_uuid_of_a_state_of_the_config_resolves(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    config = small_config()
    open_uuid = "04752227-e267-43e3-bfd8-6e48bdbfd97a"
    for action in config["states"][1]["actions"]:
        action["currentState"] = open_uuid  # CCRS files name a state's uuid through its actions
    config["states"][0]["actions"][0]["nextState"] = open_uuid

    response = await create(api, admin, config)

    assert response.status_code == 200, response.text
    states = {s["state"]: s for s in response.json()["BusinessServices"][0]["states"]}
    assert states[None]["actions"][0]["nextState"] == states["OPEN"]["uuid"]


async def test_terminal_states_keep_their_actions_as_in_digit_pgr(api: httpx.AsyncClient) -> None:
    csr, gro, lme = await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR"), await employee(api, "LME_AMR_1")
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY"))
    await ok(api, gro, instance(business_id, "ASSIGN", assignes=[{"uuid": lme.uuid}]))
    resolved = (await ok(api, lme, instance(business_id, "RESOLVE")))[0]

    reopened = (await ok(api, csr, instance(business_id, "REOPEN")))[0]

    assert resolved["state"]["isTerminateState"] is True
    assert reopened["state"]["state"] == "PENDINGFORASSIGNMENT"


async def test_update_applies_to_new_applications_only(api: httpx.AsyncClient) -> None:
    admin, csr, gro = await employee(api, "ADMIN", "pb"), await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    await create(api, admin, small_config())
    started = new_business_id()
    await ok(api, csr, instance(started, "APPLY", businessService="TESTSVC"))
    changed = copy.deepcopy(small_config())
    changed["states"][1]["actions"] = [a for a in changed["states"][1]["actions"] if a["action"] != "CLOSE"]
    changed["states"][1]["actions"].append({"action": "RESOLVE", "nextState": "CLOSED", "roles": ["GRO"]})
    updated = await create(api, admin, changed, path="_update")
    fresh = new_business_id()
    await ok(api, csr, instance(fresh, "APPLY", businessService="TESTSVC"))

    old_close = await transition(api, gro, instance(started, "CLOSE", businessService="TESTSVC"))
    new_close = await transition(api, gro, instance(fresh, "CLOSE", businessService="TESTSVC"))

    assert updated.status_code == 200, updated.text
    assert updated.json()["BusinessServices"][0]["version"] == 2
    assert old_close.status_code == 200
    assert codes(new_close) == ["INVALID ACTION"]


async def test_update_of_an_unknown_business_service_is_refused(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")

    response = await create(api, admin, small_config(code="NEVERMADE"), path="_update")

    assert response.status_code == 400
    assert codes(response) == ["INVALID BUSINESSSERVICE"]


async def test_self_loop_with_star_role_is_open_to_any_role_of_the_service(api: httpx.AsyncClient) -> None:
    admin, csr, gro = await employee(api, "ADMIN", "pb"), await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    await create(api, admin, small_config())
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY", businessService="TESTSVC"))

    commented = await ok(api, gro, instance(business_id, "COMMENT", businessService="TESTSVC", comment="seen"))

    assert commented[0]["state"]["state"] == "OPEN"
    assert commented[0]["comment"] == "seen"


async def test_state_needing_documents_refuses_a_transition_without_them(api: httpx.AsyncClient) -> None:
    admin, csr, gro = await employee(api, "ADMIN", "pb"), await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    config = small_config()
    config["states"][2]["docUploadRequired"] = True
    await create(api, admin, config)
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY", businessService="TESTSVC"))

    bare = await transition(api, gro, instance(business_id, "CLOSE", businessService="TESTSVC"))
    documented = await transition(
        api,
        gro,
        instance(
            business_id, "CLOSE", businessService="TESTSVC", documents=[{"documentType": "PHOTO", "fileStoreId": "f-1"}]
        ),
    )

    assert codes(bare) == ["INVALID DOCUMENT"]
    assert documented.status_code == 200
    assert documented.json()["ProcessInstances"][0]["documents"][0]["fileStoreId"] == "f-1"


def assigned_config(*, supervisor_roles: list[str] | None = None) -> dict[str, Any]:
    """OPEN is worked by GRO or SUPERUSER; the APPLY puts it on one person's desk."""
    config = small_config()
    config["states"][1]["actions"][0]["roles"] = ["GRO", "SUPERUSER"]
    if supervisor_roles is not None:
        config["states"][1]["supervisorRoles"] = supervisor_roles
    return config


async def test_close_by_a_non_assignee_without_a_supervising_role_is_refused(api: httpx.AsyncClient) -> None:
    admin, csr, gro = await employee(api, "ADMIN", "pb"), await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    await create(api, admin, assigned_config())
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY", businessService="TESTSVC", assignes=[{"uuid": gro.uuid}]))

    response = await transition(api, admin, instance(business_id, "CLOSE", businessService="TESTSVC"))

    assert response.status_code == 400
    assert codes(response) == ["INVALID_USER"]


async def test_close_by_a_supervising_role_of_the_state_is_allowed(api: httpx.AsyncClient) -> None:
    admin, csr, gro = await employee(api, "ADMIN", "pb"), await employee(api, "CSR_AMR"), await employee(api, "GRO_AMR")
    await create(api, admin, assigned_config(supervisor_roles=["SUPERUSER"]))
    business_id = new_business_id()
    await ok(api, csr, instance(business_id, "APPLY", businessService="TESTSVC", assignes=[{"uuid": gro.uuid}]))

    closed = await ok(api, admin, instance(business_id, "CLOSE", businessService="TESTSVC"))

    assert closed[0]["state"]["state"] == "CLOSED"


async def test_search_shows_the_supervising_roles_of_a_state(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")
    await create(api, admin, assigned_config(supervisor_roles=["SUPERUSER"]))

    found = await business_services(api, admin, "pb", "TESTSVC")

    by_name = {s["state"]: s for s in found[0]["states"]}
    assert by_name["OPEN"]["supervisorRoles"] == ["SUPERUSER"]
    assert "supervisorRoles" not in by_name["CLOSED"]


async def test_create_with_an_unknown_supervising_role_is_refused(api: httpx.AsyncClient) -> None:
    admin = await employee(api, "ADMIN", "pb")

    response = await create(api, admin, assigned_config(supervisor_roles=["NOT_A_ROLE"]))

    assert response.status_code == 400
    assert codes(response) == ["INVALID ROLE"]


async def test_a_new_version_saved_by_one_process_governs_new_applications_in_another(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]], clock: FrozenClock
) -> None:
    """Each process caches business services; a save elsewhere reaches it within `cache_check_ms` (1 s)."""
    _, first = await make_api()
    _, second = await make_api()
    admin, csr = await employee(first, "ADMIN", "pb"), await employee(second, "CSR_AMR")
    await create(first, admin, small_config())
    await ok(second, csr, instance(new_business_id(), "APPLY", businessService="TESTSVC"))  # cached in `second`
    changed = copy.deepcopy(small_config())
    changed["states"][0]["actions"][0]["action"] = "SUBMIT"

    assert (await create(first, admin, changed, path="_update")).status_code == 200
    clock.advance(seconds=1)

    refused = await transition(second, csr, instance(new_business_id(), "APPLY", businessService="TESTSVC"))
    accepted = await transition(second, csr, instance(new_business_id(), "SUBMIT", businessService="TESTSVC"))
    assert codes(refused) == ["INVALID ACTION"]
    assert accepted.status_code == 200, accepted.text
