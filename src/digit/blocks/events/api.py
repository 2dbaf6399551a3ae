"""Admin API of the event outbox (SUPERUSER): dead letters list and replay, outbox counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from digit.blocks.events import service
from digit.blocks.events.schemas import (
    DeadLetter,
    DeadLetterSearch,
    DeadLettersResponse,
    OutboxStatsResponse,
    ReplayRequest,
)
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/events/v1", tags=["events"])

TenantId = TenantQuery


@router.post("/dead-letters/_search")
async def search_dead_letters(
    platform: PlatformDep,
    tenant_id: TenantId,
    criteria: Annotated[DeadLetterSearch, Query()],
    body: RequestInfoBody | None = None,
) -> DeadLettersResponse:
    """Deliveries that failed every attempt, for the tenant and its cities (newest first)."""
    async with platform.read_sessions() as session:
        rows, total = await service.search_dead_letters(session, tenant_id=tenant_id, criteria=criteria)
    return DeadLettersResponse(
        response_info=response_info(body),
        dead_letters=[DeadLetter.model_validate(r) for r in rows],
        total_count=total,
    )


@router.post("/dead-letters/_replay")
async def replay_dead_letters(
    body: ReplayRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> DeadLettersResponse:
    """Queue dead letters again; the dispatcher delivers them (in-process: next pass, or `drain`)."""
    rows = await service.replay_dead_letters(
        session, tenant_id=body.tenant_id, ids=body.ids, actor_uuid=actor.uuid, now_ms=platform.clock.now_ms()
    )
    return DeadLettersResponse(
        response_info=response_info(body.request_info),
        dead_letters=[DeadLetter.model_validate(r) for r in rows],
        total_count=len(rows),
    )


@router.post("/outbox/_stats")
async def outbox_stats(
    platform: PlatformDep, tenant_id: TenantId, body: RequestInfoBody | None = None
) -> OutboxStatsResponse:
    async with platform.read_sessions() as session:
        pending, deliveries, dead = await service.outbox_stats(session, tenant_id=tenant_id)
    return OutboxStatsResponse(
        response_info=response_info(body),
        pending_events=pending,
        pending_deliveries=deliveries,
        dead_letters=dead,
    )
