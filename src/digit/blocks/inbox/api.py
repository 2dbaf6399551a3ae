"""DIGIT's inbox v2 (`/inbox/v2/_search`): an employee's work items with counts, in one call."""

from __future__ import annotations

from fastapi import APIRouter

from digit.blocks.inbox import service
from digit.blocks.inbox.client import INBOX_CLIENT, InProcessInboxClient
from digit.blocks.inbox.schemas import InboxSearchRequest, InboxSearchResponse
from digit.blocks.workflow.client import WORKLIST_SOURCE
from digit.kernel.deps import CurrentActor, PlatformDep

router = APIRouter(prefix="/inbox", tags=["inbox"])
v2_router = APIRouter(prefix="/inbox-v2", tags=["inbox"])


@router.post("/v2/_search")
@v2_router.post("/v2/_search")
async def search_inbox(body: InboxSearchRequest, actor: CurrentActor, platform: PlatformDep) -> InboxSearchResponse:
    """Filter by status, assignee, locality and SLA; counts per status and per SLA bucket; paged.

    Also served as `/inbox-v2/v2/_search`, DIGIT's PGR inbox page (`moduleName: RAINMAKER-PGR`,
    `moduleSearchCriteria{complaintNumber, assignee, area[], status[]}`)."""
    inbox = platform.get(INBOX_CLIENT)
    assert isinstance(inbox, InProcessInboxClient)
    return await service.search(
        body.inbox,
        actor=actor,
        worklist=platform.get(WORKLIST_SOURCE),
        inbox=inbox,
    )
