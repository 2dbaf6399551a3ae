"""Workflow rules: transitions (role, state, documents, assignees, citizens), history, search, SLA.

Who may act: the action's roles, and, where the application's current state has assignees, only an assignee
or a holder of one of the state's `supervisorRoles` (businessservice.py). The auto-escalation (escalated=True)
acts for the SLA, on anyone's desk.

Every transition reads the application's current-state row and updates it `WHERE row_version = <read>`;
the loser of a race gets 409 and nothing of its batch is kept. History rows are only inserted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.workflow.businessservice import (
    ActionDef,
    Flow,
    StateDef,
    action_wire,
    find_flow,
    flows_by_id,
    state_wire,
)
from digit.blocks.workflow.instances import NextAction, ProcessInstance
from digit.blocks.workflow.models import AssigneeRow, CurrentStateRow, ProcessInstanceRow
from digit.blocks.workflow.schemas import ProcessInstanceIn
from digit.kernel.db import new_id, row_values
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.errors import Conflict, Invalid
from digit.kernel.events import emit
from digit.kernel.prepared import Prepared, built, insert_all, loaded, table_of
from digit.kernel.security import Actor, role_codes_in
from digit.kernel.tenancy import in_tenant

log = logging.getLogger(__name__)

TRANSITION_TOPIC = "save-wf-transitions"
RATE_ACTION = "RATE"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
NEARING_SLA_PERCENT = 33  # "nearing": at most this share of the business SLA left (DIGIT: a slot-percentage config)
# codes a module may pass in additionalDetails that the inbox filters on (never PII)
INBOX_ATTRIBUTES = ("locality", "serviceCode", "department")
# what a transition sets on the application's current-state row (`_write` gives exactly these)
CURRENT_STATE_MOVES = (
    "config_id",
    "step",
    "last_instance_id",
    "state_uuid",
    "state_name",
    "application_status",
    "is_terminal",
    "state_sla_due_ms",
    "business_sla_due_ms",
    "locality",
    "applicant",
    "attributes",
    "module_name",
    "last_modified_by",
    "last_modified_time",
)

UserLookup = Callable[[Sequence[str]], Awaitable[Mapping[str, UserInfo]]]


@dataclass(frozen=True)
class Planned:
    """One validated transition, ready to be written."""

    request: ProcessInstanceIn
    flow: Flow
    current: CurrentStateRow | None
    from_state: StateDef
    action: ActionDef
    to_state: StateDef
    assignees: list[dict[str, str]]
    applicant: str | None


def _key(tenant_id: str, business_service: str, business_id: str) -> tuple[str, str, str]:
    return (tenant_id, business_service, business_id)


_CURRENT = table_of(CurrentStateRow)
_ASSIGNEE = table_of(AssigneeRow)
_CURRENT_OF_ONE = Prepared(
    select(*_CURRENT.columns).where(
        _CURRENT.c.tenant_id == bindparam("tenant_id"),
        _CURRENT.c.business_service == bindparam("business_service"),
        _CURRENT.c.business_id == bindparam("business_id"),
    )
)
_INSERT_CURRENT = insert_all(_CURRENT)
_MOVE_CURRENT = Prepared(
    update(_CURRENT)
    .where(_CURRENT.c.id == bindparam("where_id"), _CURRENT.c.row_version == bindparam("where_version"))
    .values(
        {
            **{key: bindparam(f"set_{key}", type_=_CURRENT.c[key].type) for key in CURRENT_STATE_MOVES},
            "row_version": _CURRENT.c.row_version + 1,
        }
    )
)
_DROP_ASSIGNEES = Prepared(delete(_ASSIGNEE).where(_ASSIGNEE.c.current_id == bindparam("current_id")))
_INSERT_ASSIGNEE = insert_all(_ASSIGNEE)
_INSTANCE = table_of(ProcessInstanceRow)
_INSERT_INSTANCE = insert_all(_INSTANCE)
_LATEST_OF_ONE = Prepared(
    select(*_INSTANCE.columns, _CURRENT.c.applicant)
    .join(_CURRENT, _CURRENT.c.last_instance_id == _INSTANCE.c.id)
    .where(_CURRENT.c.business_id == bindparam("business_id"), _CURRENT.c.tenant_id == bindparam("tenant_id"))
)


async def _current_rows(
    session: AsyncSession, keys: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], CurrentStateRow]:
    """The current-state rows of a batch; one application (every module's case) by a prepared statement.
    The rows are not attached to the session: transitions write through Core, never through the ORM."""
    if not keys:
        return {}
    if len(keys) == 1:
        (tenant_id, business_service, business_id) = keys[0]
        found = await _CURRENT_OF_ONE.rows(
            session, tenant_id=tenant_id, business_service=business_service, business_id=business_id
        )
        columns = [c.key for c in _CURRENT.columns]
        return {keys[0]: loaded(CurrentStateRow, columns, found[0])} if found else {}
    query = select(CurrentStateRow).where(
        CurrentStateRow.tenant_id.in_({k[0] for k in keys}),
        CurrentStateRow.business_service.in_({k[1] for k in keys}),
        CurrentStateRow.business_id.in_({k[2] for k in keys}),
    )
    rows = (await session.scalars(query.execution_options(populate_existing=True))).all()
    return {_key(r.tenant_id, r.business_service, r.business_id): r for r in rows}


def _is_role_allowed(actor: Actor, tenant_id: str, roles: set[str]) -> bool:
    return bool(actor.role_codes_in(tenant_id) & roles)


async def transition(
    session: AsyncSession,
    *,
    instances: Sequence[ProcessInstanceIn],
    actor: Actor,
    now_ms: int,
    users: UserLookup | None,
    escalated: bool = False,
    fresh: bool = False,
) -> list[ProcessInstance]:
    """Apply every transition of the batch, or none (the first fault raises).

    `fresh`: the caller has just created the business ids, so there is no current state to read."""
    keys = [_key(i.tenant_id, i.business_service, i.business_id) for i in instances]
    if len(set(keys)) < len(keys):
        raise Invalid("INVALID_REQUEST", "a businessId appears twice in one batch; send one action per application")
    currents = {} if fresh else await _current_rows(session, keys)
    flows = await flows_by_id(session, [c.config_id for c in currents.values()])
    latest: dict[tuple[str, str], Flow | None] = {}
    planned: list[Planned] = []
    for instance, key in zip(instances, keys, strict=True):
        current = currents.get(key)
        if current is not None:
            flow = flows[current.config_id]
        else:
            pair = (instance.tenant_id, instance.business_service)
            if pair not in latest:
                latest[pair] = await find_flow(session, tenant_id=instance.tenant_id, code=instance.business_service)
            found = latest[pair]
            if found is None:
                raise Invalid(
                    "BUSINESSSERVICE_NOT_FOUND",
                    f"No businessService object found for businessService: {instance.business_service} "
                    f"and tenantId: {instance.tenant_id}",
                )
            flow = found
        planned.append(_plan(instance, flow, current, actor, escalated=escalated))
    await _check_assignees(planned, users)
    written = [
        await _write(session, plan, actor=actor, now_ms=now_ms, escalated=escalated, fresh=fresh) for plan in planned
    ]
    return [
        instance_out(row, flow=plan.flow, actor=actor, now_ms=now_ms)
        for row, plan in zip(written, planned, strict=True)
    ]


def _plan(
    instance: ProcessInstanceIn, flow: Flow, current: CurrentStateRow | None, actor: Actor, *, escalated: bool
) -> Planned:
    tenant_id = instance.tenant_id
    business_id = instance.business_id
    state = flow.states[current.state_uuid] if current else flow.start
    action = state.actions.get(instance.action)
    if action is None or not action.active:
        raise Invalid(
            "INVALID ACTION",
            f"Action {instance.action} not found in config for the businessId: {business_id} "
            f"(state {state.name or 'start'})",
        )
    to_state = flow.states.get(action.next_state)
    if to_state is None:
        raise Invalid(
            "INVALID ACTION",
            f"Action {instance.action} leads to the state {action.next_state}, which is not in the config",
        )
    if instance.rating is not None and instance.action != RATE_ACTION:
        raise Invalid("INVALID_ACTION", "Rating can be given only upon taking RATE action.")
    allowed = flow.roles if action.is_self_loop else flow.action_roles(action)
    if not _is_role_allowed(actor, tenant_id, allowed):
        raise Invalid("INVALID ROLE", f"User is not authorized to perform action {instance.action} on {business_id}")
    if to_state.doc_upload_required and not instance.documents:
        raise Invalid("INVALID DOCUMENT", f"Documents cannot be null for status: {to_state.name}")
    details = instance.additional_details or {}
    applicant = current.applicant if current else None
    if current is None:
        account = details.get("accountId")
        if actor.is_citizen:
            if isinstance(account, str) and account and account != actor.uuid:
                raise Invalid("INVALID_USER", "a citizen may apply only for himself")
            applicant = actor.uuid
        elif isinstance(account, str) and account:
            applicant = account
    if actor.is_citizen and current is not None and applicant and applicant != actor.uuid:
        raise Invalid("INVALID_USER", f"Citizen not authorized to perform action on application: {business_id}")
    if (
        current is not None
        and not escalated
        and not may_act_on_assigned(actor, state, _current_assignees(current), tenant_id=tenant_id)
    ):
        raise Invalid(
            "INVALID_USER",
            f"the application {business_id} is assigned to someone else: only an assignee or a supervising "
            "role of its state may act on it",
        )
    assignees = [{"uuid": a.uuid} for a in instance.assignes or []]
    if len({a["uuid"] for a in assignees}) < len(assignees):
        raise Invalid("INVALID_ASSIGNEE", "an assignee appears twice")
    return Planned(instance, flow, current, state, action, to_state, assignees, applicant)


def may_act_on_assigned(
    actor: Actor, state: StateDef, assignees: Sequence[Mapping[str, Any]], *, tenant_id: str
) -> bool:
    """An application with assignees is theirs to act on, or a supervising role's (in the application's tenant)."""
    holders = {a.get("uuid") for a in assignees}
    return not holders or actor.uuid in holders or actor.has_any_role(state.supervisor_roles, tenant_id)


def _current_assignees(current: CurrentStateRow) -> list[dict[str, Any]]:
    value = (current.attributes or {}).get("_assignees")
    return list(value) if isinstance(value, list) else []


async def _check_assignees(planned: Sequence[Planned], users: UserLookup | None) -> None:
    """Assignees are employees with a role in the application's tenant (or the applicant, sent back to)."""
    wanted = sorted({a["uuid"] for p in planned for a in p.assignees})
    if not wanted:
        return
    if users is None:
        raise Invalid("INVALID_ASSIGNEE", "assignees cannot be checked: no user service on this platform")
    found = await users(wanted)
    for plan in planned:
        tenant_id = plan.request.tenant_id
        next_roles = plan.flow.transition_roles(plan.to_state)
        for assignee in plan.assignees:
            user = found.get(assignee["uuid"])
            if user is None or not user.active:
                raise Invalid("INVALID_ASSIGNEE", f"User not found for uuid: {assignee['uuid']}")
            roles = role_codes_in(user.roles, tenant_id)
            if user.type == UserType.CITIZEN and plan.applicant == user.uuid:
                pass
            elif user.type != UserType.EMPLOYEE or not roles:
                raise Invalid(
                    "INVALID_ASSIGNEE", f"Cannot assign to the user: {user.uuid}: not an employee of {tenant_id}"
                )
            if not plan.action.is_self_loop and next_roles and not (roles & next_roles):
                raise Invalid(
                    "INVALID_ASSIGNEE",
                    f"Cannot assign to the user: {user.uuid}: no role of the state {plan.to_state.name}",
                )
            assignee["type"] = user.type


