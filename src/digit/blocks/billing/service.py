"""Billing rules: demands validated against the masters, bills built from what is still due, payments apportioned.

Every change to a demand writes its new state to the history table. A payment locks its bill row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite transactions are `BEGIN IMMEDIATE`) before it reads what is
due, so concurrent payments on one bill queue up and never collect more than is due.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.billing import amendments
from digit.blocks.billing.deps import BillingDeps
from digit.blocks.billing.models import BillRow, DemandDetailRow, DemandHistoryRow, DemandRow
from digit.blocks.billing.schemas import (
    CENT,
    MAX_AMOUNT,
    OPEN_BILL_STATUSES,
    Amendment,
    AppliedPayment,
    Apportioned,
    AuditDetails,
    Bill,
    BillStatus,
    Demand,
    DemandDetail,
    DemandSearch,
    DemandStatus,
    PayableBill,
    Payer,
    money_out,
)
from digit.kernel import idempotency
from digit.kernel.anonymous import is_anonymous
from digit.kernel.db import stamp
from digit.kernel.envelope import UserType
from digit.kernel.errors import Conflict, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.masking import mask
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

MODULE = "BillingService"
DEFAULT_BILL_EXPIRY_MS = 86_400_000
ZERO = Decimal(0)
DEBIT_CATEGORIES = frozenset({"REBATE", "EXEMPTION", "ADVANCE_COLLECTION"})  # when a head has no isDebit


# ----------------------------------------------------------------------------------------------- masters


async def find_business_service(deps: BillingDeps, *, tenant_id: str, code: str) -> dict[str, Any] | None:
    """The `BillingService.BusinessService` record (city, else state), or None."""
    records = await deps.mdms.get_master(tenant_id=tenant_id, module=MODULE, master="BusinessService")
    return next((r for r in records if isinstance(r, dict) and code in (r.get("code"), r.get("businessService"))), None)


async def tax_heads(deps: BillingDeps, *, tenant_id: str, business_service: str) -> dict[str, dict[str, Any]]:
    records = await deps.mdms.get_master(tenant_id=tenant_id, module=MODULE, master="TaxHeadMaster")
    return {r["code"]: r for r in records if isinstance(r, dict) and r.get("service") == business_service}


async def tax_periods(deps: BillingDeps, *, tenant_id: str, business_service: str) -> list[dict[str, Any]]:
    records = await deps.mdms.get_master(tenant_id=tenant_id, module=MODULE, master="TaxPeriod")
    return [r for r in records if isinstance(r, dict) and r.get("service") == business_service]


# ----------------------------------------------------------------------------------------------- helpers


def _money(value: Decimal | str | int) -> Decimal:
    return Decimal(str(value))


def _has_cents_only(value: Decimal) -> bool:
    return value == value.quantize(CENT)


def demand_to_wire(row: DemandRow) -> Demand:
    return Demand(
        id=row.id,
        tenant_id=row.tenant_id,
        consumer_code=row.consumer_code,
        consumer_type=row.consumer_type,
        business_service=row.business_service,
        payer=Payer(uuid=row.payer_uuid) if row.payer_uuid else None,
        tax_period_from=row.tax_period_from,
        tax_period_to=row.tax_period_to,
        demand_details=[
            DemandDetail(
                id=d.id,
                demand_id=row.id,
                tax_head_master_code=d.tax_head_code,
                tax_amount=d.tax_amount,
                collection_amount=d.collection_amount,
                additional_details=d.additional_details,
                tenant_id=d.tenant_id,
                audit_details=AuditDetails.model_validate(d.audit_details()),
            )
            for d in row.details
        ],
        audit_details=AuditDetails.model_validate(row.audit_details()),
        bill_expiry_time=row.bill_expiry_time,
        additional_details=row.additional_details,
        minimum_amount_payable=row.minimum_amount_payable,
        is_payment_completed=row.is_payment_completed,
        status=row.status,
        row_version=row.row_version,
    )


def _record_history(
    session: AsyncSession, row: DemandRow, *, reason: str, reference_id: str | None, actor: Actor, now_ms: int
) -> None:
    history = DemandHistoryRow(
        tenant_id=row.tenant_id,
        demand_id=row.id,
        reason=reason,
        reference_id=reference_id,
        snapshot=demand_to_wire(row).wire(),
    )
    stamp(history, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(history)


def _is_paid(row: DemandRow) -> bool:
    return all(d.collection_amount == d.tax_amount for d in row.details)


def _validate_detail_amounts(detail: DemandDetail, faults: list[tuple[str, str]]) -> None:
    tax, collected = detail.tax_amount, detail.collection_amount
    if not (_has_cents_only(tax) and _has_cents_only(collected)):
        faults.append(("EG_DEMAND_DEATIL_INVALID", f"{detail.tax_head_master_code}: amounts with over 2 decimals"))
    elif tax >= 0 and not (ZERO <= collected <= tax):
        faults.append(
            ("EG_DEMAND_DEATIL_INVALID", f"collectionAmount of {detail.tax_head_master_code} must lie in 0..taxAmount")
        )
    elif tax < 0 and collected not in (ZERO, tax):
        faults.append(
            ("EG_DEMAND_DEATIL_INVALID", f"{detail.tax_head_master_code}: a rebate's collection is 0 or its taxAmount")
        )


def is_debit_head(head: dict[str, Any]) -> bool:
    """A tax head that takes money off the bill (rebate, exemption, advance): MDMS `isDebit`, else its category."""
    flag = head.get("isDebit")
    if isinstance(flag, bool):
        return flag
    return str(head.get("category", "")).upper() in DEBIT_CATEGORIES


def _validate_detail_sign(detail: DemandDetail, head: dict[str, Any], faults: list[tuple[str, str]]) -> None:
    """Debit heads (rebates) carry amounts of at most 0, every other head (tax, fee, penalty) at least 0."""
    code = detail.tax_head_master_code
    if is_debit_head(head) and detail.tax_amount > 0:
        faults.append(("EG_DEMAND_DEATIL_INVALID", f"taxAmount of {code} must not be positive: it is a debit tax head"))
    elif not is_debit_head(head) and detail.tax_amount < 0:
        faults.append(("EG_DEMAND_DEATIL_INVALID", f"taxAmount of {code} must not be negative: it is not a rebate"))


async def _validate_against_masters(deps: BillingDeps, demand: Demand, faults: list[tuple[str, str]]) -> None:
    service_code = demand.business_service
    if await find_business_service(deps, tenant_id=demand.tenant_id, code=service_code) is None:
        faults.append(("EG_BS_BUSINESSSERVICE_NOTFOUND", f"no business service {service_code} in {demand.tenant_id}"))
        return
    heads = await tax_heads(deps, tenant_id=demand.tenant_id, business_service=service_code)
    unknown = sorted({d.tax_head_master_code for d in demand.demand_details} - set(heads))
    if unknown:
        faults.append(("EG_BS_TAXHEADS_NOTFOUND", f"unknown tax heads for {service_code}: {', '.join(unknown)}"))
    if demand.tax_period_from > demand.tax_period_to:
        faults.append(("EG_BS_TAXPERIODS_DEMAND", "taxPeriodFrom is after taxPeriodTo"))
    else:
        periods = await tax_periods(deps, tenant_id=demand.tenant_id, business_service=service_code)
        start, end = demand.tax_period_from, demand.tax_period_to
        if not any(p.get("fromDate", 0) <= start and end <= p.get("toDate", -1) for p in periods):
            faults.append(("EG_BS_TAXPERIODS_DEMAND", f"no {service_code} tax period covers the demand's period"))
    for detail in demand.demand_details:
        _validate_detail_amounts(detail, faults)
        head = heads.get(detail.tax_head_master_code)
        if head is not None:
            _validate_detail_sign(detail, head, faults)
    if demand.minimum_amount_payable < 0 or not _has_cents_only(demand.minimum_amount_payable):
        faults.append(("EG_DEMAND_MINIMUM_AMOUNT_INVALID", "minimumAmountPayable must be a non-negative amount"))
    if demand.payer is not None and demand.payer.uuid is None:
        faults.append(("EG_BS_DEMAND_PAYER_INVALID", "payer needs a uuid"))
    elif demand.payer is not None and demand.payer.uuid is not None:
        found = (await deps.users.get_users([demand.payer.uuid])).get(demand.payer.uuid)
        if found is None or found.type != UserType.CITIZEN:
            faults.append(("EG_BS_DEMAND_PAYER_INVALID", "the payer must be an existing citizen"))


async def _expire_open_bills(
    session: AsyncSession, *, tenant_id: str, consumer_code: str, business_service: str, actor: Actor, now_ms: int
) -> None:
    """A demand changed: the open bill no longer tells the truth, so the next fetch builds a new one."""
    rows = await session.scalars(
        select(BillRow)
        .where(BillRow.tenant_id == tenant_id, BillRow.open_key == _open_key(consumer_code, business_service))
        .with_for_update()
    )
    for bill in rows:
        bill.status = BillStatus.EXPIRED
        bill.open_key = None
        stamp(bill, actor_uuid=actor.uuid, now_ms=now_ms)


def _open_key(consumer_code: str, business_service: str) -> str:
    return f"{consumer_code}|{business_service}"


# ----------------------------------------------------------------------------------------------- demands


async def _check_no_duplicate_demands(
    session: AsyncSession, demands: Sequence[Demand], faults: list[tuple[str, str]]
) -> None:
    """One demand per consumer, business service and period: within the request and against stored ones."""
    keys = [(d.tenant_id, d.consumer_code, d.business_service, d.tax_period_from, d.tax_period_to) for d in demands]
    if len(set(keys)) < len(keys):
        faults.append(("EG_BS_DUPLICATE_CONSUMERCODE", "the request holds the same demand twice"))
    for tenant_id, consumer_code, business_service, period_from, period_to in set(keys):
        existing = await session.scalar(
            select(DemandRow.id).where(
                DemandRow.tenant_id == tenant_id,
                DemandRow.consumer_code == consumer_code,
                DemandRow.business_service == business_service,
                DemandRow.tax_period_from == period_from,
                DemandRow.tax_period_to == period_to,
                DemandRow.status != DemandStatus.CANCELLED,
            )
        )
        if existing is not None:
            faults.append(
                ("EG_BS_DUPLICATE_CONSUMERCODE", f"a demand for {consumer_code} and this period exists already")
            )


def _new_demand_row(demand: Demand, *, actor: Actor, now_ms: int) -> DemandRow:
    """A stamped demand row with its details, not yet added to the session."""
    row = DemandRow(
        id=str(uuid.uuid4()),
        tenant_id=demand.tenant_id,
        consumer_code=demand.consumer_code,
        consumer_type=demand.consumer_type,
        business_service=demand.business_service,
        payer_uuid=demand.payer.uuid if demand.payer else None,
        tax_period_from=demand.tax_period_from,
        tax_period_to=demand.tax_period_to,
        bill_expiry_time=demand.bill_expiry_time,
        minimum_amount_payable=demand.minimum_amount_payable,
        status=DemandStatus.ACTIVE,
        additional_details=demand.additional_details,
        details=[],
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    for detail in demand.demand_details:
        detail_row = DemandDetailRow(
            id=str(uuid.uuid4()),
            tenant_id=demand.tenant_id,
            tax_head_code=detail.tax_head_master_code,
            tax_amount=detail.tax_amount,
            collection_amount=detail.collection_amount,
            additional_details=detail.additional_details,
        )
        stamp(detail_row, actor_uuid=actor.uuid, now_ms=now_ms)
        row.details.append(detail_row)
    row.is_payment_completed = _is_paid(row)
    return row


async def create_demands(
    session: AsyncSession, deps: BillingDeps, *, demands: Sequence[Demand], actor: Actor
) -> list[Demand]:
    """DIGIT demand/_create: validate against the masters, refuse duplicates, store with history."""
    faults: list[tuple[str, str]] = []
    for demand in demands:
        await _validate_against_masters(deps, demand, faults)
    await _check_no_duplicate_demands(session, demands, faults)
    if faults:
        raise Invalid.many(faults)
    now_ms = deps.platform.clock.now_ms()
    created: list[DemandRow] = []
    for demand in demands:
        row = _new_demand_row(demand, actor=actor, now_ms=now_ms)
        session.add(row)
        await _expire_open_bills(
            session,
            tenant_id=row.tenant_id,
            consumer_code=row.consumer_code,
            business_service=row.business_service,
            actor=actor,
            now_ms=now_ms,
        )
        created.append(row)
    await session.flush()
    for row in created:
        _record_history(session, row, reason="CREATE", reference_id=None, actor=actor, now_ms=now_ms)
        await _emit_demand(session, DEMAND_CREATED, row, actor=actor, now_ms=now_ms)
    log.info("demands_created", extra={"count": len(created)})
    return [demand_to_wire(row) for row in created]


async def create_demands_once(
    session: AsyncSession,
    deps: BillingDeps,
    *,
    demands: Sequence[Demand],
    actor: Actor,
    idempotency_key: str | None,
    request: dict[str, Any],
) -> list[Demand]:
    """demand/_create under an `Idempotency-Key`: a retry answers the demands the first call made."""
    tenant_id = demands[0].tenant_id if demands else actor.tenant_id
    return await idempotency.once(
        session,
        key=idempotency_key,
        operation="billing.demand.create",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request=request,
        now_ms=deps.platform.clock.now_ms(),
        create=lambda: create_demands(session, deps, demands=demands, actor=actor),
        reference=lambda made: {"demandIds": [d.id for d in made]},
        replay=lambda first: search_demands(session, tenant_id=tenant_id, demand_ids=first["demandIds"]),
    )


async def _lock_demands_for_update(
    session: AsyncSession, demands: Sequence[Demand], *, actor: Actor, now_ms: int
) -> dict[str, DemandRow]:
    """Expire the consumers' open bills, then lock the demand rows, by id.

    Lock order as payments take it (bill, then demands), so an amendment and a payment never deadlock.
    """
    for tenant_id, consumer_code, business_service in sorted(
        {(d.tenant_id, d.consumer_code, d.business_service) for d in demands}
    ):
        await _expire_open_bills(
            session,
            tenant_id=tenant_id,
            consumer_code=consumer_code,
            business_service=business_service,
            actor=actor,
            now_ms=now_ms,
        )
    return {
        r.id: r
        for r in await session.scalars(
            select(DemandRow)
            .where(DemandRow.id.in_([d.id for d in demands]))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }


async def _check_demand_update(
    deps: BillingDeps, demand: Demand, row: DemandRow | None, faults: list[tuple[str, str]]
) -> None:
    """Raise for a missing or stale demand; collect every other fault of the change in `faults`."""
    if row is None or row.tenant_id != demand.tenant_id:
        raise NotFound("EG_BS_DEMAND_NOT_FOUND", f"no demand {demand.id} in {demand.tenant_id}")
    if demand.row_version is not None and demand.row_version != row.row_version:
        raise Conflict("STALE_DATA", f"demand {demand.id} was changed by someone else; search again and retry")
    if (demand.consumer_code, demand.business_service) != (row.consumer_code, row.business_service):
        faults.append(("EG_BS_DEMAND_UPDATE_INVALID", "consumerCode and businessService cannot change"))
    await _validate_against_masters(deps, demand, faults)
    existing = {d.id: d for d in row.details}
    for detail in demand.demand_details:
        if detail.id is not None and detail.id not in existing:
            faults.append(("EG_DEMAND_DEATIL_INVALID", f"demand detail {detail.id} is not part of demand {row.id}"))
        elif detail.id is not None and 0 <= detail.tax_amount < existing[detail.id].collection_amount:
            faults.append(("EG_DEMAND_DEATIL_INVALID", "taxAmount cannot fall below what is collected already"))


def _apply_demand_update(row: DemandRow, demand: Demand, *, actor: Actor, now_ms: int) -> None:
    """Copy a validated change onto the row; collectionAmount of existing details is left alone."""
    existing = {d.id: d for d in row.details}
    for detail in demand.demand_details:
        detail_row = existing.get(detail.id) if detail.id else None
        if detail_row is None:
            detail_row = DemandDetailRow(
                id=str(uuid.uuid4()),
                tenant_id=row.tenant_id,
                tax_head_code=detail.tax_head_master_code,
                tax_amount=detail.tax_amount,
                collection_amount=ZERO,
                additional_details=detail.additional_details,
            )
            row.details.append(detail_row)
        else:
            detail_row.tax_head_code = detail.tax_head_master_code
            detail_row.tax_amount = detail.tax_amount
            detail_row.additional_details = detail.additional_details
        stamp(detail_row, actor_uuid=actor.uuid, now_ms=now_ms)
    row.consumer_type = demand.consumer_type
    row.tax_period_from = demand.tax_period_from
    row.tax_period_to = demand.tax_period_to
    row.bill_expiry_time = demand.bill_expiry_time
    row.minimum_amount_payable = demand.minimum_amount_payable
    row.additional_details = demand.additional_details
    if demand.payer is not None:
        row.payer_uuid = demand.payer.uuid
    if demand.status in (DemandStatus.ACTIVE, DemandStatus.CANCELLED):
        row.status = demand.status
    row.is_payment_completed = _is_paid(row)
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)


async def update_demands(
    session: AsyncSession, deps: BillingDeps, *, demands: Sequence[Demand], actor: Actor
) -> list[Demand]:
    """DIGIT demand/_update: amend tax amounts, add details, cancel; history keeps every former state.

    collectionAmount changes only through payments; a sent `rowVersion` must match (else 409).
    """
    faults: list[tuple[str, str]] = []
    if any(d.id is None for d in demands):
        raise Invalid("EG_BS_DEMAND_ID_MISSING", "every demand to update needs its id")
    now_ms = deps.platform.clock.now_ms()
    rows = await _lock_demands_for_update(session, demands, actor=actor, now_ms=now_ms)
    for demand in demands:
        await _check_demand_update(deps, demand, rows.get(demand.id or ""), faults)
    if faults:
        raise Invalid.many(faults)
    for demand in demands:
        _apply_demand_update(rows[demand.id or ""], demand, actor=actor, now_ms=now_ms)
    await session.flush()
    for demand in demands:
        _record_history(session, rows[demand.id or ""], reason="UPDATE", reference_id=None, actor=actor, now_ms=now_ms)
        await _emit_demand(session, DEMAND_UPDATED, rows[demand.id or ""], actor=actor, now_ms=now_ms)
    return [demand_to_wire(rows[d.id or ""]) for d in demands]


DEMAND_CREATED, DEMAND_UPDATED = "save-demand", "update-demand"  # DIGIT billing-service's topics


async def _emit_demand(session: AsyncSession, topic: str, row: DemandRow, *, actor: Actor, now_ms: int) -> None:
    """A demand's ids, codes, period and amounts per tax head (for dashboards); never the payer."""
    data = {
        "demandId": row.id,
        "tenantId": row.tenant_id,
        "consumerCode": row.consumer_code,
        "businessService": row.business_service,
        "taxPeriodFrom": row.tax_period_from,
        "taxPeriodTo": row.tax_period_to,
        "status": row.status,
        "demandDetails": [
            {
                "id": d.id,
                "taxHeadMasterCode": d.tax_head_code,
                "taxAmount": money_out(d.tax_amount),
                "collectionAmount": money_out(d.collection_amount),
            }
            for d in row.details
        ],
    }
    await emit(
        session, topic, tenant_id=row.tenant_id, aggregate_id=row.id, data=data, actor_uuid=actor.uuid, now_ms=now_ms
    )


