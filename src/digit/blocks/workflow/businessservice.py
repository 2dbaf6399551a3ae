"""Business service configs: validated when saved, versioned, found per tenant with city -> state fallback.

DIGIT's quirks, handled as DIGIT handles them:
- A `nextState` may be a state's uuid instead of its name (CCRS's PGR file does this). It resolves when the uuid
  is one of the config's states: a state's own `uuid`, or the `currentState` uuid its actions carry. A uuid that
  names no state of the config is kept, as DIGIT keeps it, and the action leads nowhere: taking it answers 400
  (`INVALID ACTION`), and `digit workflow load` reports it as a warning.
- `isTerminateState` does not forbid actions: DIGIT's PGR flags RESOLVED and REJECTED terminal and still offers
  REOPEN and RATE there, and DIGIT's transition validator only asks for an action when the state is not terminal.
  A terminal state means "closed": its SLA stops, the escalation scheduler and the inbox's open counts skip it.
  What is refused instead is a state nobody can leave or reach the end from: a non-terminal state without actions.

One addition to DIGIT's shape: a state may name `supervisorRoles` (role codes). When an application sits in a
state with assignees, only an assignee may take an action there, or a caller holding one of the state's
`supervisorRoles` (still subject to the action's own `roles`). DIGIT ignores the field; our search shows it only
where a state has it, so DIGIT clients see the shape they know.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.workflow.models import BusinessServiceRow
from digit.blocks.workflow.schemas import Action, BusinessService, State
from digit.kernel.db import new_id, stamp
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform
from digit.kernel.tenancy import lineage, state_of
from digit.kernel.versions import VersionedCache, bump, shared_cache, watch_of

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ANY_ROLE = "*"


def is_uuid(value: str | None) -> bool:
    return bool(value and UUID_PATTERN.match(value))


@dataclass(frozen=True)
class ActionDef:
    uuid: str
    name: str
    current_state: str
    next_state: str  # a state uuid of this config, or the unresolved uuid as given
    roles: tuple[str, ...]
    active: bool
    audit: dict[str, Any]

    @property
    def is_self_loop(self) -> bool:
        return self.current_state == self.next_state


@dataclass(frozen=True)
class StateDef:
    uuid: str
    name: str | None
    application_status: str | None
    sla: int | None
    doc_upload_required: bool
    is_start: bool
    is_terminal: bool
    is_updatable: bool | None
    actions: dict[str, ActionDef]
    audit: dict[str, Any]
    supervisor_roles: frozenset[str] = frozenset()


@dataclass
class Flow:
    """A business service version, ready for transitions."""

    row_id: str
    uuid: str
    tenant_id: str
    code: str
    business: str | None
    sla: int | None
    version: int
    get_uri: str | None
    post_uri: str | None
    audit: dict[str, Any]
    states: dict[str, StateDef] = field(default_factory=dict)

    @property
    def start(self) -> StateDef:
        return next(s for s in self.states.values() if s.is_start)

    @property
    def roles(self) -> set[str]:
        """Every role named anywhere in the config: what `*` stands for."""
        return {r for s in self.states.values() for a in s.actions.values() for r in a.roles if r != ANY_ROLE}

    def action_roles(self, action: ActionDef) -> set[str]:
        return self.roles if ANY_ROLE in action.roles else set(action.roles)

    def transition_roles(self, state: StateDef) -> set[str]:
        """Roles of the state-changing actions of a state (who can work on it there)."""
        found: set[str] = set()
        for action in state.actions.values():
            if not action.is_self_loop:
                found |= self.action_roles(action)
        return found

    def wire(self, *, tenant_id: str | None = None) -> dict[str, Any]:
        """DIGIT's search shape: states and actions with uuids, nextState as a state uuid."""
        tenant = tenant_id or self.tenant_id
        return {
            "tenantId": tenant,
            "uuid": self.uuid,
            "businessService": self.code,
            "business": self.business,
            "getUri": self.get_uri,
            "postUri": self.post_uri,
            "businessServiceSla": self.sla,
            "version": self.version,
            "states": [state_wire(s, tenant_id=tenant, business_service_id=self.uuid) for s in self.states.values()],
            "auditDetails": self.audit,
        }