def _sla_due(plan: Planned, *, now_ms: int) -> tuple[int | None, int | None]:
    """When the application (business SLA) and its current state (state SLA) fall due after this transition."""
    current = plan.current
    if current is None:
        business_due = now_ms + plan.flow.sla if plan.flow.sla is not None else None
        state_due = None
    else:
        business_due = current.business_sla_due_ms
        state_due = current.state_sla_due_ms
    if not plan.action.is_self_loop:
        state_due = now_ms + plan.to_state.sla if plan.to_state.sla is not None else None
    return business_due, state_due


def _inbox_attributes(
    current: CurrentStateRow | None, details: dict[str, Any], assignees: list[dict[str, Any]]
) -> dict[str, Any]:
    """The current state's attributes the inbox filters on, updated from this transition's details."""
    attributes: dict[str, Any] = dict(current.attributes or {}) if current else {}
    for name in INBOX_ATTRIBUTES:
        value = details.get(name)
        if isinstance(value, str | int) and value != "":
            attributes[name] = str(value)
    attributes["_assignees"] = assignees
    return attributes


async def _save_current_state(
    session: AsyncSession, plan: Planned, values: dict[str, Any], *, actor: Actor, now_ms: int, fresh: bool
) -> str:
    """Insert or move on the application's current-state row; returns its id.

    A concurrent transition shows as a unique clash (first one) or a row_version miss (later ones): 409.
    For a `fresh` business id a clash can only be the caller's bug, so no savepoint guards the insert.
    """
    request, current = plan.request, plan.current
    if current is None:
        current_id = new_id()
        row = {
            "id": current_id,
            "tenant_id": request.tenant_id,
            "business_service": request.business_service,
            "business_id": request.business_id,
            "created_by": actor.uuid,
            "created_time": now_ms,
            "row_version": 1,
            **values,
        }
        try:
            if fresh:
                await _INSERT_CURRENT.run(session, **row)
            else:
                async with session.begin_nested():
                    await _INSERT_CURRENT.run(session, **row)
        except IntegrityError:
            raise _conflict(request.business_id) from None
        return current_id
    moved = await _MOVE_CURRENT.run(
        session,
        where_id=current.id,
        where_version=current.row_version,
        **{f"set_{key}": value for key, value in values.items()},
    )
    if moved != 1:
        raise _conflict(request.business_id)
    recorded = (current.attributes or {}).get("_assignees")
    if recorded is None or recorded:  # the row says whom it had: no statement when it had nobody
        await _DROP_ASSIGNEES.run(session, current_id=current.id)
    return current.id


