"""egov-enc-service rules: per-state keys under the master key, AES-256-GCM values, Ed25519 signatures.

Keys
- Every state tenant (`pb`) has one active data key (kind SYM, AES-256) and one active signing key
  (kind SIGN, Ed25519), created on first use (or by the block's seed) and stored wrapped: AES-256-GCM
  under a key-encryption key derived with HKDF-SHA256 from `settings.master_key`, the tenant, key id
  and kind bound in as associated data.
- A key id is 6 digits and travels in every ciphertext and signature (`<keyId>|<base64>`), so after
  `_rotatekey` old values still decrypt / verify and new ones use the new key.
- Unwrapped keys are cached per process for good (key material never changes); which key is *active*
  is re-read from the database when the cached answer is older than `settings.enc_key_check_ms`, so
  another process picks up a rotation within that bound.

Blind index: HMAC-SHA256 under a key derived (HKDF) from the master key per state tenant and field.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import JsonValue
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.encryption.models import EncKeyRow
from digit.blocks.encryption.schemas import EncReqObject
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.clock import Clock
from digit.kernel.db import stamp
from digit.kernel.errors import Forbidden, Invalid
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.settings import Settings
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_DIGITS = 6
TYPES = {"Normal", "Imp", "Important"}  # DIGIT's request types; all use AES-256-GCM here
EMAIL_FIELDS = ("email",)
PENDING_KEYS = "digit.encryption.pending_keys"  # session.info: keys created in an open transaction


class KeyKind(StrEnum):
    SYM = "SYM"
    SIGN = "SIGN"


class CiphertextError(Invalid):
    def __init__(self, message: str = "the value is not a ciphertext of this platform or was altered") -> None:
        super().__init__("INVALID_CIPHERTEXT", message)


class Key:
    """An unwrapped key with its ready-to-use cipher or signer (built once, kept for the process)."""

    def __init__(self, *, key_id: str, tenant_id: str, kind: KeyKind, secret: bytes, public: bytes | None) -> None:
        self.key_id = key_id
        self.tenant_id = tenant_id  # the state
        self.kind = kind
        self.aead = AESGCM(secret) if kind is KeyKind.SYM else None
        self.signer = Ed25519PrivateKey.from_private_bytes(secret) if kind is KeyKind.SIGN else None
        self.verifier = Ed25519PublicKey.from_public_bytes(public) if kind is KeyKind.SIGN and public else None

    def cipher(self) -> AESGCM:
        if self.aead is None:
            raise CiphertextError()
        return self.aead


def _hkdf(master: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"digit-py/egov-enc-service", info=info.encode()).derive(
        master
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise CiphertextError() from None


def split_tagged(value: str) -> tuple[str, bytes]:
    """`<keyId>|<base64>` -> (keyId, bytes); anything else is not ours."""
    key_id, sep, body = value.partition("|")
    if not sep or len(key_id) != KEY_ID_DIGITS or not key_id.isdigit():
        raise CiphertextError()
    return key_id, _unb64(body)


def _aad(tenant_id: str, key_id: str, kind: str) -> bytes:
    return f"{tenant_id}|{key_id}|{kind}".encode()


def normalise(field: str, value: str) -> str:
    """What the blind index hashes: the value stripped; e-mail addresses lower-cased."""
    cleaned = value.strip()
    return cleaned.lower() if any(word in field.lower() for word in EMAIL_FIELDS) else cleaned


class KeyStore:
    """Reads, creates, rotates and caches a platform's keys. One per platform (lives on its client)."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        check_ms: int,
    ) -> None:
        self._master = settings.master_key.get_secret_value().encode()
        self._kek = AESGCM(_hkdf(self._master, "key-wrapping"))
        self._sessions = sessions
        self._reads = read_sessions  # never wait for (or block) a caller's open write transaction
        self._clock = clock
        self._check_ms = check_ms
        self._keys: dict[str, Key] = {}
        self._active: dict[tuple[str, KeyKind], tuple[str, int]] = {}
        self._index_keys: dict[tuple[str, str], bytes] = {}
        self._lock = asyncio.Lock()

    # ---- keys -------------------------------------------------------------------------------------

    def _wrap(self, *, tenant_id: str, key_id: str, kind: KeyKind, secret: bytes) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return _b64(nonce + self._kek.encrypt(nonce, secret, _aad(tenant_id, key_id, kind)))

    def _unwrap(self, row: EncKeyRow) -> Key:
        blob = base64.b64decode(row.wrapped_key)
        kind = KeyKind(row.kind)
        try:
            secret = self._kek.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(row.tenant_id, row.key_id, kind))
        except InvalidTag:
            log.error("enc_key_unwrap_failed", extra={"key_id": row.key_id, "tenant_id": row.tenant_id})
            raise Invalid("ENC_KEY_UNAVAILABLE", "a key could not be unwrapped with this master key") from None
        public = base64.b64decode(row.public_key) if row.public_key else None
        return Key(key_id=row.key_id, tenant_id=row.tenant_id, kind=kind, secret=secret, public=public)

    def _remember(self, row: EncKeyRow) -> Key:
        key = self._keys.get(row.key_id)
        if key is None:
            key = self._unwrap(row)
            self._keys[row.key_id] = key
        return key

    async def key(self, key_id: str, kind: KeyKind) -> Key:
        """A key by id, active or not (cached for good once read)."""
        key = self._keys.get(key_id)
        if key is None:
            async with self._reads() as session:
                row = await session.scalar(select(EncKeyRow).where(EncKeyRow.key_id == key_id))
            if row is None:
                raise CiphertextError()
            key = self._remember(row)
        if key.kind is not kind:
            raise CiphertextError()
        return key

    async def active(self, tenant_id: str, kind: KeyKind, session: AsyncSession | None = None) -> Key:
        """The state's active key of this kind; created when the state has none yet.

        With the caller's `session`, a key that must be created is written in the caller's transaction
        (under a savepoint) and only becomes this process's cached active key once it is read back
        committed, so a rolled-back transaction never leaves a phantom key in use.
        """
        state = state_of(tenant_id)
        if not state:
            raise Invalid("INVALID_TENANT_ID", "tenantId is required")
        now = self._clock.now_ms()
        cached = self._active.get((state, kind))
        if cached is not None and now - cached[1] < self._check_ms:
            return self._keys[cached[0]]
        if session is not None:
            pending = session.info.get(PENDING_KEYS, {}).get((state, kind))
            if pending is not None:
                return self._keys[pending]
        async with self._reads() as reader:
            row = await reader.scalar(
                select(EncKeyRow).where(EncKeyRow.tenant_id == state, EncKeyRow.kind == kind, EncKeyRow.active)
            )
        if row is None and session is not None:
            return await self._create_in(session, state, kind)
        if row is None:
            async with self._lock:
                row = await self._create_first(state, kind)
        key = self._remember(row)
        self._active[(state, kind)] = (key.key_id, now)
        return key

    async def _create_in(self, session: AsyncSession, state: str, kind: KeyKind) -> Key:
        row = self._new_row(state, kind, SYSTEM_UUID)
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return await self.active(state, kind)  # another process created it first: read theirs
        key = self._remember(row)
        session.info.setdefault(PENDING_KEYS, {})[(state, kind)] = key.key_id
        log.info("enc_key_created", extra={"tenant_id": state, "kind": kind.value, "key_id": key.key_id})
        return key

    def _new_row(self, state: str, kind: KeyKind, actor_uuid: str) -> EncKeyRow:
        key_id = str(100_000 + secrets.randbelow(900_000))
        public: str | None = None
        if kind is KeyKind.SYM:
            secret = AESGCM.generate_key(bit_length=256)
        else:
            private = Ed25519PrivateKey.generate()
            secret = private.private_bytes_raw()
            public = _b64(private.public_key().public_bytes_raw())
        row = EncKeyRow(
            tenant_id=state,
            key_id=key_id,
            kind=kind.value,
            wrapped_key=self._wrap(tenant_id=state, key_id=key_id, kind=kind, secret=secret),
            public_key=public,
            active=True,
        )
        stamp(row, actor_uuid=actor_uuid, now_ms=self._clock.now_ms())
        return row

    async def _create_first(self, state: str, kind: KeyKind) -> EncKeyRow:
        """Create the state's first key of a kind, or read the one another process just created."""
        for _attempt in range(5):
            async with self._sessions() as session:
                row = await session.scalar(
                    select(EncKeyRow).where(EncKeyRow.tenant_id == state, EncKeyRow.kind == kind, EncKeyRow.active)
                )
                if row is not None:
                    return row
                row = self._new_row(state, kind, SYSTEM_UUID)
                session.add(row)
                try:
                    await session.commit()
                except IntegrityError:
                    await session.rollback()
                    continue  # another process won the race, or the random key id was taken
                log.info("enc_key_created", extra={"tenant_id": state, "kind": kind.value, "key_id": row.key_id})
                return row
        raise Invalid("ENC_KEY_UNAVAILABLE", "no key could be created for this tenant")

    async def ensure(self, tenant_id: str) -> None:
        """Make sure the state has both keys (the seed calls this so first requests need no write)."""
        for kind in KeyKind:
            await self.active(tenant_id, kind)

    async def rotate(self, tenant_id: str, *, actor_uuid: str) -> dict[KeyKind, str]:
        """Deactivate the state's keys and make new ones; old ones stay for decryption and verification."""
        state = state_of(tenant_id)
        for _attempt in range(5):
            async with self._sessions() as session:
                await session.execute(
                    update(EncKeyRow)
                    .where(EncKeyRow.tenant_id == state, EncKeyRow.active)
                    .values(
                        active=False,
                        last_modified_by=actor_uuid,
                        last_modified_time=self._clock.now_ms(),
                        row_version=EncKeyRow.row_version + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
                rows = {kind: self._new_row(state, kind, actor_uuid) for kind in KeyKind}
                session.add_all(rows.values())
                try:
                    await session.commit()
                except IntegrityError:
                    await session.rollback()
                    continue
            now = self._clock.now_ms()
            for kind, row in rows.items():
                self._remember(row)
                self._active[(state, kind)] = (row.key_id, now)
            log.info("enc_keys_rotated", extra={"tenant_id": state, "key_ids": [r.key_id for r in rows.values()]})
            return {kind: row.key_id for kind, row in rows.items()}
        raise Invalid("ENC_KEY_UNAVAILABLE", "the keys could not be rotated")

    def blind_index_key(self, tenant_id: str, field: str) -> bytes:
        state = state_of(tenant_id)
        cached = self._index_keys.get((state, field))
        if cached is None:
            cached = _hkdf(self._master, f"blind-index|{state}|{field}")
            self._index_keys[(state, field)] = cached
        return cached

    # ---- values -----------------------------------------------------------------------------------

    async def encrypt(self, *, tenant_id: str, plaintext: str, session: AsyncSession | None = None) -> str:
        key = await self.active(tenant_id, KeyKind.SYM, session)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = key.cipher().encrypt(nonce, plaintext.encode(), key.key_id.encode())
        return f"{key.key_id}|{_b64(nonce + sealed)}"

    async def open(self, ciphertext: str) -> tuple[str, str]:
        """(plaintext, state tenant of the key); 400 INVALID_CIPHERTEXT if altered or not ours."""
        key_id, blob = split_tagged(ciphertext)
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise CiphertextError()
        key = await self.key(key_id, KeyKind.SYM)
        try:
            plain = key.cipher().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], key_id.encode())
            return plain.decode(), key.tenant_id
        except (InvalidTag, UnicodeDecodeError):
            raise CiphertextError() from None

    async def decrypt(self, ciphertext: str) -> str:
        return (await self.open(ciphertext))[0]

    def blind_index(self, *, tenant_id: str, field: str, value: str) -> str:
        key = self.blind_index_key(tenant_id, field)
        return hmac.new(key, normalise(field, value).encode(), hashlib.sha256).hexdigest()

    async def sign(self, *, tenant_id: str, value: str, session: AsyncSession | None = None) -> str:
        key = await self.active(tenant_id, KeyKind.SIGN, session)
        if key.signer is None:
            raise Invalid("ENC_KEY_UNAVAILABLE", "the signing key is not usable")
        signature = key.signer.sign(value.encode())
        return f"{key.key_id}|{_b64(signature)}"

    async def verify(self, *, tenant_id: str | None, value: str, signature: str) -> bool:
        """True if a key of the tenant's state (any state if None) signed this value; never raises for bad input."""
        try:
            key_id, raw = split_tagged(signature)
            key = await self.key(key_id, KeyKind.SIGN)
        except CiphertextError:
            return False
        if tenant_id and key.tenant_id != state_of(tenant_id):
            return False
        if key.verifier is None:
            return False
        try:
            key.verifier.verify(raw, value.encode())
        except InvalidSignature:
            return False
        return True


