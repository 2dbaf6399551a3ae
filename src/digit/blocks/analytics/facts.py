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
from typing import Any, Protocol, cast

from sqlalchemy import Table, UniqueConstraint, and_, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from digit.blocks.analytics.deps import ANALYTICS_DEPS, AnalyticsDeps
from digit.blocks.analytics.grains import projections
from digit.blocks.analytics.models import (
    ApplicationDailyRow,
    ApplicationFactRow,
    AppliedEventRow,
    CollectionDailyRow,
    CollectionFactRow,
    ComplaintBacklogRow,
    ComplaintDailyRow,
    ComplaintFactRow,
    ConsumerLocalityRow,
    DemandFactRow,
    DemandPeriodRow,
    ResolutionHourlyRow,
)
from digit.kernel.db import Base, conflict_insert, new_id
from digit.kernel.events import Consumer, Event, delivery_session
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
PGR_TOPICS = ("save-pgr-request", "update-pgr-request")
PAYMENT_CREATE, PAYMENT_CANCEL = "egov.collection.payment-create", "egov.collection.payment-cancel"
DEMAND_TOPICS = ("save-demand", "update-demand")
APPLICATION_TOPICS = ("save-public-service-application", "update-public-service-application")  # Studio's
CLOSED_STATUSES = frozenset({"RESOLVED", "REJECTED", "CLOSEDAFTERRESOLUTION", "CLOSEDAFTERREJECTION"})
RESOLVED_STATUSES = frozenset({"RESOLVED", "CLOSEDAFTERRESOLUTION"})
REJECTED_STATUSES = frozenset({"REJECTED", "CLOSEDAFTERREJECTION"})
APPROVED_STATUS = "ACTIVE"  # Studio: the application reached a state its service lists as ACTIVE (approved)
UNKNOWN = "UNKNOWN"


def day_of(ms: int) -> int:
    return ms - ms % DAY_MS


def _code(value: Any) -> str:
    text = str(value or "").strip()
    return text[:64] if text else UNKNOWN


# ------------------------------------------------------------------------------------------- cube updates

Measures = dict[str, int | Decimal]
Contribution = tuple[dict[str, Any], Measures]


async def _move(
    session: AsyncSession, model: type[Base], tenant_id: str, old: Contribution | None, new: Contribution | None
) -> None:
    """Take the old contribution off and add the new one, in every grain of the table (grains.py).

    Two statements whatever the number of grains: one multi-row upsert adds each cell's net change (a cell
    is created at the change, or its measures summed), then the cells that lost something and now hold
    nothing are deleted (the cube holds only what has happened).
    """
    if old == new:
        return
    table = str(model.__tablename__)
    net: dict[tuple[tuple[str, Any], ...], tuple[dict[str, Any], dict[str, int | Decimal]]] = {}
    lowered: list[dict[str, Any]] = []
    for contribution, sign in ((old, -1), (new, 1)):
        if contribution is None:
            continue
        for key in projections(table, contribution[0]):
            cell = net.setdefault(tuple(sorted(key.items())), (key, {}))
            for column, value in contribution[1].items():
                cell[1][column] = cell[1].get(column, 0) + sign * value
            if sign < 0:
                lowered.append(key)
    cells = [(key, measures) for key, measures in net.values() if any(measures.values())]
    if not cells:
        return
    columns = sorted({column for _, measures in cells for column in measures})
    rows = [
        {
            **key,
            **dict.fromkeys(columns, 0),
            **measures,
            "id": new_id(),
            "tenant_id": tenant_id,
            "created_by": SYSTEM_UUID,
            "created_time": 0,
            "last_modified_by": SYSTEM_UUID,
            "last_modified_time": 0,
            "row_version": 1,
        }
        for key, measures in cells
    ]
    await session.execute(_upsert(session, model, rows, columns))
    if lowered:
        cube = cast(Table, model.__table__).c
        emptied = [and_(*(cube[c] == v for c, v in key.items())) for key in lowered]
        await session.execute(
            delete(model)
            .where(cube["tenant_id"] == tenant_id, or_(*emptied))
            .where(*(cube[c] == 0 for c in columns))
            .execution_options(synchronize_session=False)
        )


def _upsert(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], measures: list[str]) -> Executable:
    """INSERT the cells, or add their measures to the cells that exist (the table's unique cell key)."""
    table = cast(Table, model.__table__)
    cell_key = next(c for c in table.constraints if isinstance(c, UniqueConstraint))
    index = [column.name for column in cell_key.columns]
    insert = conflict_insert(session, model).values(rows)
    return insert.on_conflict_do_update(
        index_elements=index, set_={m: getattr(model, m) + getattr(insert.excluded, m) for m in measures}
    )


