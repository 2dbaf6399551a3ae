"""egov-document-uploader on DIGIT's paths (`/egov-document-uploader/egov-du/document/...`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.documents import service
from digit.blocks.documents.deps import DocumentsDeps
from digit.blocks.documents.schemas import (
    DeleteResponse,
    DocumentEntity,
    DocumentRequest,
    DocumentResponse,
    DocumentSearch,
)
from digit.kernel import idempotency
from digit.kernel.deps import CurrentActor, PlatformDep, ReadSessionDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import AuthorisedTenants, QueryTenantIds

PREFIX = "/egov-document-uploader/egov-du/document"
router = APIRouter(prefix=PREFIX, tags=["documents"])


@router.post("/_create")
async def create(
    body: DocumentRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    authorised: AuthorisedTenants,
    idempotency_key: IdempotencyKey = None,
) -> DocumentResponse:
    """An official publishes a document (a file or a link) in each tenant of `tenantIds`; with an
    `Idempotency-Key` a retry answers the documents the first call made, as they are now."""
    deps, entity = DocumentsDeps.of(platform), body.document_entity
    created = await idempotency.once(
        session,
        key=idempotency_key,
        operation="documents.document.create",
        tenant_id=next(iter(entity.tenant_ids or []), None) or entity.tenant_id or actor.tenant_id,
        caller=actor.uuid,
        request=body.model_dump(mode="json", exclude={"request_info"}),
        now_ms=platform.clock.now_ms(),
        create=lambda: service.create_documents(session, deps, entity=entity, authorised=authorised, actor=actor),
        reference=lambda made: {"documents": [[d.tenant_id, d.uuid] for d in made]},
        replay=lambda first: _documents_made(session, deps, entity, made=first["documents"]),
    )
    return DocumentResponse(response_info=response_info(body.request_info), documents=created)


async def _documents_made(
    session: AsyncSession, deps: DocumentsDeps, entity: DocumentEntity, *, made: list[list[str]]
) -> list[DocumentEntity]:
    """The documents a first create made, as the block's search answers them now (the search has no id criterion:
    page through the entity's name and category in each tenant until every number is found)."""
    wanted = {(tenant_id, number) for tenant_id, number in made}
    found: dict[tuple[str | None, str | None], DocumentEntity] = {}
    for tenant_id in dict.fromkeys(tenant_id for tenant_id, _ in made):
        offset = 0
        while not all((t, n) in found for t, n in wanted if t == tenant_id):
            criteria = service.SearchCriteria(
                tenant_ids=[tenant_id],
                name=(entity.name or "").strip() or None,
                category=(entity.category or "").strip() or None,
                offset=offset,
                limit=service.MAX_LIMIT,
            )
            page = (await service.search_documents(session, deps, criteria=criteria)).documents
            found.update(((d.tenant_id, d.uuid), d) for d in page if (d.tenant_id, d.uuid) in wanted)
            if len(page) < service.MAX_LIMIT:
                break
            offset += len(page)
    return [found[(t, n)] for t, n in made if (t, n) in found]


@router.post("/_update")
async def update(
    body: DocumentRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    authorised: AuthorisedTenants,
) -> DocumentResponse:
    """An official changes a document's name, category, description, file or link."""
    updated = await service.update_document(
        session, DocumentsDeps.of(platform), entity=body.document_entity, authorised=authorised, actor=actor
    )
    return DocumentResponse(response_info=response_info(body.request_info), documents=[updated])


@router.post("/_delete")
async def delete(
    body: DocumentRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    authorised: AuthorisedTenants,
) -> DeleteResponse:
    """An official withdraws a document (soft delete). DIGIT answers with a bare ResponseInfo."""
    await service.delete_document(
        session, DocumentsDeps.of(platform), entity=body.document_entity, authorised=authorised, actor=actor
    )
    info = response_info(body.request_info)
    return DeleteResponse(**info.model_dump(), response_info=info)


@router.post("/_search")
async def search(
    session: ReadSessionDep,
    platform: PlatformDep,
    tenant_ids: QueryTenantIds,
    query: Annotated[DocumentSearch, Query()],
    body: RequestInfoBody | None = None,
) -> DocumentResponse:
    """Active documents of the `tenantIds` (name contains, category, posted by), newest first, with counts."""
    criteria = service.SearchCriteria(tenant_ids=tenant_ids, **query.model_dump())
    found = await service.search_documents(session, DocumentsDeps.of(platform), criteria=criteria)
    return DocumentResponse(
        response_info=response_info(body),
        total_count=found.total_count,
        status_count=found.status_count,
        documents=found.documents,
    )