def action_wire(action: ActionDef, *, tenant_id: str) -> dict[str, Any]:
    return {
        "uuid": action.uuid,
        "tenantId": tenant_id,
        "currentState": action.current_state,
        "action": action.name,
        "nextState": action.next_state,
        "roles": list(action.roles),
        "active": action.active,
        "auditDetails": action.audit,
    }


def state_wire(
    state: StateDef, *, tenant_id: str, business_service_id: str, with_actions: bool = True
) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "uuid": state.uuid,
        "tenantId": tenant_id,
        "businessServiceId": business_service_id,
        "sla": state.sla,
        "state": state.name,
        "applicationStatus": state.application_status,
        "docUploadRequired": state.doc_upload_required,
        "isStartState": state.is_start,
        "isTerminateState": state.is_terminal,
        "isStateUpdatable": state.is_updatable,
        "actions": [action_wire(a, tenant_id=tenant_id) for a in state.actions.values()] if with_actions else None,
        "auditDetails": state.audit,
    }
    if state.supervisor_roles:
        wire["supervisorRoles"] = sorted(state.supervisor_roles)
    return wire


def flow_of(row: BusinessServiceRow) -> Flow:
    audit = row.audit_details()
    flow = Flow(
        row_id=row.id,
        uuid=row.uuid,
        tenant_id=row.tenant_id,
        code=row.business_service,
        business=row.business,
        sla=row.business_service_sla,
        version=row.version,
        get_uri=row.get_uri,
        post_uri=row.post_uri,
        audit=audit,
    )
    for raw in row.states:
        actions = {
            a["action"]: ActionDef(
                uuid=a["uuid"],
                name=a["action"],
                current_state=a["currentState"],
                next_state=a["nextState"],
                roles=tuple(a.get("roles") or ()),
                active=bool(a.get("active", True)),
                audit=audit,
            )
            for a in raw.get("actions") or []
        }
        flow.states[raw["uuid"]] = StateDef(
            uuid=raw["uuid"],
            name=raw.get("state"),
            application_status=raw.get("applicationStatus"),
            sla=raw.get("sla"),
            doc_upload_required=bool(raw.get("docUploadRequired")),
            is_start=bool(raw.get("isStartState")),
            is_terminal=bool(raw.get("isTerminateState")),
            is_updatable=raw.get("isStateUpdatable"),
            actions=actions,
            audit=audit,
            supervisor_roles=frozenset(raw.get("supervisorRoles") or ()),
        )
    return flow


@dataclass
class Checked:
    """A config that passed validation: its states as stored, and what was odd but accepted."""

    states: list[dict[str, Any]]
    warnings: list[str]


def _check_start_and_names(config: BusinessService, faults: list[tuple[str, str]]) -> None:
    """Exactly one start state, not terminal; no state name twice."""
    code = config.business_service
    starts = [s for s in config.states if s.is_start_state]
    if len(starts) != 1:
        faults.append(
            (
                "INVALID_START_STATE",
                f"businessService {code} must have exactly one start state (isStartState=true); it has {len(starts)}",
            )
        )
    if any(s.is_start_state and s.is_terminate_state for s in config.states):
        faults.append(("INVALID_START_STATE", f"businessService {code}: the start state cannot be terminal"))
    names: dict[str | None, int] = {}
    for state in config.states:
        names[state.state] = names.get(state.state, 0) + 1
    for name, count in names.items():
        if count > 1:
            faults.append(("INVALID STATE", f"State: {name} is duplicate in businessService {code}"))


@dataclass
class _Checking:
    """What checking one config's states needs besides the state itself; collects faults and warnings."""

    known_roles: set[str]
    previous_by_name: dict[str | None, StateDef]
    # uuids the file gives for its states: their own, or the currentState their actions carry
    given_uuid_to_name: dict[str, str | None]
    name_to_uuid: dict[str | None, str]
    faults: list[tuple[str, str]]
    warnings: list[str]


def _checking(config: BusinessService, *, known_roles: set[str], previous: Flow | None) -> _Checking:
    """Name each state's uuid: the previous version's for a state it had, else a new one."""
    previous_by_name = {s.name: s for s in previous.states.values()} if previous else {}
    given_uuid_to_name: dict[str, str | None] = {}
    for state in config.states:
        if is_uuid(state.uuid):
            given_uuid_to_name[str(state.uuid)] = state.state
        for action in state.actions or []:
            if is_uuid(action.current_state):
                given_uuid_to_name.setdefault(str(action.current_state), state.state)
    name_to_uuid: dict[str | None, str] = {}
    for state in config.states:
        kept = previous_by_name.get(state.state)
        name_to_uuid.setdefault(state.state, kept.uuid if kept else new_id())
    return _Checking(known_roles, previous_by_name, given_uuid_to_name, name_to_uuid, faults=[], warnings=[])