_Consumed = TypeVar("_Consumed", DemandRow, BillRow)


def _consumer_query(
    table: type[_Consumed],
    *,
    tenant_id: str,
    ids: Sequence[str],
    consumer_codes: Sequence[str],
    business_service: str | None,
    status: str | None,
    actor: Actor | None,
) -> Select[_Consumed]:
    """The criteria demands and bills are both searched by. A citizen `actor` sees only their own, unless a
    consumer code names what to find (open payment)."""
    query = select(table).where(table.tenant_id == tenant_id)
    if actor is not None and actor.is_citizen and not consumer_codes:
        query = query.where(table.payer_uuid == actor.uuid)
    if ids:
        query = query.where(table.id.in_(ids))
    if consumer_codes:
        query = query.where(table.consumer_code.in_(consumer_codes))
    if business_service:
        query = query.where(table.business_service == business_service)
    if status:
        query = query.where(table.status == status)
    return query


async def search_demands(
    session: AsyncSession,
    *,
    tenant_id: str,
    demand_ids: Sequence[str] = (),
    consumer_codes: Sequence[str] = (),
    business_service: str | None = None,
    is_payment_completed: bool | None = None,
    status: str | None = None,
    payer_uuids: Sequence[str] = (),
    actor: Actor | None = None,
) -> list[Demand]:
    """Demands by criteria; a citizen `actor` sees only their own unless naming consumer codes (open payment)."""
    query = _consumer_query(
        DemandRow,
        tenant_id=tenant_id,
        ids=demand_ids,
        consumer_codes=consumer_codes,
        business_service=business_service,
        status=status,
        actor=actor,
    )
    if is_payment_completed is not None:
        query = query.where(DemandRow.is_payment_completed == is_payment_completed)
    if payer_uuids:
        query = query.where(DemandRow.payer_uuid.in_(payer_uuids))
    rows = await session.scalars(query.order_by(DemandRow.tax_period_from, DemandRow.created_time).limit(500))
    return [demand_to_wire(row) for row in rows]


