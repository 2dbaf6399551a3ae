"""Consumers that turn outbox events into facts, and keep the rollups in step (one consumer per fact table).

Each `apply_*_events` takes a batch of events (the dispatcher's `handle_many`, a chunk of the rebuild, or
one event), is idempotent by event id (`AppliedEventRow`), writes through the session it is given, and
updates the facts and their cube rows by difference: a fact's old contribution is taken off, its new one
added, summed over the batch and written in a few multi-row statements (batch.py).

Complaint KPIs are anchored on the filing day, as DIGIT's DSS anchors them on `dateOfComplaint`:
"complaints filed in the range, in their current state".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.analytics.batch import Batch, Contribution, Measures, load_rows, upsert_facts
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
from digit.kernel.db import Base, new_id
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


def _stamp_system(row: Any, now_ms: int) -> None:
    row.created_by = row.last_modified_by = SYSTEM_UUID
    row.created_time = row.last_modified_time = now_ms
    row.row_version = 1


# ------------------------------------------------------------------------------------------- complaints


def _shared_dimensions(fact: ComplaintFactRow) -> dict[str, str]:
    """The dimensions every complaint cube shares: what was asked for, of which department, where, how."""
    return {
        "service_code": fact.service_code,
        "department": fact.department,
        "locality": fact.locality,
        "channel": fact.channel,
    }


def complaint_contribution(fact: ComplaintFactRow) -> Contribution:
    status = fact.status
    resolution_ms = fact.resolved_ms - fact.filed_ms if fact.resolved_ms is not None else None
    key = {"day_ms": day_of(fact.filed_ms), **_shared_dimensions(fact), "status": status, "assignee": fact.assignee}
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
    key = {"day_ms": day_of(fact.filed_ms), **_shared_dimensions(fact), "hours": max(resolution_ms, 0) // HOUR_MS}
    return key, {"complaints": 1, "resolution_ms_sum": resolution_ms}


def backlog_contribution(fact: ComplaintFactRow) -> Contribution | None:
    """An open complaint with a known SLA, under the hour its SLA runs out."""
    if fact.status in CLOSED_STATUSES or fact.sla_ms is None:
        return None
    due_ms = fact.filed_ms + fact.sla_ms
    key = {"day_ms": day_of(fact.filed_ms), "due_hour_ms": due_ms - due_ms % HOUR_MS, **_shared_dimensions(fact)}
    return key, {"complaints": 1}


async def _sla_ms(deps: AnalyticsDeps, tenant_id: str, service_code: str) -> int | None:
    for definition in await deps.mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs"):
        if isinstance(definition, dict) and definition.get("serviceCode") == service_code:
            hours = definition.get("slaHours")
            return int(float(hours) * HOUR_MS) if isinstance(hours, int | float) else None
    return None


def _request_id(event: Event) -> str:
    return str(event.data.get("serviceRequestId") or event.aggregate_id)[:64]


ComplaintKey = tuple[str, str]  # (tenant, service request id)
ComplaintParts = tuple[Contribution | None, Contribution | None, Contribution | None]
COMPLAINT_ROLLUPS = (ComplaintDailyRow, ResolutionHourlyRow, ComplaintBacklogRow)


def complaint_parts(fact: ComplaintFactRow | None) -> ComplaintParts:
    """The complaint's contribution to each of its rollups (`COMPLAINT_ROLLUPS`, in order)."""
    if fact is None:
        return None, None, None
    return complaint_contribution(fact), resolution_contribution(fact), backlog_contribution(fact)


async def _complaint_facts(session: AsyncSession, events: Sequence[Event]) -> dict[ComplaintKey, ComplaintFactRow]:
    """The facts the events touch, in one SELECT, as rows the session does not track (written by upsert)."""
    keys = {(event.tenant_id, _request_id(event)) for event in events}
    rows = await load_rows(
        session,
        ComplaintFactRow,
        ComplaintFactRow.service_request_id.in_(sorted({key[1] for key in keys})),
        ComplaintFactRow.tenant_id.in_(sorted({key[0] for key in keys})),
    )
    return {(f.tenant_id, f.service_request_id): f for f in rows if (f.tenant_id, f.service_request_id) in keys}


