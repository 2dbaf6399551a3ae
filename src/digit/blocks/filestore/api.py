"""egov-filestore on DIGIT's paths: multipart upload, signed links, download, metadata, search by tag."""

from __future__ import annotations

from hashlib import sha256
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from pydantic import AfterValidator, Field
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from digit.blocks.filestore import service
from digit.blocks.filestore.client import FILESTORE_CLIENT, InProcessFilestoreClient
from digit.blocks.filestore.service import Upload
from digit.kernel import idempotency
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import split_values
from digit.kernel.errors import Invalid, NotFound
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.paging import SearchQuery
from digit.kernel.platform import Platform
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/filestore/v1/files", tags=["filestore"])

TenantId = TenantQuery


def _filestore(platform: Platform) -> InProcessFilestoreClient:
    client = platform.get(FILESTORE_CLIENT)
    assert isinstance(client, InProcessFilestoreClient)
    return client


async def _form(request: Request) -> FormData:
    try:
        return await request.form()
    except (MultiPartException, StarletteHTTPException):
        raise Invalid("EG_FILESTORE_INVALID_INPUT", "the multipart body could not be read") from None


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("EG_FILESTORE_INVALID_INPUT", f"{name} must be a text field")
    return value.strip() or None


@router.post("", status_code=201)
async def upload_files(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """DIGIT upload: multipart `file` (1..n), `tenantId`, `module`, `tag` -> `{files:[{fileStoreId, tenantId}]}`.

    With an `Idempotency-Key` a retry of the same upload stores nothing and answers the first call's ids."""
    form = await _form(request)
    tenant_id = _field(form, "tenantId")
    module = _field(form, "module")
    if tenant_id is None or module is None:
        raise Invalid("EG_FILESTORE_INVALID_INPUT", "tenantId and module are required")
    uploads = []
    for item in form.getlist("file"):
        if not isinstance(item, UploadFile):
            raise Invalid("EG_FILESTORE_INVALID_INPUT", "every `file` part must be a file")
        uploads.append(Upload(filename=item.filename or "file", content=await item.read()))
    tag = _field(form, "tag")

    async def store() -> list[dict[str, Any]]:
        made = await _filestore(platform).store_many(
            session, tenant_id=tenant_id, module=module, tag=tag, uploads=uploads, actor=actor
        )
        return [{"fileStoreId": f.file_store_id, "tenantId": f.tenant_id} for f in made]

    async def stored_before(first: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"fileStoreId": file_id, "tenantId": tenant_id} for file_id in first["fileStoreIds"]]

    stored = await idempotency.once(
        session,
        key=idempotency_key,
        operation="filestore.upload",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request={"module": module, "tag": tag, "files": [[u.filename, sha256(u.content).hexdigest()] for u in uploads]},
        now_ms=platform.clock.now_ms(),
        create=store,
        reference=lambda made: {"fileStoreIds": [f["fileStoreId"] for f in made]},
        replay=stored_before,
    )
    return {"files": [{"fileStoreId": f["fileStoreId"], "tenantId": f["tenantId"]} for f in stored]}


class UrlQuery(SearchQuery):
    """`/url`: the files to link, comma-separated and/or repeated (the parameter is required, as in DIGIT)."""

    file_store_ids: Annotated[list[str], AfterValidator(split_values)]


class SignedLink(SearchQuery):
    """`/download`: what a signed link carries besides its tenant."""

    file_store_id: str
    expires: int
    signature: str = Field(max_length=128)


@router.get("/url")
async def file_urls(platform: PlatformDep, tenant_id: TenantId, query: Annotated[UrlQuery, Query()]) -> Any:
    """Short-lived signed links: `{"<id>": url, ..., fileStoreIds: [{id, url}]}`; unknown ids are left out."""
    urls = await _filestore(platform).signed_urls(tenant_id=tenant_id, file_store_ids=query.file_store_ids)
    return {**urls, "fileStoreIds": [{"id": i, "url": u} for i, u in urls.items()]}


def _file_response(content: bytes, *, content_type: str, file_name: str) -> Response:
    return Response(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/id")
async def download(
    platform: PlatformDep, tenant_id: TenantId, file_store_id: Annotated[str, Query(alias="fileStoreId")]
) -> Response:
    """The file's bytes, for a caller allowed in the tenant."""
    return await _download(platform, tenant_id=tenant_id, file_store_id=file_store_id)


async def _download(platform: Platform, *, tenant_id: str, file_store_id: str) -> Response:
    """The stored file with its type and name (`/id` and a signed `/download` answer the same)."""
    filestore = _filestore(platform)
    metadata = (await filestore.get_metadata(tenant_id=tenant_id, file_store_ids=[file_store_id])).get(file_store_id)
    content = await filestore.read(tenant_id=tenant_id, file_store_id=file_store_id)
    assert metadata is not None  # read() raised NotFound otherwise
    return _file_response(content, content_type=metadata.content_type, file_name=metadata.file_name)


@router.get("/download")
async def download_signed(platform: PlatformDep, tenant_id: TenantId, link: Annotated[SignedLink, Query()]) -> Response:
    """Open route: the link's signature (HMAC over id, tenant and expiry) is the permission."""
    service.check_signed(
        platform.settings,
        file_store_id=link.file_store_id,
        tenant_id=tenant_id,
        expires_ms=link.expires,
        signature=link.signature,
        now_ms=platform.clock.now_ms(),
    )
    return await _download(platform, tenant_id=tenant_id, file_store_id=link.file_store_id)


@router.get("/metadata")
async def file_metadata(
    platform: PlatformDep, tenant_id: TenantId, file_store_id: Annotated[str, Query(alias="fileStoreId")]
) -> Any:
    found = await _filestore(platform).get_metadata(tenant_id=tenant_id, file_store_ids=[file_store_id])
    if file_store_id not in found:
        raise NotFound("EG_FILESTORE_NOT_FOUND", "no file with this fileStoreId in this tenant")
    return found[file_store_id].wire()


@router.get("/tag")
async def files_by_tag(
    platform: PlatformDep, actor: CurrentActor, tenant_id: TenantId, tag: Annotated[str, Query(max_length=128)]
) -> Any:
    async with platform.read_sessions() as session:
        rows = await service.search_by_tag(session, tenant_id=tenant_id, tag=tag, actor=actor)
    return {"files": [{"fileStoreId": r.id, "tenantId": r.tenant_id} for r in rows]}
