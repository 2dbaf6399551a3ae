"""PGR v2 on DIGIT's paths: `/pgr-services/v2/request/_create|_update|_search|_plainsearch|_count`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from digit.blocks.pdf.client import PDF_CLIENT
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.paging import Csv, SearchQuery, page_limit
from digit.kernel.request_tenants import TenantQuery
from digit.services.pgr import service
from digit.services.pgr.deps import PgrDeps
from digit.services.pgr.schemas import CountResponse, ServiceRequest, ServiceResponse, ServiceWrapper

router = APIRouter(prefix="/pgr-services/v2/request", tags=["pgr"])


class PgrSearch(SearchQuery):
    """DIGIT's complaint search criteria, as query parameters (the body carries only RequestInfo)."""

    service_request_id: Csv
    ids: Csv
    mobile_number: str | None = Field(default=None, pattern=r"^\+?[0-9]{6,15}$")
    application_status: Csv
    service_code: Csv
    locality: Csv
    assignee: str | None = None
    from_date: int | None = Field(default=None, ge=0)
    to_date: int | None = Field(default=None, ge=0)
    sort_by: str = Field(default="createdTime", pattern="^(createdTime|lastModifiedTime)$")
    # any case of ASC/DESC, spelt out: `(?i)` is no JSON Schema (ECMA) regex, and clients read it from /openapi.json
    sort_order: str = Field(default="DESC", pattern="^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")
    limit: int = page_limit(default=100, maximum=service.MAX_LIMIT)
    offset: int = Field(default=0, ge=0)


async def search_params(tenant_id: TenantQuery, query: Annotated[PgrSearch, Query()]) -> service.SearchCriteria:
    """The criteria with the tenant the gate authorised; a coroutine, so FastAPI runs it in no worker thread."""
    return service.SearchCriteria(
        tenant_id=tenant_id,
        service_request_ids=tuple(query.service_request_id),
        ids=tuple(query.ids),
        mobile_number=query.mobile_number,
        application_status=tuple(query.application_status),
        service_code=tuple(query.service_code),
        locality=tuple(query.locality),
        assignee=query.assignee,
        from_date=query.from_date,
        to_date=query.to_date,
        sort_by=query.sort_by,
        sort_order=query.sort_order,
        limit=query.limit,
        offset=query.offset,
    )


@router.post("/_create")
async def create(
    body: ServiceRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> ServiceResponse:
    """File a complaint (citizen for themself; CSR for a citizen by mobile number); `Idempotency-Key` makes
    a retry answer the complaint the first call filed."""
    wrapper = await service.create_request(
        session,
        PgrDeps.of(platform),
        service=body.service,
        workflow=body.workflow,
        actor=actor,
        now_ms=platform.clock.now_ms(),
        idempotency_key=idempotency_key,
    )
    return ServiceResponse(
        response_info=response_info(body.request_info), service_wrappers=[ServiceWrapper.model_validate(wrapper)]
    )


@router.post("/_update")
async def update(
    body: ServiceRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> ServiceResponse:
    """Move a complaint on by one workflow action (ASSIGN, REASSIGN, RESOLVE, REJECT, RATE, REOPEN, ...)."""
    wrapper = await service.update_request(
        session,
        PgrDeps.of(platform),
        service=body.service,
        workflow=body.workflow,
        actor=actor,
        now_ms=platform.clock.now_ms(),
    )
    return ServiceResponse(
        response_info=response_info(body.request_info), service_wrappers=[ServiceWrapper.model_validate(wrapper)]
    )


# _search, _plainsearch and _count read the same criteria
CriteriaDep = Annotated[service.SearchCriteria, Depends(search_params)]


def _found(body: RequestInfoBody, wrappers: list[dict[str, Any]], total: int) -> ServiceResponse:
    """The answer of _search and _plainsearch: one page of complaints and how many match in all."""
    return ServiceResponse(
        response_info=response_info(body.request_info),
        service_wrappers=[ServiceWrapper.model_validate(w) for w in wrappers],
        total_count=total,
    )


@router.post("/_search")
async def search(
    body: RequestInfoBody, criteria: CriteriaDep, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> ServiceResponse:
    """Complaints of a city; a citizen sees only their own."""
    wrappers, total = await service.search_requests(session, PgrDeps.of(platform), criteria=criteria, actor=actor)
    return _found(body, wrappers, total)


@router.post("/_plainsearch")
async def plain_search(
    body: RequestInfoBody, criteria: CriteriaDep, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> ServiceResponse:
    """Every complaint of a tenant, oldest first, page by page (DIGIT's system search; superusers only)."""
    wrappers, total = await service.plain_search_requests(session, PgrDeps.of(platform), criteria=criteria, actor=actor)
    return _found(body, wrappers, total)


@router.post("/_count")
async def count(
    body: RequestInfoBody,
    criteria: CriteriaDep,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
) -> CountResponse:
    """How many complaints match (same criteria as _search)."""
    total = await service.count_requests(session, PgrDeps.of(platform), criteria=criteria, actor=actor)
    return CountResponse(response_info=response_info(body.request_info), count=total)


@router.post("/_acknowledgement", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
async def acknowledgement(
    body: RequestInfoBody,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    service_request_id: Annotated[str, Query(alias="serviceRequestId", min_length=1)],
    locale: Annotated[str | None, Query(pattern=r"^[a-z]{2}_[A-Z]{2}$")] = None,
) -> Response:
    """The complaint's acknowledgement as a PDF (pdf-service key `pgr-acknowledgement`), in the caller's language."""
    pdf = await service.acknowledgement_pdf(
        session,
        PgrDeps.of(platform),
        platform.get(PDF_CLIENT),
        tenant_id=tenant_id,
        service_request_id=service_request_id,
        actor=actor,
        locale=locale or (actor.user.locale if actor.user and actor.user.locale else "en_IN"),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{service_request_id}.pdf"'},
    )
