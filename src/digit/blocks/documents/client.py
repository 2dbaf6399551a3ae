"""What other blocks (the web UI, a citizen home page) use to list published documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from digit.blocks.documents import service
from digit.blocks.documents.deps import DocumentsDeps
from digit.blocks.documents.schemas import DocumentEntity
from digit.kernel.platform import Key, Platform


class DocumentsClient(Protocol):
    async def search(
        self,
        *,
        tenant_ids: Sequence[str],
        category: str | None = None,
        name: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[DocumentEntity]:
        """Active documents of the tenants, newest first (at most 60); the caller decides who may see them."""
        ...


class InProcessDocumentsClient:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def search(
        self,
        *,
        tenant_ids: Sequence[str],
        category: str | None = None,
        name: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[DocumentEntity]:
        criteria = service.SearchCriteria(
            tenant_ids=tenant_ids, category=category, name=name, offset=offset, limit=limit
        )
        async with self._platform.read_sessions() as session:
            found = await service.search_documents(session, DocumentsDeps.of(self._platform), criteria=criteria)
        return found.documents


DOCUMENTS_CLIENT = Key[DocumentsClient](DocumentsClient)
"""The platform key of `DocumentsClient`."""