async def find_demands(
    session: AsyncSession, deps: BillingDeps, *, tenant_id: str, criteria: DemandSearch, actor: Actor
) -> list[Demand]:
    """DIGIT demand/_search: the criteria of `search_demands`, a `mobileNumber` naming the payer's demands."""
    payer_uuids = await payers_by_mobile(deps, tenant_id=tenant_id, mobile_number=criteria.mobile_number)
    if criteria.mobile_number and not payer_uuids:
        return []
    return await search_demands(
        session,
        tenant_id=tenant_id,
        demand_ids=criteria.demand_id,
        consumer_codes=criteria.consumer_code,
        business_service=criteria.business_service,
        is_payment_completed=criteria.is_payment_completed,
        status=criteria.status,
        payer_uuids=payer_uuids,
        actor=actor,
    )


async def payers_by_mobile(deps: BillingDeps, *, tenant_id: str, mobile_number: str | None) -> list[str]:
    """The uuid of the citizen with this mobile number (citizens live at the state tenant), if any."""
    if not mobile_number:
        return []
    found = await deps.users.find_by_mobile(tenant_id=state_of(tenant_id), mobile_number=mobile_number)
    return [found.uuid] if found is not None else []


async def demand_history(session: AsyncSession, *, tenant_id: str, demand_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(DemandHistoryRow)
        .where(DemandHistoryRow.tenant_id == tenant_id, DemandHistoryRow.demand_id == demand_id)
        .order_by(DemandHistoryRow.created_time, DemandHistoryRow.id)
    )
    return [
        dict(row.snapshot, changeReason=row.reason, changeReference=row.reference_id, changedTime=row.created_time)
        for row in rows
    ]


