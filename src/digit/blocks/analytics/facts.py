"""Consumers that turn outbox events into facts, and keep the rollups in step (one consumer per fact table).

Each `apply_*` is idempotent by event id (`AppliedEventRow`), writes through the session it is given
(the dispatcher's delivery session, or the rebuild's batch session), and updates a fact and its cube
row by difference: the fact's old contribution is taken off, the new one added.

Complaint KPIs are anchored on the filing day, as DIGIT's DSS anchors them on `dateOfComplaint`:
"complaints filed in the range, in their current state".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.analytics.models import (
    ApplicationDailyRow,
    ApplicationFactRow,
    AppliedEventRow,
    CollectionDailyRow,
    CollectionFactRow,
    ComplaintDailyRow,
    ComplaintFactRow,
    DemandFactRow,
    DemandPeriodRow,
    ResolutionHourlyRow,
)
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.db import Base
from digit.kernel.events import Consumer, Event, delivery_session
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
PGR_TOPICS = ("save-pgr-request", "update-pgr-request")
PAYMENT_CREATE, PAYMENT_CANCEL = "egov.collection.payment-create", "egov.collection.payment-cancel"
DEMAND_TOPICS = ("save-demand", "update-demand")
WORKFLOW_TOPIC = "save-wf-transitions"
CLOSED_STATUSES = frozenset({"RESOLVED", "REJECTED", "CLOSEDAFTERRESOLUTION", "CLOSEDAFTERREJECTION"})
RESOLVED_STATUSES = frozenset({"RESOLVED", "CLOSEDAFTERRESOLUTION"})
REJECTED_STATUSES = frozenset({"REJECTED", "CLOSEDAFTERREJECTION"})
APPROVED_STATES = frozenset({"APPROVED"})
UNKNOWN = "UNKNOWN"


def day_of(ms: int) -> int:
    return ms - ms % DAY_MS


def _code(value: Any) -> str:
    text = str(value or "").strip()
    return text[:64] if text else UNKNOWN


# ------------------------------------------------------------------------------------------- cube updates

Measures = dict[str, int | Decimal]
Contribution = tuple[dict[str, Any], Measures]


async def _bump(
    session: AsyncSession, model: type[Base], tenant_id: str, key: Mapping[str, Any], measures: Measures, sign: int
) -> None:
    """Add (sign 1) or take off (sign -1) measures on the cube row of `key`, creating it at zero."""
    await session.flush()  # sessions do not autoflush: earlier changes must be visible to the lookup
    query = select(model).where(model.tenant_id == tenant_id)  # type: ignore[attr-defined]
    for column, value in key.items():
        query = query.where(getattr(model, column) == value)
    row = await session.scalar(query)
    if row is None:
        if sign < 0:
            return
        row = model(tenant_id=tenant_id, **key, **{m: 0 for m in measures})
        _stamp_system(row, 0)
        session.add(row)
    for column, value in measures.items():
        setattr(row, column, (getattr(row, column) or 0) + sign * value)
    if sign < 0 and all(not getattr(row, column) for column in measures):
        await session.delete(row)  # an empty cell: the cube holds only what has happened
        await session.flush()


async def _move(
    session: AsyncSession, model: type[Base], tenant_id: str, old: Contribution | None, new: Contribution | None
) -> None:
    if old is not None and new is not None and old == new:
        return
    if old is not None:
        await _bump(session, model, tenant_id, old[0], old[1], -1)
        await session.flush()
    if new is not None:
        await _bump(session, model, tenant_id, new[0], new[1], 1)


def _stamp_system(row: Any, now_ms: int) -> None:
    row.created_by = row.last_modified_by = SYSTEM_UUID
    row.created_time = row.last_modified_time = now_ms


async def _first_time(session: AsyncSession, fact: str, event: Event) -> bool:
    """True once per (fact, event id): records the event as applied in the caller's transaction."""
    await session.flush()
    if await session.get(AppliedEventRow, (fact, event.id)) is not None:
        return False
    row = AppliedEventRow(fact=fact, event_id=event.id, tenant_id=event.tenant_id)
    _stamp_system(row, event.time_ms)
    session.add(row)
    return True


# ------------------------------------------------------------------------------------------- complaints