def _stamp_system(row: Any, now_ms: int) -> None:
    row.created_by = row.last_modified_by = SYSTEM_UUID
    row.created_time = row.last_modified_time = now_ms


async def _first_time(session: AsyncSession, fact: str, event: Event, *, check: bool = True) -> bool:
    """True once per (fact, event id): records the event as applied in the caller's transaction (one statement).

    The rebuild (`check=False`) replays each stored event once into an emptied store: nothing to look up.
    """
    if not check:
        await session.flush()  # sessions do not autoflush: the facts of earlier events must be visible
        row = AppliedEventRow(fact=fact, event_id=event.id, tenant_id=event.tenant_id)
        _stamp_system(row, event.time_ms)
        session.add(row)
        return True
    values = {
        "fact": fact,
        "event_id": event.id,
        "tenant_id": event.tenant_id,
        "created_by": SYSTEM_UUID,
        "created_time": event.time_ms,
        "last_modified_by": SYSTEM_UUID,
        "last_modified_time": event.time_ms,
        "row_version": 1,
    }
    statement = (
        conflict_insert(session, AppliedEventRow)
        .values(values)
        .on_conflict_do_nothing(index_elements=["fact", "event_id"])
    )
    return await session.scalar(statement.returning(AppliedEventRow.event_id)) is not None


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


def backlog_contribution(fact: ComplaintFactRow) -> Contribution | None:
    """An open complaint with a known SLA, under the hour its SLA runs out."""
    if fact.status in CLOSED_STATUSES or fact.sla_ms is None:
        return None
    due_ms = fact.filed_ms + fact.sla_ms
    key = {
        "day_ms": day_of(fact.filed_ms),
        "due_hour_ms": due_ms - due_ms % HOUR_MS,
        "service_code": fact.service_code,
        "department": fact.department,
        "locality": fact.locality,
        "channel": fact.channel,
    }
    return key, {"complaints": 1}


async def _sla_ms(deps: AnalyticsDeps, tenant_id: str, service_code: str) -> int | None:
    for definition in await deps.mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs"):
        if isinstance(definition, dict) and definition.get("serviceCode") == service_code:
            hours = definition.get("slaHours")
            return int(float(hours) * HOUR_MS) if isinstance(hours, int | float) else None
    return None


async def apply_complaint_event(
    deps: AnalyticsDeps, session: AsyncSession, event: Event, *, rollups: bool = True
) -> None:
    if not await _first_time(session, "complaint", event, check=rollups):
        return
    data = event.data
    request_id = str(data.get("serviceRequestId") or event.aggregate_id)
    fact = await session.scalar(
        select(ComplaintFactRow).where(
            ComplaintFactRow.tenant_id == event.tenant_id, ComplaintFactRow.service_request_id == request_id
        )
    )
    old = (
        (complaint_contribution(fact), resolution_contribution(fact), backlog_contribution(fact))
        if fact is not None
        else (None, None, None)
    )
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
            sla_ms=await _sla_ms(deps, event.tenant_id, service_code),
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
    if rollups:
        await _move(session, ComplaintDailyRow, event.tenant_id, old[0], complaint_contribution(fact))
        await _move(session, ResolutionHourlyRow, event.tenant_id, old[1], resolution_contribution(fact))
        await _move(session, ComplaintBacklogRow, event.tenant_id, old[2], backlog_contribution(fact))


# ------------------------------------------------------------------------------------------- collections


def _payment_lines(data: Mapping[str, Any]) -> dict[tuple[str, str], tuple[Decimal, str]]:
    """(business service, tax head) -> (amount, consumer code); a detail without tax heads counts under UNKNOWN."""
    lines: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for detail in data.get("paymentDetails") or []:
        service = _code(detail.get("businessService"))
        consumer = str(detail.get("consumerCode") or "")
        heads = detail.get("taxHeads") or []
        if not heads:
            heads = [{"taxHeadCode": UNKNOWN, "amount": detail.get("totalAmountPaid") or 0}]
        for head in heads:
            key = (service, _code(head.get("taxHeadCode")))
            before, _ = lines.get(key, (Decimal(0), consumer))
            lines[key] = (before + Decimal(str(head.get("amount") or 0)), consumer)
    return lines


