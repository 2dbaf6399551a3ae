"""`digit workflow load FILE --tenant T`: DIGIT's `_create` bodies, all or nothing, faults named (block: workflow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from digit.blocks.workflow.businessservice import find_flow
from digit.blocks.workflow.loader import load_file
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID
from tests.workflow_helpers import citizen, employee, instance, new_business_id, ok

JALANDHAR = "pb.jalandhar"


def samples_dir() -> Path:
    folder = os.environ.get("DIGIT_SAMPLES_DIR", "")
    if folder and (Path(folder) / "PgrWorkflowConfig.json").is_file():
        return Path(folder)
    if os.environ.get("DIGIT_REQUIRE_SAMPLES") == "1":
        pytest.fail(f"DIGIT_REQUIRE_SAMPLES=1 but DIGIT_SAMPLES_DIR ({folder!r}) has no PgrWorkflowConfig.json")
    pytest.skip("set DIGIT_SAMPLES_DIR to ../shared/digit-samples to run DIGIT's real PGR config")


def digit_command() -> str:
    return str(Path(sys.executable).parent / "digit")


def test_cli_loads_digits_pgr_config_and_reports_it(database_url: str, tmp_path: Path) -> None:
    config = samples_dir() / "PgrWorkflowConfig.json"
    env = {
        **os.environ,
        "DIGIT_DATABASE_URL": database_url,
        "DIGIT_VAR_DIR": str(tmp_path / "var"),
        "DIGIT_LOG_JSON": "false",
    }

    done = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [digit_command(), "workflow", "load", str(config), "--tenant", JALANDHAR],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert f"PGR@{JALANDHAR} version 1: 11 states" in done.stderr
    assert "e80e3dd6-8336-4586-b84a-c191dcd80c98" in done.stderr  # the uuid that names no state: a warning


def test_cli_names_the_fault_and_exits_non_zero(database_url: str, tmp_path: Path) -> None:
    broken = json.loads((Path(__file__).parents[1] / "data/demo/workflow/PGR.json").read_text())
    broken["BusinessServices"][0]["businessService"] = "PGRBROKEN"
    broken["BusinessServices"][0]["states"][1]["actions"][0]["nextState"] = "NOWHERE"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    env = {**os.environ, "DIGIT_DATABASE_URL": database_url, "DIGIT_VAR_DIR": str(tmp_path / "var")}

    done = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [digit_command(), "workflow", "load", str(path), "--tenant", JALANDHAR],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 1
    assert "INVALID NEXTSTATE" in done.stderr
    assert "NOWHERE" in done.stderr


async def test_faulty_file_loads_nothing_of_itself(platform: Platform, tmp_path: Path) -> None:
    good = json.loads((Path(__file__).parents[1] / "data/demo/workflow/PGR.json").read_text())
    first = dict(good["BusinessServices"][0], businessService="GOODONE")
    second = json.loads(json.dumps(first))
    second["businessService"] = "BADONE"
    second["states"][3]["actions"][0]["roles"] = ["NOT_A_ROLE"]
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"BusinessServices": [first, second]}))

    report = await load_file(platform, path, tenant_id=JALANDHAR, actor_uuid=SYSTEM_UUID)
    async with platform.read_sessions() as session:
        loaded = await find_flow(session, tenant_id=JALANDHAR, code="GOODONE", exact_tenant=True)

    assert report.loaded == []
    assert any("NOT_A_ROLE" in fault for fault in report.faults)
    assert loaded is None


async def test_digits_pgr_config_loaded_unchanged_runs_a_complaint(api: httpx.AsyncClient, platform: Platform) -> None:
    config = samples_dir() / "PgrWorkflowConfig.json"
    report = await load_file(platform, config, tenant_id=JALANDHAR, actor_uuid=SYSTEM_UUID)
    me, gro = await citizen(api), await employee(api, "GRO_JAL", JALANDHAR)
    business_id = new_business_id()

    await ok(api, me, instance(business_id, "APPLY", tenant_id=JALANDHAR))
    commented = await ok(api, me, instance(business_id, "COMMENT", tenant_id=JALANDHAR, comment="still dark"))
    await ok(api, gro, instance(business_id, "REJECT", tenant_id=JALANDHAR))
    closed = await ok(api, me, instance(business_id, "RATE", tenant_id=JALANDHAR, rating=2))

    assert report.faults == []
    assert commented[0]["state"]["state"] == "PENDINGFORASSIGNMENT"
    assert closed[0]["state"]["state"] == "CLOSEDAFTERREJECTION"