# ----------------------------------------------------------------------------------------------- bills


def bill_to_wire(row: BillRow) -> Bill:
    details = copy.deepcopy(row.bill_details)
    for detail in details:
        detail["billId"] = row.id
        detail["tenantId"] = row.tenant_id
        for account in detail["billAccountDetails"]:
            account["tenantId"] = row.tenant_id
            account["billDetailId"] = detail["id"]
    return Bill.model_validate(
        {
            "id": row.id,
            "tenantId": row.tenant_id,
            "billNumber": row.bill_number,
            "billDate": row.bill_date,
            "consumerCode": row.consumer_code,
            "businessService": row.business_service,
            "status": row.status,
            "totalAmount": row.total_amount,
            "amountPaid": row.amount_paid,
            "payerId": row.payer_uuid,
            "billDetails": details,
            "auditDetails": row.audit_details(),
        }
    )


async def _open_demands(
    session: AsyncSession, *, tenant_id: str, consumer_code: str, business_service: str
) -> list[DemandRow]:
    """Active, unpaid demands of one consumer, oldest period first (the order bill details follow)."""
    return list(
        await session.scalars(
            select(DemandRow)
            .where(
                DemandRow.tenant_id == tenant_id,
                DemandRow.consumer_code == consumer_code,
                DemandRow.business_service == business_service,
                DemandRow.status == DemandStatus.ACTIVE,
                DemandRow.is_payment_completed.is_(False),
            )
            .order_by(DemandRow.tax_period_from, DemandRow.created_time)
        )
    )


