"""Reads DIGIT's MDMS data files: v1 (`{tenantId, moduleName, <master>: [...]}`) and v2 seed (`[{tenantId, data}]`).

Faults are named precisely (file, master, record index and key, reason) and never stop the load: a file that
cannot be read is skipped, a record that does not fit is left out, every other record loads. A record is never
loaded half-way: each is written whole or not at all, and each file is one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

V1_KEYS = ("tenantId", "moduleName")


@dataclass
class MasterFile:
    path: Path
    tenant_id: str
    module: str
    master: str
    records: list[Any]
    positions: list[int] = field(default_factory=list)


class UnreadableFile(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _v1_masters(path: Path, content: dict[str, Any]) -> list[MasterFile]:
    tenant_id, module = content["tenantId"], content["moduleName"]
    if not isinstance(tenant_id, str) or not tenant_id or not isinstance(module, str) or not module:
        raise UnreadableFile(path, "tenantId and moduleName must be non-empty strings")
    masters = [
        MasterFile(path, tenant_id, module, key, value, list(range(len(value))))
        for key, value in content.items()
        if key not in V1_KEYS and isinstance(value, list)
    ]
    if not masters:
        raise UnreadableFile(path, "a v1 file with no master list in it")
    return masters


def _v2_masters(path: Path, content: list[Any], faults: list[str]) -> list[MasterFile]:
    module, master = path.parent.name, path.stem
    by_tenant: dict[str, MasterFile] = {}
    for index, entry in enumerate(content):
        tenant_id = entry.get("tenantId") if isinstance(entry, dict) else None
        if not isinstance(tenant_id, str) or not tenant_id or "data" not in entry:
            faults.append(f"{path}: {module}.{master} record {index}: not a {{tenantId, data}} seed entry; skipped")
            continue
        target = by_tenant.setdefault(tenant_id, MasterFile(path, tenant_id, module, master, []))
        target.records.append(entry["data"])
        target.positions.append(index)
    return list(by_tenant.values())


def read_master_file(path: Path, faults: list[str] | None = None) -> list[MasterFile]:
    """One v1 file may hold several masters; a v2 seed file holds one master, maybe for several tenants."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UnreadableFile(path, f"not readable JSON ({error})") from None
    if isinstance(content, dict) and all(k in content for k in V1_KEYS):
        return _v1_masters(path, content)
    if isinstance(content, list) and any(isinstance(r, dict) and "tenantId" in r and "data" in r for r in content):
        return _v2_masters(path, content, faults if faults is not None else [])
    raise UnreadableFile(path, "neither a v1 file {tenantId, moduleName, ...} nor a v2 seed list [{tenantId, data}]")


def walk(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*.json") if p.is_file())


@dataclass
class LoadReport:
    counts: dict[str, int]
    faults: list[str]
    files: int = 0
    created: int = 0
    updated: int = 0
    retired: int = 0


@dataclass
class _FileLoad:
    """What one file's transaction loaded: merged into the report only once the transaction commits."""

    counts: dict[str, int] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    keyless: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    created: int = 0
    updated: int = 0


async def load_directory(
    sessions: async_sessionmaker[AsyncSession],
    directory: Path,
    *,
    actor_uuid: str,
    now_ms: int,
    on_file: Callable[[Path, int], None] | None = None,
) -> LoadReport:
    """Load every master file under `directory`, one transaction per file."""
    from digit.blocks.mdms import service

    report = LoadReport(counts={}, faults=[])
    keyless: dict[tuple[str, str], set[str]] = {}
    files = list(walk(directory))
    for path in files:
        if on_file is not None:
            on_file(path, len(files))
        report.files += 1
        shown = path.relative_to(directory) if path.is_relative_to(directory) else path
        try:
            masters = read_master_file(path, report.faults)
        except UnreadableFile as error:
            report.faults.append(f"{shown}: {error.reason}; file skipped")
            continue
        try:
            loaded = await _load_file(sessions, masters, shown=shown, actor_uuid=actor_uuid, now_ms=now_ms)
        except SQLAlchemyError as error:
            log.warning("mdms_file_not_loaded", extra={"file": str(shown), "error": type(error).__name__})
            report.faults.append(f"{shown}: not loaded, the database refused it ({type(error).__name__}); file skipped")
            continue
        _merge(report, keyless, loaded)
    if keyless:
        async with sessions() as session, session.begin():
            for (tenant_id, code), keys in keyless.items():
                report.retired += await service.retire_missing(
                    session, tenant_id=tenant_id, code=code, keep=keys, actor_uuid=actor_uuid, now_ms=now_ms
                )
    return report


async def _load_file(
    sessions: async_sessionmaker[AsyncSession],
    masters: list[MasterFile],
    *,
    shown: Path,
    actor_uuid: str,
    now_ms: int,
) -> _FileLoad:
    """Upsert one file's masters in one transaction; raises SQLAlchemyError when the database refuses it."""
    from digit.blocks.mdms import service

    loaded = _FileLoad()
    async with sessions() as session, session.begin():
        for master in masters:
            code = service.schema_code(master.module, master.master)
            result = await service.upsert_master(
                session,
                tenant_id=master.tenant_id,
                code=code,
                records=master.records,
                positions=master.positions,
                actor_uuid=actor_uuid,
                now_ms=now_ms,
            )
            key = f"{master.tenant_id} {code}"
            loaded.counts[key] = loaded.counts.get(key, 0) + result.created + result.updated + result.unchanged
            loaded.faults.extend(f"{shown}: {master.tenant_id} {code} {fault}" for fault in result.faults)
            loaded.created += result.created
            loaded.updated += result.updated
            if result.keyless:
                loaded.keyless.setdefault((master.tenant_id, code), set()).update(result.keys)
    return loaded


def _merge(report: LoadReport, keyless: dict[tuple[str, str], set[str]], loaded: _FileLoad) -> None:
    """Add a committed file's counts, faults and keyless keys to the whole load's."""
    for key, count in loaded.counts.items():
        report.counts[key] = report.counts.get(key, 0) + count
    report.faults.extend(loaded.faults)
    report.created += loaded.created
    report.updated += loaded.updated
    for target, keys in loaded.keyless.items():
        keyless.setdefault(target, set()).update(keys)
