"""DIGIT compatibility: a real deployment's configuration (Kenya `ke` / Nairobi `ke.nairobi`) drives the platform.

Runs when DIGIT_SAMPLES_DIR is set; with DIGIT_REQUIRE_SAMPLES=1 (CI) a missing folder fails instead of skipping.

Once per module and database kind, a copy of the demo template gets, as an operator would load them:
`digit mdms load nairobi-mdms`, `digit workflow load PgrWorkflowConfig.json --tenant ke`,
`digit localization load localisations --tenant ke`, and `digit mdms load tests/data/compat/mdms` (the ke
notification routes: Nairobi's data has none). The first ke superuser is made through the user block's service
layer (no command or API can create the first admin of a new state: every API call needs a ke role already);
Nairobi's staff are then hired through the HRMS API by that superuser, and a Hindi-speaking citizen registers
through the OTP API. Each test gets its own copy of that database and walks the journey through HTTP only.

An oddity of the real data shapes the journey: its only `egov-location.TenantBoundary` is stored at the state `ke`
and is the tree of Bomet County (root `ke.bomet`, SubCounty, 25 Ward leaves), not of Nairobi; `ke.nairobi` falls
back to it, so complaints are filed in those wards and jurisdictions name `ke.bomet`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from digit.app import build_platform, create_app
from digit.blocks.localization import commands as localization_commands
from digit.blocks.mdms import commands as mdms_commands
from digit.blocks.notification.service import search_sink
from digit.blocks.notification.vault import Vault
from digit.blocks.user.client import USER_CLIENT, NewUser, RoleIn
from digit.blocks.workflow import commands as workflow_commands
from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from tests.builders import citizen_login, login
from tests.conftest import DB_KINDS, PG_URL, _pg_execute, base_settings, pg_name, pg_url
from tests.pgr_helpers import RI, act, file_complaint, search, service_of

STATE, CITY = "ke", "ke.nairobi"
COUNTY = "ke.bomet"  # Nairobi's only TenantBoundary (tenant ke) is the tree of Bomet County: 25 wards
PASSWORD = "Nairobi@2026"
OTP = "123456"
APPOINTED = 1_700_000_000_000
ROUTES_DIR = Path(__file__).parent / "data" / "compat" / "mdms"
HINDI_CITIZEN = "712000001"  # Kenyan numbering (Nairobi's MobileNumberValidation: ^[17][0-9]{8}$)
ENGLISH_CITIZEN = "712000002"
STAFF = {  # userName: (department, roles at ke.nairobi); Nairobi's department codes and role codes
    "GRO_NRB": ("DEPT_04", ["GRO"]),
    "LME_NRB_WATER": ("DEPT_01", ["PGR_LME"]),
    "LME_NRB_FINANCE": ("DEPT_03", ["PGR_LME"]),
    "CSR_NRB": ("DEPT_04", ["CSR"]),
}
_counter = iter(range(1_000_000))


def samples_dir() -> Path:
    root = os.environ.get("DIGIT_SAMPLES_DIR", "")
    folder = Path(root) if root else None
    if folder is None or not (folder / "nairobi-mdms").is_dir():
        if os.environ.get("DIGIT_REQUIRE_SAMPLES") == "1":
            pytest.fail(f"DIGIT_REQUIRE_SAMPLES=1 but {folder or 'DIGIT_SAMPLES_DIR'} has no nairobi-mdms")
        pytest.skip("DIGIT_SAMPLES_DIR is not set: the DIGIT compatibility data is not available")
    return folder


# ---- the module's template: demo template + Nairobi data + users ------------------------------------------


def _operator_cli() -> typer.Typer:
    cli = typer.Typer()
    cli.add_typer(mdms_commands, name="mdms")
    cli.add_typer(workflow_commands, name="workflow")
    cli.add_typer(localization_commands, name="localization")
    return cli


def _run_loaders(database_url: str, var_dir: Path, samples: Path) -> dict[str, str]:
    """The operator's commands against the database; their output by name (each must exit 0)."""
    env = {"DIGIT_DATABASE_URL": database_url, "DIGIT_VAR_DIR": str(var_dir), "COLUMNS": "1000"}
    commands = {
        "mdms": ["mdms", "load", str(samples / "nairobi-mdms")],
        "workflow": ["workflow", "load", str(samples / "PgrWorkflowConfig.json"), "--tenant", STATE],
        "localization": ["localization", "load", str(samples / "localisations"), "--tenant", STATE],
        "routes": ["mdms", "load", str(ROUTES_DIR)],
    }
    cli, runner, outputs = _operator_cli(), CliRunner(), {}
    for name, args in commands.items():
        result = runner.invoke(cli, args, env=env, catch_exceptions=False)
        outputs[name] = result.output
        assert result.exit_code == 0, f"digit {' '.join(args[:2])} -> {result.exit_code}\n{result.output[-3000:]}"
    return outputs


