"""PII at rest for this block (recipients, message texts): sealed through the encryption block's client."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.encryption.client import ENCRYPTION_CLIENT, EncryptionClient
from digit.kernel.platform import Platform
from digit.kernel.tenancy import state_of


@dataclass
class Vault:
    platform: Platform

    @property
    def _client(self) -> EncryptionClient:
        return self.platform.get(ENCRYPTION_CLIENT)

    async def seal(self, *, tenant_id: str, plaintext: str, session: AsyncSession | None = None) -> str:
        """Encrypted; pass your open write `session` (a state's first key is then made in it, not beside it)."""
        return await self._client.encrypt(tenant_id=state_of(tenant_id), plaintext=plaintext, session=session)

    async def open(self, sealed: str) -> str:
        return await self._client.decrypt(sealed)

    def index(self, *, tenant_id: str, field: str, value: str) -> str:
        return self._client.blind_index(tenant_id=state_of(tenant_id), field=field, value=value)