async def _add_assignees(
    session: AsyncSession,
    *,
    tenant_id: str,
    current_id: str,
    assignees: list[dict[str, Any]],
    actor: Actor,
    now_ms: int,
) -> None:
    for assignee in assignees:
        await _INSERT_ASSIGNEE.run(
            session,
            id=new_id(),
            tenant_id=tenant_id,
            current_id=current_id,
            assignee=assignee["uuid"],
            created_by=actor.uuid,
            created_time=now_ms,
            last_modified_by=actor.uuid,
            last_modified_time=now_ms,
            row_version=1,
        )


@dataclass(frozen=True)
class _Step:
    """What one transition writes besides the plan: its history row's id, step and the current-state values."""

    instance_id: str
    step: int
    module_name: str | None
    assignees: list[dict[str, Any]]
    business_due: int | None
    state_due: int | None
    details: dict[str, Any]


def _instance_row(plan: Planned, written: _Step, *, actor: Actor, now_ms: int, escalated: bool) -> ProcessInstanceRow:
    """The transition's history row; SLAs are stored as what is left of them now."""
    request = plan.request
    return built(
        ProcessInstanceRow,
        id=written.instance_id,
        tenant_id=request.tenant_id,
        business_service=request.business_service,
        business_id=request.business_id,
        module_name=written.module_name,
        step=written.step,
        config_id=plan.flow.row_id,
        action=request.action,
        from_state=plan.from_state.uuid,
        status=plan.to_state.uuid,
        state_name=plan.to_state.name,
        application_status=plan.to_state.application_status,
        previous_status=plan.from_state.application_status,
        comment=request.comment,
        documents=[
            {**d.wire(exclude_none=True), "id": d.id or new_id(), "tenantId": request.tenant_id}
            for d in request.documents or []
        ],
        assigner=actor.uuid,
        assignees=written.assignees,
        state_sla=written.state_due - now_ms if written.state_due is not None else None,
        business_service_sla=written.business_due - now_ms if written.business_due is not None else None,
        rating=request.rating,
        escalated=escalated,
        additional_details=written.details or None,
        created_by=actor.uuid,
        created_time=now_ms,
        last_modified_by=actor.uuid,
        last_modified_time=now_ms,
    )


