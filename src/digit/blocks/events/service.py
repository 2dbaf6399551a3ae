"""Dead letters: list them per tenant, replay them (a fresh delivery with attempts reset)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.events.schemas import DEAD, REPLAYED, DeadLetterSearch
from digit.kernel.db import stamp
from digit.kernel.errors import NotFound
from digit.kernel.events import DeadLetterRow, DeliveryRow, OutboxRow
from digit.kernel.tenancy import in_tenant


async def search_dead_letters(
    session: AsyncSession, *, tenant_id: str, criteria: DeadLetterSearch
) -> tuple[list[DeadLetterRow], int]:
    """Dead letters of the tenant and its cities, newest first, with the total count."""
    conditions = [in_tenant(DeadLetterRow.tenant_id, tenant_id)]
    if criteria.consumer:
        conditions.append(DeadLetterRow.consumer == criteria.consumer)
    if criteria.topic:
        conditions.append(DeadLetterRow.topic == criteria.topic)
    if criteria.status:
        conditions.append(DeadLetterRow.status == criteria.status)
    total = await session.scalar(select(func.count()).select_from(DeadLetterRow).where(*conditions))
    query = criteria.page(
        select(DeadLetterRow)
        .where(*conditions)
        .order_by(DeadLetterRow.last_modified_time.desc(), DeadLetterRow.seq.desc())
    )
    return list(await session.scalars(query)), int(total or 0)


async def replay_dead_letters(
    session: AsyncSession, *, tenant_id: str, ids: Sequence[str], actor_uuid: str, now_ms: int
) -> list[DeadLetterRow]:
    """Queue each dead letter again for its consumer (attempts start over); the dispatcher delivers it."""
    wanted = list(dict.fromkeys(ids))
    query = select(DeadLetterRow).where(
        DeadLetterRow.id.in_(wanted), in_tenant(DeadLetterRow.tenant_id, tenant_id), DeadLetterRow.status == DEAD
    )
    rows = {row.id: row for row in await session.scalars(query)}
    missing = [i for i in wanted if i not in rows]
    if missing:
        raise NotFound("DEAD_LETTER_NOT_FOUND", "no dead letter in this tenant with these ids", params=missing)
    replayed = []
    for dead_id in wanted:
        dead = rows[dead_id]
        if await session.get(DeliveryRow, (dead.consumer, dead.event_id)) is None:
            delivery = DeliveryRow(
                consumer=dead.consumer,
                event_id=dead.event_id,
                seq=dead.seq,
                topic=dead.topic,
                tenant_id=dead.tenant_id,
                aggregate_id=dead.aggregate_id,
                data=dead.data,
                event_time_ms=dead.event_time_ms,
                actor_uuid=dead.actor_uuid,
                attempts=0,
                next_attempt_ms=now_ms,
            )
            stamp(delivery, actor_uuid=actor_uuid, now_ms=now_ms)
            session.add(delivery)
        dead.status = REPLAYED
        stamp(dead, actor_uuid=actor_uuid, now_ms=now_ms)
        replayed.append(dead)
    await session.flush()
    return replayed


async def outbox_stats(session: AsyncSession, *, tenant_id: str) -> tuple[int, int, int]:
    """(events not yet routed, deliveries waiting, dead letters) of the tenant and its cities."""

    async def count(model: Any, *conditions: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)

    return (
        await count(OutboxRow, in_tenant(OutboxRow.tenant_id, tenant_id), OutboxRow.published_time.is_(None)),
        await count(DeliveryRow, in_tenant(DeliveryRow.tenant_id, tenant_id)),
        await count(DeadLetterRow, in_tenant(DeadLetterRow.tenant_id, tenant_id), DeadLetterRow.status == DEAD),
    )
