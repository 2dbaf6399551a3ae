"""What other blocks use: transitions inside their own transaction, the latest state, the history, configs.

`WorkflowClient` is the agreed interface (BRIEF.md). `WorklistSource` serves the inbox block (one call, a
fixed number of queries whatever the page size).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.workflow import service, worklist
from digit.blocks.workflow.businessservice import find_flow
from digit.blocks.workflow.schemas import ProcessInstanceIn
from digit.kernel.envelope import UserInfo
from digit.kernel.platform import Platform
from digit.kernel.security import Actor


class WorkflowClient(Protocol):
    async def transition(
        self, session: AsyncSession | None, *, instances: Sequence[dict[str, Any]], actor: Actor
    ) -> list[dict[str, Any]]: ...

    async def latest(self, *, tenant_id: str, business_ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    async def history(self, *, tenant_id: str, business_id: str) -> list[dict[str, Any]]: ...

    async def business_service(self, *, tenant_id: str, code: str) -> dict[str, Any] | None: ...


class WorklistSource(Protocol):
    async def search(self, query: worklist.WorklistQuery, *, actor: Actor) -> worklist.WorklistPage: ...


def user_lookup(platform: Platform) -> service.UserLookup | None:
    """The identity block's user search, when it is installed (assignee checks need it)."""
    try:
        from digit.blocks.user.client import UserClient
    except ImportError:  # identity block not present in this build
        return None
    client = platform.find(UserClient)  # type: ignore[type-abstract]
    if client is None:
        return None

    async def lookup(uuids: Sequence[str]) -> Mapping[str, UserInfo]:
        users: Mapping[str, UserInfo] = await client.get_users(uuids)
        return users

    return lookup


class InProcessWorkflowClient:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def transition(
        self, session: AsyncSession | None, *, instances: Sequence[dict[str, Any]], actor: Actor
    ) -> list[dict[str, Any]]:
        """DIGIT ProcessInstances in and out; in the caller's transaction when a session is given."""
        parsed = [ProcessInstanceIn.model_validate(i) for i in instances]
        users = user_lookup(self._platform)
        if session is not None:
            return await service.transition(
                session, instances=parsed, actor=actor, now_ms=self._platform.clock.now_ms(), users=users
            )
        async with self._platform.sessions() as own:
            try:
                result = await service.transition(
                    own, instances=parsed, actor=actor, now_ms=self._platform.clock.now_ms(), users=users
                )
                await own.commit()
            except BaseException:
                await own.rollback()
                raise
            return result

    async def latest(self, *, tenant_id: str, business_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        async with self._platform.read_sessions() as session:
            return await service.latest_of(
                session, tenant_id=tenant_id, business_ids=business_ids, now_ms=self._platform.clock.now_ms()
            )

    async def history(self, *, tenant_id: str, business_id: str) -> list[dict[str, Any]]:
        async with self._platform.read_sessions() as session:
            return await service.history_of(
                session, tenant_id=tenant_id, business_id=business_id, now_ms=self._platform.clock.now_ms()
            )

    async def business_service(self, *, tenant_id: str, code: str) -> dict[str, Any] | None:
        async with self._platform.read_sessions() as session:
            flow = await find_flow(session, tenant_id=tenant_id, code=code)
            return flow.wire(tenant_id=tenant_id) if flow else None


class InProcessWorklistSource:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def search(self, query: worklist.WorklistQuery, *, actor: Actor) -> worklist.WorklistPage:
        async with self._platform.read_sessions() as session:
            return await worklist.search(session, query, actor=actor, now_ms=self._platform.clock.now_ms())
