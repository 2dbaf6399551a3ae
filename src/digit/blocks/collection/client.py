"""What other blocks use from collection: take a payment inside the caller's transaction (the gateway does)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.collection import service
from digit.blocks.collection.schemas import Payment
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor


class CollectionClient(Protocol):
    async def create_payment(
        self,
        session: AsyncSession,
        *,
        payment: dict[str, Any],
        actor: Actor,
        idempotency_key: str,
        via_gateway: bool = False,
    ) -> dict[str, Any]:
        """A DIGIT Payment (camelCase dict) in and out; the same key returns the first payment."""
        ...

    async def search_payments(self, *, tenant_id: str, ids: list[str]) -> list[dict[str, Any]]: ...


class InProcessCollectionClient:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def create_payment(
        self,
        session: AsyncSession,
        *,
        payment: dict[str, Any],
        actor: Actor,
        idempotency_key: str,
        via_gateway: bool = False,
    ) -> dict[str, Any]:
        created, _ = await service.create_payment(
            session,
            self._platform,
            payment=Payment.model_validate(payment),
            actor=actor,
            idempotency_key=idempotency_key,
            via_gateway=via_gateway,
        )
        return created.wire()

    async def search_payments(self, *, tenant_id: str, ids: list[str]) -> list[dict[str, Any]]:
        async with self._platform.read_sessions() as session:
            found = await service.search_payments(
                session, self._platform, tenant_id=tenant_id, actor=Actor.system(tenant_id), ids=ids
            )
        return [p.wire() for p in found]


COLLECTION_CLIENT = Key[CollectionClient](CollectionClient)
"""The platform key of `CollectionClient`."""
