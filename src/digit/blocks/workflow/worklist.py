"""The work list behind the inbox: current states filtered, counted per status and per SLA bucket, paged.

Four queries whatever the page size: counts per SLA bucket (their sum is the total), counts per status (of
the states that are not terminal, and of the terminal ones the status filter names), the page (current rows
joined to their latest history row) and the configs of the page. A status filter names states by uuid, name
or application status; it is turned into state uuids from the stored configs (cached per process, dropped on
every save), so that the counts read the inbox index alone and never every closed application of a city.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.workflow.businessservice import WORKFLOW_CONFIG, flows_by_id
from digit.blocks.workflow.models import AssigneeRow, BusinessServiceRow, CurrentStateRow, ProcessInstanceRow
from digit.blocks.workflow.service import INBOX_ATTRIBUTES, instance_wire
from digit.kernel.security import Actor
from digit.kernel.tenancy import in_tenant
from digit.kernel.versions import shared_cache

NEARING_SLA_MS = 24 * 3600 * 1000  # "nearing" = less than a day left
SORTABLE = {
    "createdTime": CurrentStateRow.created_time,
    "lastModifiedTime": CurrentStateRow.last_modified_time,
    "sla": CurrentStateRow.business_sla_due_ms,
}


@dataclass
class WorklistQuery:
    tenant_id: str
    business_services: list[str] = field(default_factory=list)
    module_name: str | None = None
    business_ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    assignee: str | None = None
    localities: list[str] = field(default_factory=list)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    sla: str | None = None  # breached | nearing | onTime
    sort_by: str = "createdTime"
    sort_descending: bool = True
    offset: int = 0
    limit: int = 10


@dataclass
class WorklistItem:
    process_instance: dict[str, Any]
    index: dict[str, Any]


@dataclass
class WorklistPage:
    total: int
    nearing_sla: int
    sla_buckets: dict[str, int]
    status_map: list[dict[str, Any]]
    items: list[WorklistItem]


async def _named_states(session: AsyncSession, query: WorklistQuery) -> dict[str, bool]:
    """The states the status terms name (by a state's uuid, name or application status), uuid -> is terminal,
    in every stored version of the searched configs the tenant sees. A row keeps the uuid, name and application
    status of its state, and a state keeps its uuid across versions, so `state_uuid IN` these selects the same
    rows as matching the three columns (which no index serves at once)."""
    key = (query.tenant_id, tuple(sorted(query.business_services)), tuple(sorted(query.statuses)))
    cache = shared_cache(session, "workflow.named_states", counter=WORKFLOW_CONFIG)
    cached = await cache.get(key) if cache is not None else None
    if cached is not None:
        return dict(cached)
    configs = select(BusinessServiceRow.states).where(
        in_tenant(BusinessServiceRow.tenant_id, query.tenant_id, with_ancestors=True)
    )
    if query.business_services:
        configs = configs.where(BusinessServiceRow.business_service.in_(query.business_services))
    terms = set(query.statuses)
    named: dict[str, bool] = {}
    for states in await session.scalars(configs):
        for state in states or []:
            if isinstance(state, dict) and terms & {
                state.get("uuid"),
                state.get("state"),
                state.get("applicationStatus"),
            }:
                named[str(state["uuid"])] = bool(state.get("isTerminateState"))
    if cache is not None:
        cache.put(key, tuple(named.items()))
    return named


def _counted_states(named: dict[str, bool]) -> Any:
    """Which rows the counts per status cover: the work the inbox holds (states not terminal), and the terminal
    states the status filter names. Counting every closed application of a city on each page would cost a
    scan of all of them; the terminal states stay reachable by the status filter, which counts them."""
    terminal = [uuid for uuid, is_terminal in named.items() if is_terminal]
    open_states = CurrentStateRow.is_terminal.is_(False)
    return or_(open_states, CurrentStateRow.state_uuid.in_(terminal)) if terminal else open_states


def _filters(query: WorklistQuery, *, with_status: bool, states: Sequence[str] = ()) -> list[Any]:
    conditions: list[Any] = [in_tenant(CurrentStateRow.tenant_id, query.tenant_id)]
    if query.business_services:
        conditions.append(CurrentStateRow.business_service.in_(query.business_services))
    if query.module_name:
        conditions.append(CurrentStateRow.module_name == query.module_name)
    if query.business_ids:
        conditions.append(CurrentStateRow.business_id.in_(query.business_ids))
    if query.assignee:
        conditions.append(
            CurrentStateRow.id.in_(select(AssigneeRow.current_id).where(AssigneeRow.assignee == query.assignee))
        )
    if query.localities:
        conditions.append(CurrentStateRow.locality.in_(query.localities))
    for name, values in query.attributes.items():
        if name in INBOX_ATTRIBUTES and name != "locality" and values:
            conditions.append(CurrentStateRow.attributes[name].as_string().in_(values))
    if with_status:
        if query.statuses:
            conditions.append(CurrentStateRow.state_uuid.in_(list(states)))
        else:
            conditions.append(CurrentStateRow.is_terminal.is_(False))
    return conditions


def _sla_filter(query: WorklistQuery, now_ms: int) -> list[Any]:
    due = CurrentStateRow.business_sla_due_ms
    if query.sla == "breached":
        return [due < now_ms]
    if query.sla == "nearing":
        return [due >= now_ms, due < now_ms + NEARING_SLA_MS]
    if query.sla == "onTime":
        return [or_(due.is_(None), due >= now_ms + NEARING_SLA_MS)]
    return []


def _page_query(query: WorklistQuery, conditions: list[Any]) -> Select[CurrentStateRow, ProcessInstanceRow]:
    column = SORTABLE.get(query.sort_by, CurrentStateRow.created_time)
    tie = CurrentStateRow.id
    order = (column.desc(), tie.desc()) if query.sort_descending else (column.asc(), tie.asc())
    page = (
        select(CurrentStateRow.id)
        .where(*conditions)
        .order_by(*order)
        .offset(max(query.offset, 0))
        .limit(min(max(query.limit, 1), 1000))
        .subquery()
    )
    return (
        select(CurrentStateRow, ProcessInstanceRow)
        .join(page, page.c.id == CurrentStateRow.id)
        .join(ProcessInstanceRow, ProcessInstanceRow.id == CurrentStateRow.last_instance_id)
        .order_by(*order)
    )


async def search(session: AsyncSession, query: WorklistQuery, *, actor: Actor, now_ms: int) -> WorklistPage:
    named = await _named_states(session, query) if query.statuses else {}
    conditions = _filters(query, with_status=True, states=list(named))
    due = CurrentStateRow.business_sla_due_ms
    buckets_query = select(
        func.count(),
        func.coalesce(func.sum(case((due < now_ms, 1), else_=0)), 0),
        func.coalesce(func.sum(case((due.between(now_ms, now_ms + NEARING_SLA_MS - 1), 1), else_=0)), 0),
    ).where(*conditions, *_sla_filter(query, now_ms))
    total, breached, nearing = (await session.execute(buckets_query)).one()
    status_query = (
        select(
            CurrentStateRow.application_status,
            CurrentStateRow.business_service,
            CurrentStateRow.state_uuid,
            func.count(),
        )
        .where(*_filters(query, with_status=False), _counted_states(named))
        .group_by(CurrentStateRow.application_status, CurrentStateRow.business_service, CurrentStateRow.state_uuid)
        .order_by(CurrentStateRow.business_service, CurrentStateRow.application_status)
    )
    status_map = [
        {"applicationstatus": status, "businessservice": code, "statusid": state_uuid, "count": count}
        for status, code, state_uuid, count in await session.execute(status_query)
    ]
    page = (await session.execute(_page_query(query, [*conditions, *_sla_filter(query, now_ms)]))).all()
    flows = await flows_by_id(session, [current.config_id for current, _ in page])
    items = []
    for current, instance in page:
        wire = instance_wire(instance, flow=flows.get(current.config_id), actor=actor, now_ms=now_ms)
        index = {
            "businessId": current.business_id,
            "tenantId": current.tenant_id,
            "businessService": current.business_service,
            "moduleName": current.module_name,
            "applicationStatus": current.application_status,
            "createdTime": current.created_time,
            "lastModifiedTime": current.last_modified_time,
            "serviceSla": (current.business_sla_due_ms - now_ms) if current.business_sla_due_ms is not None else None,
            **{k: v for k, v in (current.attributes or {}).items() if not k.startswith("_")},
        }
        items.append(WorklistItem(process_instance=wire, index=index))
    breached_count, nearing_count = int(breached or 0), int(nearing or 0)
    return WorklistPage(
        total=int(total or 0),
        nearing_sla=nearing_count,
        sla_buckets={
            "breached": breached_count,
            "nearing": nearing_count,
            "onTime": int(total or 0) - breached_count - nearing_count,
        },
        status_map=status_map,
        items=items,
    )