async def _emit_transition(
    session: AsyncSession, plan: Planned, row: ProcessInstanceRow, written: _Step, *, actor: Actor, now_ms: int
) -> None:
    request = plan.request
    await emit(
        session,
        TRANSITION_TOPIC,
        tenant_id=request.tenant_id,
        aggregate_id=request.business_id,
        data={
            "id": written.instance_id,
            "businessService": request.business_service,
            "businessId": request.business_id,
            "tenantId": request.tenant_id,
            "moduleName": written.module_name,
            "action": request.action,
            "fromState": plan.from_state.name,
            "toState": plan.to_state.name,
            "applicationStatus": plan.to_state.application_status,
            "previousStatus": plan.from_state.application_status,
            "actorUuid": actor.uuid,
            "actorType": actor.type,
            "assignees": [a["uuid"] for a in written.assignees],
            "applicantUuid": plan.applicant,
            "escalated": row.escalated,
            "rating": request.rating,
            "step": written.step,
        },
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )


def _plan_step(plan: Planned, *, now_ms: int) -> _Step:
    """Number the step, settle its assignees and SLA due times, before anything is written."""
    request, current = plan.request, plan.current
    assignees: list[dict[str, Any]] = plan.assignees
    if not assignees and plan.action.is_self_loop and current is not None:
        assignees = _current_assignees(current)  # a comment does not take the application off anyone's desk
    business_due, state_due = _sla_due(plan, now_ms=now_ms)
    return _Step(
        instance_id=new_id(),
        step=(current.step if current else 0) + 1,
        module_name=request.module_name or (current.module_name if current else None),
        assignees=assignees,
        business_due=business_due,
        state_due=state_due,
        details=request.additional_details or {},
    )


