"""The work list behind the inbox: current states filtered, counted per status and per SLA bucket, paged.

Four queries whatever the page size: counts per SLA bucket (their sum is the total), counts per status, the
page (current rows joined to their latest history row) and the configs of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.workflow.businessservice import flows_by_id
from digit.blocks.workflow.models import AssigneeRow, CurrentStateRow, ProcessInstanceRow
from digit.blocks.workflow.service import INBOX_ATTRIBUTES, instance_wire, tenant_filter
from digit.kernel.security import Actor

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


def _filters(query: WorklistQuery, *, with_status: bool) -> list[Any]:
    conditions: list[Any] = [tenant_filter(CurrentStateRow.tenant_id, query.tenant_id)]
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
            conditions.append(
                or_(
                    CurrentStateRow.state_uuid.in_(query.statuses),
                    CurrentStateRow.application_status.in_(query.statuses),
                    CurrentStateRow.state_name.in_(query.statuses),
                )
            )
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
    conditions = _filters(query, with_status=True)
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
        .where(*_filters(query, with_status=False))
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