def _next_state_uuid(ctx: _Checking, action: Action, label: str) -> str | None:
    """The stored uuid an action leads to, or None (with a fault) when its nextState names nothing."""
    target = action.next_state
    if not target:
        ctx.faults.append(("INVALID NEXTSTATE", f"action {action.action} of state {label} has no nextState"))
        return None
    if is_uuid(target):
        if target in ctx.given_uuid_to_name:
            return ctx.name_to_uuid[ctx.given_uuid_to_name[target]]
        ctx.warnings.append(
            f"action {action.action} of state {label} leads to the state uuid {target}, which is no "
            "state of this config: kept as DIGIT keeps it, but the action cannot be taken"
        )
        return target
    if target in ctx.name_to_uuid:
        return ctx.name_to_uuid[target]
    ctx.faults.append(
        (
            "INVALID NEXTSTATE",
            f"The state with name: {target} does not exist in config (action {action.action} of state {label})",
        )
    )
    return None


def _check_action_roles(ctx: _Checking, action: Action, label: str) -> None:
    if not action.roles:
        ctx.faults.append(("INVALID ROLE", f"action {action.action} of state {label} names no role"))
    for role in action.roles:
        if role != ANY_ROLE and role not in ctx.known_roles:
            ctx.faults.append(
                (
                    "INVALID ROLE",
                    f"role {role} of action {action.action} in state {label} is not in ACCESSCONTROL-ROLES",
                )
            )


def _checked_actions(ctx: _Checking, state: State, *, label: str, state_uuid: str) -> list[dict[str, Any]]:
    """A state's actions as stored; an action kept from the previous version keeps its uuid."""
    kept_state = ctx.previous_by_name.get(state.state)
    actions_out: list[dict[str, Any]] = []
    seen_actions: set[str] = set()
    for action in state.actions or []:
        if action.action in seen_actions:
            ctx.faults.append(("INVALID ACTION", f"Action: {action.action} is duplicate in state {label}"))
            continue
        seen_actions.add(action.action)
        next_uuid = _next_state_uuid(ctx, action, label)
        if next_uuid is None:
            continue
        _check_action_roles(ctx, action, label)
        kept_action = kept_state.actions.get(action.action) if kept_state else None
        actions_out.append(
            {
                "uuid": kept_action.uuid if kept_action else new_id(),
                "action": action.action,
                "currentState": state_uuid,
                "nextState": next_uuid,
                "roles": list(action.roles),
                "active": action.active is not False,
            }
        )
    return actions_out


def _checked_state(ctx: _Checking, state: State) -> dict[str, Any]:
    """One state as stored, its faults collected in `ctx`."""
    label = state.state or "(start)"
    state_uuid = ctx.name_to_uuid[state.state]
    actions_out = _checked_actions(ctx, state, label=label, state_uuid=state_uuid)
    if not state.actions and not state.is_terminate_state:
        ctx.faults.append(
            ("INVALID STATE", f"State: {label} has no actions and is not terminal: an application would be stuck")
        )
    if state.sla is not None and state.sla < 0:
        ctx.faults.append(("INVALID STATE", f"State: {label} has a negative sla"))
    for role in state.supervisor_roles or []:
        if role not in ctx.known_roles:
            ctx.faults.append(
                ("INVALID ROLE", f"supervising role {role} of state {label} is not in ACCESSCONTROL-ROLES")
            )
    return {
        "uuid": state_uuid,
        "state": state.state,
        "applicationStatus": state.application_status,
        "sla": state.sla,
        "docUploadRequired": bool(state.doc_upload_required),
        "isStartState": bool(state.is_start_state),
        "isTerminateState": bool(state.is_terminate_state),
        "isStateUpdatable": state.is_state_updatable,
        "actions": actions_out,
        **({"supervisorRoles": sorted(set(state.supervisor_roles))} if state.supervisor_roles else {}),
    }