async def _write(
    session: AsyncSession, plan: Planned, *, actor: Actor, now_ms: int, escalated: bool, fresh: bool = False
) -> ProcessInstanceRow:
    written = _plan_step(plan, now_ms=now_ms)
    attributes = _inbox_attributes(plan.current, written.details, written.assignees)
    values: dict[str, Any] = {
        "config_id": plan.flow.row_id,
        "step": written.step,
        "last_instance_id": written.instance_id,
        "state_uuid": plan.to_state.uuid,
        "state_name": plan.to_state.name,
        "application_status": plan.to_state.application_status,
        "is_terminal": plan.to_state.is_terminal,
        "state_sla_due_ms": written.state_due,
        "business_sla_due_ms": written.business_due,
        "locality": attributes.get("locality"),
        "applicant": plan.applicant,
        "attributes": attributes,
        "module_name": written.module_name,
        "last_modified_by": actor.uuid,
        "last_modified_time": now_ms,
    }
    current_id = await _save_current_state(session, plan, values, actor=actor, now_ms=now_ms, fresh=fresh)
    await _add_assignees(
        session,
        tenant_id=plan.request.tenant_id,
        current_id=current_id,
        assignees=written.assignees,
        actor=actor,
        now_ms=now_ms,
    )
    row = _instance_row(plan, written, actor=actor, now_ms=now_ms, escalated=escalated)
    try:
        await _INSERT_INSTANCE.run(session, **row_values(row))
    except IntegrityError:
        raise _conflict(plan.request.business_id) from None
    await _emit_transition(session, plan, row, written, actor=actor, now_ms=now_ms)
    return row


def _conflict(business_id: str) -> Conflict:
    return Conflict(
        "STALE_DATA",
        f"the application {business_id} was moved on by another transition at the same time; search and retry",
    )


def remaining(stored: int | None, last_modified_ms: int, now_ms: int) -> int | None:
    """DIGIT's remaining SLA: what was left at the transition, minus the time since."""
    return None if stored is None else stored - (now_ms - last_modified_ms)


def _allowed_actions(
    flow: Flow, state: StateDef, actor: Actor | None, tenant_id: str, assignees: Sequence[Mapping[str, Any]]
) -> list[ActionDef]:
    if actor is None or not may_act_on_assigned(actor, state, assignees, tenant_id=tenant_id):
        return []
    mine = actor.role_codes_in(tenant_id)
    allowed = [a for a in state.actions.values() if a.active and mine & flow.action_roles(a)]
    return sorted(allowed, key=lambda a: a.name)


