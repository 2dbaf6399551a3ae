"""egov-document-uploader rules: officials publish documents (a file or a link) that citizens look up.

As DIGIT's DocumentService and DocumentValidator have them:
- only employees create, update and delete (`EG_DOCUMENT_UPLOAD_ERR`); searching is for whoever the access
  gate admits (citizens and officials);
- `_create` with several `tenantIds` publishes one document per tenant, each with its own number;
- name, category and a file (`filestoreId`) or a link (`documentLink`) are required, and the category must be
  listed for the tenant in MDMS `DocumentUploader.UlbLevelCategories`;
- a tenant holds one active document per category and name (`EG_DOCUMENT_DUPLICATE_RECORD_ERR`);
- `_delete` is a soft delete; searches return active documents only, newest first, 10 by default, at most 60.

Tenants: a handler passes the tenants the access gate authorised for the call; a write touches only documents
of tenants the entity names, and a search reads only the tenants the query names (DIGIT: `tenantid IN (...)`).

Deliberately stricter than DIGIT, for safety: a `documentLink` with a scheme must be http(s) (a `javascript:`
link would run in citizens' browsers), and a `filestoreId` must be a file of the document's tenant or its state
(so an official cannot publish another city's file). `postedBy` is the official's name as the user block holds
it (names are PII, kept encrypted there); this block stores the official's uuid.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.documents.deps import DocumentsDeps
from digit.blocks.documents.models import DocumentRow
from digit.blocks.documents.schemas import DEFAULT_LIMIT, AuditDetails, CategoryCount, DocumentEntity
from digit.blocks.filestore.client import StoredFile
from digit.kernel.db import stamp
from digit.kernel.envelope import UserType
from digit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

ID_NAME = "du.documentid"
ID_FORMAT = "DOC-[cy:yyyy-MM-dd]-[SEQ_EG_DOC_ID]"
CATEGORY_MODULE, CATEGORY_MASTER = "DocumentUploader", "UlbLevelCategories"
MAX_LIMIT = 60
TOPIC_CREATE, TOPIC_UPDATE, TOPIC_DELETE = "save-du-document", "update-du-document", "delete-du-document"


@dataclass(frozen=True)
class SearchCriteria:
    tenant_ids: Sequence[str]
    name: str | None = None
    category: str | None = None
    posted_by: str | None = None
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class SearchResult:
    documents: list[DocumentEntity]
    total_count: int
    status_count: list[CategoryCount]


def _require_employee(actor: Actor) -> None:
    if actor.type.upper() != UserType.EMPLOYEE:
        raise Forbidden("EG_DOCUMENT_UPLOAD_ERR", "Documents can only be uploaded by employees.")


def _named_tenants(entity: DocumentEntity) -> list[str]:
    """The tenants an entity names: `tenantIds`, else `tenantId` (DIGIT's update fallback), each once."""
    named = [t for t in (entity.tenant_ids or []) if t]
    if not named and entity.tenant_id:
        named = [entity.tenant_id]
    return list(dict.fromkeys(named))


def _check_authorised(tenants: Iterable[str], authorised: Collection[str]) -> None:
    refused = sorted(t for t in tenants if t not in authorised)
    if refused:
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {refused[0]}", params=refused)


def _check_content(entity: DocumentEntity) -> None:
    if not (entity.category or "").strip():
        raise Invalid("EG_CATEGORY_NOT_SPECIFIED_ERR", "Category is mandatory for document creation")
    if not (entity.name or "").strip():
        raise Invalid("EG_NAME_NOT_SPECIFIED_ERR", "Name is mandatory for document creation")
    if not (entity.filestore_id or "").strip() and not (entity.document_link or "").strip():
        raise Invalid(
            "EG_FILE_NOT_SPECIFIED_ERR", "Either of document link, filestore id is mandatory for document creation"
        )
    link = (entity.document_link or "").strip()
    if link:
        try:
            scheme = urlsplit(link).scheme.lower()
        except ValueError:
            raise Invalid("EG_DOCUMENT_LINK_ERR", "documentLink is not a valid link", params=["documentLink"]) from None
        if scheme not in ("", "http", "https"):
            raise Invalid("EG_DOCUMENT_LINK_ERR", "documentLink must be an http(s) link", params=["documentLink"])


async def _check_category(deps: DocumentsDeps, *, tenant_id: str, category: str) -> None:
    """DIGIT's validateCategoryFromMdms: the tenant's `categoryList` in `UlbLevelCategories` holds the category."""
    records = await deps.mdms.get_master(tenant_id=tenant_id, module=CATEGORY_MODULE, master=CATEGORY_MASTER)
    lists = [r.get("categoryList") for r in records if isinstance(r, dict) and r.get("ulb") == tenant_id]
    if not lists:
        raise Invalid(
            "EG_DOCUMENT_CATEGORY_DOES_NOT_EXIST_ERR", f"No document categories exist in mdms for tenantid: {tenant_id}"
        )
    if not any(isinstance(found, list) and category in found for found in lists):
        raise Invalid(
            "EG_DOCUMENT_CATEGORY_DOES_NOT_EXIST_ERR",
            f"Document category: {category} does not exist for tenantid: {tenant_id}",
        )


async def _file_facts(deps: DocumentsDeps, *, tenant_id: str, filestore_id: str) -> StoredFile:
    """The filestore's record of the file, which must belong to the tenant or its state."""
    found = await deps.files.get_metadata(tenant_id=state_of(tenant_id), file_store_ids=[filestore_id])
    meta = found.get(filestore_id)
    if meta is None or meta.tenant_id not in (tenant_id, state_of(tenant_id)):
        raise Invalid(
            "EG_DOCUMENT_FILESTORE_ID_ERR", "filestoreId is not a file of this tenant", params=["filestoreId"]
        )
    return meta


async def _check_unique(
    session: AsyncSession, *, tenant_id: str, category: str, name: str, except_id: str | None = None
) -> None:
    query = select(DocumentRow.id).where(
        DocumentRow.tenant_id == tenant_id,
        DocumentRow.category == category,
        DocumentRow.name == name,
        DocumentRow.active.is_(True),
    )
    if except_id is not None:
        query = query.where(DocumentRow.id != except_id)
    if (await session.scalars(query.limit(1))).first() is not None:
        raise Conflict("EG_DOCUMENT_DUPLICATE_RECORD_ERR", "The provided document entity already exists")


async def _flush(session: AsyncSession) -> None:
    """A racing twin that got past the check above is stopped by the unique key: same answer."""
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("EG_DOCUMENT_DUPLICATE_RECORD_ERR", "The provided document entity already exists") from None


async def _fill_content(deps: DocumentsDeps, row: DocumentRow, entity: DocumentEntity) -> None:
    row.name = (entity.name or "").strip()
    row.category = (entity.category or "").strip()
    row.description = entity.description
    row.filestore_id = (entity.filestore_id or "").strip() or None
    row.document_link = (entity.document_link or "").strip() or None
    row.file_type, row.file_size = entity.file_type, entity.file_size
    if row.filestore_id:
        meta = await _file_facts(deps, tenant_id=row.tenant_id, filestore_id=row.filestore_id)
        if row.file_type is None:
            row.file_type = meta.content_type[:128]
        if row.file_size is None:
            row.file_size = meta.size


def _event_data(row: DocumentRow, action: str) -> dict[str, object]:
    return {"uuid": row.uuid, "tenantId": row.tenant_id, "category": row.category, "action": action}


async def create_documents(
    session: AsyncSession,
    deps: DocumentsDeps,
    *,
    entity: DocumentEntity,
    authorised: Collection[str],
    actor: Actor,
) -> list[DocumentEntity]:
    """Publish the document in every tenant the entity names; one number per tenant."""
    _require_employee(actor)
    tenants = _named_tenants(entity)
    if not tenants:
        raise Invalid("EG_TENANT_NOT_SPECIFIED_ERR", "Tenant ids are mandatory for document creation")
    _check_authorised(tenants, authorised)
    _check_content(entity)
    name, category = (entity.name or "").strip(), (entity.category or "").strip()
    for tenant_id in tenants:
        await _check_unique(session, tenant_id=tenant_id, category=category, name=name)
        await _check_category(deps, tenant_id=tenant_id, category=category)
    now_ms = deps.clock.now_ms()
    numbers = await deps.idgen.generate(
        session, tenant_id=tenants[0], id_name=ID_NAME, format=ID_FORMAT, count=len(tenants)
    )
    rows = []
    for tenant_id, number in zip(tenants, numbers, strict=True):
        row = DocumentRow(tenant_id=tenant_id, uuid=number, posted_by=actor.uuid, active=True)
        await _fill_content(deps, row, entity)
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
        session.add(row)
        rows.append(row)
    await _flush(session)
    for row in rows:
        await emit(
            session,
            TOPIC_CREATE,
            tenant_id=row.tenant_id,
            aggregate_id=row.uuid,
            data=_event_data(row, "CREATE"),
            actor_uuid=actor.uuid,
            now_ms=now_ms,
        )
    log.info("documents_created", extra={"tenants": tenants, "count": len(rows)})
    return await _entities(deps, rows)


async def _existing(session: AsyncSession, entity: DocumentEntity, authorised: Collection[str]) -> DocumentRow:
    """DIGIT's validateDocumentExistence, within the tenants the entity names."""
    if not (entity.uuid or "").strip():
        raise Invalid(
            "EG_DOCUMENT_UUID_NOT_PROVIDED_ERR",
            "Providing document uuid is mandatory for update and delete operations",
        )
    tenants = _named_tenants(entity)
    if not tenants:
        raise Invalid("EG_TENANT_NOT_SPECIFIED_ERR", "Tenant ids are mandatory for document updates")
    _check_authorised(tenants, authorised)
    row = (
        await session.scalars(
            select(DocumentRow).where(
                DocumentRow.uuid == entity.uuid,
                DocumentRow.tenant_id.in_(tenants),
                DocumentRow.active.is_(True),
            )
        )
    ).first()
    if row is None:
        raise NotFound("EG_DOCUMENT_EXISTENCE_ERR", "The document entity with the provided uuid does not exist")
    return row


async def update_document(
    session: AsyncSession,
    deps: DocumentsDeps,
    *,
    entity: DocumentEntity,
    authorised: Collection[str],
    actor: Actor,
) -> DocumentEntity:
    """Replace a document's name, category, description, file and link (its tenant and number stay)."""
    _require_employee(actor)
    row = await _existing(session, entity, authorised)
    _check_content(entity)
    name, category = (entity.name or "").strip(), (entity.category or "").strip()
    await _check_category(deps, tenant_id=row.tenant_id, category=category)
    await _check_unique(session, tenant_id=row.tenant_id, category=category, name=name, except_id=row.id)
    await _fill_content(deps, row, entity)
    now_ms = deps.clock.now_ms()
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await _flush(session)
    await emit(
        session,
        TOPIC_UPDATE,
        tenant_id=row.tenant_id,
        aggregate_id=row.uuid,
        data=_event_data(row, "UPDATE"),
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    return (await _entities(deps, [row]))[0]


async def delete_document(
    session: AsyncSession,
    deps: DocumentsDeps,
    *,
    entity: DocumentEntity,
    authorised: Collection[str],
    actor: Actor,
) -> None:
    """Soft delete: the document leaves every search; its row stays."""
    _require_employee(actor)
    row = await _existing(session, entity, authorised)
    row.active = None
    now_ms = deps.clock.now_ms()
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    await emit(
        session,
        TOPIC_DELETE,
        tenant_id=row.tenant_id,
        aggregate_id=row.uuid,
        data=_event_data(row, "DELETE"),
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )


async def _poster_filter(
    session: AsyncSession, deps: DocumentsDeps, *, scope: ColumnElement[bool], posted_by: str
) -> ColumnElement[bool]:
    """DIGIT matches `postedBy ILIKE %x%` on the stored name; names live in the user block, so match them there."""
    posters = list(await session.scalars(select(DocumentRow.posted_by).where(scope).distinct()))
    users = await deps.users.get_users(posters) if posters else {}
    needle = posted_by.strip().lower()
    names = {uuid: (user.name or "").lower() for uuid, user in users.items()}
    matching = [uuid for uuid in posters if uuid == posted_by or needle in names.get(uuid, "")]
    return DocumentRow.posted_by.in_(matching)


async def search_documents(session: AsyncSession, deps: DocumentsDeps, *, criteria: SearchCriteria) -> SearchResult:
    """Active documents of the named tenants matching every criterion, newest first, with counts."""
    tenants = list(dict.fromkeys(t for t in criteria.tenant_ids if t))
    if not tenants:
        return SearchResult(documents=[], total_count=0, status_count=[])
    scope = DocumentRow.tenant_id.in_(tenants) & DocumentRow.active.is_(True)
    conditions: list[ColumnElement[bool]] = [scope]
    if criteria.name:
        conditions.append(func.lower(DocumentRow.name).contains(criteria.name.strip().lower(), autoescape=True))
    if criteria.category:
        conditions.append(DocumentRow.category == criteria.category)
    if criteria.posted_by:
        conditions.append(await _poster_filter(session, deps, scope=scope, posted_by=criteria.posted_by))
    limit = DEFAULT_LIMIT if criteria.limit is None else min(criteria.limit, MAX_LIMIT)
    page: Select[DocumentRow] = (
        select(DocumentRow)
        .where(*conditions)
        .order_by(DocumentRow.created_time.desc(), DocumentRow.id)
        .offset(criteria.offset)
        .limit(limit)
    )
    rows = list(await session.scalars(page))
    total = int(await session.scalar(select(func.count()).select_from(DocumentRow).where(*conditions)) or 0)
    per_category = await session.execute(
        select(DocumentRow.category, func.count())
        .where(*conditions)
        .group_by(DocumentRow.category)
        .order_by(DocumentRow.category)
    )
    counts = [CategoryCount(category=category, count=int(n)) for category, n in per_category.all()]
    return SearchResult(documents=await _entities(deps, rows), total_count=total, status_count=counts)


async def _entities(deps: DocumentsDeps, rows: Sequence[DocumentRow]) -> list[DocumentEntity]:
    posters = sorted({row.posted_by for row in rows})
    users = await deps.users.get_users(posters) if posters else {}
    return [
        DocumentEntity(
            uuid=row.uuid,
            tenant_id=row.tenant_id,
            name=row.name,
            category=row.category,
            description=row.description,
            filestore_id=row.filestore_id,
            document_link=row.document_link,
            file_type=row.file_type,
            file_size=row.file_size,
            active=bool(row.active),
            posted_by=users[row.posted_by].name if row.posted_by in users else None,
            audit_details=AuditDetails(
                created_by=row.created_by,
                created_time=row.created_time,
                last_modified_by=row.last_modified_by,
                last_modified_time=row.last_modified_time,
            ),
        )
        for row in rows
    ]