async def _consumer_locality(session: AsyncSession, tenant_id: str, consumer_code: str) -> str:
    locality = await session.scalar(
        select(ConsumerLocalityRow.locality).where(
            ConsumerLocalityRow.tenant_id == tenant_id, ConsumerLocalityRow.consumer_code == consumer_code[:64]
        )
    )
    return locality or UNKNOWN


async def _note_consumer_locality(session: AsyncSession, event: Event) -> None:
    """A Studio application event: its application number is the consumer code of its bills."""
    consumer, locality = str(event.data.get("applicationNumber") or ""), event.data.get("locality")
    if not consumer or not locality:
        return
    row = await session.scalar(
        select(ConsumerLocalityRow).where(
            ConsumerLocalityRow.tenant_id == event.tenant_id, ConsumerLocalityRow.consumer_code == consumer[:64]
        )
    )
    if row is None:
        row = ConsumerLocalityRow(tenant_id=event.tenant_id, consumer_code=consumer[:64], locality=_code(locality))
        _stamp_system(row, event.time_ms)
        session.add(row)
    else:
        row.locality = _code(locality)
        row.last_modified_time = event.time_ms


def collection_contribution(fact: CollectionFactRow) -> Contribution | None:
    if fact.status == "CANCELLED":
        return None
    key = {
        "day_ms": day_of(fact.receipt_ms),
        "business_service": fact.business_service,
        "tax_head": fact.tax_head,
        "payment_mode": fact.payment_mode,
        "locality": fact.locality,
    }
    return key, {"amount": fact.amount, "lines": 1}


async def apply_payment_event(
    deps: AnalyticsDeps, session: AsyncSession, event: Event, *, rollups: bool = True
) -> None:
    """Payments and cancellations; Studio's application events tell the locality of a consumer code first."""
    if not await _first_time(session, "collection", event, check=rollups):
        return
    data = event.data
    if event.topic in APPLICATION_TOPICS:
        await _note_consumer_locality(session, event)
        return
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
            if rollups:
                await _move(session, CollectionDailyRow, fact.tenant_id, old, None)
        return
    for (service, head), (amount, consumer) in _payment_lines(data).items():
        if (service, head) in existing:
            continue
        fact = CollectionFactRow(
            tenant_id=event.tenant_id,
            payment_id=payment_id,
            business_service=service,
            tax_head=head,
            payment_mode=_code(data.get("paymentMode")),
            locality=await _consumer_locality(session, event.tenant_id, consumer),
            receipt_ms=event.time_ms,
            amount=amount,
            status="ACTIVE",
        )
        _stamp_system(fact, event.time_ms)
        session.add(fact)
        if rollups:
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


async def _set_demand(
    session: AsyncSession, fact: DemandFactRow, changes: Mapping[str, Any], now_ms: int, *, rollups: bool
) -> None:
    old = demand_contribution(fact)
    for column, value in changes.items():
        setattr(fact, column, value)
    fact.last_modified_time = now_ms
    if rollups:
        await _move(session, DemandPeriodRow, fact.tenant_id, old, demand_contribution(fact))


async def apply_demand_event(deps: AnalyticsDeps, session: AsyncSession, event: Event, *, rollups: bool = True) -> None:
    """Demands as billing states them; payments and cancellations move what was collected on each line."""
    if not await _first_time(session, "demand", event, check=rollups):
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
                    await _set_demand(session, fact, {"collected_amount": collected}, event.time_ms, rollups=rollups)
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
            if rollups:
                await _move(session, DemandPeriodRow, event.tenant_id, None, demand_contribution(fact))
        else:
            await _set_demand(session, fact, changes, event.time_ms, rollups=rollups)


# ------------------------------------------------------------------------------------------- applications


def application_contribution(fact: ApplicationFactRow) -> Contribution:
    approve_ms = fact.approved_ms - fact.submitted_ms if fact.approved_ms is not None else None
    key = {"day_ms": day_of(fact.submitted_ms), "business_service": fact.business_service, "state": fact.state}
    return key, {
        "applications": 1,
        "approved": int(approve_ms is not None),
        "approve_ms_sum": approve_ms or 0,
    }