def next_actions(
    flow: Flow,
    state: StateDef,
    actor: Actor | None,
    tenant_id: str,
    assignees: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    return [action_wire(a, tenant_id=tenant_id) for a in _allowed_actions(flow, state, actor, tenant_id, assignees)]


def instance_out(row: ProcessInstanceRow, *, flow: Flow | None, actor: Actor | None, now_ms: int) -> ProcessInstance:
    """A history row as the typed instance other blocks read; its `wire()` is `instance_wire`'s answer."""
    state = flow.states.get(row.status) if flow else None
    allowed = _allowed_actions(flow, state, actor, row.tenant_id, row.assignees or ()) if flow and state else []
    return ProcessInstance(
        id=row.id,
        tenant_id=row.tenant_id,
        business_service=row.business_service,
        business_id=row.business_id,
        action=row.action,
        module_name=row.module_name,
        state=state.name if state else row.state_name,
        state_uuid=row.status,
        application_status=state.application_status if state else row.application_status,
        comment=row.comment,
        documents=tuple(row.documents or ()),
        assigner=row.assigner,
        assignees=tuple(str(a.get("uuid")) for a in row.assignees or ()),
        next_actions=tuple(
            NextAction(
                name=a.name,
                next_state=a.next_state,
                roles=tuple(a.roles),
                wire=partial(action_wire, a, tenant_id=row.tenant_id),
            )
            for a in allowed
        ),
        rating=row.rating,
        escalated=bool(row.escalated),
        created_time=row.created_time,
        business_sla_left_ms=remaining(row.business_service_sla, row.last_modified_time, now_ms),
        state_sla_left_ms=remaining(row.state_sla, row.last_modified_time, now_ms),
        additional_details=row.additional_details,
        wire=partial(instance_wire, row, flow=flow, actor=actor, now_ms=now_ms),
    )


def instance_wire(row: ProcessInstanceRow, *, flow: Flow | None, actor: Actor | None, now_ms: int) -> dict[str, Any]:
    """A history row in DIGIT's ProcessInstance shape, SLAs as remaining time now."""
    state = flow.states.get(row.status) if flow else None
    state_out: dict[str, Any]
    if state is not None and flow is not None:
        state_out = state_wire(state, tenant_id=row.tenant_id, business_service_id=flow.uuid)
    else:
        state_out = {"uuid": row.status, "state": row.state_name, "applicationStatus": row.application_status}
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "businessService": row.business_service,
        "businessId": row.business_id,
        "action": row.action,
        "moduleName": row.module_name,
        "state": state_out,
        "comment": row.comment,
        "documents": row.documents or None,
        "assigner": {"uuid": row.assigner},
        "assignes": [dict(a) for a in row.assignees] or None,
        "nextActions": next_actions(flow, state, actor, row.tenant_id, row.assignees or ()) if flow and state else [],
        "stateSla": remaining(row.state_sla, row.last_modified_time, now_ms),
        "businesssServiceSla": remaining(row.business_service_sla, row.last_modified_time, now_ms),
        "previousStatus": row.previous_status,
        "entity": None,
        "auditDetails": row.audit_details(),
        "rating": row.rating,
        "escalated": row.escalated,
        "additionalDetails": row.additional_details,
    }


@dataclass
class SearchCriteria:
    tenant_id: str
    business_ids: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    assignee: str | None = None
    status: list[str] = field(default_factory=list)
    history: bool = False
    from_date: int | None = None
    to_date: int | None = None
    business_service: list[str] = field(default_factory=list)
    module_name: str | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    escalated: bool = False  # only applications the auto-escalation has acted on (DIGIT's escalate/_search)


def _latest_query(criteria: SearchCriteria, actor: Actor | None) -> Select[Any]:
    query = select(CurrentStateRow.last_instance_id).where(in_tenant(CurrentStateRow.tenant_id, criteria.tenant_id))
    if criteria.business_ids:
        query = query.where(CurrentStateRow.business_id.in_(criteria.business_ids))
    if criteria.ids:
        query = query.where(CurrentStateRow.last_instance_id.in_(criteria.ids))
    if criteria.business_service:
        query = query.where(CurrentStateRow.business_service.in_(criteria.business_service))
    if criteria.module_name:
        query = query.where(CurrentStateRow.module_name == criteria.module_name)
    if criteria.status:
        query = query.where(
            or_(
                CurrentStateRow.state_uuid.in_(criteria.status),
                CurrentStateRow.application_status.in_(criteria.status),
                CurrentStateRow.state_name.in_(criteria.status),
            )
        )
    if criteria.assignee:
        query = query.where(
            CurrentStateRow.id.in_(select(AssigneeRow.current_id).where(AssigneeRow.assignee == criteria.assignee))
        )
    if criteria.from_date is not None:
        query = query.where(CurrentStateRow.last_modified_time >= criteria.from_date)
    if criteria.to_date is not None:
        query = query.where(CurrentStateRow.last_modified_time <= criteria.to_date)
    if criteria.escalated:
        query = query.where(
            select(ProcessInstanceRow.id)
            .where(
                ProcessInstanceRow.tenant_id == CurrentStateRow.tenant_id,
                ProcessInstanceRow.business_service == CurrentStateRow.business_service,
                ProcessInstanceRow.business_id == CurrentStateRow.business_id,
                ProcessInstanceRow.escalated.is_(True),
            )
            .exists()
        )
    if actor is not None and actor.is_citizen:
        query = query.where(CurrentStateRow.applicant == actor.uuid)
    return query


