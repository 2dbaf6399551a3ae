"""PGR v2 on DIGIT's paths: `/pgr-services/v2/request/_create|_update|_search|_plainsearch|_count`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from digit.blocks.pdf.client import PDF_CLIENT
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import TenantQuery
from digit.services.pgr import service
from digit.services.pgr.deps import PgrDeps
from digit.services.pgr.schemas import CountResponse, ServiceRequest, ServiceResponse, ServiceWrapper

router = APIRouter(prefix="/pgr-services/v2/request", tags=["pgr"])


def _criteria(
    tenant_id: str,
    service_request_id: str | None,
    ids: str | None,
    mobile_number: str | None,
    application_status: str | None,
    service_code: str | None,
    locality: str | None,
    assignee: str | None,
    from_date: int | None,
    to_date: int | None,
    sort_by: str,
    sort_order: str,
    limit: int,
    offset: int,
) -> service.SearchCriteria:
    return service.SearchCriteria(
        tenant_id=tenant_id,
        service_request_ids=tuple(split_values(service_request_id)),
        ids=tuple(split_values(ids)),
        mobile_number=mobile_number,
        application_status=tuple(split_values(application_status)),
        service_code=tuple(split_values(service_code)),
        locality=tuple(split_values(locality)),
        assignee=assignee,
        from_date=from_date,
        to_date=to_date,
        sort_by=sort_by,
        sort_order=sort_order,
        limit=limit,
        offset=offset,
    )


async def search_params(
    tenant_id: TenantQuery,
    service_request_id: Annotated[str | None, Query(alias="serviceRequestId")] = None,
    ids: Annotated[str | None, Query()] = None,
    mobile_number: Annotated[str | None, Query(alias="mobileNumber", pattern=r"^\+?[0-9]{6,15}$")] = None,
    application_status: Annotated[str | None, Query(alias="applicationStatus")] = None,
    service_code: Annotated[str | None, Query(alias="serviceCode")] = None,
    locality: Annotated[str | None, Query()] = None,
    assignee: Annotated[str | None, Query()] = None,
    from_date: Annotated[int | None, Query(alias="fromDate", ge=0)] = None,
    to_date: Annotated[int | None, Query(alias="toDate", ge=0)] = None,
    sort_by: Annotated[str, Query(alias="sortBy", pattern="^(createdTime|lastModifiedTime)$")] = "createdTime",
    # any case of ASC/DESC, spelt out: `(?i)` is no JSON Schema (ECMA) regex, and clients read it from /openapi.json
    sort_order: Annotated[str, Query(alias="sortOrder", pattern="^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")] = "DESC",
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> service.SearchCriteria:
    """DIGIT's search criteria, as query parameters (the body carries only RequestInfo); a coroutine, so FastAPI
    does not run it in a worker thread."""
    return _criteria(
        tenant_id,
        service_request_id,
        ids,
        mobile_number,
        application_status,
        service_code,
        locality,
        assignee,
        from_date,
        to_date,
        sort_by,
        sort_order,
        limit,
        offset,
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


@router.post("/_search")
async def search(
    body: RequestInfoBody,
    criteria: Annotated[service.SearchCriteria, Depends(search_params)],
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
) -> ServiceResponse:
    """Complaints of a city; a citizen sees only their own."""
    wrappers, total = await service.search_requests(session, PgrDeps.of(platform), criteria=criteria, actor=actor)
    return ServiceResponse(
        response_info=response_info(body.request_info),
        service_wrappers=[ServiceWrapper.model_validate(w) for w in wrappers],
        total_count=total,
    )


@router.post("/_plainsearch")
async def plain_search(
    body: RequestInfoBody,
    criteria: Annotated[service.SearchCriteria, Depends(search_params)],
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
) -> ServiceResponse:
    """Every complaint of a tenant, oldest first, page by page (DIGIT's system search; superusers only)."""
    wrappers, total = await service.plain_search_requests(session, PgrDeps.of(platform), criteria=criteria, actor=actor)
    return ServiceResponse(
        response_info=response_info(body.request_info),
        service_wrappers=[ServiceWrapper.model_validate(w) for w in wrappers],
        total_count=total,
    )


@router.post("/_count")
async def count(
    body: RequestInfoBody,
    criteria: Annotated[service.SearchCriteria, Depends(search_params)],
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
