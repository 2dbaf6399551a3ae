"""A real DIGIT deployment's master data (Nairobi, v2 seed layout) loads and is served (block: mdms).

Runs when DIGIT_SAMPLES_DIR is set; with DIGIT_REQUIRE_SAMPLES=1 (CI) a missing folder is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from digit.blocks.boundary.client import BOUNDARY_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.mdms.loader import load_directory
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID


def nairobi_dir() -> Path:
    root = os.environ.get("DIGIT_SAMPLES_DIR", "")
    folder = Path(root) / "nairobi-mdms" if root else None
    if folder is None or not folder.is_dir():
        if os.environ.get("DIGIT_REQUIRE_SAMPLES") == "1":
            pytest.fail(f"DIGIT_REQUIRE_SAMPLES=1 but {folder or 'DIGIT_SAMPLES_DIR'} is missing")
        pytest.skip("DIGIT_SAMPLES_DIR is not set: the DIGIT compatibility data is not available")
    return folder


async def test_load_nairobi_is_served_by_v1_and_v2_and_names_its_faults(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    folder = nairobi_dir()
    before = await api.post(  # the running app caches "no such tenant" first
        "/egov-mdms-service/v1/_search",
        json={
            "MdmsCriteria": {
                "tenantId": "ke.nairobi",
                "moduleDetails": [{"moduleName": "tenant", "masterDetails": [{"name": "tenants"}]}],
            }
        },
    )

    report = await load_directory(platform.sessions, folder, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms())
    again = await load_directory(platform.sessions, folder, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms())
    v1 = await api.post(
        "/egov-mdms-service/v1/_search",
        json={
            "MdmsCriteria": {
                "tenantId": "ke.nairobi",
                "moduleDetails": [{"moduleName": "RAINMAKER-PGR", "masterDetails": [{"name": "ServiceDefs"}]}],
            }
        },
    )
    v2 = await api.post(
        "/mdms-v2/v2/_search",
        json={"MdmsCriteria": {"tenantId": "ke.nairobi", "schemaCode": "RAINMAKER-PGR.ServiceDefs", "limit": 100}},
    )

    assert before.status_code == 400
    assert report.counts["ke.nairobi RAINMAKER-PGR.ServiceDefs"] == 37
    assert report.counts["ke ACCESSCONTROL-ACTIONS-TEST.actions-test"] == 254
    assert any("roles.json: pg ACCESSCONTROL-ROLES.roles record 219 (code='SUPERVISOR')" in f for f in report.faults)
    assert len(report.faults) == 2
    assert (again.created, again.updated) == (0, 0)
    assert v1.status_code == 200
    assert len(v1.json()["MdmsRes"]["RAINMAKER-PGR"]["ServiceDefs"]) == 37
    assert len(v2.json()["mdms"]) == 37
    assert await platform.get(MDMS_CLIENT).cities_of("ke") == ["ke.nairobi"]
    wards = await platform.get(BOUNDARY_CLIENT).localities("ke.nairobi")
    assert (len(wards), {w.label for w in wards}) == (25, {"Ward"})  # Nairobi's tree ends at Ward
