"""Gateway rules: a transaction must match what its bills owe; success (callback, `_update` or reconciliation)
creates the Payment once, in the same transaction that marks the transaction SUCCESS."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.billing.client import Bill, BillingClient, money_out
from digit.blocks.collection.client import CollectionClient, Payment, PaymentDetail, PaymentMode
from digit.blocks.idgen.client import IdgenClient
from digit.blocks.pg.gateways import GatewayOrder, GatewayRegistry, GatewayStatus, SandboxGateway
from digit.blocks.pg.models import TransactionRow
from digit.blocks.pg.schemas import FINAL_TXN_STATUSES, TaxAndPayment, Transaction, TxnStatus, TxnUser
from digit.kernel import idempotency
from digit.kernel.anonymous import is_anonymous
from digit.kernel.db import stamp
from digit.kernel.errors import DomainError, Forbidden, Invalid, NotFound
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor

log = logging.getLogger(__name__)

TXN_ID_FORMAT = "PB_PG_[cy:yyyy_MM_dd]_[SEQ_EG_PG_TXN]"
RECONCILE_AFTER_MS = 15 * 60 * 1000


@dataclass(frozen=True)
class PgDeps:
    """What the gateway rules need: the platform (clock, sessions) and the blocks they call, handed in once."""

    platform: Platform
    gateways: GatewayRegistry
    billing: BillingClient
    idgen: IdgenClient
    collection: CollectionClient


PG_DEPS = Key[PgDeps](PgDeps)
"""The platform key of the pg block's `PgDeps`, provided at install."""


def _order(row: TransactionRow) -> GatewayOrder:
    return GatewayOrder(txn_id=row.id, tenant_id=row.tenant_id, amount=row.txn_amount)


def transaction_to_wire(row: TransactionRow) -> Transaction:
    return Transaction(
        tenant_id=row.tenant_id,
        txn_id=row.id,
        txn_amount=row.txn_amount,
        txn_status=row.txn_status,
        txn_status_msg=row.txn_status_msg,
        gateway=row.gateway,
        bill_id=row.bill_id,
        module=row.module,
        consumer_code=row.consumer_code,
        product_info=row.product_info,
        tax_and_payments=[TaxAndPayment.model_validate(t) for t in row.tax_and_payments],
        user=TxnUser(uuid=row.user_uuid, tenant_id=row.user_tenant_id),
        callback_url=row.callback_url,
        redirect_url=row.redirect_url,
        gateway_txn_id=row.gateway_txn_id,
        gateway_payment_mode=row.gateway_payment_mode,
        gateway_status_code=row.gateway_status_code,
        gateway_status_msg=row.gateway_status_msg,
        receipt=row.receipt,
        additional_details=row.additional_details,
        audit_details=row.audit_details(),
    )


async def _payable_bill(session: AsyncSession, deps: PgDeps, *, tenant_id: str, payment: TaxAndPayment) -> Bill:
    """The bill a transaction pays: it exists, is open, and owes at least the amount."""
    bills = await deps.billing.search_bills(session, tenant_id=tenant_id, bill_ids=[payment.bill_id])
    if not bills:
        raise Invalid("INVALID_BILL_ID", f"no bill {payment.bill_id} in {tenant_id}")
    payable = bills[0]
    payable.check_open(deps.platform.clock.now_ms())
    if payment.amount_paid > payable.amount_due:
        raise Invalid("TXN_AMOUNT_MISMATCH", f"the amount is more than the {payable.amount_due} due on the bill")
    return payable.bill


