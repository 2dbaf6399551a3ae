"""Collection rules: who may take which payment, receipts from idgen, bills settled in the same transaction.

A payment with an idempotency key (the `Idempotency-Key` header, or the gateway transaction id for online
payments) takes effect once: a retry returns the first payment. The payment row is inserted (and its key
claimed) before the bill is touched, so a concurrent retry waits on the unique key and then finds the first.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.billing.client import CENT, AppliedPayment, Apportioned, money_out
from digit.blocks.collection.deps import CollectionDeps
from digit.blocks.collection.models import PaymentDetailRow, PaymentRow
from digit.blocks.collection.schemas import (
    AuditDetails,
    InstrumentStatus,
    Payment,
    PaymentAction,
    PaymentCriteria,
    PaymentDetail,
    PaymentMode,
    PaymentStatus,
    PaymentWorkflow,
    PlainPaymentSearch,
)
from digit.kernel.anonymous import is_anonymous
from digit.kernel.db import stamp
from digit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.security import Actor

log = logging.getLogger(__name__)

COUNTER_ROLES = frozenset({"COLLECTOR", "COLL_RECEIPT_CREATOR", "CEMP", "COLL_OPERATOR", "SUPERUSER"})
CANCEL_ROLES = frozenset({"SUPERUSER", "COLL_RECEIPT_CANCEL"})
COUNTER_MODES = frozenset(
    {
        PaymentMode.CASH,
        PaymentMode.CHEQUE,
        PaymentMode.DD,
        PaymentMode.CARD,
        PaymentMode.OFFLINE_NEFT,
        PaymentMode.OFFLINE_RTGS,
        PaymentMode.POSTAL_ORDER,
    }
)
INSTRUMENT_MODES = frozenset({PaymentMode.CHEQUE, PaymentMode.DD})
TRANSACTION_MODES = frozenset(
    {PaymentMode.CARD, PaymentMode.ONLINE, PaymentMode.OFFLINE_NEFT, PaymentMode.OFFLINE_RTGS}
)
RECEIPT_FORMAT = "[cy:MM]/[fy:yyyy-yy]/[SEQ_COLL_RCPT_NUM]"
TOPIC_CREATE = "egov.collection.payment-create"
TOPIC_CANCEL = "egov.collection.payment-cancel"


async def _business_service(deps: CollectionDeps, *, tenant_id: str, code: str) -> dict[str, Any] | None:
    records = await deps.mdms.get_master(tenant_id=tenant_id, module="BillingService", master="BusinessService")
    return next((r for r in records if isinstance(r, dict) and code in (r.get("code"), r.get("businessService"))), None)


async def _protect(session: AsyncSession, deps: CollectionDeps, *, tenant_id: str, value: str | None) -> str | None:
    """PII (payer name, mobile number) is stored encrypted."""
    if value is None:
        return value
    return await deps.encryption.encrypt(tenant_id=tenant_id, plaintext=value, session=session)


async def _reveal(deps: CollectionDeps, value: str | None) -> str | None:
    """The plaintext of a protected value (a value without a key id was stored before encryption: as is)."""
    if value is None or "|" not in value:
        return value
    return await deps.encryption.decrypt(value)


async def payment_to_wire(deps: CollectionDeps, row: PaymentRow, *, reveal_pii: bool) -> Payment:
    audit = AuditDetails.model_validate(row.audit_details())
    return Payment(
        id=row.id,
        tenant_id=row.tenant_id,
        total_due=row.total_due,
        total_amount_paid=row.total_amount_paid,
        transaction_number=row.transaction_number,
        transaction_date=row.transaction_date,
        payment_mode=PaymentMode(row.payment_mode),
        instrument_date=row.instrument_date,
        instrument_number=row.instrument_number,
        instrument_status=InstrumentStatus(row.instrument_status) if row.instrument_status else None,
        ifsc_code=row.ifsc_code,
        additional_details=row.additional_details,
        paid_by=row.paid_by,
        payer_name=await _reveal(deps, row.payer_name) if reveal_pii else None,
        mobile_number=await _reveal(deps, row.mobile_number) if reveal_pii else None,
        payer_id=row.payer_id,
        payment_status=PaymentStatus(row.payment_status),
        file_store_id=row.file_store_id,
        audit_details=audit,
        payment_details=[
            PaymentDetail(
                id=d.id,
                tenant_id=d.tenant_id,
                total_due=d.total_due,
                total_amount_paid=d.total_amount_paid,
                receipt_number=d.receipt_number,
                receipt_date=d.receipt_date,
                receipt_type=d.receipt_type,
                business_service=d.business_service,
                bill_id=d.bill_id,
                bill=d.bill,
                audit_details=audit,
            )
            for d in row.details
        ],
    )


def _event_data(row: PaymentRow) -> dict[str, Any]:
    """Ids, codes and amounts only: no names, no mobile numbers."""
    return {
        "paymentId": row.id,
        "tenantId": row.tenant_id,
        "paymentMode": row.payment_mode,
        "paymentStatus": row.payment_status,
        "totalAmountPaid": money_out(row.total_amount_paid),
        "paymentDetails": [
            {
                "billId": d.bill_id,
                "consumerCode": d.consumer_code,
                "businessService": d.business_service,
                "receiptNumber": d.receipt_number,
                "totalDue": money_out(d.total_due),
                "totalAmountPaid": money_out(d.total_amount_paid),
                "billStatus": d.bill.get("status"),
                "taxHeads": [
                    {
                        "demandDetailId": a.get("demandDetailId"),
                        "taxHeadCode": a.get("taxHeadCode"),
                        "amount": a.get("amount"),
                    }
                    for a in d.apportioned or []
                ],
            }
            for d in row.details
        ],
    }


async def validate_payment(deps: CollectionDeps, payment: Payment, *, actor: Actor, via_gateway: bool) -> None:
    """The rules that need no bill lock: who may pay how, instruments, amounts, modes allowed."""
    faults: list[tuple[str, str]] = []
    mode = payment.payment_mode
    if mode is PaymentMode.ONLINE and not (via_gateway or actor.is_system):
        faults.append(("INVALID_PAYMENT_MODE", "online payments are made through the payment gateway"))
    if mode in COUNTER_MODES and not actor.has_any_role(COUNTER_ROLES, payment.tenant_id):
        raise Forbidden("COUNTER_PAYMENT_NOT_ALLOWED", "only a collector may take a counter payment")
    if mode in INSTRUMENT_MODES and not (payment.instrument_number and payment.instrument_date):
        faults.append(("INVALID_INSTRUMENT_DETAILS", f"{mode.value} needs instrumentNumber and instrumentDate"))
    if mode in TRANSACTION_MODES and not payment.transaction_number:
        faults.append(("INVALID_TRANSACTION_NUMBER", f"{mode.value} needs a transactionNumber"))
    amounts = [payment.total_amount_paid, *(d.total_amount_paid for d in payment.payment_details)]
    if any(a < 0 or a != a.quantize(CENT) for a in amounts):
        faults.append(("INVALID_AMOUNT", "amounts must be non-negative with at most two decimals"))
    if sum((d.total_amount_paid for d in payment.payment_details), Decimal(0)) != payment.total_amount_paid:
        faults.append(("INVALID_AMOUNT", "totalAmountPaid must equal the sum of the payment details"))
    bill_ids = [d.bill_id for d in payment.payment_details]
    if len(set(bill_ids)) < len(bill_ids):
        faults.append(("DUPLICATE_BILL_ID", "a bill appears twice in one payment"))
    for detail in payment.payment_details:
        if detail.tenant_id and detail.tenant_id != payment.tenant_id:
            faults.append(("INVALID_TENANT_ID", "payment details must be in the payment's tenant"))
        if detail.business_service:
            master = await _business_service(deps, tenant_id=payment.tenant_id, code=detail.business_service)
            if master is None:
                faults.append(("INVALID_BUSINESS_SERVICE", f"no business service {detail.business_service}"))
            elif mode.value in (master.get("collectionModesNotAllowed") or []):
                faults.append(
                    ("PAYMENT_MODE_NOT_ALLOWED", f"{mode.value} is not accepted for {detail.business_service}")
                )
    if faults:
        raise Invalid.many(faults)


async def _find_by_key(session: AsyncSession, *, tenant_id: str, key: str) -> PaymentRow | None:
    return await session.scalar(
        select(PaymentRow)
        .where(PaymentRow.tenant_id == tenant_id, PaymentRow.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


async def _new_payment_row(
    session: AsyncSession,
    deps: CollectionDeps,
    *,
    payment: Payment,
    actor: Actor,
    idempotency_key: str | None,
    now_ms: int,
) -> PaymentRow:
    """A stamped payment row without details; payer name and mobile are stored protected."""
    row = PaymentRow(
        id=str(uuid.uuid4()),
        tenant_id=payment.tenant_id,
        total_due=Decimal(0),
        total_amount_paid=payment.total_amount_paid,
        transaction_number=payment.transaction_number,
        transaction_date=payment.transaction_date or now_ms,
        payment_mode=payment.payment_mode.value,
        instrument_date=payment.instrument_date,
        instrument_number=payment.instrument_number,
        instrument_status=InstrumentStatus.APPROVED,
        ifsc_code=payment.ifsc_code,
        paid_by=payment.paid_by,
        payer_name=await _protect(session, deps, tenant_id=payment.tenant_id, value=payment.payer_name),
        mobile_number=await _protect(session, deps, tenant_id=payment.tenant_id, value=payment.mobile_number),
        payer_id=payment.payer_id or (actor.uuid if actor.is_citizen else None),
        payment_status=PaymentStatus.NEW,
        idempotency_key=idempotency_key,
        additional_details=payment.additional_details,
        details=[],
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    return row


async def _pay_bills(
    session: AsyncSession, deps: CollectionDeps, *, payment: Payment, payment_id: str, actor: Actor
) -> list[tuple[PaymentDetail, AppliedPayment]]:
    """Apply each payment detail to its bill in billing; returns each detail with billing's answer."""
    applied_bills = []
    for detail in payment.payment_details:
        applied = await deps.billing.apply_payment(
            session,
            tenant_id=payment.tenant_id,
            bill_id=detail.bill_id,
            amount=detail.total_amount_paid,
            payment_id=payment_id,
            payment_mode=payment.payment_mode.value,
            actor=actor,
        )
        applied_bills.append((detail, applied))
    return applied_bills


