"""pdf-service on DIGIT's paths: `_create` (render and store), `_createnosave` (bytes), `_search` (jobs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from digit.blocks.pdf import service
from digit.blocks.pdf.client import PDF_CLIENT, InProcessPdfClient
from digit.blocks.pdf.schemas import LOCALE, CreateResponse, JobSearch, PdfJob, RenderQuery, SearchResponse
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfo, response_info
from digit.kernel.platform import Platform
from digit.kernel.request_tenants import TenantQuery
from digit.kernel.security import Actor

router = APIRouter(prefix="/pdf-service/v1", tags=["pdf"])

JsonBody = Annotated[dict[str, Any], Body()]


def _client(platform: Platform) -> InProcessPdfClient:
    client = platform.get(PDF_CLIENT)
    assert isinstance(client, InProcessPdfClient)
    return client


def _request_info(body: dict[str, Any]) -> RequestInfo:
    raw = body.get("RequestInfo") or body.get("requestInfo") or {}
    return RequestInfo.model_validate(raw if isinstance(raw, dict) else {})


def locale_of(explicit: str | None, request_info: RequestInfo, actor: Actor) -> str:
    """`locale` parameter, else `RequestInfo.userInfo.locale`, else the UI's `msgId` suffix (`<id>|hi_IN`),
    else the caller's own locale, else en_IN. (Only a preference: the gateway's identity is not taken from it.)"""
    if explicit:
        return explicit
    sent = (request_info.user_info or {}).get("locale")
    if isinstance(sent, str) and LOCALE.fullmatch(sent):
        return sent
    msg_id = str(request_info.msg_id or "")
    if "|" in msg_id and LOCALE.fullmatch(msg_id.rsplit("|", 1)[1]):
        return msg_id.rsplit("|", 1)[1]
    if actor.user is not None and actor.user.locale:
        return actor.user.locale
    return service.DEFAULT_LOCALE


@router.post("/_create")
async def create_pdf(
    body: JsonBody,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    query: Annotated[RenderQuery, Query()],
    tenant_id: TenantQuery,
) -> CreateResponse:
    """Render the records in the body with the key's template and store the PDF in the filestore."""
    request_info = _request_info(body)
    locale = locale_of(query.locale, request_info, actor)
    job = await _client(platform).create_job(
        session, key=query.key, tenant_id=tenant_id, locale=locale, data=body, actor=actor
    )
    return CreateResponse(
        response_info=response_info(request_info),
        filestore_ids=list(job.filestore_ids),
        jobid=job.id,
        createdtime=job.created_time,
        endtime=job.end_time or job.created_time,
        tenantid=job.tenant_id,
        totalcount=job.total_count,
        key=job.key,
    )


@router.post("/_createnosave", response_class=Response)
async def create_pdf_no_save(
    body: JsonBody,
    actor: CurrentActor,
    platform: PlatformDep,
    query: Annotated[RenderQuery, Query()],
    tenant_id: TenantQuery,
) -> Response:
    """Render the records and answer the PDF itself."""
    locale = locale_of(query.locale, _request_info(body), actor)
    content = await _client(platform).render(key=query.key, tenant_id=tenant_id, locale=locale, data=body)
    return Response(
        content=content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{query.key}.pdf"'},
    )


@router.post("/_search")
async def search_jobs(
    session: SessionDep,
    tenantid: Annotated[str, Query(min_length=1)],
    criteria: Annotated[JobSearch, Query()],
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> SearchResponse:
    """Jobs of a tenant by job id (comma-separated) or by an entity id they printed."""
    rows = await service.search_jobs(session, tenant_id=tenantid, criteria=criteria)
    return SearchResponse(
        response_info=response_info(_request_info(body or {})),
        searchresult=[
            PdfJob(
                filestoreids=list(r.filestore_ids),
                jobid=r.id,
                tenantid=r.tenant_id,
                key=r.key,
                totalcount=r.total_count,
                createdtime=r.created_time,
                endtime=r.end_time,
                entityids=[str(e) for e in r.entity_ids],
            )
            for r in rows
        ],
    )