async def _new_complaint(
    deps: AnalyticsDeps, event: Event, slas: dict[tuple[str, str], int | None]
) -> ComplaintFactRow:
    """The fact of a complaint first seen in this event (its filing, normally); `slas` remembers the SLA of
    each (tenant, complaint type) for the batch."""
    data = event.data
    service_code = _code(data.get("serviceCode"))
    if (event.tenant_id, service_code) not in slas:
        slas[(event.tenant_id, service_code)] = await _sla_ms(deps, event.tenant_id, service_code)
    fact = ComplaintFactRow(
        id=new_id(),
        tenant_id=event.tenant_id,
        service_request_id=_request_id(event),
        service_code=service_code,
        department=_code(data.get("department")),
        locality=_code(data.get("locality")),
        channel=_code(str(data.get("source") or "").upper()),
        status=_code(data.get("applicationStatus") or data.get("toStatus")),
        assignee="",
        filed_ms=event.time_ms,
        resolved_ms=None,
        rejected_ms=None,
        sla_ms=slas.get((event.tenant_id, service_code)),
        reopened_count=0,
        escalated_count=0,
        rating=None,
    )
    _stamp_system(fact, event.time_ms)
    return fact


def _apply_complaint_action(fact: ComplaintFactRow, event: Event) -> None:
    """What one PGR event changes in its complaint's fact: status, department, assignee, times, counts."""
    data = event.data
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


async def apply_complaint_events(deps: AnalyticsDeps, batch: Batch, events: Sequence[Event]) -> None:
    """PGR events, in order: one SELECT of the facts they touch, the changes applied in memory, then one
    upsert of the facts and each rollup's net change (a complaint's first contribution in the batch taken
    off, its last one added: what its events give one by one)."""
    fresh = await batch.fresh("complaint", events)
    if not fresh:
        return
    facts = await _complaint_facts(batch.session, fresh)
    before = {key: complaint_parts(fact) for key, fact in facts.items()}
    slas: dict[tuple[str, str], int | None] = {}
    for event in fresh:
        key = (event.tenant_id, _request_id(event))
        if key not in facts:
            facts[key] = await _new_complaint(deps, event, slas)
            before[key] = complaint_parts(None)
        _apply_complaint_action(facts[key], event)
    await upsert_facts(batch.session, ComplaintFactRow, facts.values(), ("tenant_id", "service_request_id"))
    for key, fact in facts.items():
        for model, old, new in zip(COMPLAINT_ROLLUPS, before[key], complaint_parts(fact), strict=True):
            batch.move(model, key[0], old, new)


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


PaymentLine = tuple[str, str, str]  # payment, business service, tax head
ConsumerKey = tuple[str, str]  # tenant, consumer code


def _payment_id(event: Event) -> str:
    return str(event.data.get("paymentId") or event.aggregate_id)[:64]


def _payment_consumers(event: Event) -> set[ConsumerKey]:
    return {(event.tenant_id, consumer[:64]) for _, consumer in _payment_lines(event.data).values()}


async def _consumer_localities(session: AsyncSession, consumers: set[ConsumerKey]) -> dict[ConsumerKey, str]:
    """The known locality of each consumer code (one SELECT)."""
    if not consumers:
        return {}
    rows = await load_rows(
        session,
        ConsumerLocalityRow,
        ConsumerLocalityRow.consumer_code.in_(sorted({code for _, code in consumers})),
        ConsumerLocalityRow.tenant_id.in_(sorted({tenant for tenant, _ in consumers})),
    )
    return {(row.tenant_id, row.consumer_code): row.locality for row in rows}


def _noted_locality(event: Event) -> ConsumerLocalityRow | None:
    """A Studio application event: its application number is the consumer code of its bills."""
    consumer, locality = str(event.data.get("applicationNumber") or ""), event.data.get("locality")
    if not consumer or not locality:
        return None
    row = ConsumerLocalityRow(
        id=new_id(), tenant_id=event.tenant_id, consumer_code=consumer[:64], locality=_code(locality)
    )
    _stamp_system(row, event.time_ms)
    return row


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


async def apply_payment_events(deps: AnalyticsDeps, batch: Batch, events: Sequence[Event]) -> None:
    """Payments and cancellations, in order, in memory (Studio's application events tell the locality of a
    consumer code first): one SELECT of the payments' facts and one of their consumers' localities, then one
    upsert of each and the rollup's net change."""
    fresh = await batch.fresh("collection", events)
    payments = [event for event in fresh if event.topic not in APPLICATION_TOPICS]
    found = await load_rows(
        batch.session, CollectionFactRow, CollectionFactRow.payment_id.in_({_payment_id(e) for e in payments})
    )
    facts = {(f.payment_id, f.business_service, f.tax_head): f for f in found}
    before = {key: collection_contribution(fact) for key, fact in facts.items()}
    places = await _consumer_localities(batch.session, {c for event in payments for c in _payment_consumers(event)})
    noted: dict[ConsumerKey, ConsumerLocalityRow] = {}
    for event in fresh:
        if event.topic in APPLICATION_TOPICS:
            row = _noted_locality(event)
            if row is not None:
                noted[(row.tenant_id, row.consumer_code)] = row
                places[(row.tenant_id, row.consumer_code)] = row.locality
        else:
            _apply_payment(facts, places, event)
    await upsert_facts(batch.session, ConsumerLocalityRow, noted.values(), ("tenant_id", "consumer_code"))
    await upsert_facts(batch.session, CollectionFactRow, facts.values(), ("payment_id", "business_service", "tax_head"))
    for key, fact in facts.items():
        batch.move(CollectionDailyRow, fact.tenant_id, before.get(key), collection_contribution(fact))