def _history_query(criteria: SearchCriteria, actor: Actor | None) -> Select[Any]:
    latest = _latest_query(
        SearchCriteria(
            tenant_id=criteria.tenant_id,
            business_ids=criteria.business_ids,
            business_service=criteria.business_service,
            module_name=criteria.module_name,
            assignee=criteria.assignee,
            status=criteria.status,
        ),
        actor,
    ).with_only_columns(CurrentStateRow.tenant_id, CurrentStateRow.business_service, CurrentStateRow.business_id)
    apps = latest.subquery()
    query = select(ProcessInstanceRow.id).join(
        apps,
        and_(
            ProcessInstanceRow.tenant_id == apps.c.tenant_id,
            ProcessInstanceRow.business_service == apps.c.business_service,
            ProcessInstanceRow.business_id == apps.c.business_id,
        ),
    )
    if criteria.ids:
        query = query.where(ProcessInstanceRow.id.in_(criteria.ids))
    if criteria.from_date is not None:
        query = query.where(ProcessInstanceRow.created_time >= criteria.from_date)
    if criteria.to_date is not None:
        query = query.where(ProcessInstanceRow.created_time <= criteria.to_date)
    return query


async def count_instances(session: AsyncSession, criteria: SearchCriteria, actor: Actor | None) -> int:
    base = _history_query(criteria, actor) if criteria.history else _latest_query(criteria, actor)
    return int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)


async def count_nearing_sla(
    session: AsyncSession, criteria: SearchCriteria, actor: Actor | None, *, now_ms: int
) -> int:
    """DIGIT's _nearingslacount: open applications whose business SLA has not run out yet but has at most
    `NEARING_SLA_PERCENT` of the business service's SLA left."""
    ids = _latest_query(criteria, actor).with_only_columns(CurrentStateRow.id)
    rows = (
        await session.execute(
            select(CurrentStateRow.config_id, CurrentStateRow.business_sla_due_ms).where(
                CurrentStateRow.id.in_(ids),
                CurrentStateRow.is_terminal.is_(False),
                CurrentStateRow.business_sla_due_ms > now_ms,
            )
        )
    ).all()
    flows = await flows_by_id(session, list({config_id for config_id, _ in rows}))
    nearing = 0
    for config_id, due_ms in rows:
        flow = flows.get(config_id)
        if flow is not None and flow.sla is not None and due_ms is not None:
            nearing += (due_ms - now_ms) * 100 <= flow.sla * NEARING_SLA_PERCENT
    return nearing


async def search_escalated(
    session: AsyncSession, criteria: SearchCriteria, actor: Actor | None, *, now_ms: int
) -> tuple[list[dict[str, Any]], int]:
    """DIGIT's escalate/_search: the latest instance of each application the auto-escalation has acted on."""
    return await search_instances(session, replace(criteria, escalated=True), actor, now_ms=now_ms)