async def apply_application_event(
    deps: AnalyticsDeps, session: AsyncSession, event: Event, *, rollups: bool = True
) -> None:
    """Studio's application events (the services configured as data): created, and every action after."""
    data = event.data
    service = str(data.get("businessService") or "")
    if not service:
        return
    if not await _first_time(session, "application", event, check=rollups):
        return
    business_id = str(data.get("applicationNumber") or event.aggregate_id)
    fact = await session.scalar(
        select(ApplicationFactRow).where(
            ApplicationFactRow.tenant_id == event.tenant_id,
            ApplicationFactRow.business_service == service,
            ApplicationFactRow.business_id == business_id,
        )
    )
    old = application_contribution(fact) if fact is not None else None
    state = _code(data.get("workflowStatus"))
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
    if data.get("status") == APPROVED_STATUS and fact.approved_ms is None:
        fact.approved_ms = event.time_ms
    fact.last_modified_time = event.time_ms
    if rollups:
        await _move(session, ApplicationDailyRow, event.tenant_id, old, application_contribution(fact))


# ------------------------------------------------------------------------------------------- consumers


class Apply(Protocol):
    """Apply one event to a fact table. `rollups=False` is the rebuild's replay into an emptied store: the
    rollups are left to `build_rollups`, and no applied-event mark needs looking up."""

    def __call__(
        self, deps: AnalyticsDeps, session: AsyncSession, event: Event, *, rollups: bool = True
    ) -> Awaitable[None]: ...


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
            await self.apply(platform.get(ANALYTICS_DEPS), session, event)

        return Consumer(self.name, self.topics, handle, together=True)


FEEDS = (
    FactFeed("analytics-complaints", PGR_TOPICS, apply_complaint_event),
    FactFeed("analytics-collections", (*APPLICATION_TOPICS, PAYMENT_CREATE, PAYMENT_CANCEL), apply_payment_event),
    FactFeed("analytics-demands", (*DEMAND_TOPICS, PAYMENT_CREATE, PAYMENT_CANCEL), apply_demand_event),
    FactFeed("analytics-applications", APPLICATION_TOPICS, apply_application_event),
)

# fact table -> (rollup table, contribution); what `build_rollups` recomputes
ROLLUPS: tuple[tuple[type[Base], type[Base], Callable[[Any], Contribution | None]], ...] = (
    (ComplaintFactRow, ComplaintDailyRow, complaint_contribution),
    (ComplaintFactRow, ResolutionHourlyRow, resolution_contribution),
    (ComplaintFactRow, ComplaintBacklogRow, backlog_contribution),
    (CollectionFactRow, CollectionDailyRow, collection_contribution),
    (DemandFactRow, DemandPeriodRow, demand_contribution),
    (ApplicationFactRow, ApplicationDailyRow, application_contribution),
)


async def build_rollups(session: AsyncSession, *, now_ms: int, chunk: int = 5000) -> int:
    """Every rollup from the facts as they stand, with the consumers' own contribution arithmetic (the
    rebuild replays events into facts only, then calls this once: far fewer writes than cell by cell).
    The rollups must be empty. Returns the rollup rows written."""
    written = 0
    for fact_model, rollup, contribution in ROLLUPS:
        cells: dict[tuple[Any, ...], dict[str, Any]] = {}
        table = str(rollup.__tablename__)
        stream = await session.stream_scalars(select(fact_model).execution_options(yield_per=chunk))
        async for fact in stream:
            tenant_id: str = getattr(fact, "tenant_id")  # noqa: B009 - every fact model is Audited
            found = contribution(fact)
            if found is None:
                continue
            key, measures = found
            for cell in projections(table, key):
                index = (tenant_id, *sorted(cell.items()))
                row = cells.get(index)
                if row is None:
                    row = cells[index] = {"tenant_id": tenant_id, **cell, **dict.fromkeys(measures, 0)}
                for column, value in measures.items():
                    row[column] += value
        rows = [
            {
                **row,
                "id": new_id(),
                "created_by": SYSTEM_UUID,
                "last_modified_by": SYSTEM_UUID,
                "created_time": now_ms,
                "last_modified_time": now_ms,
                "row_version": 1,
            }
            for row in cells.values()
        ]
        for start in range(0, len(rows), chunk):
            await session.execute(insert(rollup), rows[start : start + chunk])
        written += len(rows)
    return written


ALL_TABLES: tuple[type[Base], ...] = (
    AppliedEventRow,
    ComplaintFactRow,
    ComplaintDailyRow,
    ResolutionHourlyRow,
    ComplaintBacklogRow,
    ConsumerLocalityRow,
    CollectionFactRow,
    CollectionDailyRow,
    DemandFactRow,
    DemandPeriodRow,
    ApplicationFactRow,
    ApplicationDailyRow,
)
