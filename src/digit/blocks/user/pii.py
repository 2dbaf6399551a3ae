"""PII at rest and on the wire: encryption, blind indexes, masking.

Encryption and blind indexes go through the encryption block's `EncryptionClient` (the user block
declares it as a dependency): one cipher, one key store, one rotation story.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.encryption.client import EncryptionClient
from digit.kernel.masking import mask_json

PII_FIELDS = (
    "userName",
    "name",
    "mobileNumber",
    "alternatemobilenumber",
    "altContactNumber",
    "emailId",
    "fatherOrHusbandName",
    "pan",
    "aadhaarNumber",
    "dob",
    "permanentAddress",
    "permanentCity",
    "permanentPinCode",
    "correspondenceAddress",
    "correspondenceCity",
    "correspondencePinCode",
    "addresses",
    "guardian",
)
UNMASKED_FIELDS = ("userName", "permanentCity", "correspondenceCity", "addresses", "guardian")
"""Sealed at rest like the rest of `PII_FIELDS`, but shown as they are when a response masks a user."""
MASKED_FIELDS = tuple(field for field in PII_FIELDS if field not in UNMASKED_FIELDS)


class Cipher(Protocol):
    async def encrypt(self, *, tenant_id: str, plaintext: str) -> str: ...

    async def decrypt(self, ciphertext: str) -> str: ...

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str: ...


def normalise(field: str, value: str) -> str:
    value = value.strip()
    return value.lower() if field in ("emailId", "email", "name") else value


class PiiCipher:
    """PII through the encryption block's client, with the user block's normalisation for blind indexes."""

    def __init__(self, encryption: EncryptionClient) -> None:
        self._encryption = encryption

    def _client(self) -> EncryptionClient:
        return self._encryption

    async def encrypt(self, *, tenant_id: str, plaintext: str, session: AsyncSession | None = None) -> str:
        """With the caller's open write `session`, a missing state key is created in that transaction."""
        if session is not None:
            return await self._client().encrypt(tenant_id=tenant_id, plaintext=plaintext, session=session)
        return await self._client().encrypt(tenant_id=tenant_id, plaintext=plaintext)

    async def decrypt(self, ciphertext: str) -> str:
        return await self._client().decrypt(ciphertext)

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str:
        return self._client().blind_index(tenant_id=tenant_id, field=field, value=normalise(field, value))

    async def seal(self, *, tenant_id: str, values: dict[str, Any], session: AsyncSession | None = None) -> str:
        plaintext = json.dumps(values, separators=(",", ":"))
        return await self.encrypt(tenant_id=tenant_id, plaintext=plaintext, session=session)

    async def open(self, ciphertext: str) -> dict[str, Any]:
        opened: dict[str, Any] = json.loads(await self.decrypt(ciphertext))
        return opened


def masked(user: dict[str, Any], fields: Iterable[str] = MASKED_FIELDS) -> dict[str, Any]:
    copy = dict(user)
    for field in fields:
        if copy.get(field) not in (None, ""):
            copy[field] = mask_json(copy[field])
    return copy
