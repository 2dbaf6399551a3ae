"""Reads DIGIT's MDMS data files: v1 (`{tenantId, moduleName, <master>: [...]}`) and v2 seed (`[{tenantId, data}]`).

A file that cannot be read is reported by name and skipped; the others still load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class MasterFile:
    path: Path
    tenant_id: str
    module: str
    master: str
    records: list[Any]


class UnreadableFile(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_master_file(path: Path) -> list[MasterFile]:
    """One v1 file may hold several masters; a v2 seed file holds one master, maybe for several tenants."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UnreadableFile(path, f"not readable JSON ({error})") from None
    if isinstance(content, dict) and "tenantId" in content and "moduleName" in content:
        tenant_id, module = content["tenantId"], content["moduleName"]
        masters = [
            MasterFile(path, tenant_id, module, key, value)
            for key, value in content.items()
            if key not in ("tenantId", "moduleName") and isinstance(value, list)
        ]
        if not masters:
            raise UnreadableFile(path, "a v1 file with no master list in it")
        return masters
    if isinstance(content, list) and all(isinstance(r, dict) and "tenantId" in r and "data" in r for r in content):
        module, master = path.parent.name, path.stem
        by_tenant: dict[str, list[Any]] = {}
        for record in content:
            by_tenant.setdefault(record["tenantId"], []).append(record["data"])
        return [MasterFile(path, tenant, module, master, records) for tenant, records in by_tenant.items()]
    raise UnreadableFile(path, "neither a v1 file {tenantId, moduleName, ...} nor a v2 seed list [{tenantId, data}]")


def walk(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*.json") if p.is_file())


@dataclass
class LoadReport:
    counts: dict[str, int]
    faults: list[str]


async def load_directory(
    sessions: Any, directory: Path, *, actor_uuid: str, now_ms: int, on_file: Any = None
) -> LoadReport:
    """Load every master file under `directory`, one transaction per file."""
    from digit.blocks.mdms import service

    report = LoadReport(counts={}, faults=[])
    files = list(walk(directory))
    for path in files:
        if on_file is not None:
            on_file(path, len(files))
        try:
            masters = read_master_file(path)
        except UnreadableFile as error:
            report.faults.append(f"{error.path}: {error.reason}")
            continue
        async with sessions() as session, session.begin():
            for master in masters:
                code = service.schema_code(master.module, master.master)
                result = await service.upsert_master(
                    session,
                    tenant_id=master.tenant_id,
                    code=code,
                    records=master.records,
                    actor_uuid=actor_uuid,
                    now_ms=now_ms,
                )
                key = f"{master.tenant_id} {code}"
                report.counts[key] = report.counts.get(key, 0) + result.created + result.updated + result.unchanged
                report.faults.extend(f"{path} ({code}) {fault}" for fault in result.faults)
    return report