def _bill_detail(
    demand: DemandRow, heads: dict[str, Any], *, now_ms: int, default_expiry_ms: int
) -> dict[str, Any] | None:
    """The bill detail for what is still outstanding on one demand, or None when nothing is."""
    accounts: list[dict[str, Any]] = []
    for detail in demand.details:
        outstanding = detail.tax_amount - detail.collection_amount
        if outstanding == 0:
            continue
        accounts.append(
            {
                "id": str(uuid.uuid4()),
                "demandDetailId": detail.id,
                "taxHeadCode": detail.tax_head_code,
                "order": int(heads.get(detail.tax_head_code, {}).get("order", 99)),
                "amount": str(outstanding),
                "adjustedAmount": "0",
            }
        )
    if not accounts:
        return None
    amount = sum((Decimal(a["amount"]) for a in accounts), ZERO)
    detail_expiry = now_ms + demand.bill_expiry_time if demand.bill_expiry_time else now_ms + default_expiry_ms
    return {
        "id": str(uuid.uuid4()),
        "demandId": demand.id,
        "fromPeriod": demand.tax_period_from,
        "toPeriod": demand.tax_period_to,
        "expiryDate": detail_expiry,
        "amount": str(amount),
        "amountPaid": "0",
        "billAccountDetails": sorted(accounts, key=lambda a: (a["order"], a["taxHeadCode"])),
    }


async def _build_bill(
    session: AsyncSession,
    deps: BillingDeps,
    *,
    tenant_id: str,
    consumer_code: str,
    business_service: str,
    actor: Actor,
    now_ms: int,
) -> BillRow | None:
    demands = await _open_demands(
        session, tenant_id=tenant_id, consumer_code=consumer_code, business_service=business_service
    )
    if not demands:
        return None
    latest = demands[-1]
    for amendment_id in await amendments.consume_active(session, demand=latest, actor=actor, now_ms=now_ms):
        _record_history(session, latest, reason="AMENDMENT", reference_id=amendment_id, actor=actor, now_ms=now_ms)
    heads = await tax_heads(deps, tenant_id=tenant_id, business_service=business_service)
    master = await find_business_service(deps, tenant_id=tenant_id, code=business_service) or {}
    default_expiry_ms = int(master.get("billExpiryTime") or DEFAULT_BILL_EXPIRY_MS)
    bill_id = str(uuid.uuid4())
    details: list[dict[str, Any]] = []
    total = ZERO
    expiry = now_ms + default_expiry_ms
    for demand in demands:
        bill_detail = _bill_detail(demand, heads, now_ms=now_ms, default_expiry_ms=default_expiry_ms)
        if bill_detail is None:
            continue
        expiry = min(expiry, bill_detail["expiryDate"])
        details.append(bill_detail)
        total += Decimal(bill_detail["amount"])
    if not details:
        return None
    if abs(total) > MAX_AMOUNT or any(abs(Decimal(d["amount"])) > MAX_AMOUNT for d in details):
        raise Invalid("EG_BS_BILL_AMOUNT_TOO_LARGE", f"the bill would exceed {MAX_AMOUNT}; split the demands")
    bill_format = f"BILLNO-{business_service}-[SEQ_EGBS_BILLNUMBER]"
    [bill_number] = await deps.idgen.generate(session, tenant_id=tenant_id, id_name="bill.number", format=bill_format)
    bill = BillRow(
        id=bill_id,
        tenant_id=tenant_id,
        bill_number=bill_number,
        bill_date=now_ms,
        consumer_code=consumer_code,
        business_service=business_service,
        payer_uuid=demands[0].payer_uuid,
        status=BillStatus.ACTIVE,
        open_key=_open_key(consumer_code, business_service),
        total_amount=total,
        amount_paid=ZERO,
        expiry_date=expiry,
        bill_details=details,
    )
    stamp(bill, actor_uuid=actor.uuid, now_ms=now_ms)
    return bill


