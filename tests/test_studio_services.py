"""Studio: registering services defined as data, every fault of a bad definition named, a third service added
with no code (service: studio)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from digit.app import create_app
from digit.kernel.platform import Platform
from digit.services.studio import commands
from digit.services.studio.loader import LoadError, load_folder
from tests.builders import DEMO_PASSWORD, citizen_login, login
from tests.conftest import base_settings
from tests.live_server import free_port, serving
from tests.studio_helpers import (
    CITY,
    RI,
    SERVICES,
    apply,
    demo_config,
    errors,
    load_config,
    register,
    service_code,
    studio,
)

PET = Path(__file__).parent / "data" / "studio" / "petlicence"
PET_FORM = {"pet": {"petName": "Bruno", "species": "DOG", "weightKg": 12}}


def pet_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads((PET / "service.json").read_text(encoding="utf-8"))
    return config


async def load_messages(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    messages = json.loads((PET / "messages.json").read_text(encoding="utf-8"))
    body = {**RI, "tenantId": "pb", "messages": messages}
    response = await api.post("/localization/messages/v1/_upsert", json=body, headers=admin)
    assert response.status_code == 200, response.text


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


def renamed(config: dict[str, Any], service: str) -> dict[str, Any]:
    config["service"] = service
    config["workflow"]["businessService"] = f"{config['module']}.{service}"
    config["idgen"][0]["idname"] = f"test.{service.lower()}"
    return config


async def test_list_services_shows_the_demo_services(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await api.get(SERVICES, headers=studio(citizen))

    assert response.status_code == 200
    assert {(s["module"], s["businessService"]) for s in response.json()["Services"]} >= {
        ("Tradelicence", "NewTL"),
        ("CivilRegistration", "BirthCertificate"),
    }


async def test_third_service_loaded_as_data_registers_and_takes_applications(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform
) -> None:
    await load_messages(api, admin)
    loaded = await load_config(api, admin, pet_config())
    registered = await register(api, admin, "Animals", "PetLicence")
    code = registered.json()["Services"][0]["serviceCode"]
    citizen = await citizen_login(api)
    applied = await apply(
        api,
        citizen,
        code,
        {"serviceDetails": {"pet": {"petName": "Bruno", "species": "DOG", "weightKg": 12}}, "applicants": []},
    )
    number = applied.json()["Application"]["applicationNumber"]
    bill = await api.post(
        "/billing-service/bill/v2/_fetchbill",
        params={"tenantId": CITY, "consumerCode": number, "businessService": "Animals.PetLicence"},
        json=RI,
        headers=citizen,
    )

    assert loaded.status_code == 200, loaded.text
    assert registered.status_code == 200, registered.text
    assert code == "SVC-PB_AMRITSAR-ANIMALS-PETLICENCE-03"
    assert applied.status_code == 200, applied.text
    assert number.startswith("PB-PET-2026-")
    assert bill.json()["Bill"][0]["totalAmount"] == 270  # slab 10 kg and over: 250, a dog: + 20


async def test_register_with_an_action_to_an_unknown_state_is_400_naming_the_state(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    config = renamed(pet_config(), "BrokenOne")
    config["workflow"]["states"][0]["actions"][0]["nextState"] = "NOWHERE"
    await load_messages(api, admin)
    await load_config(api, admin, config)

    response = await register(api, admin, "Animals", "BrokenOne")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_WORKFLOW_NEXTSTATE"]
    assert "NOWHERE" in errors(response)[0]


async def test_register_with_a_fee_rule_on_a_field_the_form_lacks_is_400_naming_it(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    config = renamed(pet_config(), "BrokenTwo")
    config["calculator"]["rules"][0]["field"] = "pet.heightCm"
    await load_messages(api, admin)
    await load_config(api, admin, config)

    response = await register(api, admin, "Animals", "BrokenTwo")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_FEE_RULE"]
    assert "pet.heightCm" in errors(response)[0]


async def test_register_with_a_missing_localization_key_is_400_naming_it(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await load_config(api, admin, renamed(pet_config(), "BrokenThree"))

    response = await register(api, admin, "Animals", "BrokenThree")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["MISSING_LOCALIZATION"]
    assert "ANIMALS_PETLICENCE_LICENSED" in errors(response)[0]


async def test_register_with_a_regex_that_does_not_compile_is_400_naming_the_field(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    config = renamed(pet_config(), "BrokenFour")
    config["fields"][0]["properties"][0]["validation"] = {"regex": "^[A-Z(+$"}
    await load_messages(api, admin)
    await load_config(api, admin, config)

    response = await register(api, admin, "Animals", "BrokenFour")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_FIELD", "INVALID_FORM_SCHEMA"]
    assert "pet.petName" in errors(response)[0]


async def test_register_names_every_fault_of_the_definition_at_once(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    config = renamed(pet_config(), "BrokenFive")
    config["workflow"]["states"][0]["actions"][0]["nextState"] = "NOWHERE"
    config["calculator"]["rules"][0]["field"] = "pet.heightCm"
    config["workflow"]["generateDemandAt"] = ["STAMP"]
    await load_config(api, admin, config)

    response = await register(api, admin, "Animals", "BrokenFive")

    assert response.status_code == 400
    assert sorted(e["code"] for e in response.json()["Errors"]) == [
        "INVALID_FEE_RULE",
        "INVALID_WORKFLOW",
        "INVALID_WORKFLOW_NEXTSTATE",
        "MISSING_LOCALIZATION",
    ]


async def test_register_by_a_citizen_is_403(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await load_messages(api, admin)
    await load_config(api, admin, pet_config())
    citizen = await citizen_login(api)

    response = await register(api, citizen, "Animals", "PetLicence")

    assert response.status_code == 403


async def test_register_the_same_service_twice_is_409(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await register(api, admin, "Tradelicence", "NewTL")

    assert response.status_code == 409
    assert [e["code"] for e in response.json()["Errors"]] == ["SERVICE_ALREADY_EXISTS"]


async def test_register_creates_the_definitions_roles_and_their_role_actions(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform
) -> None:
    await load_messages(api, admin)
    await load_config(api, admin, pet_config())
    await register(api, admin, "Animals", "PetLicence")

    roles = await api.post(
        "/egov-mdms-service/v1/_search",
        json={
            **RI,
            "MdmsCriteria": {
                "tenantId": "pb",
                "moduleDetails": [
                    {"moduleName": "ACCESSCONTROL-ROLES", "masterDetails": [{"name": "roles"}]},
                    {"moduleName": "ACCESSCONTROL-ROLEACTIONS", "masterDetails": [{"name": "roleactions"}]},
                ],
            },
        },
        headers=admin,
    )

    found = roles.json()["MdmsRes"]
    assert "ANIMALS_PETLICENCE_EDITOR" in {r["code"] for r in found["ACCESSCONTROL-ROLES"]["roles"]}
    assert {1502, 1503} <= {
        r["actionid"]
        for r in found["ACCESSCONTROL-ROLEACTIONS"]["roleactions"]
        if r["rolecode"] == "ANIMALS_PETLICENCE_EDITOR"
    }


async def test_apply_without_the_tenant_header_is_400(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = (await api.get(SERVICES, params={"module": "Tradelicence"}, headers=studio(citizen))).json()["Services"][0]

    response = await api.get(f"/public-service/v1/application/{code['serviceCode']}", headers=citizen)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["TENANT_REQUIRED"]


async def test_register_a_copy_of_the_demo_trade_licence_definition_is_200(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    config = renamed(demo_config("Tradelicence"), "NewTLCopy")
    await load_config(api, admin, config)

    response = await register(api, admin, "Tradelicence", "NewTLCopy")

    assert response.status_code == 200, response.text


INACTIVE_TL = {"tenantId": CITY, "module": "Tradelicence", "businessService": "NewTL", "status": "INACTIVE"}


async def test_update_service_to_inactive_is_listed_as_inactive(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    code = await service_code(api, admin, "Tradelicence")
    body = {
        **RI,
        "Service": {"tenantId": CITY, "module": "Tradelicence", "businessService": "NewTL", "status": "INACTIVE"},
    }

    response = await api.put(f"{SERVICES}/{code}", json=body, headers=studio(admin))

    assert response.status_code == 200, response.text
    listed = await api.get(SERVICES, params={"status": "INACTIVE"}, headers=studio(admin))
    assert [s["serviceCode"] for s in listed.json()["Services"]] == [code]


async def test_update_service_by_a_citizen_is_403(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    code = await service_code(api, admin, "Tradelicence")
    citizen = await citizen_login(api)
    body = {
        **RI,
        "Service": {"tenantId": CITY, "module": "Tradelicence", "businessService": "NewTL", "status": "INACTIVE"},
    }

    response = await api.put(f"{SERVICES}/{code}", json=body, headers=studio(citizen))

    assert response.status_code == 403


async def test_third_service_loaded_from_its_folder_by_the_loader_takes_applications_at_once(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    report = await load_folder(api, PET, headers=admin, city=CITY)
    again = await load_folder(api, PET, headers=admin, city=CITY)  # loading twice gives the same service
    citizen = await citizen_login(api)
    applied = await apply(api, citizen, report.services[0], {"serviceDetails": PET_FORM})

    assert (report.records, report.messages) == (["Animals.PetLicence"], 6)
    assert report.services == again.services == ["SVC-PB_AMRITSAR-ANIMALS-PETLICENCE-03"]
    assert applied.status_code == 200, applied.text
    assert applied.json()["Application"]["applicationNumber"].startswith("PB-PET-2026-")


async def test_loading_a_folder_without_service_json_names_it(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    with pytest.raises(LoadError, match=r"no service\.json"):
        await load_folder(api, PET.parent, headers=admin, city=CITY)


def test_the_load_command_is_digit_service_load() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "from digit.cli import main; main()", "service", "load", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert shown.returncode == 0, shown.stderr
    assert "service load" in shown.stdout and "folder" in shown.stdout


def test_digit_service_load_registers_the_folder_in_a_running_server(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    with serving(create_app(base_settings(database_url, tmp_path / "var", port=port)), port=port):
        url = f"http://127.0.0.1:{port}"
        result = CliRunner().invoke(commands, ["load", str(PET), "--url", url], env={"DIGIT_PASSWORD": DEMO_PASSWORD})
        form = httpx.get(
            f"{url}/public-service/v1/form/SVC-PB_AMRITSAR-ANIMALS-PETLICENCE-03", params={"tenantId": CITY}
        )

    assert result.exit_code == 0, result.output
    assert "registered as SVC-PB_AMRITSAR-ANIMALS-PETLICENCE-03" in result.output
    assert form.status_code == 200, form.text
    assert form.json()["Form"]["definition"]["service"] == "PetLicence"
