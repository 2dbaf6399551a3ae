"""What other blocks use from billing: bills to pay, payments applied to demands, and reversals.

`Money` is the wire type for amounts every pay-and-bill block shares: a Decimal inside, a JSON number
on the wire (as DIGIT sends it), never a float in arithmetic. Everything crosses this interface as typed
models (`Bill`, `Demand`, `AppliedPayment`, `Apportioned`, `PayableBill`); the camelCase wire shape is
made by the routers alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.billing import service
from digit.blocks.billing.deps import BillingDeps
from digit.blocks.billing.schemas import (
    CENT,
    AppliedPayment,
    Apportioned,
    Bill,
    BillStatus,
    Demand,
    DemandDetail,
    Money,
    PayableBill,
    Payer,
    money_out,
)
from digit.kernel.platform import Key
from digit.kernel.security import Actor

__all__ = [
    "CENT",
    "AppliedPayment",
    "Apportioned",
    "Bill",
    "BillStatus",
    "BillingClient",
    "Demand",
    "DemandDetail",
    "InProcessBillingClient",
    "Money",
    "PayableBill",
    "Payer",
    "money_out",
]


class BillingClient(Protocol):
    async def apply_payment(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        bill_id: str,
        amount: Decimal,
        payment_id: str,
        payment_mode: str,
        actor: Actor,
    ) -> AppliedPayment:
        """Lock the bill, apportion `amount` to its tax heads, update demands and bill status."""
        ...

    async def reverse_payment(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        bill_id: str,
        apportioned: Sequence[Apportioned],
        payment_id: str,
        actor: Actor,
    ) -> None:
        """Undo a payment's apportionment: demands restored, the bill marked PAYMENT_CANCELLED."""
        ...

    async def search_bills(
        self, session: AsyncSession | None, *, tenant_id: str, bill_ids: Sequence[str]
    ) -> list[PayableBill]:
        """Bills by id, each with what is still payable on it."""
        ...

    async def create_demands(self, session: AsyncSession, *, demands: Sequence[Demand], actor: Actor) -> list[Demand]:
        """DIGIT demand/_create in the caller's transaction: validated against the billing masters."""
        ...


class InProcessBillingClient:
    """`BillingClient` in this process. Its methods restate the Protocol's signatures on purpose: the Protocol is
    the interface other blocks type against, this class one implementation of it."""

    def __init__(self, deps: BillingDeps) -> None:
        self._deps = deps

    async def apply_payment(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        bill_id: str,
        amount: Decimal,
        payment_id: str,
        payment_mode: str,
        actor: Actor,
    ) -> AppliedPayment:
        return await service.apply_payment(
            session,
            self._deps,
            tenant_id=tenant_id,
            bill_id=bill_id,
            amount=amount,
            payment_id=payment_id,
            payment_mode=payment_mode,
            actor=actor,
        )

    async def reverse_payment(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        bill_id: str,
        apportioned: Sequence[Apportioned],
        payment_id: str,
        actor: Actor,
    ) -> None:
        await service.reverse_payment(
            session,
            self._deps,
            tenant_id=tenant_id,
            bill_id=bill_id,
            apportioned=apportioned,
            payment_id=payment_id,
            actor=actor,
        )

    async def search_bills(
        self, session: AsyncSession | None, *, tenant_id: str, bill_ids: Sequence[str]
    ) -> list[PayableBill]:
        if session is not None:
            return await service.bills_by_id(session, tenant_id=tenant_id, bill_ids=bill_ids)
        async with self._deps.platform.read_sessions() as own:
            return await service.bills_by_id(own, tenant_id=tenant_id, bill_ids=bill_ids)

    async def create_demands(self, session: AsyncSession, *, demands: Sequence[Demand], actor: Actor) -> list[Demand]:
        return await service.create_demands(session, self._deps, demands=demands, actor=actor)


BILLING_CLIENT = Key[BillingClient](BillingClient)
"""The platform key of `BillingClient`."""