def employee(user_name: str, mobile: str, department: str, roles: list[str]) -> dict[str, Any]:
    return {
        "code": user_name,
        "tenantId": CITY,
        "employeeStatus": "EMPLOYED",
        "employeeType": "PERMANENT",
        "dateOfAppointment": APPOINTED,
        "assignments": [
            {"department": department, "designation": "DESIG_01", "fromDate": APPOINTED, "isCurrentAssignment": True}
        ],
        "jurisdictions": [
            {
                "hierarchy": "ADMIN",
                "boundaryType": "County",
                "boundary": COUNTY,  # see the module doc
                "tenantId": CITY,
                "roles": [{"code": role, "tenantId": CITY} for role in roles],
            }
        ],
        "user": {
            "name": user_name.replace("_", " ").title(),
            "mobileNumber": mobile,
            "gender": "FEMALE",
            "password": PASSWORD,
            "roles": [{"code": "EMPLOYEE", "tenantId": CITY}],
        },
    }


async def _make_people(database_url: str, var_dir: Path) -> None:
    settings = base_settings(database_url, var_dir, fixed_otp=OTP)
    # 1. bootstrap: the first superuser of the new state, through the user block's service layer
    platform, _ = build_platform(settings)
    try:
        await platform.get(USER_CLIENT).create_user(
            None,
            user=NewUser(
                user_name="KE_ADMIN",
                name="Kenya Administrator",
                mobile_number="700000001",
                password=PASSWORD,
                type="EMPLOYEE",
                tenant_id=STATE,
                roles=[RoleIn(code=code, tenant_id=STATE) for code in ("SUPERUSER", "EMPLOYEE", "HRMS_ADMIN")],
            ),
            actor=Actor.system(STATE),
        )
    finally:
        await platform.close()
    # 2. everyone else through the API, as Nairobi's role-actions allow
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://digit.test") as api:
            admin = await login(api, "KE_ADMIN", STATE, PASSWORD)
            staff = [
                employee(name, f"7000001{index:02d}", department, roles)
                for index, (name, (department, roles)) in enumerate(STAFF.items())
            ]
            response = await api.post(
                "/egov-hrms/employees/_create", json={"RequestInfo": RI, "Employees": staff}, headers=admin
            )
            assert response.status_code == 200, response.text
            for mobile, locale in ((HINDI_CITIZEN, "hi_IN"), (ENGLISH_CITIZEN, "en_IN")):
                sent = await api.post(
                    "/user-otp/v1/_send",
                    json={"RequestInfo": {}, "otp": {"mobileNumber": mobile, "tenantId": STATE, "type": "register"}},
                )
                assert sent.status_code == 200, sent.text
                user = {"name": "Wanjiku", "mobileNumber": mobile, "tenantId": STATE, "otpReference": OTP}
                registered = await api.post(
                    "/user/citizen/_create", json={"RequestInfo": {}, "user": {**user, "locale": locale}}
                )
                assert registered.status_code == 200, registered.text


def _build(database_url: str, var_dir: Path, samples: Path) -> dict[str, str]:
    outputs = _run_loaders(database_url, var_dir, samples)
    asyncio.run(_make_people(database_url, var_dir))
    return outputs