async def fetch_bill(
    session: AsyncSession,
    deps: BillingDeps,
    *,
    tenant_id: str,
    consumer_codes: Sequence[str],
    business_service: str,
    actor: Actor,
) -> list[Bill]:
    """DIGIT bill/v2/_fetchbill: the open bill when it is fresh, else a new one from what the demands still owe.

    An anonymous caller (open payment) names one consumer code and sees the payer masked."""
    if is_anonymous(actor) and len(set(consumer_codes)) > 1:
        raise Invalid("EG_BS_FETCHBILL_CONSUMERCODE_INVALID", "without a token, fetch one consumerCode at a time")
    if await find_business_service(deps, tenant_id=tenant_id, code=business_service) is None:
        raise Invalid("EG_BS_BUSINESSSERVICE_NOTFOUND", f"no business service {business_service} in {tenant_id}")
    now_ms = deps.platform.clock.now_ms()
    bills: list[Bill] = []
    for consumer_code in dict.fromkeys(consumer_codes):
        key = _open_key(consumer_code, business_service)
        current = await session.scalar(
            select(BillRow).where(BillRow.tenant_id == tenant_id, BillRow.open_key == key).with_for_update()
        )
        if current is not None and current.status == BillStatus.ACTIVE and current.expiry_date > now_ms:
            bills.append(bill_to_wire(current))
            continue
        if current is not None:
            current.status = BillStatus.EXPIRED
            current.open_key = None
            stamp(current, actor_uuid=actor.uuid, now_ms=now_ms)
            await session.flush()
        built = await _build_bill(
            session,
            deps,
            tenant_id=tenant_id,
            consumer_code=consumer_code,
            business_service=business_service,
            actor=actor,
            now_ms=now_ms,
        )
        if built is not None:
            bills.append(bill_to_wire(await _kept_open_bill(session, built, tenant_id=tenant_id, key=key)))
    return [_payer_masked(bill) for bill in bills] if is_anonymous(actor) else bills


def _payer_masked(bill: Bill) -> Bill:
    return bill.model_copy(
        update={"payer_name": mask(bill.payer_name), "mobile_number": mask(bill.mobile_number), "payer_id": None}
    )


async def _kept_open_bill(session: AsyncSession, built: BillRow, *, tenant_id: str, key: str) -> BillRow:
    """Store the new open bill; when another request stored its own first, that one is the open bill."""
    try:
        async with session.begin_nested():
            session.add(built)
    except IntegrityError:
        winner = await session.scalar(select(BillRow).where(BillRow.tenant_id == tenant_id, BillRow.open_key == key))
        if winner is None:
            raise
        return winner
    return built


async def search_bills(
    session: AsyncSession,
    *,
    tenant_id: str,
    bill_ids: Sequence[str] = (),
    consumer_codes: Sequence[str] = (),
    business_service: str | None = None,
    status: str | None = None,
    actor: Actor | None = None,
) -> list[Bill]:
    """Bills by criteria; a citizen `actor` sees only their own unless naming consumer codes (open payment)."""
    query = _consumer_query(
        BillRow,
        tenant_id=tenant_id,
        ids=bill_ids,
        consumer_codes=consumer_codes,
        business_service=business_service,
        status=status,
        actor=actor,
    )
    rows = await session.scalars(query.order_by(BillRow.bill_date.desc()).limit(500))
    return [bill_to_wire(row) for row in rows]


async def bills_by_id(session: AsyncSession, *, tenant_id: str, bill_ids: Sequence[str]) -> list[PayableBill]:
    rows = await session.scalars(select(BillRow).where(BillRow.tenant_id == tenant_id, BillRow.id.in_(bill_ids)))
    return [PayableBill(bill=bill_to_wire(row), amount_due=row.total_amount - row.amount_paid) for row in rows]


# ----------------------------------------------------------------------------------------------- payments


