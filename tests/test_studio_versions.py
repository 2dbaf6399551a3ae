"""Studio: `public-service-init` registers as Studio names it, applications keep the workflow version they were
made under, the form route, and in-app messages per state (service: studio)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.builders import citizen_login, login
from tests.studio_helpers import CITY, RI, act, apply, employee_with, load_config, studio

PET = Path(__file__).parent / "data" / "studio" / "petlicence"
INIT = "/public-service-init/v1/service"


def reviewed(service: str, action: str) -> dict[str, Any]:
    """The pet licence with no fee and one employee review whose action is `action`."""
    config: dict[str, Any] = json.loads((PET / "service.json").read_text(encoding="utf-8"))
    config["service"] = service
    config["idgen"][0]["idname"] = f"test.{service.lower()}"
    config["workflow"] = {
        "businessService": f"Animals.{service}",
        "business": "Animals",
        "ACTIVE": ["LICENSED"],
        "INACTIVE": [],
        "states": [
            {
                "state": None,
                "isStartState": True,
                "actions": [{"action": "APPLY", "nextState": "REVIEW", "roles": ["CITIZEN"]}],
            },
            {
                "state": "REVIEW",
                "applicationStatus": "REVIEW",
                "actions": [{"action": action, "nextState": "LICENSED", "roles": ["EMPLOYEE"]}],
            },
            {"state": "LICENSED", "applicationStatus": "LICENSED", "isTerminateState": True, "actions": []},
        ],
    }
    config["notification"] = {
        "sms": [],
        "event": [{"states": ["REVIEW"], "template": "Pet application {PublicService.applicationNo} is under review."}],
    }
    config["pdf"] = []
    return config


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def _register_with_init(api: httpx.AsyncClient, admin: dict[str, str], service: str) -> httpx.Response:
    body = {**RI, "Service": {"tenantId": CITY, "module": "Animals", "businessService": service, "status": "ACTIVE"}}
    return await api.post(INIT, json=body, headers=studio(admin))


async def _applied(api: httpx.AsyncClient, citizen: dict[str, str], code: str) -> dict[str, Any]:
    response = await apply(
        api, citizen, code, {"serviceDetails": {"pet": {"petName": "Bruno", "species": "DOG", "weightKg": 12}}}
    )
    assert response.status_code == 200, response.text
    application: dict[str, Any] = response.json()["Application"]
    return application


async def _search(api: httpx.AsyncClient, headers: dict[str, str], code: str, number: str) -> dict[str, Any]:
    response = await api.get(
        f"/public-service/v1/application/{code}", params={"applicationNumber": number}, headers=studio(headers)
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["Application"][0]
    return found


async def test_public_service_init_registers_and_lists_a_service(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await load_config(api, admin, reviewed("InitPet", "VERIFY"))

    registered = await _register_with_init(api, admin, "InitPet")
    listed = await api.get(INIT, params={"module": "Animals"}, headers=studio(admin))

    assert registered.status_code == 200, registered.text
    code = registered.json()["Services"][0]["serviceCode"]
    assert code.endswith("-ANIMALS-INITPET-03")
    assert [s["serviceCode"] for s in listed.json()["Services"]] == [code]


async def test_public_service_init_by_a_citizen_is_403(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await load_config(api, admin, reviewed("InitPet", "VERIFY"))
    citizen = await citizen_login(api)

    response = await _register_with_init(api, citizen, "InitPet")

    assert response.status_code == 403


async def test_a_new_version_changes_new_applications_but_not_those_in_flight(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    loaded = await load_config(api, admin, reviewed("PinnedPet", "VERIFY"))
    code = (await _register_with_init(api, admin, "PinnedPet")).json()["Services"][0]["serviceCode"]
    citizen = await citizen_login(api)
    officer = await employee_with(api, "PET_OFFICER_1", "9123400301", "ANIMALS_PETLICENCE_EDITOR")
    before = await _applied(api, citizen, code)
    record = loaded.json()["mdms"][0]
    changed = await api.post(
        "/mdms-v2/v2/_update/Studio.ServiceConfiguration",
        json={**RI, "Mdms": {**record, "data": reviewed("PinnedPet", "CHECK")}},
        headers=admin,
    )
    body = {
        **RI,
        "Service": {"tenantId": CITY, "module": "Animals", "businessService": "PinnedPet", "status": "ACTIVE"},
    }
    updated = await api.put(f"{INIT}/{code}", json=body, headers=studio(admin))
    after = await _applied(api, citizen, code)
    in_flight = await _search(api, officer, code, before["applicationNumber"])
    fresh = await _search(api, officer, code, after["applicationNumber"])
    old_rule = await act(api, officer, code, copy.deepcopy(fresh), "VERIFY")
    verified = await act(api, officer, code, in_flight, "VERIFY")
    checked = await act(api, officer, code, fresh, "CHECK")

    assert changed.status_code == 200, changed.text
    assert updated.status_code == 200, updated.text
    assert updated.json()["Services"][0]["version"] == 2
    assert (in_flight["serviceVersion"], in_flight["nextActions"]) == (1, ["VERIFY"])
    assert (fresh["serviceVersion"], fresh["nextActions"]) == (2, ["CHECK"])
    assert old_rule.status_code == 400, old_rule.text
    assert verified.status_code == 200, verified.text
    assert verified.json()["Application"]["workflowStatus"] == "LICENSED"
    assert checked.status_code == 200, checked.text
    assert checked.json()["Application"]["workflowStatus"] == "LICENSED"


async def test_form_route_answers_the_definition_schema_and_choices_to_anyone(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    services = await api.get("/public-service/v1/service", params={"module": "Tradelicence"}, headers=studio(citizen))
    code = services.json()["Services"][0]["serviceCode"]

    response = await api.get(f"/public-service/v1/form/{code}", params={"tenantId": CITY})

    assert response.status_code == 200, response.text
    form = response.json()["Form"]
    assert form["definition"]["service"] == "NewTL"
    assert form["schema"]["properties"]["tradeDetails"]["required"] == ["tradeName", "tradeType", "areaSqm"]
    assert "RETAIL" in [r["code"] for r in form["references"]["Tradelicence.TradeType"]]


async def test_state_reached_sends_the_in_app_message_the_definition_names(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await load_config(api, admin, reviewed("NoticePet", "VERIFY"))
    code = (await _register_with_init(api, admin, "NoticePet")).json()["Services"][0]["serviceCode"]
    citizen = await citizen_login(api)
    applied = await _applied(api, citizen, code)

    events = await api.post("/egov-user-event/v1/events/_search", params={"tenantId": CITY}, json=RI, headers=citizen)

    assert events.status_code == 200, events.text
    number = applied["applicationNumber"]
    mine = [e for e in events.json()["events"] if e.get("referenceId") == number]
    assert [e["description"] for e in mine] == [f"Pet application {number} is under review."]
    assert mine[0]["actions"]["actionUrls"][0]["actionUrl"] == (
        f"/digit-ui/citizen/services/{code}/applications/{number}"
    )