def _apply_payment(
    facts: dict[PaymentLine, CollectionFactRow], places: Mapping[ConsumerKey, str], event: Event
) -> None:
    """A payment's lines become facts (at its consumer's locality); a cancellation cancels them."""
    data, payment_id = event.data, _payment_id(event)
    if event.topic == PAYMENT_CANCEL:
        for (payment, _, _), fact in facts.items():
            if payment == payment_id:
                fact.status = "CANCELLED"
                fact.last_modified_time = event.time_ms
        return
    for (service, head), (amount, consumer) in _payment_lines(data).items():
        if (payment_id, service, head) in facts:
            continue
        fact = CollectionFactRow(
            id=new_id(),
            tenant_id=event.tenant_id,
            payment_id=payment_id,
            business_service=service,
            tax_head=head,
            payment_mode=_code(data.get("paymentMode")),
            locality=places.get((event.tenant_id, consumer[:64]), UNKNOWN),
            receipt_ms=event.time_ms,
            amount=amount,
            status="ACTIVE",
        )
        _stamp_system(fact, event.time_ms)
        facts[(payment_id, service, head)] = fact


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


def _set_demand(fact: DemandFactRow, changes: Mapping[str, Any], now_ms: int) -> None:
    for column, value in changes.items():
        setattr(fact, column, value)
    fact.last_modified_time = now_ms


def _paid_heads(event: Event) -> list[dict[str, Any]]:
    return [head for detail in event.data.get("paymentDetails") or [] for head in detail.get("taxHeads") or []]


def _demand_id(event: Event) -> str:
    return str(event.data.get("demandId") or event.aggregate_id)


async def apply_demand_events(deps: AnalyticsDeps, batch: Batch, events: Sequence[Event]) -> None:
    """Demands as billing states them; payments and cancellations move what was collected on each line.
    One SELECT of the lines the batch touches, the events applied in memory in order, one upsert."""
    fresh = await batch.fresh("demand", events)
    payments = [event for event in fresh if event.topic in (PAYMENT_CREATE, PAYMENT_CANCEL)]
    demands = {_demand_id(event) for event in fresh if event.topic in DEMAND_TOPICS}
    paid = {str(head.get("demandDetailId")) for event in payments for head in _paid_heads(event)}
    if not demands and not paid:
        return
    touched = or_(DemandFactRow.demand_id.in_(sorted(demands)), DemandFactRow.demand_detail_id.in_(sorted(paid)))
    facts = {fact.demand_detail_id: fact for fact in await load_rows(batch.session, DemandFactRow, touched)}
    before = {key: demand_contribution(fact) for key, fact in facts.items()}
    for event in fresh:
        if event.topic in (PAYMENT_CREATE, PAYMENT_CANCEL):
            sign = -1 if event.topic == PAYMENT_CANCEL else 1
            for head in _paid_heads(event):
                fact = facts.get(str(head.get("demandDetailId")))
                if fact is not None:
                    collected = fact.collected_amount + sign * Decimal(str(head.get("amount") or 0))
                    _set_demand(fact, {"collected_amount": collected}, event.time_ms)
        else:
            _apply_demand(facts, event)
    await upsert_facts(batch.session, DemandFactRow, facts.values(), ("demand_detail_id",))
    for key, fact in facts.items():
        batch.move(DemandPeriodRow, fact.tenant_id, before.get(key), demand_contribution(fact))


def _apply_demand(facts: dict[str, DemandFactRow], event: Event) -> None:
    """A demand's lines as billing states them now (new lines become facts)."""
    data, demand_id = event.data, _demand_id(event)
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
        fact = facts.get(detail_id)
        if fact is None:
            fact = DemandFactRow(
                id=new_id(), tenant_id=event.tenant_id, demand_id=demand_id, demand_detail_id=detail_id
            )
            _stamp_system(fact, event.time_ms)
            facts[detail_id] = fact
        _set_demand(fact, changes, event.time_ms)


# ------------------------------------------------------------------------------------------- applications


