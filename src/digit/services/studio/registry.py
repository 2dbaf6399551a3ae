"""Registering a configured service: check the whole definition, then make everything it needs.

Registration reads the `Studio.ServiceConfiguration` record `{module}.{service}` from MDMS (the tenant's,
else its state's), names every fault of it in one 400, and otherwise, in one transaction, writes:
roles and role-actions, the idgen format and the billing masters (at the state, where those masters
live), the workflow business service (at the tenant), and the registry row with its `serviceCode`
and a snapshot of the configuration that applications follow until the service is registered again
(`PUT /public-service/v1/service/{serviceCode}`). Nothing needs a restart: the masters are read
through MDMS's versioned cache.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.kernel.db import stamp
from digit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.security import Actor
from digit.kernel.tenancy import lineage, state_of
from digit.services.studio import definition as defs
from digit.services.studio.definition import Definition
from digit.services.studio.deps import StudioDeps
from digit.services.studio.models import ServiceRow, ServiceVersionRow
from digit.services.studio.schemas import Service, ServiceSearch

log = logging.getLogger(__name__)

CONFIG_MODULE, CONFIG_MASTER = "Studio", "ServiceConfiguration"
REGISTRAR_ROLES = frozenset({"SUPERUSER", "MDMS_ADMIN", "STUDIO_ADMIN"})
ROUTE_PREFIXES = ("/public-service/", "/studio-pdf/")
APPLICATION_ROUTE = "/public-service/v1/application/{serviceCode}/{applicationId}"
ROUTES_BY_KIND = {
    "creator": ("/public-service/v1/application/{serviceCode}", "/public-service/v1/service"),
    "editor": ("/public-service/v1/application/{serviceCode}", APPLICATION_ROUTE, "/public-service/v1/service"),
    "viewer": ("/public-service/v1/application/{serviceCode}", "/public-service/v1/service"),
}
PDF_ROUTE = "/studio-pdf/public-service/download/pdf"


def service_wire(row: ServiceRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "module": row.module,
        "businessService": row.business_service,
        "serviceCode": row.service_code,
        "status": row.status,
        "version": row.version,
        "additionalDetails": row.additional_details,
        "enabled": row.config.get("enabled", ["citizen", "employee"]),
        "access": row.config.get("access"),  # who may apply, act, view: public, it drives the menus
        "auditDetails": row.audit_details(),
    }


async def find_configuration(deps: StudioDeps, *, tenant_id: str, module: str, service: str) -> dict[str, Any]:
    """The `Studio.ServiceConfiguration` data of `{module}.{service}` for the tenant (or its state)."""
    records = await deps.mdms.get_master(tenant_id=tenant_id, module=CONFIG_MODULE, master=CONFIG_MASTER)
    found = next(
        (r for r in records if isinstance(r, dict) and r.get("module") == module and r.get("service") == service),
        None,
    )
    if found is None:
        raise NotFound(
            "SERVICE_CONFIGURATION_NOT_FOUND",
            f"no {CONFIG_MODULE}.{CONFIG_MASTER} record {module}.{service} for {tenant_id}",
            params=[f"{module}.{service}"],
        )
    return dict(found)


async def _known_roles(deps: StudioDeps, tenant_id: str) -> set[str]:
    records = await deps.mdms.get_master(tenant_id=state_of(tenant_id), module="ACCESSCONTROL-ROLES", master="roles")
    return {r["code"] for r in records if isinstance(r, dict) and isinstance(r.get("code"), str)}


async def reference_data(deps: StudioDeps, *, tenant_id: str, definition: Definition) -> dict[str, list[Any]]:
    """Records of every MDMS master the form or the fee rules reference."""
    found: dict[str, list[Any]] = {}
    for code in defs.mdms_references(definition):
        module, _, master = code.partition(".")
        found[code] = await deps.mdms.get_master(tenant_id=tenant_id, module=module, master=master)
    return found


def codes_of(masters: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {
        code: [
            str(r["code"])
            for r in records
            if isinstance(r, dict) and r.get("code") is not None and r.get("active", True)
        ]
        for code, records in masters.items()
    }


async def checked_definition(deps: StudioDeps, *, tenant_id: str, data: dict[str, Any]) -> tuple[Definition, set[str]]:
    """The definition if it is sound (with the roles already known), else 400 naming every fault."""
    definition = defs.parse(data)
    known = await _known_roles(deps, tenant_id)
    masters = await reference_data(deps, tenant_id=tenant_id, definition=definition)
    notices = definition.notification
    codes = [m.code for m in [*notices.sms, *notices.email, *notices.event] if m.code]
    messages = (
        await deps.localization.get_messages(
            tenant_id=tenant_id, locale="en_IN", modules=definition.localization.modules, codes=codes
        )
        if codes
        else {}
    )
    faults = defs.check_definition(definition, known_roles=known, mdms_codes=codes_of(masters), messages=messages)
    if faults:
        raise Invalid.many(faults)
    return definition, known


def _check_registrar(actor: Actor, tenant_id: str) -> None:
    if not actor.is_system and not actor.has_any_role(REGISTRAR_ROLES, tenant_id):
        raise Forbidden(
            "NOT_AUTHORIZED", "only an administrator (SUPERUSER, MDMS_ADMIN, STUDIO_ADMIN) registers services"
        )


async def _provision(
    session: AsyncSession,
    deps: StudioDeps,
    *,
    tenant_id: str,
    definition: Definition,
    known_roles: set[str],
    actor: Actor,
    now_ms: int,
) -> None:
    state = state_of(tenant_id)
    new_roles = [r for r in defs.access_roles(definition) if r not in known_roles]

    async def upsert(module: str, master: str, records: Sequence[dict[str, Any]]) -> None:
        if records:
            await deps.mdms.upsert_records(
                session,
                tenant_id=state,
                module=module,
                master=master,
                records=records,
                actor_uuid=actor.uuid,
                now_ms=now_ms,
            )

    await upsert(
        "ACCESSCONTROL-ROLES",
        "roles",
        [
            {"code": r, "name": r.replace("_", " ").title(), "description": f"{definition.module} {definition.service}"}
            for r in new_roles
        ],
    )
    await upsert("ACCESSCONTROL-ROLEACTIONS", "roleactions", await _role_actions(deps, state, definition))
    id_format = definition.id_format
    if id_format is not None and id_format.format:
        await upsert("common-masters", "IdFormat", [{"idname": definition.id_name, "format": id_format.format}])
    bill = definition.bill
    if bill is not None:
        code = definition.bill_code
        extras = {k: v for k, v in (bill.model_extra or {}).items()}
        await upsert("BillingService", "BusinessService", [{**extras, "businessService": code, "code": code}])
        await upsert("BillingService", "TaxHeadMaster", [{"service": code, **h} for h in bill.tax_head])
        await upsert("BillingService", "TaxPeriod", [{"service": code, **p} for p in bill.tax_period])
    inline = definition.workflow.inline() or {}
    await deps.workflow.upsert_business_service(
        session,
        business_service={
            "tenantId": tenant_id,
            "businessService": definition.workflow_code,
            "business": inline.get("business") or definition.module,
            "businessServiceSla": inline.get("businessServiceSla"),
            "states": definition.states(),
        },
        actor=actor,
        extra_roles=new_roles,
    )


async def _role_actions(deps: StudioDeps, state: str, definition: Definition) -> list[dict[str, Any]]:
    """Each role of the definition mapped to the Studio routes its kind (creator, editor, viewer) needs."""
    actions = await deps.mdms.get_master(tenant_id=state, module="ACCESSCONTROL-ACTIONS-TEST", master="actions-test")
    by_url = {
        str(a["url"]): a["id"]
        for a in actions
        if isinstance(a, dict) and str(a.get("url", "")).startswith(ROUTE_PREFIXES) and a.get("id") is not None
    }
    records: dict[tuple[str, Any], dict[str, Any]] = {}
    for kind, urls in ROUTES_BY_KIND.items():
        for role in definition.roles_of(kind):
            for url in (*urls, PDF_ROUTE):
                if url in by_url:
                    records[(role, by_url[url])] = {
                        "rolecode": role,
                        "actionid": by_url[url],
                        "actioncode": "",
                        "tenantId": state,
                    }
    return list(records.values())


async def _service_code(session: AsyncSession, *, tenant_id: str, module: str, service: str) -> str:
    count = await session.scalar(select(func.count()).select_from(ServiceRow).where(ServiceRow.tenant_id == tenant_id))
    base = f"SVC-{tenant_id.replace('.', '_')}-{module}-{service}".upper()
    return f"{base}-{int(count or 0) + 1:02d}"


async def register_service(
    session: AsyncSession, deps: StudioDeps, *, tenant_id: str, service: Service, actor: Actor, now_ms: int
) -> dict[str, Any]:
    """Studio `POST /v1/service`: check the definition, make its masters and workflow, give it a serviceCode."""
    _check_registrar(actor, tenant_id)
    clash = await session.scalar(
        select(ServiceRow.id).where(
            ServiceRow.tenant_id == tenant_id,
            ServiceRow.module == service.module,
            ServiceRow.business_service == service.business_service,
        )
    )
    if clash is not None:
        raise Conflict(
            "SERVICE_ALREADY_EXISTS",
            f"{service.module}.{service.business_service} is registered for {tenant_id} already; update it instead",
        )
    data = await find_configuration(deps, tenant_id=tenant_id, module=service.module, service=service.business_service)
    definition, known = await checked_definition(deps, tenant_id=tenant_id, data=data)
    await _provision(
        session, deps, tenant_id=tenant_id, definition=definition, known_roles=known, actor=actor, now_ms=now_ms
    )
    row = ServiceRow(
        tenant_id=tenant_id,
        service_code=await _service_code(
            session, tenant_id=tenant_id, module=service.module, service=service.business_service
        ),
        module=service.module,
        business_service=service.business_service,
        status=service.status,
        version=1,
        config=data,
        additional_details=service.additional_details,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    _keep_version(session, row, actor=actor, now_ms=now_ms)
    await emit(
        session,
        "save-public-service",
        tenant_id=tenant_id,
        aggregate_id=row.service_code,
        data={"serviceCode": row.service_code, "module": row.module, "businessService": row.business_service},
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    log.info("studio_service_registered", extra={"tenant_id": tenant_id, "service_code": row.service_code})
    return service_wire(row)


async def update_service(
    session: AsyncSession,
    deps: StudioDeps,
    *,
    tenant_id: str,
    service_code: str,
    service: Service,
    actor: Actor,
    now_ms: int,
) -> dict[str, Any]:
    """Studio `PUT /v1/service/{serviceCode}`: take the configuration as MDMS now holds it (a new version), or
    change the status; applications started earlier keep their own workflow version."""
    _check_registrar(actor, tenant_id)
    row = await get_service(session, service_code=service_code, tenant_ids={tenant_id})
    data = await find_configuration(deps, tenant_id=tenant_id, module=row.module, service=row.business_service)
    definition, known = await checked_definition(deps, tenant_id=tenant_id, data=data)
    if data != row.config:
        await _provision(
            session, deps, tenant_id=tenant_id, definition=definition, known_roles=known, actor=actor, now_ms=now_ms
        )
        row.config = data
        row.version += 1
        _keep_version(session, row, actor=actor, now_ms=now_ms)
    row.status = service.status
    if service.additional_details is not None:
        row.additional_details = service.additional_details
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    return service_wire(row)


def _keep_version(session: AsyncSession, row: ServiceRow, *, actor: Actor, now_ms: int) -> None:
    """Snapshot the configuration of the row's current version (applications made under it follow it)."""
    snapshot = ServiceVersionRow(
        tenant_id=row.tenant_id, service_code=row.service_code, version=row.version, config=row.config
    )
    stamp(snapshot, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(snapshot)


async def configuration_at(session: AsyncSession, row: ServiceRow, version: int) -> dict[str, Any]:
    """The configuration the service had at `version` (its current one when no snapshot was kept)."""
    if version == row.version:
        return row.config
    found = await session.scalar(
        select(ServiceVersionRow.config).where(
            ServiceVersionRow.service_code == row.service_code, ServiceVersionRow.version == version
        )
    )
    return found if found is not None else row.config


async def get_service(session: AsyncSession, *, service_code: str, tenant_ids: Collection[str]) -> ServiceRow:
    """The registered service, seen from one of the tenants (a state's service serves its cities)."""
    row = await session.scalar(select(ServiceRow).where(ServiceRow.service_code == service_code))
    if row is None or not any(row.tenant_id in lineage(t) for t in tenant_ids):
        raise NotFound("SERVICE_NOT_FOUND", f"no service {service_code} here", params=[service_code])
    return row


async def search_services(session: AsyncSession, *, tenant_id: str, criteria: ServiceSearch) -> list[dict[str, Any]]:
    """Registered services of the tenant and its state that match every criterion."""
    query = select(ServiceRow).where(ServiceRow.tenant_id.in_(lineage(tenant_id)))
    if criteria.module:
        query = query.where(ServiceRow.module == criteria.module)
    if criteria.business_service:
        query = query.where(ServiceRow.business_service == criteria.business_service)
    if criteria.service_code:
        query = query.where(ServiceRow.service_code == criteria.service_code)
    if criteria.status:
        query = query.where(ServiceRow.status == criteria.status)
    rows = await session.scalars(query.order_by(ServiceRow.module, ServiceRow.business_service))
    return [service_wire(r) for r in rows]
