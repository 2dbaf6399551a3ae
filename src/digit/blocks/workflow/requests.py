"""Workflow calls as a request makes them: one function per route, so the router only parses and answers.

`transition_once` wraps `service.transition` in the idempotency helper: with an `Idempotency-Key`, a retry
takes no action again and answers the instances the first call made (read back by id, as they are now).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.workflow import service
from digit.blocks.workflow.schemas import TransitionRequest
from digit.kernel import idempotency
from digit.kernel.security import Actor


async def transition_once(
    session: AsyncSession,
    body: TransitionRequest,
    *,
    key: str | None,
    actor: Actor,
    now_ms: int,
    users: service.UserLookup | None,
) -> list[dict[str, Any]]:
    """Move the batch on (all or none), once per `key`: a retry replays the first call's instances."""
    tenant_id = body.process_instances[0].tenant_id if body.process_instances else actor.tenant_id
    return await idempotency.once(
        session,
        key=key,
        operation="workflow.transition",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request=body.model_dump(mode="json", exclude={"request_info"}),
        now_ms=now_ms,
        create=lambda: _transitioned(session, body, actor=actor, now_ms=now_ms, users=users),
        reference=lambda made: {"ids": [i["id"] for i in made]},
        replay=lambda first: service.instances_by_id(
            session, tenant_id=tenant_id, ids=first["ids"], actor=actor, now_ms=now_ms
        ),
    )


async def _transitioned(
    session: AsyncSession,
    body: TransitionRequest,
    *,
    actor: Actor,
    now_ms: int,
    users: service.UserLookup | None,
) -> list[dict[str, Any]]:
    done = await service.transition(session, instances=body.process_instances, actor=actor, now_ms=now_ms, users=users)
    return [instance.wire() for instance in done]