def complaint_contribution(fact: ComplaintFactRow) -> Contribution:
    status = fact.status
    resolution_ms = fact.resolved_ms - fact.filed_ms if fact.resolved_ms is not None else None
    key = {
        "day_ms": day_of(fact.filed_ms),
        "service_code": fact.service_code,
        "department": fact.department,
        "locality": fact.locality,
        "channel": fact.channel,
        "status": status,
        "assignee": fact.assignee,
    }
    sla_counted = int(resolution_ms is not None and fact.sla_ms is not None)
    measures: Measures = {
        "complaints": 1,
        "closed": int(status in CLOSED_STATUSES),
        "resolved": int(status in RESOLVED_STATUSES),
        "rejected": int(status in REJECTED_STATUSES),
        "reopened": int(fact.reopened_count > 0),
        "escalated": int(fact.escalated_count > 0),
        "sla_counted": sla_counted,
        "sla_met": int(bool(sla_counted) and resolution_ms is not None and resolution_ms <= (fact.sla_ms or 0)),
        "rating_sum": fact.rating or 0,
        "rating_count": int(fact.rating is not None),
        "resolution_ms_sum": resolution_ms or 0,
        "resolution_count": int(resolution_ms is not None),
    }
    return key, measures


def resolution_contribution(fact: ComplaintFactRow) -> Contribution | None:
    if fact.resolved_ms is None:
        return None
    resolution_ms = fact.resolved_ms - fact.filed_ms
    key = {
        "day_ms": day_of(fact.filed_ms),
        "service_code": fact.service_code,
        "department": fact.department,
        "locality": fact.locality,
        "channel": fact.channel,
        "hours": max(resolution_ms, 0) // HOUR_MS,
    }
    return key, {"complaints": 1, "resolution_ms_sum": resolution_ms}


async def _sla_ms(platform: Platform, tenant_id: str, service_code: str) -> int | None:
    mdms = platform.find(MDMS_CLIENT)
    if mdms is None:
        return None
    for definition in await mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs"):
        if isinstance(definition, dict) and definition.get("serviceCode") == service_code:
            hours = definition.get("slaHours")
            return int(float(hours) * HOUR_MS) if isinstance(hours, int | float) else None
    return None


async def apply_complaint_event(platform: Platform, session: AsyncSession, event: Event) -> None:
    if not await _first_time(session, "complaint", event):
        return
    data = event.data
    request_id = str(data.get("serviceRequestId") or event.aggregate_id)
    fact = await session.scalar(
        select(ComplaintFactRow).where(
            ComplaintFactRow.tenant_id == event.tenant_id, ComplaintFactRow.service_request_id == request_id
        )
    )
    old = (complaint_contribution(fact), resolution_contribution(fact)) if fact is not None else (None, None)
    if fact is None:
        service_code = _code(data.get("serviceCode"))
        fact = ComplaintFactRow(
            tenant_id=event.tenant_id,
            service_request_id=request_id,
            service_code=service_code,
            department=_code(data.get("department")),
            locality=_code(data.get("locality")),
            channel=_code(str(data.get("source") or "").upper()),
            status=_code(data.get("applicationStatus") or data.get("toStatus")),
            assignee="",
            filed_ms=event.time_ms,
            sla_ms=await _sla_ms(platform, event.tenant_id, service_code),
            reopened_count=0,
            escalated_count=0,
        )
        _stamp_system(fact, event.time_ms)
        session.add(fact)
    action = str(data.get("action") or "").upper()
    status = data.get("applicationStatus") or data.get("toStatus")
    if status:
        fact.status = _code(status)
    if data.get("department"):
        fact.department = _code(data.get("department"))
    assignees = [str(a) for a in data.get("assignees") or [] if a]
    if action in ("ASSIGN", "REASSIGN", "AUTO_ESCALATE") and assignees:
        fact.assignee = assignees[0][:64]
    if action == "RESOLVE":
        fact.resolved_ms = event.time_ms
    if action == "REJECT":
        fact.rejected_ms = event.time_ms
    if action == "REOPEN":
        fact.reopened_count += 1
        fact.resolved_ms = None
        fact.assignee = ""
    if action == "AUTO_ESCALATE":
        fact.escalated_count += 1
    if action == "RATE" and isinstance(data.get("rating"), int):
        fact.rating = int(data["rating"])
    fact.last_modified_time = event.time_ms
    await _move(session, ComplaintDailyRow, event.tenant_id, old[0], complaint_contribution(fact))
    await _move(session, ResolutionHourlyRow, event.tenant_id, old[1], resolution_contribution(fact))