def application_contribution(fact: ApplicationFactRow) -> Contribution:
    approve_ms = fact.approved_ms - fact.submitted_ms if fact.approved_ms is not None else None
    key = {"day_ms": day_of(fact.submitted_ms), "business_service": fact.business_service, "state": fact.state}
    return key, {
        "applications": 1,
        "approved": int(approve_ms is not None),
        "approve_ms_sum": approve_ms or 0,
    }


ApplicationKey = tuple[str, str, str]  # tenant, business service, application number


def _application_key(event: Event) -> ApplicationKey:
    number = str(event.data.get("applicationNumber") or event.aggregate_id)[:64]
    return event.tenant_id, _code(event.data.get("businessService")), number


async def apply_application_events(deps: AnalyticsDeps, batch: Batch, events: Sequence[Event]) -> None:
    """Studio's application events (the services configured as data): created, and every action after.
    One SELECT of the applications the batch touches, the events applied in memory in order, one upsert."""
    fresh = await batch.fresh("application", [e for e in events if e.data.get("businessService")])
    if not fresh:
        return
    keys = {_application_key(event) for event in fresh}
    found = await load_rows(
        batch.session,
        ApplicationFactRow,
        ApplicationFactRow.business_id.in_(sorted({key[2] for key in keys})),
        ApplicationFactRow.tenant_id.in_(sorted({key[0] for key in keys})),
    )
    facts = {(f.tenant_id, f.business_service, f.business_id): f for f in found}
    before = {key: application_contribution(fact) for key, fact in facts.items()}
    for event in fresh:
        _apply_application(facts, event)
    index = ("tenant_id", "business_service", "business_id")
    await upsert_facts(batch.session, ApplicationFactRow, facts.values(), index)
    for key, fact in facts.items():
        batch.move(ApplicationDailyRow, key[0], before.get(key), application_contribution(fact))


def _apply_application(facts: dict[ApplicationKey, ApplicationFactRow], event: Event) -> None:
    key, data = _application_key(event), event.data
    state = _code(data.get("workflowStatus"))
    fact = facts.get(key)
    if fact is None:
        fact = ApplicationFactRow(id=new_id(), tenant_id=key[0], business_service=key[1], business_id=key[2])
        fact.submitted_ms, fact.approved_ms = event.time_ms, None
        _stamp_system(fact, event.time_ms)
        facts[key] = fact
    fact.state = state
    if data.get("status") == APPROVED_STATUS and fact.approved_ms is None:
        fact.approved_ms = event.time_ms
    fact.last_modified_time = event.time_ms


# ------------------------------------------------------------------------------------------- consumers


class ApplyMany(Protocol):
    """Apply a batch of events (in event order) to a fact table, gathering rollup changes in the batch."""

    def __call__(self, deps: AnalyticsDeps, batch: Batch, events: Sequence[Event]) -> Awaitable[None]: ...


@dataclass(frozen=True)
class FactFeed:
    """One fact table: the consumer's name, its topics, and how a batch of events is applied."""

    name: str
    topics: tuple[str, ...]
    apply_events: ApplyMany

    async def apply_many(
        self, deps: AnalyticsDeps, session: AsyncSession, events: Sequence[Event], *, rollups: bool = True
    ) -> None:
        """The events in the caller's transaction: marks, facts, then every rollup's net change.

        `rollups=False` is the rebuild's replay into an emptied store: the rollups are left to `build_rollups`.
        """
        batch = Batch(session, rollups=rollups)
        await self.apply_events(deps, batch, events)
        await batch.finish()

    async def apply(self, deps: AnalyticsDeps, session: AsyncSession, event: Event, *, rollups: bool = True) -> None:
        """One event: a batch of one."""
        await self.apply_many(deps, session, [event], rollups=rollups)

    def consumer(self) -> Consumer:
        async def handle_many(platform: Platform, events: Sequence[Event]) -> None:
            session = delivery_session()
            if session is None:  # pragma: no cover - the dispatcher always provides one
                raise RuntimeError("analytics consumers run inside the dispatcher's delivery session")
            await self.apply_many(platform.get(ANALYTICS_DEPS), session, events)

        async def handle(platform: Platform, event: Event) -> None:
            await handle_many(platform, [event])

        return Consumer(self.name, self.topics, handle, together=True, handle_many=handle_many)


FEEDS = (
    FactFeed("analytics-complaints", PGR_TOPICS, apply_complaint_events),
    FactFeed("analytics-collections", (*APPLICATION_TOPICS, PAYMENT_CREATE, PAYMENT_CANCEL), apply_payment_events),
    FactFeed("analytics-demands", (*DEMAND_TOPICS, PAYMENT_CREATE, PAYMENT_CANCEL), apply_demand_events),
    FactFeed("analytics-applications", APPLICATION_TOPICS, apply_application_events),
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
