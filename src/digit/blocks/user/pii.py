"""PII at rest and on the wire: encryption, blind indexes, masking.

Encryption and blind indexes go through the encryption block's `EncryptionClient` when it is on the
platform. Until then (and for a platform built without it) a local fallback does the same job with
keys derived from the master key, so no PII is ever stored in clear. Values written by the fallback
carry the key id `local1` and still decrypt after the switch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import os
from collections.abc import Iterable
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncSession

from digit.kernel.platform import Platform
from digit.kernel.tenancy import state_of

LOCAL_KEY_ID = "local1"
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
MASKED_FIELDS = (
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
    "permanentPinCode",
    "correspondenceAddress",
    "correspondencePinCode",
)


class Cipher(Protocol):
    async def encrypt(self, *, tenant_id: str, plaintext: str) -> str: ...

    async def decrypt(self, ciphertext: str) -> str: ...

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str: ...


def _derive(master: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"digit-user-pii", info=info.encode()).derive(master)


def normalise(field: str, value: str) -> str:
    value = value.strip()
    return value.lower() if field in ("emailId", "email", "name") else value


class LocalCipher:
    """AES-256-GCM per state tenant and HMAC-SHA256 blind indexes, keys derived from the master key."""

    def __init__(self, master_key: str) -> None:
        self._master = master_key.encode()
        self._keys: dict[str, bytes] = {}

    def _key(self, info: str) -> bytes:
        if info not in self._keys:
            self._keys[info] = _derive(self._master, info)
        return self._keys[info]

    async def encrypt(self, *, tenant_id: str, plaintext: str) -> str:
        state = state_of(tenant_id)
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(f"data:{state}")).encrypt(nonce, plaintext.encode(), state.encode())
        return f"{LOCAL_KEY_ID}:{state}|" + base64.b64encode(nonce + sealed).decode()

    async def decrypt(self, ciphertext: str) -> str:
        key_id, _, payload = ciphertext.partition("|")
        state = key_id.split(":", 1)[1]
        raw = base64.b64decode(payload)
        return AESGCM(self._key(f"data:{state}")).decrypt(raw[:12], raw[12:], state.encode()).decode()

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str:
        key = self._key(f"index:{state_of(tenant_id)}:{field}")
        return hmac.new(key, normalise(field, value).encode(), hashlib.sha256).hexdigest()


class PiiCipher:
    """Routes to the encryption block's client when present; the local cipher otherwise."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self._local = LocalCipher(platform.settings.master_key.get_secret_value())

    def _client(self) -> Cipher | None:
        try:
            module = importlib.import_module("digit.blocks.encryption.client")
        except ImportError:
            return None
        interface = getattr(module, "EncryptionClient", None)
        found: Cipher | None = self._platform.find(interface) if interface is not None else None
        return found

    async def encrypt(self, *, tenant_id: str, plaintext: str, session: AsyncSession | None = None) -> str:
        """With the caller's open write `session`, a missing state key is created in that transaction."""
        client: Any = self._client()
        if client is None:
            return await self._local.encrypt(tenant_id=tenant_id, plaintext=plaintext)
        if session is not None:
            return str(await client.encrypt(tenant_id=tenant_id, plaintext=plaintext, session=session))
        return str(await client.encrypt(tenant_id=tenant_id, plaintext=plaintext))

    async def decrypt(self, ciphertext: str) -> str:
        client = self._client()
        if client is None or ciphertext.startswith(LOCAL_KEY_ID + ":"):
            return await self._local.decrypt(ciphertext)
        return await client.decrypt(ciphertext)

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str:
        client = self._client()
        if client is None:
            return self._local.blind_index(tenant_id=tenant_id, field=field, value=value)
        return client.blind_index(tenant_id=tenant_id, field=field, value=normalise(field, value))

    async def seal(self, *, tenant_id: str, values: dict[str, Any], session: AsyncSession | None = None) -> str:
        plaintext = json.dumps(values, separators=(",", ":"))
        return await self.encrypt(tenant_id=tenant_id, plaintext=plaintext, session=session)

    async def open(self, ciphertext: str) -> dict[str, Any]:
        opened: dict[str, Any] = json.loads(await self.decrypt(ciphertext))
        return opened


def mask(value: Any) -> Any:
    """DIGIT's masking pattern `.(?=.{4})`: every character but the last four becomes `*`."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return "****"
    return "*" * max(len(value) - 4, 0) + value[-4:]


def masked(user: dict[str, Any], fields: Iterable[str] = MASKED_FIELDS) -> dict[str, Any]:
    copy = dict(user)
    for field in fields:
        if copy.get(field) not in (None, ""):
            copy[field] = mask(copy[field])
    return copy
