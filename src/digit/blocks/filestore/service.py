"""Filestore rules: type from the bytes, allowed types and sizes per tenant/module (MDMS), signed links.

Allowed formats and sizes come from MDMS `filestore.AllowedFormats` (the record of the upload's module,
else the `"*"` record, else DIGIT's defaults); a city without the master falls back to its state.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import filetype
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.filestore.models import FileRow
from digit.blocks.filestore.storage import Storage
from digit.kernel.db import new_id, stamp
from digit.kernel.errors import Forbidden, Invalid, NotFound
from digit.kernel.security import Actor
from digit.kernel.settings import Settings
from digit.kernel.tenancy import in_tenant

DEFAULT_FORMATS = frozenset({"jpg", "jpeg", "png", "pdf", "odt", "ods", "doc", "docx", "csv", "txt", "xls", "xlsx"})
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = 30 * 1024 * 1024
SIGNED_URL_TTL_MS = 60 * 60 * 1000
DOWNLOAD_PATH = "/filestore/v1/files/download"
MODULE_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ALIASES = {"jpeg": "jpg"}


@dataclass(frozen=True)
class UploadPolicy:
    formats: frozenset[str]
    max_file_bytes: int
    max_request_bytes: int

    def allows(self, extension: str) -> bool:
        return _ALIASES.get(extension, extension) in {_ALIASES.get(f, f) for f in self.formats}


def policy_from(records: Sequence[Any], *, module: str) -> UploadPolicy:
    """The upload rules of a module from the `filestore.AllowedFormats` records of the tenant."""
    dicts = [r for r in records if isinstance(r, dict)]
    chosen = next((r for r in dicts if r.get("module") == module), None) or next(
        (r for r in dicts if r.get("module") == "*"), {}
    )
    formats = chosen.get("formats")
    return UploadPolicy(
        formats=frozenset(str(f).lower() for f in formats) if isinstance(formats, list) else DEFAULT_FORMATS,
        max_file_bytes=int(chosen.get("maxFileSizeBytes") or DEFAULT_MAX_FILE_BYTES),
        max_request_bytes=int(chosen.get("maxRequestSizeBytes") or DEFAULT_MAX_REQUEST_BYTES),
    )


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Sniffed:
    extension: str
    content_type: str


def sniff(content: bytes, *, filename: str) -> Sniffed | None:
    """The file's type from its bytes. Only plain text, which has no signature, uses the name (csv or txt)."""
    kind = filetype.guess(content)
    if kind is not None:
        return Sniffed(extension=_ALIASES.get(kind.extension, kind.extension), content_type=kind.mime)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL_CHARACTERS.search(text):
        return None
    if filename.lower().endswith(".csv"):
        return Sniffed(extension="csv", content_type="text/csv")
    return Sniffed(extension="txt", content_type="text/plain")


def check_uploads(uploads: Sequence[Upload], *, module: str, policy: UploadPolicy) -> list[Sniffed]:
    """Every file must pass before any is stored."""
    if not uploads:
        raise Invalid("EG_FILESTORE_INVALID_INPUT", "no file in the request: send one or more `file` parts")
    if not MODULE_PATTERN.match(module):
        raise Invalid("EG_FILESTORE_INVALID_INPUT", "module is required (letters, digits, . _ -; up to 64)")
    if sum(len(u.content) for u in uploads) > policy.max_request_bytes:
        raise Invalid("EG_FILESTORE_MEDIA_TOO_LARGE", f"the files exceed {policy.max_request_bytes} bytes together")
    found = []
    for number, upload in enumerate(uploads, start=1):
        if not upload.content:
            raise Invalid("EG_FILESTORE_INVALID_INPUT", f"file {number} is empty")
        if len(upload.content) > policy.max_file_bytes:
            raise Invalid("EG_FILESTORE_MEDIA_TOO_LARGE", f"file {number} exceeds {policy.max_file_bytes} bytes")
        sniffed = sniff(upload.content, filename=upload.filename)
        if sniffed is None or not policy.allows(sniffed.extension):
            allowed = ", ".join(sorted(policy.formats))
            raise Invalid(
                "EG_FILESTORE_INVALID_MEDIA_TYPE",
                f"file {number} is not of an allowed type ({allowed}); the type is read from the content",
            )
        found.append(sniffed)
    return found


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return _CONTROL_CHARACTERS.sub("", name)[:255] or "file"