# ---- JSON values (the HTTP API: every leaf of any JSON value) --------------------------------------


def _leaf_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def encrypt_json(store: KeyStore, *, tenant_id: str, value: Any) -> Any:
    """The same shape with every non-null leaf replaced by its ciphertext (keys untouched), as DIGIT does."""
    if isinstance(value, dict):
        return {k: await encrypt_json(store, tenant_id=tenant_id, value=v) for k, v in value.items()}
    if isinstance(value, list):
        return [await encrypt_json(store, tenant_id=tenant_id, value=v) for v in value]
    if value is None:
        return None
    return await store.encrypt(tenant_id=tenant_id, plaintext=_leaf_text(value))


async def decrypt_json(store: KeyStore, value: Any, tenants: set[str]) -> Any:
    """The same shape with every string leaf decrypted; the keys' state tenants are added to `tenants`."""
    if isinstance(value, dict):
        return {k: await decrypt_json(store, v, tenants) for k, v in value.items()}
    if isinstance(value, list):
        return [await decrypt_json(store, v, tenants) for v in value]
    if isinstance(value, str):
        plain, tenant_id = await store.open(value)
        tenants.add(tenant_id)
        return plain
    if value is None:
        return None
    raise CiphertextError("only strings can be decrypted")


def check_type(kind: str) -> None:
    if kind not in TYPES:
        raise Invalid("INVALID_ENCRYPTION_TYPE", f"type must be one of {', '.join(sorted(TYPES))}")


