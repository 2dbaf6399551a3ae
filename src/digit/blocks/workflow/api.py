"""egov-workflow-v2 on DIGIT's paths (`/egov-workflow-v2/egov-wf/...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from digit.blocks.workflow import businessservice, requests, service
from digit.blocks.workflow.client import user_lookup
from digit.blocks.workflow.escalation import escalate_on_request
from digit.blocks.workflow.schemas import (
    BusinessServiceRequest,
    BusinessServiceResponse,
    EscalationResponse,
    ProcessInstanceResponse,
    TransitionRequest,
)
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.errors import Invalid
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.paging import Csv, SearchQuery
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/egov-workflow-v2/egov-wf", tags=["workflow"])


async def _save(
    body: BusinessServiceRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep, *, create: bool
) -> BusinessServiceResponse:
    flows = await businessservice.save_checked(
        session, platform, body.business_services, create=create, actor_uuid=actor.uuid
    )
    return BusinessServiceResponse(
        response_info=response_info(body.request_info), business_services=[f.wire() for f in flows]
    )


@router.post("/businessservice/_create")
async def create_business_service(
    body: BusinessServiceRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> BusinessServiceResponse:
    """Create business service configs (validated; every role must exist in ACCESSCONTROL-ROLES)."""
    return await _save(body, session, actor, platform, create=True)


@router.post("/businessservice/_update")
async def update_business_service(
    body: BusinessServiceRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> BusinessServiceResponse:
    """A new version of existing configs: applications already started keep the version they started with."""
    return await _save(body, session, actor, platform, create=False)


@router.post("/businessservice/_search")
async def search_business_services(
    session: SessionDep,
    tenant_id: TenantQuery,
    business_services: Annotated[list[str] | None, Query(alias="businessServices")] = None,
    body: RequestInfoBody | None = None,
) -> BusinessServiceResponse:
    """Latest configs for a tenant: the city's own, else its state's (DIGIT's fallback)."""
    flows = await businessservice.search_flows(session, tenant_id=tenant_id, codes=split_values(business_services))
    return BusinessServiceResponse(
        response_info=response_info(body),
        business_services=[f.wire(tenant_id=tenant_id) for f in flows],
    )


router.add_api_route(
    "/businessservice/v2/_create", create_business_service, methods=["POST"], name="create_business_service_v2"
)
router.add_api_route(
    "/businessservice/v2/_update", update_business_service, methods=["POST"], name="update_business_service_v2"
)
router.add_api_route(
    "/businessservice/v2/_search", search_business_services, methods=["POST"], name="search_business_services_v2"
)


@router.post("/process/_transition")
async def transition(
    body: TransitionRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> ProcessInstanceResponse:
    """Move applications on by one action each; all of the batch or none of it. With an `Idempotency-Key` a
    retry takes no action again and answers the instances the first call made."""
    instances = await requests.transition_once(
        session,
        body,
        key=idempotency_key,
        actor=actor,
        now_ms=platform.clock.now_ms(),
        users=user_lookup(platform),
    )
    return ProcessInstanceResponse(response_info=response_info(body.request_info), process_instances=instances)


class ApplicationsQuery(SearchQuery):
    """Which applications: the filters every process search takes."""

    business_ids: Csv
    assignee: str | None = None
    status: Csv
    business_service: Csv
    module_name: str | None = None


class ProcessCount(ApplicationsQuery):
    """process/_count: which instances (the latest per application, or every one with `history`)."""

    ids: Csv
    history: bool = False
    from_date: int | None = None
    to_date: int | None = None


class ProcessSearch(ProcessCount):
    """process/_search: a page of them."""

    offset: int = Field(default=0, ge=0)
    limit: int | None = None


class EscalatedSearch(ApplicationsQuery):
    """escalate/_search: a page of the applications the auto-escalation has acted on."""

    offset: int = Field(default=0, ge=0)
    limit: int | None = None


class StatusCountQuery(SearchQuery):
    """process/_statuscount: applications per status, of some business services or someone's desk."""

    business_service: Csv
    module_name: str | None = None
    assignee: str | None = None


def _criteria(
    tenant_id: str, query: SearchQuery, *, offset: int = 0, limit: int | None = None
) -> service.SearchCriteria:
    """The service's criteria from whichever query model a route takes (absent filters are empty)."""
    if limit is not None and limit < 1:
        raise Invalid("INVALID_LIMIT", "limit must be at least 1")
    found: dict[str, Any] = query.model_dump()
    return service.SearchCriteria(
        tenant_id=tenant_id,
        business_ids=found.get("business_ids", []),
        ids=found.get("ids", []),
        assignee=found.get("assignee") or None,
        status=found.get("status", []),
        history=found.get("history", False),
        from_date=found.get("from_date"),
        to_date=found.get("to_date"),
        business_service=found.get("business_service", []),
        module_name=found.get("module_name") or None,
        offset=offset,
        limit=min(limit or service.DEFAULT_LIMIT, service.MAX_LIMIT),
    )


@router.post("/process/_search")
async def search_process_instances(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    query: Annotated[ProcessSearch, Query()],
    body: RequestInfoBody | None = None,
) -> ProcessInstanceResponse:
    """Latest instance per application (all of them with history=true), newest first, and totalCount."""
    criteria = _criteria(tenant_id, query, offset=query.offset, limit=query.limit)
    found, total = await service.search_instances(session, criteria, actor, now_ms=platform.clock.now_ms())
    return ProcessInstanceResponse(response_info=response_info(body), process_instances=found, total_count=total)


@router.post("/process/_count")
async def count_process_instances(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: TenantQuery,
    query: Annotated[ProcessCount, Query()],
    body: RequestInfoBody | None = None,
) -> int:
    """DIGIT answers a bare number here."""
    return await service.count_instances(session, _criteria(tenant_id, query), actor)


@router.post("/process/_nearingslacount")
async def nearing_sla_count(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    query: Annotated[ApplicationsQuery, Query()],
    body: RequestInfoBody | None = None,
) -> int:
    """DIGIT answers a bare number: open applications close to breaching their business SLA."""
    criteria = _criteria(tenant_id, query)
    return await service.count_nearing_sla(session, criteria, actor, now_ms=platform.clock.now_ms())


@router.post("/escalate/_search")
async def search_escalated(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    query: Annotated[EscalatedSearch, Query()],
    body: RequestInfoBody | None = None,
) -> ProcessInstanceResponse:
    """Latest instance of each application the auto-escalation has acted on, newest first."""
    criteria = _criteria(tenant_id, query, offset=query.offset, limit=query.limit)
    found, total = await service.search_escalated(session, criteria, actor, now_ms=platform.clock.now_ms())
    return ProcessInstanceResponse(response_info=response_info(body), process_instances=found, total_count=total)


@router.post("/process/_statuscount")
async def status_count(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: TenantQuery,
    query: Annotated[StatusCountQuery, Query()],
    body: RequestInfoBody | None = None,
) -> list[dict[str, Any]]:
    """DIGIT answers a bare list: applications per current status."""
    return await service.status_counts(session, _criteria(tenant_id, query), actor)


@router.post("/auto/{business_service}/_escalate")
async def escalate(
    business_service: str, actor: CurrentActor, platform: PlatformDep, body: RequestInfoBody | None = None
) -> EscalationResponse:
    """Run the escalation of one business service now (what DIGIT's cron job calls)."""
    done = await escalate_on_request(platform, actor, business_service=business_service)
    return EscalationResponse(response_info=response_info(body), process_instances=done)