# ------------------------------------------------------------------------------------------- collections


def _payment_lines(data: Mapping[str, Any]) -> dict[tuple[str, str], Decimal]:
    """(business service, tax head) -> amount; a detail without its tax heads counts under UNKNOWN."""
    lines: dict[tuple[str, str], Decimal] = {}
    for detail in data.get("paymentDetails") or []:
        service = _code(detail.get("businessService"))
        heads = detail.get("taxHeads") or []
        if not heads:
            heads = [{"taxHeadCode": UNKNOWN, "amount": detail.get("totalAmountPaid") or 0}]
        for head in heads:
            key = (service, _code(head.get("taxHeadCode")))
            lines[key] = lines.get(key, Decimal(0)) + Decimal(str(head.get("amount") or 0))
    return lines


def collection_contribution(fact: CollectionFactRow) -> Contribution | None:
    if fact.status == "CANCELLED":
        return None
    key = {
        "day_ms": day_of(fact.receipt_ms),
        "business_service": fact.business_service,
        "tax_head": fact.tax_head,
        "payment_mode": fact.payment_mode,
    }
    return key, {"amount": fact.amount, "lines": 1}


async def apply_payment_event(_platform: Platform, session: AsyncSession, event: Event) -> None:
    if not await _first_time(session, "collection", event):
        return
    data = event.data
    payment_id = str(data.get("paymentId") or event.aggregate_id)
    existing = {
        (f.business_service, f.tax_head): f
        for f in await session.scalars(select(CollectionFactRow).where(CollectionFactRow.payment_id == payment_id))
    }
    if event.topic == PAYMENT_CANCEL:
        for fact in existing.values():
            old = collection_contribution(fact)
            fact.status = "CANCELLED"
            fact.last_modified_time = event.time_ms
            await _move(session, CollectionDailyRow, fact.tenant_id, old, None)
        return
    for (service, head), amount in _payment_lines(data).items():
        if (service, head) in existing:
            continue
        fact = CollectionFactRow(
            tenant_id=event.tenant_id,
            payment_id=payment_id,
            business_service=service,
            tax_head=head,
            payment_mode=_code(data.get("paymentMode")),
            receipt_ms=event.time_ms,
            amount=amount,
            status="ACTIVE",
        )
        _stamp_system(fact, event.time_ms)
        session.add(fact)
        await _move(session, CollectionDailyRow, event.tenant_id, None, collection_contribution(fact))


# ------------------------------------------------------------------------------------------- demands


def demand_contribution(fact: DemandFactRow) -> Contribution | None:
    if fact.status == "CANCELLED":
        return None
    key = {
        "from_day_ms": day_of(fact.period_from_ms),
        "to_day_ms": day_of(fact.period_to_ms),
        "business_service": fact.business_service,
        "tax_head": fact.tax_head,
    }
    return key, {"tax_amount": fact.tax_amount, "collected_amount": fact.collected_amount}


async def _set_demand(session: AsyncSession, fact: DemandFactRow, changes: Mapping[str, Any], now_ms: int) -> None:
    old = demand_contribution(fact)
    for column, value in changes.items():
        setattr(fact, column, value)
    fact.last_modified_time = now_ms
    await _move(session, DemandPeriodRow, fact.tenant_id, old, demand_contribution(fact))


async def apply_demand_event(_platform: Platform, session: AsyncSession, event: Event) -> None:
    """Demands as billing states them; payments and cancellations move what was collected on each line."""
    if not await _first_time(session, "demand", event):
        return
    data = event.data
    if event.topic in (PAYMENT_CREATE, PAYMENT_CANCEL):
        sign = -1 if event.topic == PAYMENT_CANCEL else 1
        for detail in data.get("paymentDetails") or []:
            for head in detail.get("taxHeads") or []:
                fact = await session.scalar(
                    select(DemandFactRow).where(DemandFactRow.demand_detail_id == str(head.get("demandDetailId")))
                )
                if fact is not None:
                    collected = fact.collected_amount + sign * Decimal(str(head.get("amount") or 0))
                    await _set_demand(session, fact, {"collected_amount": collected}, event.time_ms)
        return
    demand_id = str(data.get("demandId") or event.aggregate_id)
    known = {
        f.demand_detail_id: f
        for f in await session.scalars(select(DemandFactRow).where(DemandFactRow.demand_id == demand_id))
    }
    for line in data.get("demandDetails") or []:
        detail_id = str(line.get("id") or "")
        if not detail_id:
            continue
        changes = {
            "business_service": _code(data.get("businessService")),
            "tax_head": _code(line.get("taxHeadMasterCode")),
            "period_from_ms": int(data.get("taxPeriodFrom") or 0),
            "period_to_ms": int(data.get("taxPeriodTo") or 0),
            "tax_amount": Decimal(str(line.get("taxAmount") or 0)),
            "collected_amount": Decimal(str(line.get("collectionAmount") or 0)),
            "status": _code(data.get("status")),
        }
        fact = known.get(detail_id)
        if fact is None:
            fact = DemandFactRow(tenant_id=event.tenant_id, demand_id=demand_id, demand_detail_id=detail_id, **changes)
            _stamp_system(fact, event.time_ms)
            session.add(fact)
            await _move(session, DemandPeriodRow, event.tenant_id, None, demand_contribution(fact))
        else:
            await _set_demand(session, fact, changes, event.time_ms)