# ---- the HTTP API's rules ----------------------------------------------------------------------------

TenantCheck = Callable[[set[str]], Awaitable[bool]]


async def encrypt_requests(store: KeyStore, mdms: MdmsClient, requests: Sequence[EncReqObject]) -> list[JsonValue]:
    """DIGIT `_encrypt`: one answer per request, each the request's value with every leaf encrypted."""
    for request in requests:
        check_type(request.type)
        await check_tenant(mdms, request.tenant_id)
    return [await encrypt_json(store, tenant_id=r.tenant_id, value=r.value) for r in requests]


async def decrypt_value(store: KeyStore, value: JsonValue, *, allowed_in: TenantCheck) -> JsonValue:
    """DIGIT `_decrypt`: the same shape with every string decrypted; the caller must be allowed in every
    state whose key encrypted a value (a top-level RequestInfo is dropped, not decrypted)."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in ("RequestInfo", "requestInfo")}
    tenants: set[str] = set()
    plain: JsonValue = await decrypt_json(store, value, tenants)
    if tenants and not await allowed_in(tenants):
        raise Forbidden("NOT_AUTHORIZED", "Not authorized to decrypt values of this tenant")
    return plain


async def rotate_key(
    store: KeyStore, mdms: MdmsClient, *, tenant_id: str, actor_uuid: str, allowed_in: TenantCheck
) -> None:
    """DIGIT `_rotatekey`: new keys for the tenant's state; the caller must be allowed at the state itself."""
    await check_tenant(mdms, tenant_id)
    state = state_of(tenant_id)
    if not await allowed_in({state}):
        raise Forbidden("NOT_AUTHORIZED", "keys belong to the state tenant: a role there is needed to rotate them")
    await store.rotate(state, actor_uuid=actor_uuid)


async def rotate_all_keys(store: KeyStore, mdms: MdmsClient, *, actor_uuid: str, allowed_in: TenantCheck) -> int:
    """DIGIT `_rotateallkeys`: new keys for every state of the deployment; the caller must be allowed at
    each of them (a superuser of one state rotates nothing). Returns how many states were rotated."""
    states = set(await mdms.state_tenants())
    if not states or not await allowed_in(states):
        raise Forbidden("NOT_AUTHORIZED", "rotating every key needs a role at every state tenant")
    for state in sorted(states):
        await store.rotate(state, actor_uuid=actor_uuid)
    return len(states)


async def check_tenant(mdms: MdmsClient, tenant_id: str) -> None:
    if await mdms.get_tenant(tenant_id) is None:
        raise Invalid("INVALID_TENANT_ID", "the tenantId is not a known tenant", params=[tenant_id])
