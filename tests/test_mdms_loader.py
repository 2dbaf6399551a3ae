"""`digit mdms load`: DIGIT's two file layouts, faults named without stopping, no half records (block: mdms)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from digit.blocks.mdms import commands, service
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.mdms.loader import LoadReport, load_directory
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID


def write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "mdms"
    write(
        root / "pb" / "amritsar" / "common-masters" / "Department.json",
        {
            "tenantId": "pb.amritsar",
            "moduleName": "common-masters",
            "Department": [
                {"code": "DEPT_1", "name": "Streets", "active": True},
                "not an object",
                {"code": "DEPT_2", "name": "Water", "active": True},
                {"code": "DEPT_1", "name": "Streets again", "active": True},
                {"name": "No code", "active": True},
            ],
        },
    )
    write(
        root / "common-masters" / "Designation.json",
        [
            {"tenantId": "pb.jalandhar", "data": {"code": "DESIG_1", "name": "Clerk"}},
            {"tenantId": "pb.jalandhar"},
            {"tenantId": "pb.jalandhar", "data": {"code": "DESIG_2", "name": "Engineer"}},
        ],
    )
    write(root / "broken" / "Broken.json", "{not json")
    write(root / "other" / "Other.json", {"something": "else"})
    return root


async def load(platform: Platform, folder: Path) -> LoadReport:
    report = await load_directory(platform.sessions, folder, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms())
    platform.get(MDMS_CLIENT).invalidate()
    return report


async def test_load_counts_each_master_of_both_layouts(platform: Platform, folder: Path) -> None:
    report = await load(platform, folder)

    assert report.counts == {
        "pb.amritsar common-masters.Department": 2,
        "pb.jalandhar common-masters.Designation": 2,
    }


async def test_load_names_every_fault_with_file_and_record(platform: Platform, folder: Path) -> None:
    report = await load(platform, folder)

    faults = "\n".join(report.faults)
    assert len(report.faults) == 6
    assert "Department.json: pb.amritsar common-masters.Department record 1: not a JSON object" in faults
    assert "record 3 (code='DEPT_1'): duplicate unique key 'DEPT_1' (first at record 0)" in faults
    assert "record 4 (name='No code'): the unique field 'code' is empty" in faults
    assert "Designation.json: common-masters.Designation record 1: not a {tenantId, data} seed entry" in faults
    assert "Broken.json: not readable JSON" in faults
    assert "Other.json: neither a v1 file" in faults


async def test_load_keeps_the_first_of_duplicate_records_whole(platform: Platform, folder: Path) -> None:
    await load(platform, folder)

    departments = await platform.get(MDMS_CLIENT).get_master(
        tenant_id="pb.amritsar", module="common-masters", master="Department"
    )

    assert departments == [
        {"code": "DEPT_1", "name": "Streets", "active": True},
        {"code": "DEPT_2", "name": "Water", "active": True},
    ]


async def test_load_twice_changes_nothing(platform: Platform, folder: Path) -> None:
    await load(platform, folder)

    again = await load(platform, folder)

    assert (again.created, again.updated, again.retired) == (0, 0, 0)


async def test_load_edited_keyless_master_replaces_its_records(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "ui" / "pb" / "RAINMAKER-PGR" / "UIConstants.json"
    write(path, {"tenantId": "pb", "moduleName": "RAINMAKER-PGR", "Banner": [{"REOPENSLA": 1000}]})
    await load(platform, tmp_path / "ui")
    write(path, {"tenantId": "pb", "moduleName": "RAINMAKER-PGR", "Banner": [{"REOPENSLA": 2000}]})

    report = await load(platform, tmp_path / "ui")
    banner = await platform.get(MDMS_CLIENT).get_master(tenant_id="pb", module="RAINMAKER-PGR", master="Banner")

    assert report.retired == 1
    assert banner == [{"REOPENSLA": 2000}]


async def test_load_names_a_record_without_its_known_unique_key(platform: Platform, tmp_path: Path) -> None:
    write(
        tmp_path / "ids" / "pb" / "common-masters" / "IdFormat.json",
        {
            "tenantId": "pb",
            "moduleName": "common-masters",
            "IdFormat": [{"idname": "x.id", "format": "X-[SEQ_X]"}, {"format": "no name"}],
        },
    )

    report = await load(platform, tmp_path / "ids")

    assert report.counts["pb common-masters.IdFormat"] == 1
    assert report.faults == [
        "pb/common-masters/IdFormat.json: pb common-masters.IdFormat record 1: the unique field 'idname' is empty"
    ]


def test_cli_load_exits_0_with_faults_and_prints_counts(database_url: str, tmp_path: Path, folder: Path) -> None:
    env = {"DIGIT_DATABASE_URL": database_url, "DIGIT_VAR_DIR": str(tmp_path / "var"), "DIGIT_LOG_JSON": "false"}

    digit = typer.Typer()
    digit.add_typer(commands, name="mdms")

    result = CliRunner().invoke(digit, ["mdms", "load", str(folder)], env=env)

    assert result.exit_code == 0, result.output
    assert "pb.amritsar common-masters.Department: 2 records" in result.output
    assert "6 faults" in result.output


async def test_load_checks_records_against_a_schema_made_through_v2(platform: Platform, tmp_path: Path) -> None:
    definition = {
        "type": "object",
        "properties": {"code": {"type": "string"}, "sla": {"type": "integer"}},
        "required": ["code", "sla"],
        "x-unique": ["code"],
    }
    async with platform.sessions() as session, session.begin():
        await service.create_schema(
            session,
            tenant_id="pb",
            code="common-masters.Sla",
            description=None,
            definition=definition,
            is_active=True,
            actor_uuid=SYSTEM_UUID,
            now_ms=platform.clock.now_ms(),
        )
    write(
        tmp_path / "sla" / "pb" / "common-masters" / "Sla.json",
        {"tenantId": "pb", "moduleName": "common-masters", "Sla": [{"code": "A", "sla": 5}, {"code": "B", "sla": "5"}]},
    )

    report = await load(platform, tmp_path / "sla")

    assert report.counts["pb common-masters.Sla"] == 1
    assert len(report.faults) == 1
    assert "record 1 (code='B'): the data does not match its schema" in report.faults[0]
    assert "sla: '5' is not of type 'integer'" in report.faults[0]


async def test_load_names_a_record_postgresql_cannot_store(platform: Platform, tmp_path: Path) -> None:
    write(
        tmp_path / "nul" / "pb" / "common-masters" / "Note.json",
        {"tenantId": "pb", "moduleName": "common-masters", "Note": [{"code": "A"}, {"code": "B\u0000"}]},
    )

    report = await load(platform, tmp_path / "nul")

    assert report.counts["pb common-masters.Note"] == 1
    assert "record 1" in report.faults[0]
    assert "NUL character" in report.faults[0]
