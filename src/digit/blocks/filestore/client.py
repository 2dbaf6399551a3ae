"""What other blocks use to keep files (PDF receipts, complaint photos) and hand out links to them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.filestore import service
from digit.blocks.filestore.files import StoredFile, stored_file
from digit.blocks.filestore.service import Upload, UploadPolicy
from digit.blocks.filestore.storage import Storage
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor

__all__ = ["FILESTORE_CLIENT", "FilestoreClient", "InProcessFilestoreClient", "StoredFile"]


class FilestoreClient(Protocol):
    async def store(
        self,
        *,
        tenant_id: str,
        module: str,
        tag: str | None,
        filename: str,
        content: bytes,
        actor: Actor,
        session: AsyncSession | None = None,
    ) -> StoredFile:
        """Check and keep one file. Raises Invalid like the API."""
        ...

    async def get_metadata(self, *, tenant_id: str, file_store_ids: Sequence[str]) -> dict[str, StoredFile]:
        """id -> file, for the ids kept in the tenant (or its cities, for a state); others are absent."""
        ...

    async def read(self, *, tenant_id: str, file_store_id: str) -> bytes: ...

    async def signed_urls(self, *, tenant_id: str, file_store_ids: Sequence[str]) -> dict[str, str]: ...


class InProcessFilestoreClient:
    """`FilestoreClient` in this process. Its methods restate the Protocol's signatures on purpose: the Protocol is
    the interface other blocks type against, this class one implementation of it."""

    def __init__(self, platform: Platform, storage: Storage) -> None:
        self._platform = platform
        self.storage = storage

    async def policy(self, *, tenant_id: str, module: str) -> UploadPolicy:
        mdms = self._platform.find(MDMS_CLIENT)
        records = (
            await mdms.get_master(tenant_id=tenant_id, module="filestore", master="AllowedFormats") if mdms else []
        )
        return service.policy_from(records, module=module)

    async def store_many(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        module: str,
        tag: str | None,
        uploads: Sequence[Upload],
        actor: Actor,
    ) -> list[StoredFile]:
        policy = await self.policy(tenant_id=tenant_id, module=module)
        rows = await service.store_files(
            session,
            self.storage,
            tenant_id=tenant_id,
            module=module,
            tag=tag,
            uploads=uploads,
            policy=policy,
            actor_uuid=actor.uuid,
            now_ms=self._platform.clock.now_ms(),
        )
        return [stored_file(row) for row in rows]

    async def store(
        self,
        *,
        tenant_id: str,
        module: str,
        tag: str | None,
        filename: str,
        content: bytes,
        actor: Actor,
        session: AsyncSession | None = None,
    ) -> StoredFile:
        uploads = [Upload(filename=filename, content=content)]
        if session is not None:
            [stored] = await self.store_many(
                session, tenant_id=tenant_id, module=module, tag=tag, uploads=uploads, actor=actor
            )
            return stored
        async with self._platform.sessions() as own:
            [stored] = await self.store_many(
                own, tenant_id=tenant_id, module=module, tag=tag, uploads=uploads, actor=actor
            )
            await own.commit()
        return stored

    async def get_metadata(self, *, tenant_id: str, file_store_ids: Sequence[str]) -> dict[str, StoredFile]:
        async with self._platform.read_sessions() as session:
            rows = await service.search_files(session, tenant_id=tenant_id, file_store_ids=file_store_ids)
        return {row.id: stored_file(row) for row in rows}

    async def read(self, *, tenant_id: str, file_store_id: str) -> bytes:
        async with self._platform.read_sessions() as session:
            row = await service.get_file(session, tenant_id=tenant_id, file_store_id=file_store_id)
        return await self.storage.get(row.storage_key)

    async def signed_urls(self, *, tenant_id: str, file_store_ids: Sequence[str]) -> dict[str, str]:
        async with self._platform.read_sessions() as session:
            rows = await service.search_files(session, tenant_id=tenant_id, file_store_ids=file_store_ids)
        now_ms = self._platform.clock.now_ms()
        return {row.id: service.signed_url(self._platform.settings, row, now_ms=now_ms) for row in rows}


FILESTORE_CLIENT = Key[FilestoreClient](FilestoreClient)
"""The platform key of `FilestoreClient`."""