def check(
    config: BusinessService,
    *,
    known_roles: set[str],
    previous: Flow | None = None,
) -> Checked:
    """Validate a config and give its states uuids; raise Invalid naming every fault found."""
    ctx = _checking(config, known_roles=known_roles, previous=previous)
    _check_start_and_names(config, ctx.faults)
    stored = [_checked_state(ctx, state) for state in config.states]
    if config.business_service_sla is not None and config.business_service_sla < 0:
        ctx.faults.append(
            ("INVALID BUSINESSSERVICE", f"businessService {config.business_service} has a negative businessServiceSla")
        )
    if ctx.faults:
        raise Invalid.many(ctx.faults)
    return Checked(states=stored, warnings=ctx.warnings)


WORKFLOW_CONFIG = "workflow-config"
"""The version counter of business services: saving one drops every process's cached flows."""


def _flow_cache(session: AsyncSession, name: str) -> VersionedCache[Any, Flow] | None:
    return shared_cache(session, f"workflow.{name}", counter=WORKFLOW_CONFIG)


async def find_flow(session: AsyncSession, *, tenant_id: str, code: str, exact_tenant: bool = False) -> Flow | None:
    """The latest version for the tenant, else for its state (DIGIT: the city's config wins); cached per process."""
    cache = _flow_cache(session, "latest")
    key = (tenant_id, code, exact_tenant)
    cached = await cache.get(key) if cache is not None else None
    if cached is not None:
        return cached
    found = await _find_flow(session, tenant_id=tenant_id, code=code, exact_tenant=exact_tenant)
    if found is not None and cache is not None:
        cache.put(key, found)
    return found


async def _find_flow(session: AsyncSession, *, tenant_id: str, code: str, exact_tenant: bool) -> Flow | None:
    tenants = [tenant_id] if exact_tenant else lineage(tenant_id)
    rows = {
        row.tenant_id: row
        for row in await session.scalars(
            select(BusinessServiceRow).where(
                BusinessServiceRow.business_service == code,
                BusinessServiceRow.tenant_id.in_(tenants),
                BusinessServiceRow.is_latest.is_(True),
            )
        )
    }
    row = next((rows[t] for t in tenants if t in rows), None)
    return flow_of(row) if row else None


async def flows_by_id(session: AsyncSession, row_ids: Sequence[str]) -> dict[str, Flow]:
    """Stored versions by row id (a version never changes once stored), cached per process."""
    if not row_ids:
        return {}
    cache = _flow_cache(session, "by_id")
    found: dict[str, Flow] = {}
    if cache is not None:
        for row_id in set(row_ids):
            hit = await cache.get(row_id)
            if hit is not None:
                found[row_id] = hit
    missing = set(row_ids) - set(found)
    if missing:
        for row in await session.scalars(select(BusinessServiceRow).where(BusinessServiceRow.id.in_(missing))):
            found[row.id] = flow_of(row)
            if cache is not None:
                cache.put(row.id, found[row.id])
    return found


async def search_flows(session: AsyncSession, *, tenant_id: str, codes: Sequence[str]) -> list[Flow]:
    """Latest configs visible from a tenant: its own, plus its state's ones it does not override."""
    query = select(BusinessServiceRow).where(
        BusinessServiceRow.tenant_id.in_(lineage(tenant_id)), BusinessServiceRow.is_latest.is_(True)
    )
    if codes:
        query = query.where(BusinessServiceRow.business_service.in_(set(codes)))
    chosen: dict[str, BusinessServiceRow] = {}
    order = {t: i for i, t in enumerate(lineage(tenant_id))}
    for row in await session.scalars(query):
        current = chosen.get(row.business_service)
        if current is None or order[row.tenant_id] < order[current.tenant_id]:
            chosen[row.business_service] = row
    return [flow_of(chosen[c]) for c in sorted(chosen)]


