"""PGR: citizen grievances on DIGIT's pgr-services v2 API and on Open311 GeoReport v2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from digit.blocks.inbox.client import INBOX_CLIENT
from digit.kernel.blocks import Block
from digit.kernel.events import Consumer, Event, delivery_session
from digit.kernel.platform import Platform
from digit.services.pgr import open311, service
from digit.services.pgr.api import router
from digit.services.pgr.deps import PgrDeps


def made_by_escalation(data: dict[str, Any]) -> bool:
    """PGR makes its own transitions and writes their status itself; only the scheduler's escalations of
    complaints are news to it (every other transition would be read and dropped)."""
    return data.get("businessService") == service.BUSINESS_SERVICE and bool(data.get("escalated"))


async def follow_workflow(platform: Platform, event: Event) -> None:
    """Escalations made by the workflow scheduler move the complaint's status too.

    Written through the dispatcher's delivery session: the change and the event's processed mark commit together.
    """
    session = delivery_session()
    if session is None:
        raise RuntimeError("pgr.follow-workflow runs only under the event dispatcher")
    await service.apply_workflow_event(
        session,
        PgrDeps.of(platform),
        data={**event.data, "tenantId": event.tenant_id},
        actor_uuid=event.actor_uuid,
        now_ms=platform.clock.now_ms(),
    )


def install(platform: Platform) -> None:
    """Give the employee inbox PGR's complaints as business objects (one batched read per page)."""

    async def fetch(tenant_id: str, business_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        async with platform.read_sessions() as session:
            return await service.business_objects(
                session, PgrDeps.of(platform), tenant_id=tenant_id, service_request_ids=business_ids
            )

    platform.get(INBOX_CLIENT).register_business_objects(service.MODULE_NAME, fetch, aliases=service.MODULE_ALIASES)


BLOCK = Block(
    name="pgr",
    routers=[router, open311.router],
    install=install,
    depends=(
        "inbox",
        "mdms",
        "user",
        "idgen",
        "workflow",
        "filestore",
        "hrms",
        "boundary",
        "encryption",
        "urlshortener",
        "pdf",  # the complaint acknowledgement (api.py `_acknowledgement`)
    ),
    consumers=(
        Consumer(
            name="pgr.follow-workflow",
            topics=("save-wf-transitions",),
            handle=follow_workflow,
            accepts=made_by_escalation,
        ),
    ),
    open_routes=open311.OPEN_ROUTES,
)
