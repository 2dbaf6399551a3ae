"""What other blocks use from collection: take a payment inside the caller's transaction (the gateway does).

Payments cross this interface as the typed `Payment` model; the camelCase wire shape is the router's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.collection import service
from digit.blocks.collection.deps import CollectionDeps
from digit.blocks.collection.schemas import Payment, PaymentCriteria, PaymentDetail, PaymentMode, PaymentStatus
from digit.kernel.platform import Key
from digit.kernel.security import Actor

__all__ = [
    "COLLECTION_CLIENT",
    "CollectionClient",
    "InProcessCollectionClient",
    "Payment",
    "PaymentDetail",
    "PaymentMode",
    "PaymentStatus",
]


class CollectionClient(Protocol):
    async def create_payment(
        self,
        session: AsyncSession,
        *,
        payment: Payment,
        actor: Actor,
        idempotency_key: str,
        via_gateway: bool = False,
    ) -> Payment:
        """Take a payment in the caller's transaction; the same key returns the first payment."""
        ...

    async def search_payments(self, *, tenant_id: str, ids: Sequence[str]) -> list[Payment]: ...


class InProcessCollectionClient:
    """`CollectionClient` in this process. Its methods restate the Protocol's signatures on purpose: the Protocol is
    the interface other blocks type against, this class one implementation of it."""

    def __init__(self, deps: CollectionDeps) -> None:
        self._deps = deps

    async def create_payment(
        self,
        session: AsyncSession,
        *,
        payment: Payment,
        actor: Actor,
        idempotency_key: str,
        via_gateway: bool = False,
    ) -> Payment:
        created, _ = await service.create_payment(
            session,
            self._deps,
            payment=payment,
            actor=actor,
            idempotency_key=idempotency_key,
            via_gateway=via_gateway,
        )
        return created

    async def search_payments(self, *, tenant_id: str, ids: Sequence[str]) -> list[Payment]:
        criteria = PaymentCriteria.model_validate({"ids": list(ids), "limit": 500})
        async with self._deps.platform.read_sessions() as session:
            return await service.search_payments(
                session, self._deps, tenant_id=tenant_id, actor=Actor.system(tenant_id), criteria=criteria
            )


COLLECTION_CLIENT = Key[CollectionClient](CollectionClient)
"""The platform key of `CollectionClient`."""
