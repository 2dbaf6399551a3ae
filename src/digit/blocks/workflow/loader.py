"""Loading DIGIT `businessservice/_create` bodies from files (`digit workflow load`, the demo seed).

A file is taken whole or not at all: every fault is named (file, business service, state, action, reason) and
nothing of a faulty file is written. `{tenantid}` placeholders are replaced by the target tenant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from digit.blocks.workflow import businessservice
from digit.blocks.workflow.schemas import BusinessServiceRequest
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform

PLACEHOLDER = "{tenantid}"


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)  # "PGR@pb v1: 11 states, 24 actions"
    warnings: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)


def read_body(path: Path, tenant_id: str) -> BusinessServiceRequest:
    """Parse a `_create` body, the tenant placeholder filled; raise Invalid naming what is wrong."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise Invalid("INVALID_FILE", f"{path}: cannot read it ({error.strerror})") from None
    raw = raw.replace(PLACEHOLDER, tenant_id).replace(PLACEHOLDER.upper(), tenant_id)
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise Invalid("INVALID_JSON", f"{path}: not JSON ({error})") from None
    if isinstance(document, dict) and "BusinessServices" not in document and "businessService" in document:
        document = {"BusinessServices": [document]}  # a bare BusinessService object
    if isinstance(document, dict):
        document.pop("RequestInfo", None)  # a file's RequestInfo (e.g. `"did": 1`) says nothing about the config
    try:
        return BusinessServiceRequest.model_validate(document)
    except ValidationError as error:
        faults = [
            ("INVALID_BUSINESSSERVICE", f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}")
            for e in error.errors()
        ]
        raise Invalid.many(faults) from None


async def load_file(platform: Platform, path: Path, *, tenant_id: str, actor_uuid: str) -> LoadReport:
    """Create (or add a version of) every business service in the file, in one transaction."""
    report = LoadReport()
    try:
        body = read_body(path, tenant_id)
    except Invalid as error:
        report.faults.extend(f"{d.code}: {d.message}" for d in error.details())
        return report
    for config in body.business_services:
        config.tenant_id = tenant_id
        for state in config.states:
            state.tenant_id = tenant_id
    roles = await businessservice.known_roles(platform, {tenant_id})
    async with platform.sessions() as session:
        try:
            flows, warnings = await businessservice.save(
                session,
                body.business_services,
                known_roles_by_state=roles,
                create=None,
                actor_uuid=actor_uuid,
                now_ms=platform.clock.now_ms(),
            )
            await session.commit()
        except Invalid as error:
            await session.rollback()
            report.faults.extend(f"{path.name}: {d.code}: {d.message}" for d in error.details())
            return report
    report.warnings.extend(warnings)
    for flow in flows:
        actions = sum(len(s.actions) for s in flow.states.values())
        report.loaded.append(
            f"{flow.code}@{flow.tenant_id} version {flow.version}: {len(flow.states)} states, {actions} actions"
        )
    return report


def config_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


async def seed_directory(platform: Platform, directory: Path, *, tenant_id: str, actor_uuid: str) -> LoadReport:
    """The demo configs: each file loaded once (a config that already exists is left as it is)."""
    total = LoadReport()
    for path in config_files(directory):
        try:
            body = read_body(path, tenant_id)
        except Invalid as error:
            total.faults.extend(f"{d.code}: {d.message}" for d in error.details())
            continue
        async with platform.read_sessions() as session:
            existing = [
                await businessservice.find_flow(
                    session, tenant_id=tenant_id, code=b.business_service, exact_tenant=True
                )
                for b in body.business_services
            ]
        if all(e is not None for e in existing):
            continue
        report = await load_file(platform, path, tenant_id=tenant_id, actor_uuid=actor_uuid)
        total.loaded.extend(report.loaded)
        total.warnings.extend(report.warnings)
        total.faults.extend(report.faults)
    return total
