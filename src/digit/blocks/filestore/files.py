"""What the filestore client hands other blocks: a typed record of a kept file, built from its row, able to give
DIGIT's metadata shape for API answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from digit.blocks.filestore.models import FileRow


@dataclass(frozen=True)
class StoredFile:
    """A file the filestore keeps: its id, owner tenant, and the type read from its bytes (never its name)."""

    file_store_id: str
    tenant_id: str
    module: str
    tag: str | None
    file_name: str
    content_type: str
    size: int
    """Bytes."""
    sha256: str
    created_by: str
    created_time: int
    wire: Callable[[], dict[str, Any]] = field(repr=False, compare=False)
    """DIGIT's file metadata object (`fileStoreId`, `fileName`, `contentType`, `fileSize`, `auditDetails` ...)."""


def metadata(row: FileRow) -> dict[str, Any]:
    return {
        "fileStoreId": row.id,
        "tenantId": row.tenant_id,
        "module": row.module,
        "tag": row.tag,
        "fileName": row.file_name,
        "contentType": row.content_type,
        "fileSize": row.size_bytes,
        "sha256": row.sha256,
        "auditDetails": row.audit_details(),
    }


def stored_file(row: FileRow) -> StoredFile:
    """The row's facts, read now; the wire shape is built only when an API answers it."""
    return StoredFile(
        file_store_id=row.id,
        tenant_id=row.tenant_id,
        module=row.module,
        tag=row.tag,
        file_name=row.file_name,
        content_type=row.content_type,
        size=row.size_bytes,
        sha256=row.sha256,
        created_by=row.created_by,
        created_time=row.created_time,
        wire=lambda: metadata(row),
    )
