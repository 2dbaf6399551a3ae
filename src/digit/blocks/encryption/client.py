"""What other blocks use to protect PII: encrypt/decrypt values, blind indexes, signatures."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.encryption.service import KeyStore
from digit.kernel.platform import Key


class EncryptionClient(Protocol):
    async def encrypt(self, *, tenant_id: str, plaintext: str, session: AsyncSession | None = None) -> str:
        """AES-256-GCM under the data key of the tenant's state: `"<keyId>|<base64>"`.

        Pass your open `session` if you hold a write transaction: should the state have no key yet, it is
        created in your transaction instead of a second one (which, on SQLite, would wait for yours)."""
        ...

    async def decrypt(self, ciphertext: str) -> str:
        """The plaintext; the key id in the value picks the key. Altered or foreign values: `Invalid` (400)."""
        ...

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str:
        """Keyed HMAC-SHA256 hex for exact-match search (value stripped; e-mail addresses lower-cased)."""
        ...

    async def sign(self, *, tenant_id: str, value: str, session: AsyncSession | None = None) -> str:
        """Ed25519 signature with the state's signing key: `"<keyId>|<base64>"` (deterministic)."""
        ...

    async def verify(self, *, tenant_id: str, value: str, signature: str) -> bool: ...


class InProcessEncryptionClient:
    """Keys cached in this process; see `service.KeyStore` for when a rotation elsewhere is noticed."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    async def encrypt(self, *, tenant_id: str, plaintext: str, session: AsyncSession | None = None) -> str:
        return await self.store.encrypt(tenant_id=tenant_id, plaintext=plaintext, session=session)

    async def decrypt(self, ciphertext: str) -> str:
        return await self.store.decrypt(ciphertext)

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str:
        return self.store.blind_index(tenant_id=tenant_id, field=field, value=value)

    async def sign(self, *, tenant_id: str, value: str, session: AsyncSession | None = None) -> str:
        return await self.store.sign(tenant_id=tenant_id, value=value, session=session)

    async def verify(self, *, tenant_id: str, value: str, signature: str) -> bool:
        return await self.store.verify(tenant_id=tenant_id, value=value, signature=signature)


ENCRYPTION_CLIENT = Key[EncryptionClient](EncryptionClient)
"""The platform key of `EncryptionClient`."""