@pytest.fixture(scope="module")
def nairobi(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Per database kind: the Nairobi template (sqlite file path or PostgreSQL database name) and loader output."""
    samples = samples_dir()  # before the demo templates are built: a skip costs nothing
    templates: dict[str, str] = request.getfixturevalue("templates")
    root = tmp_path_factory.mktemp("compat")
    made: dict[str, Any] = {"outputs": {}}
    if "sqlite" in DB_KINDS:
        target = root / "nairobi.db"
        shutil.copyfile(templates["sqlite"], target)
        made["outputs"]["sqlite"] = _build(f"sqlite+aiosqlite:///{target}", root / "var", samples)
        with sqlite3.connect(target) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        made["sqlite"] = str(target)
    if "postgresql" not in DB_KINDS:
        yield made
        return
    name = pg_name("compat_tmpl")  # this xdist worker's own
    asyncio.run(
        _pg_execute(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"',
        )
    )
    try:
        made["outputs"]["postgresql"] = _build(pg_url(name), root / "var-pg", samples)
        made["postgresql"] = name
        yield made
    finally:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DB_KINDS)
def database_url(request: pytest.FixtureRequest, nairobi: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """This module's own fresh copy: of the Nairobi template, not of the demo template."""
    if request.param == "sqlite":
        target = tmp_path / "digit.db"
        shutil.copyfile(nairobi["sqlite"], target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"{make_url(PG_URL).database}_c{os.getpid()}_{next(_counter)}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{nairobi["postgresql"]}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def loader_output(nairobi: dict[str, Any], database_url: str) -> dict[str, str]:
    outputs: dict[str, str] = nairobi["outputs"]["postgresql" if database_url.startswith("postgresql") else "sqlite"]
    return outputs


@pytest.fixture
async def app_and_api(make_api: Any) -> tuple[FastAPI, httpx.AsyncClient]:
    started: tuple[FastAPI, httpx.AsyncClient] = await make_api(fixed_otp=OTP)
    return started


# ---- helpers ------------------------------------------------------------------------------------------------


async def staff(api: httpx.AsyncClient, user_name: str) -> dict[str, str]:
    return await login(api, user_name, CITY, PASSWORD)


async def citizen(api: httpx.AsyncClient, mobile: str = HINDI_CITIZEN) -> dict[str, str]:
    return await citizen_login(api, mobile, STATE, otp=OTP)


async def wards(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await api.post(
        f"/egov-location/location/v11/boundarys/_search?tenantId={CITY}&hierarchyTypeCode=ADMIN",
        json={"RequestInfo": RI},
    )
    assert response.status_code == 200, response.text
    leaves: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            children = node.get("children")
            if "code" in node and "label" in node and not children:
                leaves.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(response.json())
    return leaves


def complaint(ward: str, service_code: str = "NoWaterSupply", **extra: Any) -> dict[str, Any]:
    return {
        "tenantId": CITY,
        "serviceCode": service_code,
        "description": "No water in the estate taps since Monday",
        "source": "web",
        "address": {"city": CITY, "landmark": "Next to the matatu stage", "locality": {"code": ward}},
        **extra,
    }


async def uuid_of(api: httpx.AsyncClient, user_name: str) -> str:
    admin = await login(api, "KE_ADMIN", STATE, PASSWORD)
    response = await api.post(
        f"/egov-hrms/employees/_search?tenantId={CITY}&codes={user_name}", json={"RequestInfo": RI}, headers=admin
    )
    assert response.status_code == 200, response.text
    found: str = response.json()["Employees"][0]["uuid"]
    return found


@pytest.fixture
async def filed(api: httpx.AsyncClient) -> dict[str, Any]:
    ward = (await wards(api))[0]["code"]
    return service_of(await file_complaint(api, await citizen(api), complaint(ward)))


async def assigned(api: httpx.AsyncClient, filed: dict[str, Any]) -> dict[str, Any]:
    gro = await staff(api, "GRO_NRB")
    lme = await uuid_of(api, "LME_NRB_WATER")
    return service_of(await act(api, gro, filed, "ASSIGN", assignes=[lme], comments="please check the valve"))


# ---- the loaders on the real data ---------------------------------------------------------------------------


async def test_mdms_load_names_the_duplicate_role_of_the_real_data(loader_output: dict[str, str]) -> None:
    output = loader_output["mdms"]

    assert "roles.json: pg ACCESSCONTROL-ROLES.roles record 219 (code='SUPERVISOR')" in output
    assert "BusinessServiceMasterConfig.json: pg Workflow.BusinessServiceMasterConfig record 3" in output
    assert "2 faults" in output


async def test_workflow_load_keeps_the_unresolvable_uuid_next_state_with_a_warning(
    loader_output: dict[str, str],
) -> None:
    output = loader_output["workflow"]

    assert "PGR@ke version 1: 11 states, 19 actions" in output
    assert "RESOLVEBYSUPERVISOR" in output
    assert "e80e3dd6-8336-4586-b84a-c191dcd80c98" in output


async def test_localization_load_names_the_duplicate_message_and_keeps_the_first(
    loader_output: dict[str, str],
) -> None:
    output = loader_output["localization"]

    assert "code='ACTION_TEST_MDMS': the same locale, module and code as record 60" in output
    assert "1 faults" in output


async def test_workflow_resolves_a_uuid_next_state_given_as_another_actions_current_state(
    api: httpx.AsyncClient,
) -> None:
    gro = await staff(api, "GRO_NRB")

    response = await api.post(
        f"/egov-workflow-v2/egov-wf/businessservice/_search?tenantId={CITY}&businessServices=PGR",
        json={"RequestInfo": RI},
        headers=gro,
    )

    [config] = response.json()["BusinessServices"]
    by_uuid = {s["uuid"]: s["state"] for s in config["states"]}
    nexts = {a["action"]: a["nextState"] for s in config["states"] for a in s.get("actions") or []}
    assert by_uuid[nexts["FORWARD"]] == "PENDINGATSUPERVISOR"
    assert nexts["RESOLVEBYSUPERVISOR"] not in by_uuid


# ---- access control from Nairobi's roles, actions and role-actions ------------------------------------------


async def test_gro_may_search_complaints_though_nairobi_marks_the_action_disabled(api: httpx.AsyncClient) -> None:
    gro = await staff(api, "GRO_NRB")  # /pgr-services/v2/request/_search has "enabled": false (a menu flag)

    response = await search(api, gro, f"tenantId={CITY}")

    assert response.status_code == 200


async def test_gro_hiring_staff_is_403_as_nairobi_maps_it_to_hrms_admin_only(api: httpx.AsyncClient) -> None:
    gro = await staff(api, "GRO_NRB")
    body = {"RequestInfo": RI, "Employees": [employee("LME_NRB_NEW", "700000199", "DEPT_01", ["PGR_LME"])]}

    response = await api.post("/egov-hrms/employees/_create", json=body, headers=gro)

    assert response.status_code == 403


async def test_demo_superuser_of_pb_is_403_in_nairobi(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await search(api, admin, f"tenantId={CITY}")

    assert response.status_code == 403


async def test_user_details_is_403_for_a_gro_as_nairobi_maps_it_to_superuser_only(api: httpx.AsyncClient) -> None:
    gro = await staff(api, "GRO_NRB")

    response = await api.post("/user/_details", json={"RequestInfo": RI}, headers=gro)

    assert response.status_code == 403


# ---- boundaries, service definitions, ids -------------------------------------------------------------------


async def test_boundary_search_gives_the_wards_of_nairobis_tenant_boundary(api: httpx.AsyncClient) -> None:
    found = await wards(api)

    assert len(found) == 25
    assert {w["label"] for w in found} == {"Ward"}


async def test_create_numbers_the_complaint_in_nairobis_id_format(filed: dict[str, Any]) -> None:
    assert re.fullmatch(r"PG-PGR-\d{4}-\d{2}-\d{2}-\d+", filed["serviceRequestId"])
    assert filed["applicationStatus"] == "PENDINGFORASSIGNMENT"


async def test_create_with_a_complaint_type_nairobi_does_not_define_is_400(api: httpx.AsyncClient) -> None:
    ward = (await wards(api))[0]["code"]

    response = await file_complaint(api, await citizen(api), complaint(ward, "StreetLightNotWorking"))

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_SERVICECODE"


async def test_csr_files_for_a_kenyan_mobile_number(api: httpx.AsyncClient) -> None:
    csr = await staff(api, "CSR_NRB")
    ward = (await wards(api))[0]["code"]
    body = complaint(ward, "IllegalDumping", citizen={"name": "Otieno", "mobileNumber": "712000099"})

    response = await file_complaint(api, csr, body)

    assert service_of(response)["applicationStatus"] == "PENDINGFORASSIGNMENT"


# ---- the complaint's journey --------------------------------------------------------------------------------


async def test_assign_to_an_lme_of_the_service_defs_department_is_pending_at_lme(
    api: httpx.AsyncClient, filed: dict[str, Any]
) -> None:
    service = await assigned(api, filed)

    assert service["applicationStatus"] == "PENDINGATLME"


async def test_assign_to_an_lme_of_another_department_is_400(api: httpx.AsyncClient, filed: dict[str, Any]) -> None:
    gro = await staff(api, "GRO_NRB")
    other = await uuid_of(api, "LME_NRB_FINANCE")

    response = await act(api, gro, filed, "ASSIGN", assignes=[other])

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_ASSIGNMENT"


async def test_apply_assign_resolve_rate_closes_after_resolution(api: httpx.AsyncClient, filed: dict[str, Any]) -> None:
    service = await assigned(api, filed)
    lme = await staff(api, "LME_NRB_WATER")
    resolved = service_of(await act(api, lme, service, "RESOLVE", comments="valve replaced"))

    closed = service_of(await act(api, await citizen(api), {**resolved, "rating": 4}, "RATE", comments="asante"))

    assert resolved["applicationStatus"] == "RESOLVED"
    assert (closed["applicationStatus"], closed["rating"]) == ("CLOSEDAFTERRESOLUTION", 4)


# ---- messages -----------------------------------------------------------------------------------------------


async def test_hindi_citizen_is_told_in_hindi_from_nairobis_pgr_messages(
    api: httpx.AsyncClient, platform: Platform, filed: dict[str, Any]
) -> None:
    await drain(platform)

    response = await api.post(
        f"/egov-user-event/v1/events/_search?tenantId={CITY}", json={"RequestInfo": RI}, headers=await citizen(api)
    )

    [event] = [e for e in response.json()["events"] if filed["serviceRequestId"] in e["description"]]
    assert event["description"].startswith("प्रिय नागरिक")  # PGR_CITIZEN_APPLY_PENDINGFORASSIGNMENT_SMS_MESSAGE
    assert "पानी की आपूर्ति नहीं" in event["description"]  # SERVICEDEFS.NOWATERSUPPLY


async def test_hindi_citizen_gets_the_hindi_sms(platform: Platform, filed: dict[str, Any]) -> None:
    await drain(platform)

    async with platform.read_sessions() as session:
        sent = await search_sink(
            session, Vault(platform), tenant_id=STATE, channel="SMS", recipient=HINDI_CITIZEN, limit=10, offset=0
        )

    [text] = [m["message"] for m in sent if filed["serviceRequestId"] in m["message"]]
    assert text.startswith("प्रिय नागरिक")


async def test_english_citizen_is_told_in_english(api: httpx.AsyncClient, platform: Platform) -> None:
    ward = (await wards(api))[0]["code"]
    headers = await citizen(api, ENGLISH_CITIZEN)
    filed = service_of(await file_complaint(api, headers, complaint(ward)))
    await drain(platform)

    response = await api.post(
        f"/egov-user-event/v1/events/_search?tenantId={CITY}", json={"RequestInfo": RI}, headers=headers
    )

    [event] = [e for e in response.json()["events"] if filed["serviceRequestId"] in e["description"]]
    assert event["description"].startswith("Dear Citizen, Your complaint for")


async def test_assigned_lme_is_told_with_the_employee_template(api: httpx.AsyncClient, platform: Platform) -> None:
    ward = (await wards(api))[0]["code"]
    filed = service_of(await file_complaint(api, await citizen(api), complaint(ward)))
    await assigned(api, filed)
    await drain(platform)

    response = await api.post(
        f"/egov-user-event/v1/events/_search?tenantId={CITY}",
        json={"RequestInfo": RI},
        headers=await staff(api, "LME_NRB_WATER"),
    )

    texts = [e["description"] for e in response.json()["events"] if filed["serviceRequestId"] in e["description"]]
    assert any(t.startswith("Shri ") and "has been assigned to you" in t for t in texts)


async def test_hindi_citizen_gets_english_where_nairobi_has_no_hindi_template(
    api: httpx.AsyncClient, platform: Platform, filed: dict[str, Any]
) -> None:
    await assigned(api, filed)  # hi_IN lacks PGR_CITIZEN_ASSIGN_PENDINGATLME_SMS_MESSAGE: en_IN fills the gap
    await drain(platform)

    response = await api.post(
        f"/egov-user-event/v1/events/_search?tenantId={CITY}", json={"RequestInfo": RI}, headers=await citizen(api)
    )

    texts = [e["description"] for e in response.json()["events"] if filed["serviceRequestId"] in e["description"]]
    assert any(t.startswith("Dear Citizen") and "has been assigned to" in t for t in texts)


async def test_otp_for_a_number_outside_kenyas_numbering_is_400(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": {}, "otp": {"mobileNumber": "9999999999", "tenantId": STATE, "type": "register"}}

    response = await api.post("/user-otp/v1/_send", json=body)  # Nairobi's rule is named mobileNumberRegex

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_MOBILE_NUMBER"


async def test_hiring_with_a_role_nairobi_does_not_define_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "KE_ADMIN", STATE, PASSWORD)
    body = {"RequestInfo": RI, "Employees": [employee("COLL_NRB", "700000198", "DEPT_03", ["COLLECTOR"])]}

    response = await api.post("/egov-hrms/employees/_create", json=body, headers=admin)

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_ROLE"
