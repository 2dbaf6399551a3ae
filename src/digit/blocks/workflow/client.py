"""What other blocks use: transitions inside their own transaction, the latest state, the history, configs.

`WorkflowClient` is the agreed interface (BRIEF.md). `WorklistSource` serves the inbox block (one call, a
fixed number of queries whatever the page size).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user.client import USER_CLIENT
from digit.blocks.workflow import businessservice, service, worklist
from digit.blocks.workflow.businessservice import find_flow
from digit.blocks.workflow.instances import NextAction, ProcessInstance
from digit.blocks.workflow.schemas import BusinessService, Document, ProcessInstanceIn, UserRef
from digit.blocks.workflow.worklist import SORTABLE, WorklistPage, WorklistQuery
from digit.kernel.envelope import UserInfo
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor

__all__ = [  # the types of the interface travel with it: other blocks import only this module
    "SORTABLE",
    "WORKFLOW_CLIENT",
    "WORKLIST_SOURCE",
    "BusinessService",
    "Document",
    "InProcessWorkflowClient",
    "InProcessWorklistSource",
    "NextAction",
    "ProcessInstance",
    "ProcessInstanceIn",
    "UserRef",
    "WorkflowClient",
    "WorklistPage",
    "WorklistQuery",
    "WorklistSource",
    "user_lookup",
]


class WorkflowClient(Protocol):
    async def transition(
        self,
        session: AsyncSession | None,
        *,
        instances: Sequence[ProcessInstanceIn],
        actor: Actor,
        fresh: bool = False,
    ) -> list[ProcessInstance]:
        """Typed transition requests in, typed instances out (`wire()` gives DIGIT's ProcessInstance).
        `fresh`: the caller has just created these business ids, so none has a state yet (saves a read;
        a clash with an existing one is still a 409)."""
        ...

    async def latest(
        self,
        *,
        tenant_id: str,
        business_ids: Sequence[str],
        actor: Actor | None = None,
        session: AsyncSession | None = None,
    ) -> dict[str, ProcessInstance]:
        """The newest instance per business id; read in the caller's transaction when `session` is given."""
        ...

    async def history(self, *, tenant_id: str, business_id: str) -> list[ProcessInstance]: ...

    async def business_service(self, *, tenant_id: str, code: str) -> BusinessService | None: ...

    async def upsert_business_service(
        self,
        session: AsyncSession,
        *,
        business_service: dict[str, Any],
        actor: Actor,
        extra_roles: Collection[str] = (),
    ) -> dict[str, Any]:
        """Create a business service, or a new version of it, in the caller's transaction (validated as
        `_create` validates; `extra_roles` count as known roles, e.g. ones created in the same transaction)."""
        ...


class WorklistSource(Protocol):
    async def search(self, query: WorklistQuery, *, actor: Actor) -> WorklistPage: ...


def user_lookup(platform: Platform) -> service.UserLookup | None:
    """The identity block's user search, when it is installed (assignee checks need it)."""
    client = platform.find(USER_CLIENT)
    if client is None:
        return None

    async def lookup(uuids: Sequence[str]) -> Mapping[str, UserInfo]:
        users: Mapping[str, UserInfo] = await client.get_users(uuids)
        return users

    return lookup


class InProcessWorkflowClient:
    """`WorkflowClient` in this process. Its methods restate the Protocol's signatures on purpose: the Protocol is
    the interface other blocks type against, this class one implementation of it."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def transition(
        self,
        session: AsyncSession | None,
        *,
        instances: Sequence[ProcessInstanceIn],
        actor: Actor,
        fresh: bool = False,
    ) -> list[ProcessInstance]:
        """In the caller's transaction when a session is given."""
        parsed = list(instances)
        users = user_lookup(self._platform)
        now_ms = self._platform.clock.now_ms()
        if session is not None:
            return await service.transition(
                session, instances=parsed, actor=actor, now_ms=now_ms, users=users, fresh=fresh
            )
        async with self._platform.sessions() as own:
            try:
                result = await service.transition(
                    own, instances=parsed, actor=actor, now_ms=now_ms, users=users, fresh=fresh
                )
                await own.commit()
            except BaseException:
                await own.rollback()
                raise
            return result

    async def latest(
        self,
        *,
        tenant_id: str,
        business_ids: Sequence[str],
        actor: Actor | None = None,
        session: AsyncSession | None = None,
    ) -> dict[str, ProcessInstance]:
        """The newest instance per business id, its `nextActions` those the actor may take."""
        now_ms = self._platform.clock.now_ms()
        if session is not None:  # one transaction (and connection) for the caller's whole answer
            return await service.latest_of(
                session, tenant_id=tenant_id, business_ids=business_ids, now_ms=now_ms, actor=actor
            )
        async with self._platform.read_sessions() as own:
            return await service.latest_of(
                own, tenant_id=tenant_id, business_ids=business_ids, now_ms=now_ms, actor=actor
            )

    async def history(self, *, tenant_id: str, business_id: str) -> list[ProcessInstance]:
        async with self._platform.read_sessions() as session:
            return await service.history_of(
                session, tenant_id=tenant_id, business_id=business_id, now_ms=self._platform.clock.now_ms()
            )

    async def business_service(self, *, tenant_id: str, code: str) -> BusinessService | None:
        async with self._platform.read_sessions() as session:
            flow = await find_flow(session, tenant_id=tenant_id, code=code)
            return BusinessService.model_validate(flow.wire(tenant_id=tenant_id)) if flow else None

    async def upsert_business_service(
        self,
        session: AsyncSession,
        *,
        business_service: dict[str, Any],
        actor: Actor,
        extra_roles: Collection[str] = (),
    ) -> dict[str, Any]:
        config = BusinessService.model_validate(business_service)
        flows = await businessservice.save_checked(
            session, self._platform, [config], create=None, actor_uuid=actor.uuid, extra_roles=extra_roles
        )
        return flows[0].wire()


class InProcessWorklistSource:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def search(self, query: WorklistQuery, *, actor: Actor) -> WorklistPage:
        async with self._platform.read_sessions() as session:
            return await worklist.search(session, query, actor=actor, now_ms=self._platform.clock.now_ms())


WORKFLOW_CLIENT = Key[WorkflowClient](WorkflowClient)
"""The platform key of `WorkflowClient`."""


WORKLIST_SOURCE = Key[WorklistSource](WorklistSource)
"""The platform key of `WorklistSource`."""