async def _lock_bill(session: AsyncSession, *, tenant_id: str, bill_id: str) -> BillRow:
    """The bill row, locked until the transaction ends and read fresh (never a copy from before the lock)."""
    bill = await session.scalar(
        select(BillRow)
        .where(BillRow.tenant_id == tenant_id, BillRow.id == bill_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if bill is None:
        raise Invalid("INVALID_BILL_ID", f"no bill {bill_id} in {tenant_id}")
    return bill


def apportion(accounts: list[dict[str, Any]], amount: Decimal) -> dict[str, Decimal]:
    """Share a payment among a bill's account lines: rebates (negative lines) are adjusted first, as DIGIT's
    apportion service does, then the positive lines in the order of their bill detail and tax head."""
    shares: dict[str, Decimal] = {}
    remaining = amount
    for account in accounts:
        outstanding = Decimal(account["amount"]) - Decimal(account["adjustedAmount"])
        if outstanding < 0:
            shares[account["id"]] = outstanding
            remaining -= outstanding
    for account in accounts:
        outstanding = Decimal(account["amount"]) - Decimal(account["adjustedAmount"])
        if outstanding <= 0 or remaining <= 0:
            continue
        share = min(outstanding, remaining)
        shares[account["id"]] = share
        remaining -= share
    if remaining != 0:
        raise Invalid("EG_BS_APPORTION_FAILED", "the amount paid does not fit what the bill owes")
    return shares


async def _lock_bill_demands(session: AsyncSession, bill: BillRow) -> dict[str, DemandRow]:
    """Lock the demands behind a bill (after the bill itself, the order every writer keeps), by id."""
    return await _lock_demands(session, [d["demandId"] for d in bill.bill_details])


async def _lock_demands(session: AsyncSession, demand_ids: Collection[str]) -> dict[str, DemandRow]:
    """Lock these demands (read again, whatever the session holds), by id."""
    query = select(DemandRow).where(DemandRow.id.in_(demand_ids)).with_for_update()
    return {d.id: d for d in await session.scalars(query.execution_options(populate_existing=True))}


def _spread_shares(
    details: list[dict[str, Any]],
    snapshot_details: list[dict[str, Any]],
    shares: dict[str, Decimal],
    detail_rows: dict[str, DemandDetailRow],
    *,
    actor: Actor,
    now_ms: int,
) -> list[Apportioned]:
    """Book each account's share on the bill, its snapshot (this payment only) and the demand detail.

    Returns what went to which demand detail and tax head.
    """
    apportioned: list[Apportioned] = []
    for detail, snapshot_detail in zip(details, snapshot_details, strict=True):
        paid_here = ZERO
        for account, snapshot_account in zip(
            detail["billAccountDetails"], snapshot_detail["billAccountDetails"], strict=True
        ):
            share = shares.get(account["id"], ZERO)
            snapshot_account["adjustedAmount"] = str(share)
            if share == 0:
                continue
            account["adjustedAmount"] = str(Decimal(account["adjustedAmount"]) + share)
            paid_here += share
            demand_detail = detail_rows[account["demandDetailId"]]
            demand_detail.collection_amount += share
            stamp(demand_detail, actor_uuid=actor.uuid, now_ms=now_ms)
            apportioned.append(
                Apportioned(demand_detail_id=demand_detail.id, tax_head_code=account["taxHeadCode"], amount=share)
            )
        detail["amountPaid"] = str(Decimal(detail["amountPaid"]) + paid_here)
        snapshot_detail["amountPaid"] = str(paid_here)
    return apportioned


def _paid_bill(bill: BillRow, snapshot_details: list[dict[str, Any]]) -> Bill:
    """The bill, its paid and adjusted amounts those of this payment alone."""
    paid = bill_to_wire(bill)
    for detail, snapshot_detail in zip(paid.bill_details, snapshot_details, strict=True):
        detail.amount_paid = Decimal(snapshot_detail["amountPaid"])
        for account, snapshot_account in zip(
            detail.bill_account_details, snapshot_detail["billAccountDetails"], strict=True
        ):
            account.adjusted_amount = Decimal(snapshot_account["adjustedAmount"])
    return paid


async def apply_payment(
    session: AsyncSession,
    deps: BillingDeps,
    *,
    tenant_id: str,
    bill_id: str,
    amount: Decimal,
    payment_id: str,
    payment_mode: str,
    actor: Actor,
) -> AppliedPayment:
    now_ms = deps.platform.clock.now_ms()
    bill = await _lock_bill(session, tenant_id=tenant_id, bill_id=bill_id)
    if bill.status == BillStatus.PAID:
        raise Invalid("BILL_ALREADY_PAID", f"bill {bill.bill_number} is paid already")
    if bill.status not in OPEN_BILL_STATUSES or bill.expiry_date <= now_ms:
        raise Invalid("BILL_EXPIRED", f"bill {bill.bill_number} has expired; fetch the bill again")
    due = bill.total_amount - bill.amount_paid
    if amount <= 0 or not _has_cents_only(amount):
        raise Invalid("INVALID_AMOUNT", "the amount paid must be positive, in whole paise")
    master = await find_business_service(deps, tenant_id=tenant_id, code=bill.business_service) or {}
    if amount > due:
        raise Invalid("AMOUNT_EXCEEDS_DUE", f"the amount paid is more than the {due} due on the bill")
    if amount < due and not master.get("partPaymentAllowed", False):
        raise Invalid("PARTIAL_PAYMENT_NOT_ALLOWED", f"{bill.business_service} does not allow partial payments")
    demands = await _lock_bill_demands(session, bill)
    minimum = sum((d.minimum_amount_payable for d in demands.values()), ZERO)
    if amount < due and amount < minimum:
        raise Invalid("MINIMUM_AMOUNT_NOT_PAID", f"at least {minimum} must be paid")
    details = copy.deepcopy(bill.bill_details)
    accounts = [a for detail in details for a in detail["billAccountDetails"]]
    shares = apportion(accounts, amount)
    detail_rows = {d.id: d for demand in demands.values() for d in demand.details}
    snapshot_details = copy.deepcopy(details)
    apportioned = _spread_shares(details, snapshot_details, shares, detail_rows, actor=actor, now_ms=now_ms)
    bill.bill_details = details
    bill.amount_paid += amount
    status = BillStatus.PAID if bill.amount_paid == bill.total_amount else BillStatus.PARTIALLY_PAID
    bill.status = status
    if status is BillStatus.PAID:
        bill.open_key = None
    stamp(bill, actor_uuid=actor.uuid, now_ms=now_ms)
    for demand in demands.values():
        demand.is_payment_completed = _is_paid(demand)
        stamp(demand, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    for demand in demands.values():
        _record_history(session, demand, reason="PAYMENT", reference_id=payment_id, actor=actor, now_ms=now_ms)
    paid_bill = _paid_bill(bill, snapshot_details)
    log.info("bill_paid", extra={"bill_id": bill.id, "status": status.value, "mode": payment_mode})
    return AppliedPayment(bill=paid_bill, apportioned=apportioned, total_due=due, status=status)


async def reverse_payment(
    session: AsyncSession,
    deps: BillingDeps,
    *,
    tenant_id: str,
    bill_id: str,
    apportioned: Sequence[Apportioned],
    payment_id: str,
    actor: Actor,
) -> None:
    now_ms = deps.platform.clock.now_ms()
    bill = await _lock_bill(session, tenant_id=tenant_id, bill_id=bill_id)
    detail_ids = [a.demand_detail_id for a in apportioned]
    demand_ids = set(await session.scalars(select(DemandDetailRow.demand_id).where(DemandDetailRow.id.in_(detail_ids))))
    touched = await _lock_demands(session, demand_ids)
    detail_rows = {d.id: d for demand in touched.values() for d in demand.details}
    for share in apportioned:
        row = detail_rows[share.demand_detail_id]
        row.collection_amount -= share.amount
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    total = sum((a.amount for a in apportioned), ZERO)
    bill.amount_paid -= total
    bill.status = BillStatus.PAYMENT_CANCELLED
    bill.open_key = None
    stamp(bill, actor_uuid=actor.uuid, now_ms=now_ms)
    await _expire_open_bills(
        session,
        tenant_id=tenant_id,
        consumer_code=bill.consumer_code,
        business_service=bill.business_service,
        actor=actor,
        now_ms=now_ms,
    )
    for demand in touched.values():
        demand.is_payment_completed = _is_paid(demand)
        stamp(demand, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    for demand in touched.values():
        _record_history(session, demand, reason="PAYMENT_CANCEL", reference_id=payment_id, actor=actor, now_ms=now_ms)


CANCEL_BILL_ERROR = "EG_BS_CANCEL_BILL_ERROR"


def generate_bill() -> NoReturn:
    """DIGIT's bill/v2/_generate answers only that it is gone."""
    raise Invalid("EG_BS_API_ERROR", "The Generate bill API has been deprecated, Access the fetchBill")


async def cancel_bills(
    session: AsyncSession,
    *,
    tenant_id: str,
    consumer_codes: Sequence[str],
    business_service: str,
    actor: Actor,
    now_ms: int,
) -> int:
    """DIGIT bill/v2/_cancelbill: cancel the open bills of the consumer codes (the demands stay; the next
    _fetchbill builds a new bill). A bill with a payment against it is not cancelled: cancel the payment."""
    rows = list(
        await session.scalars(
            select(BillRow)
            .where(
                BillRow.tenant_id == tenant_id,
                BillRow.consumer_code.in_(set(consumer_codes)),
                BillRow.business_service == business_service,
                BillRow.status.in_(OPEN_BILL_STATUSES),
            )
            .with_for_update()
        )
    )
    if any(row.status != BillStatus.ACTIVE for row in rows):
        raise Invalid(CANCEL_BILL_ERROR, "You cannot cancel the bill in the workflow", params=["consumerCodes"])
    if not rows:
        raise Invalid(CANCEL_BILL_ERROR, "No Active bills found for cancellation for the given criteria")
    for row in rows:
        row.status = BillStatus.CANCELLED
        row.open_key = None
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
        await emit(
            session,
            "billing.bill.cancelled",
            tenant_id=tenant_id,
            aggregate_id=row.id,
            data={"billId": row.id, "consumerCode": row.consumer_code, "businessService": business_service},
            actor_uuid=actor.uuid,
            now_ms=now_ms,
        )
    await session.flush()
    log.info("bills_cancelled", extra={"tenant_id": tenant_id, "count": len(rows)})
    return len(rows)


async def create_amendment(
    session: AsyncSession, deps: BillingDeps, *, amendment: Amendment, actor: Actor
) -> dict[str, Any]:
    """DIGIT amendment/_create: validate against the business service and its tax heads, number it
    (`CN-`/`DN-` for a credit or debit note, the consumer code, a sequence) and store it ACTIVE."""
    tenant_id = amendment.tenant_id
    master = await find_business_service(deps, tenant_id=tenant_id, code=amendment.business_service)
    heads = await tax_heads(deps, tenant_id=tenant_id, business_service=amendment.business_service)
    amendments.check_amendment(amendment, business_service=master, tax_head_codes=set(heads))
    note = "CN" if amendment.demand_details[0].tax_amount >= 0 else "DN"
    [number] = await deps.idgen.generate(
        session, tenant_id=tenant_id, id_name="bill.amendment.id", format="[SEQ_EGBS_AMENDMENT]"
    )
    return await amendments.create_amendment(
        session,
        amendment=amendment,
        amendment_id=f"{note}-{amendment.consumer_code}-{number}",
        actor=actor,
        now_ms=deps.platform.clock.now_ms(),
    )


async def create_amendment_once(
    session: AsyncSession,
    deps: BillingDeps,
    *,
    amendment: Amendment,
    actor: Actor,
    idempotency_key: str | None,
    request: dict[str, Any],
) -> dict[str, Any]:
    """amendment/_create under an `Idempotency-Key`: a retry answers the amendment the first call made, as it
    is now."""
    tenant_id = amendment.tenant_id
    return await idempotency.once(
        session,
        key=idempotency_key,
        operation="billing.amendment.create",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request=request,
        now_ms=deps.platform.clock.now_ms(),
        create=lambda: create_amendment(session, deps, amendment=amendment, actor=actor),
        reference=lambda made: {"amendmentId": made["amendmentId"]},
        replay=lambda first: amendments.get_amendment(session, tenant_id=tenant_id, amendment_id=first["amendmentId"]),
    )


def update_amendment() -> NoReturn:
    """DIGIT amendment/_update moves an amendment through its workflow; none is configured (DIGIT's default)."""
    raise Invalid("EG_BS_AMENDMENT_UPDATE_WF_ERROR", "Amendment update is not allowed when workflow is disabled")