def _add_receipts(
    row: PaymentRow,
    applied_bills: list[tuple[PaymentDetail, AppliedPayment]],
    receipts: Sequence[str],
    *,
    actor: Actor,
    now_ms: int,
) -> None:
    """One payment detail row (a receipt) per bill paid."""
    for (detail, applied), receipt_number in zip(applied_bills, receipts, strict=True):
        bill = applied.bill
        if row.payer_id is None:  # as DIGIT enriches it: the bill's payer (so the payer finds the receipt)
            row.payer_id = bill.payer_id
        detail_row = PaymentDetailRow(
            id=str(uuid.uuid4()),
            tenant_id=row.tenant_id,
            bill_id=detail.bill_id,
            consumer_code=bill.consumer_code,
            business_service=bill.business_service,
            total_due=applied.total_due,
            total_amount_paid=detail.total_amount_paid,
            receipt_number=receipt_number,
            receipt_date=now_ms,
            receipt_type="BILLBASED",
            bill=bill.wire(),  # stored as the receipt shows it
            apportioned=[share.record() for share in applied.apportioned],
        )
        stamp(detail_row, actor_uuid=actor.uuid, now_ms=now_ms)
        row.details.append(detail_row)


async def create_payment(
    session: AsyncSession,
    deps: CollectionDeps,
    *,
    payment: Payment,
    actor: Actor,
    idempotency_key: str | None = None,
    via_gateway: bool = False,
) -> tuple[Payment, bool]:
    """DIGIT payments/_create. Returns the payment and whether this call created it (False: a retry)."""
    if idempotency_key is not None:
        first = await _find_by_key(session, tenant_id=payment.tenant_id, key=idempotency_key)
        if first is not None:
            return await _retry_answer(deps, first, payment, actor), False
    await validate_payment(deps, payment, actor=actor, via_gateway=via_gateway)
    now_ms = deps.platform.clock.now_ms()
    row = await _new_payment_row(
        session, deps, payment=payment, actor=actor, idempotency_key=idempotency_key, now_ms=now_ms
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a concurrent request with the same key committed first
        first = await _find_by_key(session, tenant_id=payment.tenant_id, key=idempotency_key or "")
        if first is None:
            raise
        return await _retry_answer(deps, first, payment, actor), False
    applied_bills = await _pay_bills(session, deps, payment=payment, payment_id=row.id, actor=actor)
    total_due = sum((applied.total_due for _, applied in applied_bills), Decimal(0))
    # Receipt numbers last: idgen's gap-free sequence row stays locked until commit, so take it as late as we can.
    receipts = await deps.idgen.generate(
        session,
        tenant_id=payment.tenant_id,
        id_name="receipt.id",
        format=RECEIPT_FORMAT,
        count=len(payment.payment_details),
    )
    _add_receipts(row, applied_bills, receipts, actor=actor, now_ms=now_ms)
    row.total_due = total_due
    await session.flush()
    await emit(
        session,
        TOPIC_CREATE,
        tenant_id=row.tenant_id,
        aggregate_id=row.id,
        data=_event_data(row),
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    log.info("payment_created", extra={"payment_id": row.id, "mode": row.payment_mode, "bills": len(row.details)})
    return await payment_to_wire(deps, row, reveal_pii=True), True


async def _retry_answer(deps: CollectionDeps, first: PaymentRow, payment: Payment, actor: Actor) -> Payment:
    sent = sorted((d.bill_id, d.total_amount_paid) for d in payment.payment_details)
    stored = sorted((d.bill_id, d.total_amount_paid) for d in first.details)
    if sent != stored or first.payment_mode != payment.payment_mode.value:
        raise Conflict("IDEMPOTENCY_KEY_REUSED", "this idempotency key belongs to a different payment")
    return await payment_to_wire(deps, first, reveal_pii=True)


async def validate_only(session: AsyncSession, deps: CollectionDeps, *, payment: Payment, actor: Actor) -> Payment:
    """DIGIT payments/_validate: every rule of _create, nothing stored."""
    await validate_payment(deps, payment, actor=actor, via_gateway=False)
    bills = {
        b.bill.id: b
        for b in await deps.billing.search_bills(
            session, tenant_id=payment.tenant_id, bill_ids=[d.bill_id for d in payment.payment_details]
        )
    }
    for detail in payment.payment_details:
        bill = bills.get(detail.bill_id)
        if bill is None:
            raise Invalid("INVALID_BILL_ID", f"no bill {detail.bill_id} in {payment.tenant_id}")
        bill.check_open(deps.platform.clock.now_ms())
        if detail.total_amount_paid > bill.amount_due:
            raise Invalid("AMOUNT_EXCEEDS_DUE", f"the amount paid is more than the {bill.amount_due} due on the bill")
    return payment


async def search_payments(
    session: AsyncSession,
    deps: CollectionDeps,
    *,
    tenant_id: str,
    actor: Actor,
    criteria: PaymentCriteria,
    business_services: Sequence[str] = (),
    payer_ids: Sequence[str] = (),
    oldest_first: bool = False,
) -> list[Payment]:
    """DIGIT payments/_search. Citizens see their own payments only; employees see PII only with a collector
    role; an anonymous caller (DIGIT's open payment receipt) finds payments only by consumer code or receipt
    number, masked. `oldest_first`: DIGIT's plain search, whose pages stay stable while payments arrive."""
    ids, bill_ids = criteria.ids, criteria.bill_ids
    receipt_numbers, consumer_codes = criteria.receipt_numbers, criteria.consumer_codes
    if is_anonymous(actor) and (not (consumer_codes or receipt_numbers) or ids or bill_ids or payer_ids):
        raise Invalid("INVALID_SEARCH", "without a token, search payments by consumerCodes or receiptNumbers only")
    query = select(PaymentRow).where(PaymentRow.tenant_id == tenant_id)
    if ids:
        query = query.where(PaymentRow.id.in_(ids))
    if criteria.status:
        query = query.where(PaymentRow.payment_status.in_(criteria.status))
    if actor.is_citizen:
        query = query.where(PaymentRow.payer_id == actor.uuid)
    elif payer_ids:
        query = query.where(PaymentRow.payer_id.in_(payer_ids))
    if criteria.from_date is not None:
        query = query.where(PaymentRow.transaction_date >= criteria.from_date)
    if criteria.to_date is not None:
        query = query.where(PaymentRow.transaction_date <= criteria.to_date)
    detail_filter = select(PaymentDetailRow.payment_id).where(PaymentDetailRow.tenant_id == tenant_id)
    filtered = False
    for column, values in (
        (PaymentDetailRow.bill_id, bill_ids),
        (PaymentDetailRow.receipt_number, receipt_numbers),
        (PaymentDetailRow.consumer_code, consumer_codes),
        (PaymentDetailRow.business_service, business_services),
    ):
        if values:
            detail_filter = detail_filter.where(column.in_(values))
            filtered = True
    if filtered:
        query = query.where(PaymentRow.id.in_(detail_filter))
    order = PaymentRow.transaction_date.asc() if oldest_first else PaymentRow.transaction_date.desc()
    rows = await session.scalars(criteria.page(query.order_by(order, PaymentRow.id)))
    reveal = actor.is_citizen or actor.has_any_role(COUNTER_ROLES | CANCEL_ROLES, tenant_id) or actor.is_system
    return [await payment_to_wire(deps, row, reveal_pii=reveal) for row in rows]


async def plain_search_payments(
    session: AsyncSession, deps: CollectionDeps, *, tenant_id: str, actor: Actor, criteria: PlainPaymentSearch
) -> list[Payment]:
    """DIGIT payments/_plainsearch: every payment of the tenant (of some business services), oldest first, so
    that its pages stay stable while payments arrive (system use: re-indexing)."""
    return await search_payments(
        session,
        deps,
        oldest_first=True,
        tenant_id=tenant_id,
        actor=actor,
        criteria=criteria,
        business_services=criteria.business_services,
    )


async def payment_workflow(
    session: AsyncSession,
    deps: CollectionDeps,
    *,
    workflows: Sequence[PaymentWorkflow],
    actor: Actor,
    module_name: str | None = None,
) -> list[Payment]:
    """DIGIT payments/_workflow: CANCEL (authorised roles; counter payments) or DISHONOUR (cheque/DD) a payment;
    the demands it settled owe again."""
    now_ms = deps.platform.clock.now_ms()
    done: list[PaymentRow] = []
    for workflow in workflows:
        if not actor.has_any_role(CANCEL_ROLES, workflow.tenant_id):
            raise Forbidden("PAYMENT_CANCEL_NOT_ALLOWED", "only an authorised role may cancel or dishonour a payment")
        row = await session.scalar(
            select(PaymentRow)
            .where(PaymentRow.tenant_id == workflow.tenant_id, PaymentRow.id == workflow.payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None or (module_name and all(d.business_service != module_name for d in row.details)):
            raise NotFound("PAYMENT_NOT_FOUND", f"no payment {workflow.payment_id} in {workflow.tenant_id}")
        if row.payment_status in (PaymentStatus.CANCELLED, PaymentStatus.DISHONOURED):
            raise Invalid("PAYMENT_ALREADY_CANCELLED", f"payment {row.id} is {row.payment_status.lower()} already")
        if workflow.action is PaymentAction.REMIT:
            raise Invalid("INVALID_ACTION", "REMIT is not supported")
        if workflow.action is PaymentAction.DISHONOUR and row.payment_mode not in (PaymentMode.CHEQUE, PaymentMode.DD):
            raise Invalid("INVALID_ACTION", "only cheque and DD payments can be dishonoured")
        if workflow.action is PaymentAction.CANCEL and row.payment_mode == PaymentMode.ONLINE:
            raise Invalid("INVALID_ACTION", "online payments are refunded through the gateway, not cancelled")
        for detail in row.details:
            await deps.billing.reverse_payment(
                session,
                tenant_id=row.tenant_id,
                bill_id=detail.bill_id,
                apportioned=[Apportioned.of_record(share) for share in detail.apportioned],
                payment_id=row.id,
                actor=actor,
            )
        cancelled = workflow.action is PaymentAction.CANCEL
        row.payment_status = PaymentStatus.CANCELLED if cancelled else PaymentStatus.DISHONOURED
        row.instrument_status = InstrumentStatus.CANCELLED if cancelled else InstrumentStatus.DISHONOURED
        row.additional_details = dict(row.additional_details or {}, reason=workflow.reason)
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
        await session.flush()
        data = dict(_event_data(row), action=workflow.action.value)
        await emit(
            session,
            TOPIC_CANCEL,
            tenant_id=row.tenant_id,
            aggregate_id=row.id,
            data=data,
            actor_uuid=actor.uuid,
            now_ms=now_ms,
        )
        done.append(row)
    return [await payment_to_wire(deps, row, reveal_pii=True) for row in done]


async def attach_receipt(session: AsyncSession, *, tenant_id: str, payment_id: str, file_store_id: str) -> None:
    row = await session.scalar(select(PaymentRow).where(PaymentRow.tenant_id == tenant_id, PaymentRow.id == payment_id))
    if row is not None:
        row.file_store_id = file_store_id


async def get_payment(session: AsyncSession, deps: CollectionDeps, *, tenant_id: str, payment_id: str) -> Payment:
    row = await session.scalar(select(PaymentRow).where(PaymentRow.tenant_id == tenant_id, PaymentRow.id == payment_id))
    if row is None:
        raise NotFound("PAYMENT_NOT_FOUND", f"no payment {payment_id} in {tenant_id}")
    return await payment_to_wire(deps, row, reveal_pii=True)