async def _instance_rows(
    session: AsyncSession, criteria: SearchCriteria, actor: Actor | None
) -> tuple[list[ProcessInstanceRow], dict[str, Flow], int]:
    """Latest instance per application (or the whole history), newest first, with their configs and a total."""
    ids_query = _history_query(criteria, actor) if criteria.history else _latest_query(criteria, actor)
    offset, limit = max(criteria.offset, 0), min(max(criteria.limit, 1), MAX_LIMIT)
    rows_query = (
        select(ProcessInstanceRow)
        .where(ProcessInstanceRow.id.in_(ids_query))
        .order_by(ProcessInstanceRow.created_time.desc(), ProcessInstanceRow.step.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = list(await session.scalars(rows_query))
    if offset == 0 and len(rows) < limit:
        total = len(rows)  # the whole answer is on this page: no count needed
    else:
        total = int(await session.scalar(select(func.count()).select_from(ids_query.subquery())) or 0)
    flows = await flows_by_id(session, [r.config_id for r in rows])
    return rows, flows, total


async def search_instances(
    session: AsyncSession, criteria: SearchCriteria, actor: Actor | None, *, now_ms: int
) -> tuple[list[dict[str, Any]], int]:
    """DIGIT's process/_search: wire instances and a total count."""
    rows, flows, total = await _instance_rows(session, criteria, actor)
    return [instance_wire(r, flow=flows.get(r.config_id), actor=actor, now_ms=now_ms) for r in rows], total


async def instances_by_id(
    session: AsyncSession, *, tenant_id: str, ids: Sequence[str], actor: Actor | None, now_ms: int
) -> list[dict[str, Any]]:
    """History entries by their ids, in the order asked (a retried _transition answers these)."""
    criteria = SearchCriteria(tenant_id=tenant_id, ids=list(ids), history=True, limit=MAX_LIMIT)
    found, _ = await search_instances(session, criteria, actor, now_ms=now_ms)
    by_id = {item["id"]: item for item in found}
    return [by_id[i] for i in ids if i in by_id]


async def status_counts(session: AsyncSession, criteria: SearchCriteria, actor: Actor | None) -> list[dict[str, Any]]:
    """DIGIT's _statuscount: applications per current state."""
    base = _latest_query(criteria, actor).subquery()
    query = (
        select(
            CurrentStateRow.application_status,
            CurrentStateRow.business_service,
            CurrentStateRow.state_uuid,
            func.count(),
        )
        .where(CurrentStateRow.last_instance_id.in_(select(base.c.last_instance_id)))
        .group_by(CurrentStateRow.application_status, CurrentStateRow.business_service, CurrentStateRow.state_uuid)
    )
    return [
        {"applicationstatus": status, "businessservice": code, "statusid": state_uuid, "count": count}
        for status, code, state_uuid, count in await session.execute(query)
    ]


async def history_of(session: AsyncSession, *, tenant_id: str, business_id: str, now_ms: int) -> list[ProcessInstance]:
    rows = list(
        await session.scalars(
            select(ProcessInstanceRow)
            .where(ProcessInstanceRow.tenant_id == tenant_id, ProcessInstanceRow.business_id == business_id)
            .order_by(ProcessInstanceRow.created_time.desc(), ProcessInstanceRow.step.desc())
        )
    )
    flows = await flows_by_id(session, [r.config_id for r in rows])
    return [instance_out(r, flow=flows.get(r.config_id), actor=None, now_ms=now_ms) for r in rows]


async def _latest_of_one(
    session: AsyncSession, *, tenant_id: str, business_id: str, actor: Actor | None
) -> list[ProcessInstanceRow]:
    """`_latest_query` for one business id of a city, as a prepared statement (a citizen sees only their own)."""
    columns = [c.key for c in _INSTANCE.columns]
    found = await _LATEST_OF_ONE.rows(session, tenant_id=tenant_id, business_id=business_id)
    mine = [line for line in found if actor is None or not actor.is_citizen or line[-1] == actor.uuid]
    rows = [loaded(ProcessInstanceRow, columns, line[:-1]) for line in mine]
    return sorted(rows, key=lambda r: (r.created_time, r.step), reverse=True)


async def latest_of(
    session: AsyncSession,
    *,
    tenant_id: str,
    business_ids: Sequence[str],
    now_ms: int,
    actor: Actor | None = None,
) -> dict[str, ProcessInstance]:
    """The newest instance of each business id; `next_actions` are the actor's (none without one)."""
    if not business_ids:
        return {}
    if len(business_ids) == 1 and "." in tenant_id:  # one application of a city: a search page's every row
        rows = await _latest_of_one(session, tenant_id=tenant_id, business_id=business_ids[0], actor=actor)
        flows = await flows_by_id(session, [r.config_id for r in rows])
    else:
        rows, flows, _ = await _instance_rows(
            session, SearchCriteria(tenant_id=tenant_id, business_ids=list(business_ids), limit=MAX_LIMIT), actor
        )
    return {r.business_id: instance_out(r, flow=flows.get(r.config_id), actor=actor, now_ms=now_ms) for r in rows}