async def store_files(
    session: AsyncSession,
    storage: Storage,
    *,
    tenant_id: str,
    module: str,
    tag: str | None,
    uploads: Sequence[Upload],
    policy: UploadPolicy,
    actor_uuid: str,
    now_ms: int,
) -> list[FileRow]:
    """Check every file, then write the bytes and the rows; if anything fails, the bytes written are removed."""
    if tag is not None and len(tag) > 128:
        raise Invalid("EG_FILESTORE_INVALID_INPUT", "tag is longer than 128 characters")
    kinds = check_uploads(uploads, module=module, policy=policy)
    rows: list[FileRow] = []
    written: list[str] = []
    try:
        for upload, kind in zip(uploads, kinds, strict=True):
            file_id = new_id()
            key = f"{tenant_id}/{module}/{file_id}"
            await storage.put(key, upload.content, content_type=kind.content_type)
            written.append(key)
            row = FileRow(
                id=file_id,
                tenant_id=tenant_id,
                module=module,
                tag=tag or None,
                file_name=_safe_name(upload.filename),
                content_type=kind.content_type,
                size_bytes=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                storage_key=key,
            )
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            session.add(row)
            rows.append(row)
        await session.flush()
    except BaseException:
        for key in written:
            with contextlib.suppress(Exception):  # best effort: the error that matters is re-raised below
                await storage.delete(key)
        raise
    return rows


async def search_files(session: AsyncSession, *, tenant_id: str, file_store_ids: Sequence[str]) -> list[FileRow]:
    """Files of the tenant (or of its cities, for a state tenant); other tenants' ids are simply not found."""
    ids = [i for i in dict.fromkeys(file_store_ids) if i]
    if not ids:
        return []
    query = select(FileRow).where(FileRow.id.in_(ids), in_tenant(FileRow.tenant_id, tenant_id))
    found = {row.id: row for row in await session.scalars(query)}
    return [found[i] for i in ids if i in found]


async def search_by_tag(session: AsyncSession, *, tenant_id: str, tag: str, actor: Actor) -> list[FileRow]:
    """Files of a tag; a citizen lists only the files they uploaded.

    A fileStoreId stays a capability (DIGIT's UI fetches links by id): ids are random uuids and links are signed
    and short-lived. A listing hands out ids, so it shows a citizen nobody else's.
    """
    query = select(FileRow).where(FileRow.tag == tag, in_tenant(FileRow.tenant_id, tenant_id))
    if actor.is_citizen:
        query = query.where(FileRow.created_by == actor.uuid)
    return list(await session.scalars(query.order_by(FileRow.created_time)))


async def get_file(session: AsyncSession, *, tenant_id: str, file_store_id: str) -> FileRow:
    rows = await search_files(session, tenant_id=tenant_id, file_store_ids=[file_store_id])
    if not rows:
        raise NotFound("EG_FILESTORE_NOT_FOUND", "no file with this fileStoreId in this tenant")
    return rows[0]


def _url_key(settings: Settings) -> bytes:
    master = settings.master_key.get_secret_value().encode()
    return hmac.new(master, b"digit-filestore-signed-url-v1", hashlib.sha256).digest()


def _signature(settings: Settings, *, file_store_id: str, tenant_id: str, expires_ms: int) -> str:
    message = f"{file_store_id}|{tenant_id}|{expires_ms}".encode()
    digest = hmac.new(_url_key(settings), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_url(settings: Settings, row: FileRow, *, now_ms: int) -> str:
    """A link anyone holding it may use until it expires (SIGNED_URL_TTL_MS)."""
    expires_ms = now_ms + SIGNED_URL_TTL_MS
    query = {
        "tenantId": row.tenant_id,
        "fileStoreId": row.id,
        "expires": str(expires_ms),
        "signature": _signature(settings, file_store_id=row.id, tenant_id=row.tenant_id, expires_ms=expires_ms),
    }
    return f"{settings.public_url.rstrip('/')}{DOWNLOAD_PATH}?{urlencode(query)}"


def check_signed(
    settings: Settings, *, file_store_id: str, tenant_id: str, expires_ms: int, signature: str, now_ms: int
) -> None:
    expected = _signature(settings, file_store_id=file_store_id, tenant_id=tenant_id, expires_ms=expires_ms)
    # bytes, not str: compare_digest refuses non-ASCII text, and a link is anyone's to tamper with
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Forbidden("EG_FILESTORE_INVALID_SIGNATURE", "the link is not valid")
    if now_ms > expires_ms:
        raise Forbidden("EG_FILESTORE_LINK_EXPIRED", "the link has expired: ask for a new one")