# ------------------------------------------------------------------------------------------- applications


def application_contribution(fact: ApplicationFactRow) -> Contribution:
    approve_ms = fact.approved_ms - fact.submitted_ms if fact.approved_ms is not None else None
    key = {"day_ms": day_of(fact.submitted_ms), "business_service": fact.business_service, "state": fact.state}
    return key, {
        "applications": 1,
        "approved": int(approve_ms is not None),
        "approve_ms_sum": approve_ms or 0,
    }


async def apply_application_event(_platform: Platform, session: AsyncSession, event: Event) -> None:
    """Workflow transitions of every business service but PGR (complaints have their own facts)."""
    data = event.data
    service = str(data.get("businessService") or "")
    if not service or service.upper() == "PGR" or str(data.get("moduleName") or "").lower() == "rainmaker-pgr":
        return
    if not await _first_time(session, "application", event):
        return
    business_id = str(data.get("businessId") or event.aggregate_id)
    fact = await session.scalar(
        select(ApplicationFactRow).where(
            ApplicationFactRow.tenant_id == event.tenant_id,
            ApplicationFactRow.business_service == service,
            ApplicationFactRow.business_id == business_id,
        )
    )
    old = application_contribution(fact) if fact is not None else None
    state = _code(data.get("applicationStatus") or data.get("toState"))
    if fact is None:
        fact = ApplicationFactRow(
            tenant_id=event.tenant_id,
            business_service=_code(service),
            business_id=business_id[:64],
            state=state,
            submitted_ms=event.time_ms,
        )
        _stamp_system(fact, event.time_ms)
        session.add(fact)
    fact.state = state
    if state in APPROVED_STATES and fact.approved_ms is None:
        fact.approved_ms = event.time_ms
    fact.last_modified_time = event.time_ms
    await _move(session, ApplicationDailyRow, event.tenant_id, old, application_contribution(fact))


# ------------------------------------------------------------------------------------------- consumers

Apply = Callable[[Platform, AsyncSession, Event], Awaitable[None]]


@dataclass(frozen=True)
class FactFeed:
    """One fact table: the consumer's name, its topics, and how an event is applied."""

    name: str
    topics: tuple[str, ...]
    apply: Apply

    def consumer(self) -> Consumer:
        async def handle(platform: Platform, event: Event) -> None:
            session = delivery_session()
            if session is None:  # pragma: no cover - the dispatcher always provides one
                raise RuntimeError("analytics consumers run inside the dispatcher's delivery session")
            await self.apply(platform, session, event)

        return Consumer(self.name, self.topics, handle)


FEEDS = (
    FactFeed("analytics-complaints", PGR_TOPICS, apply_complaint_event),
    FactFeed("analytics-collections", (PAYMENT_CREATE, PAYMENT_CANCEL), apply_payment_event),
    FactFeed("analytics-demands", (*DEMAND_TOPICS, PAYMENT_CREATE, PAYMENT_CANCEL), apply_demand_event),
    FactFeed("analytics-applications", (WORKFLOW_TOPIC,), apply_application_event),
)

ALL_TABLES: tuple[type[Base], ...] = (
    AppliedEventRow,
    ComplaintFactRow,
    ComplaintDailyRow,
    ResolutionHourlyRow,
    CollectionFactRow,
    CollectionDailyRow,
    DemandFactRow,
    DemandPeriodRow,
    ApplicationFactRow,
    ApplicationDailyRow,
)