async def create_transaction(
    session: AsyncSession, deps: PgDeps, *, transaction: Transaction, actor: Actor
) -> Transaction:
    """DIGIT transaction/v1/_create: check the amounts against the bills, register the order with the gateway."""
    gateway = deps.gateways.get(transaction.gateway)
    payments = transaction.tax_and_payments or (
        [TaxAndPayment(bill_id=transaction.bill_id, amount_paid=transaction.txn_amount)] if transaction.bill_id else []
    )
    if not payments:
        raise Invalid("TXN_CREATE_BILL_MISSING", "taxAndPayments (or billId) is required")
    if len(payments) != 1:
        raise Invalid("TXN_CREATE_MULTIPLE_BILLS", "one bill per transaction")
    if transaction.txn_amount <= 0 or sum((p.amount_paid for p in payments), Decimal(0)) != transaction.txn_amount:
        raise Invalid("TXN_AMOUNT_MISMATCH", "txnAmount must be positive and equal the sum of taxAndPayments")
    [payment] = payments
    bill = await _payable_bill(session, deps, tenant_id=transaction.tenant_id, payment=payment)
    now_ms = deps.platform.clock.now_ms()
    user_uuid: str | None = actor.uuid
    user_tenant: str | None = actor.tenant_id
    if is_anonymous(actor):  # open payment: the payer names the bill by its consumer code, and owns nothing
        if transaction.consumer_code != bill.consumer_code:
            raise Invalid("TXN_CONSUMER_CODE_MISMATCH", "without a token, consumerCode must be the bill's own")
        user_uuid, user_tenant = None, None
    elif not actor.is_citizen:  # an employee or the system pays on someone's behalf
        user_uuid = transaction.user.uuid if transaction.user else None
        user_tenant = transaction.user.tenant_id if transaction.user else None
    idgen = deps.idgen
    [txn_id] = await idgen.generate(session, tenant_id=transaction.tenant_id, id_name="pg.txnid", format=TXN_ID_FORMAT)
    row = TransactionRow(
        id=txn_id,
        tenant_id=transaction.tenant_id,
        txn_amount=transaction.txn_amount,
        txn_status=TxnStatus.PENDING,
        txn_status_msg="Transaction initiated",
        gateway=gateway.name,
        bill_id=payment.bill_id,
        module=transaction.module or bill.business_service,
        consumer_code=bill.consumer_code,
        product_info=transaction.product_info,
        tax_and_payments=[
            {
                "billId": payment.bill_id,
                "amountPaid": money_out(payment.amount_paid),
                "businessService": bill.business_service,
            }
        ],
        user_uuid=user_uuid,
        user_tenant_id=user_tenant,
        callback_url=transaction.callback_url,
        additional_details=transaction.additional_details,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    row.redirect_url = await gateway.initiate(session, _order(row))
    session.add(row)
    await session.flush()
    log.info("pg_transaction_created", extra={"txn_id": txn_id, "gateway": gateway.name})
    return transaction_to_wire(row)


async def _lock(session: AsyncSession, txn_id: str) -> TransactionRow:
    row = await session.scalar(
        select(TransactionRow)
        .where(TransactionRow.id == txn_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("TXN_NOT_FOUND", f"no transaction {txn_id}")
    return row


async def _settle(session: AsyncSession, deps: PgDeps, row: TransactionRow, status: GatewayStatus) -> None:
    """Apply the gateway's verdict once: SUCCESS creates the Payment (idempotent on the txnId)."""
    if row.txn_status in FINAL_TXN_STATUSES or status.status not in FINAL_TXN_STATUSES:
        return
    now_ms = deps.platform.clock.now_ms()
    actor = Actor.system(row.tenant_id)
    row.gateway_txn_id = status.gateway_txn_id
    row.gateway_status_code = status.code
    row.gateway_status_msg = status.message
    row.gateway_payment_mode = status.payment_mode
    if status.status == TxnStatus.FAILURE:
        row.txn_status, row.txn_status_msg = TxnStatus.FAILURE, "Transaction failed at gateway"
    elif status.amount is not None and status.amount != row.txn_amount:
        row.txn_status, row.txn_status_msg = TxnStatus.FAILURE, "Transaction failed, amount mismatch"
    else:
        row.txn_status, row.txn_status_msg = TxnStatus.SUCCESS, "Transaction successful"
        payment = Payment(
            tenant_id=row.tenant_id,
            total_amount_paid=row.txn_amount,
            payment_mode=PaymentMode.ONLINE,
            transaction_number=row.id,
            transaction_date=now_ms,
            paid_by="OWNER",
            payer_id=row.user_uuid,
            payment_details=[
                PaymentDetail(
                    bill_id=t["billId"],
                    total_amount_paid=Decimal(str(t["amountPaid"])),
                    business_service=t.get("businessService"),
                )
                for t in row.tax_and_payments
            ],
        )
        collection = deps.collection
        try:
            async with session.begin_nested():
                created = await collection.create_payment(
                    session, payment=payment, actor=actor, idempotency_key=f"pg:{row.id}", via_gateway=True
                )
            row.receipt = created.payment_details[0].receipt_number
            row.additional_details = dict(row.additional_details or {}, paymentId=created.id)
        except DomainError as error:  # paid at the gateway, but the bill no longer takes it: refund needed
            row.txn_status_msg = "Receipt generation failed"
            row.additional_details = dict(row.additional_details or {}, paymentError=error.code, refundDue=True)
            log.warning("pg_receipt_failed", extra={"txn_id": row.id, "code": error.code})
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    log.info("pg_transaction_settled", extra={"txn_id": row.id, "status": row.txn_status})


async def handle_redirect(session: AsyncSession, deps: PgDeps, *, params: dict[str, str]) -> TransactionRow:
    """The gateway's return (open route): verify its signature, settle, and hand back the transaction."""
    row = await _lock(session, params.get("eg_pg_txnid", ""))
    status = await deps.gateways.get(row.gateway).verify_return(session, _order(row), params)
    await _settle(session, deps, row, status)
    return row


async def create_transaction_once(
    session: AsyncSession,
    deps: PgDeps,
    *,
    transaction: Transaction,
    actor: Actor,
    idempotency_key: str | None,
    request: dict[str, Any],
) -> Transaction:
    """transaction/v1/_create under an `Idempotency-Key`: a retry answers the transaction the first call made,
    as it is now (an anonymous caller's keys are the anonymous actor's, per tenant)."""
    tenant_id = transaction.tenant_id
    return await idempotency.once(
        session,
        key=idempotency_key,
        operation="pg.transaction.create",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request=request,
        now_ms=deps.platform.clock.now_ms(),
        create=lambda: create_transaction(session, deps, transaction=transaction, actor=actor),
        reference=lambda made: {"txnId": made.txn_id},
        replay=lambda first: _made_before(session, actor=actor, tenant_id=tenant_id, txn_id=first["txnId"]),
    )


async def _made_before(session: AsyncSession, *, actor: Actor, tenant_id: str, txn_id: str) -> Transaction:
    found = await search_transactions(session, actor=actor, tenant_id=tenant_id, txn_ids=[txn_id])
    if not found:
        raise NotFound("TXN_NOT_FOUND", "the transaction this Idempotency-Key made is not found")
    return found[0]


async def get_sandbox_transaction(session: AsyncSession, *, txn_id: str) -> TransactionRow:
    """The transaction behind a sandbox payment page; 404 for one of another gateway."""
    row = await session.get(TransactionRow, txn_id)
    if row is None or row.gateway != SandboxGateway.name:
        raise NotFound("TXN_NOT_FOUND", "no such sandbox payment")
    return row


async def update_transaction(
    session: AsyncSession, deps: PgDeps, *, txn_id: str, params: dict[str, str], actor: Actor
) -> Transaction:
    """DIGIT transaction/v1/_update: browser parameters are checked if signed, but the verdict comes from the
    gateway itself (server-to-server), so a forged success never creates a payment."""
    row = await _lock(session, txn_id)
    if actor.is_citizen and row.user_uuid not in (None, actor.uuid):
        raise Forbidden("TXN_NOT_YOURS", "this transaction belongs to someone else")
    if is_anonymous(actor) and row.user_uuid is not None:
        raise Forbidden("TXN_NOT_YOURS", "log in to settle a transaction made by a logged-in payer")
    gateway = deps.gateways.get(row.gateway)
    if "signature" in params:
        await gateway.verify_return(session, _order(row), params)
    if row.txn_status not in FINAL_TXN_STATUSES:
        await _settle(session, deps, row, await gateway.fetch_status(session, _order(row)))
    return transaction_to_wire(row)


async def search_transactions(
    session: AsyncSession,
    *,
    actor: Actor,
    tenant_id: str | None,
    txn_ids: Sequence[str] = (),
    bill_ids: Sequence[str] = (),
    consumer_codes: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> list[Transaction]:
    query = select(TransactionRow)
    if tenant_id:
        query = query.where(TransactionRow.tenant_id == tenant_id)
    for column, values in (
        (TransactionRow.id, txn_ids),
        (TransactionRow.bill_id, bill_ids),
        (TransactionRow.consumer_code, consumer_codes),
        (TransactionRow.txn_status, statuses),
    ):
        if values:
            query = query.where(column.in_(values))
    if actor.is_citizen:
        query = query.where(TransactionRow.user_uuid == actor.uuid)
    rows = await session.scalars(query.order_by(TransactionRow.created_time.desc()).limit(500))
    return [transaction_to_wire(row) for row in rows]


async def reconcile_pending(deps: PgDeps, *, older_than_ms: int = RECONCILE_AFTER_MS) -> dict[str, Any]:
    """Settle PENDING transactions whose callback never came, by asking their gateway. Returns counts."""
    cutoff = deps.platform.clock.now_ms() - older_than_ms
    async with deps.platform.read_sessions() as reader:
        txn_ids = list(
            await reader.scalars(
                select(TransactionRow.id)
                .where(TransactionRow.txn_status == TxnStatus.PENDING, TransactionRow.created_time <= cutoff)
                .order_by(TransactionRow.created_time)
                .limit(200)
            )
        )
    counts = {"checked": 0, TxnStatus.SUCCESS: 0, TxnStatus.FAILURE: 0, TxnStatus.PENDING: 0}
    for txn_id in txn_ids:
        async with deps.platform.sessions() as session, session.begin():
            row = await _lock(session, txn_id)
            counts["checked"] += 1
            if row.txn_status in FINAL_TXN_STATUSES:
                continue
            status = await deps.gateways.get(row.gateway).fetch_status(session, _order(row))
            await _settle(session, deps, row, status)
            counts[row.txn_status if row.txn_status in counts else TxnStatus.PENDING] += 1
    if txn_ids:
        log.info("pg_reconciled", extra=counts)
    return counts