async def _prepare(
    session: AsyncSession,
    configs: Sequence[BusinessService],
    *,
    known_roles_by_state: dict[str, set[str]],
    create: bool | None,
) -> tuple[list[tuple[BusinessService, Checked, Flow | None]], list[str]]:
    """Check every config against what is stored; raise Invalid naming the faults of all of them."""
    faults: list[tuple[str, str]] = []
    warnings: list[str] = []
    seen: set[tuple[str, str]] = set()
    prepared: list[tuple[BusinessService, Checked, Flow | None]] = []
    for config in configs:
        key = (config.tenant_id, config.business_service)
        if key in seen:
            faults.append(("INVALID BUSINESSSERVICE", f"BusinessService: {config.business_service} is duplicate"))
            continue
        seen.add(key)
        existing = await find_flow(session, tenant_id=config.tenant_id, code=config.business_service, exact_tenant=True)
        if create is True and existing is not None:
            faults.append(
                (
                    "INVALID BUSINESSSERVICE",
                    f"The businessService: {config.business_service} for tenantId: {config.tenant_id} already exists",
                )
            )
            continue
        if create is False and existing is None:
            faults.append(
                (
                    "INVALID BUSINESSSERVICE",
                    f"The businessService: {config.business_service} for tenantId: {config.tenant_id} does not exists",
                )
            )
            continue
        try:
            checked = check(
                config, known_roles=known_roles_by_state.get(state_of(config.tenant_id), set()), previous=existing
            )
        except Invalid as error:
            faults.extend((d.code, d.message) for d in error.details())
            continue
        warnings.extend(f"{config.tenant_id}/{config.business_service}: {w}" for w in checked.warnings)
        prepared.append((config, checked, existing))
    if faults:
        raise Invalid.many(faults)
    return prepared, warnings


async def _store_version(
    session: AsyncSession,
    config: BusinessService,
    checked: Checked,
    existing: Flow | None,
    *,
    actor_uuid: str,
    now_ms: int,
) -> Flow:
    """Add the config as the latest version of its code; the former latest stays, no longer latest."""
    if existing is not None:
        await session.execute(
            update(BusinessServiceRow)
            .where(BusinessServiceRow.id == existing.row_id)
            .values(is_latest=False, row_version=BusinessServiceRow.row_version + 1)
        )
    row = BusinessServiceRow(
        id=new_id(),
        uuid=existing.uuid if existing else str(uuidlib.uuid4()),
        tenant_id=config.tenant_id,
        business_service=config.business_service,
        business=config.business,
        business_service_sla=config.business_service_sla,
        get_uri=config.get_uri,
        post_uri=config.post_uri,
        version=(existing.version + 1) if existing else 1,
        is_latest=True,
        states=checked.states,
    )
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    if existing is not None:
        row.created_by = existing.audit["createdBy"]
        row.created_time = existing.audit["createdTime"]
    session.add(row)
    return flow_of(row)


async def save(
    session: AsyncSession,
    configs: Sequence[BusinessService],
    *,
    known_roles_by_state: dict[str, set[str]],
    create: bool | None,
    actor_uuid: str,
    now_ms: int,
) -> tuple[list[Flow], list[str]]:
    """Create (new code) or update (new version of an existing code) every config, or none of them.

    `create=None` creates what is new and versions what exists (the loader's mode)."""
    prepared, warnings = await _prepare(session, configs, known_roles_by_state=known_roles_by_state, create=create)
    saved: list[Flow] = []
    for config, checked, existing in prepared:
        saved.append(await _store_version(session, config, checked, existing, actor_uuid=actor_uuid, now_ms=now_ms))
    if prepared:
        await bump(session, WORKFLOW_CONFIG, watch_of(session))
    await session.flush()
    return saved, warnings


async def known_roles(platform: Platform, tenant_ids: Collection[str]) -> dict[str, set[str]]:
    """Role codes of ACCESSCONTROL-ROLES per state tenant."""
    mdms = platform.get(MDMS_CLIENT)
    found: dict[str, set[str]] = {}
    for state in {state_of(t) for t in tenant_ids}:
        records = await mdms.get_master(tenant_id=state, module="ACCESSCONTROL-ROLES", master="roles")
        found[state] = {r["code"] for r in records if isinstance(r, dict) and isinstance(r.get("code"), str)}
    return found


async def save_checked(
    session: AsyncSession,
    platform: Platform,
    configs: Sequence[BusinessService],
    *,
    create: bool | None,
    actor_uuid: str,
    extra_roles: Collection[str] = (),
) -> list[Flow]:
    """`save`, every role checked against ACCESSCONTROL-ROLES of the configs' states (and `extra_roles`)."""
    roles = await known_roles(platform, {c.tenant_id for c in configs})
    flows, _warnings = await save(
        session,
        configs,
        known_roles_by_state={state: known | set(extra_roles) for state, known in roles.items()},
        create=create,
        actor_uuid=actor_uuid,
        now_ms=platform.clock.now_ms(),
    )
    return flows
