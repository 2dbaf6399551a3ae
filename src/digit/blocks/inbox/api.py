"""DIGIT's inbox v2 (`/inbox/v2/_search`): an employee's work items with counts, in one call."""

from __future__ import annotations

from fastapi import APIRouter

from digit.blocks.inbox import service
from digit.blocks.inbox.client import InboxClient, InProcessInboxClient
from digit.blocks.inbox.schemas import InboxSearchRequest, InboxSearchResponse
from digit.blocks.workflow.client import WorklistSource
from digit.kernel.deps import CurrentActor, PlatformDep

router = APIRouter(prefix="/inbox", tags=["inbox"])


@router.post("/v2/_search")
async def search_inbox(body: InboxSearchRequest, actor: CurrentActor, platform: PlatformDep) -> InboxSearchResponse:
    """Filter by status, assignee, locality and SLA; counts per status and per SLA bucket; paged."""
    inbox = platform.get(InboxClient)  # type: ignore[type-abstract]
    assert isinstance(inbox, InProcessInboxClient)
    return await service.search(
        body.inbox,
        actor=actor,
        worklist=platform.get(WorklistSource),  # type: ignore[type-abstract]
        inbox=inbox,
    )
