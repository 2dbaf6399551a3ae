"""egov-enc-service routes: `/egov-enc-service/crypto/v1/_encrypt|_decrypt|_sign|_verify|_rotatekey`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import JsonValue

from digit.blocks.encryption import service
from digit.blocks.encryption.client import ENCRYPTION_CLIENT, InProcessEncryptionClient
from digit.blocks.encryption.schemas import (
    DecryptRequest,
    EncryptRequest,
    RotateAllKeysRequest,
    RotateKeyRequest,
    RotateKeyResponse,
    SignRequest,
    SignResponse,
    VerifyRequest,
    VerifyResponse,
)
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.kernel.deps import CurrentUser, PlatformDep
from digit.kernel.platform import Platform
from digit.kernel.security import ACCESS_PROVIDER, DenyAll

router = APIRouter(prefix="/egov-enc-service/crypto/v1", tags=["encryption"])


def _store(platform: Platform) -> service.KeyStore:
    client = platform.get(ENCRYPTION_CLIENT)
    if not isinstance(client, InProcessEncryptionClient):  # pragma: no cover - another block replaced it
        raise LookupError("the encryption block's own client is not installed")
    return client.store


def _tenant_check(platform: Platform, request: Request, user: CurrentUser) -> service.TenantCheck:
    """May this caller call this route for these tenants (the access gate's rule, for tenants found late)."""
    provider = platform.find(ACCESS_PROVIDER) or DenyAll()
    route = getattr(request.scope.get("route"), "path", request.url.path)

    async def allowed_in(tenant_ids: set[str]) -> bool:
        return await provider.authorize(user, route=route, method=request.method, tenant_ids=tenant_ids)

    return allowed_in


def _mdms(platform: Platform) -> MdmsClient:
    return platform.get(MDMS_CLIENT)


@router.post("/_encrypt")
async def encrypt(body: EncryptRequest, platform: PlatformDep) -> list[JsonValue]:
    """Encrypt each request's value (string, array or object; every leaf) with its tenant's state key."""
    return await service.encrypt_requests(_store(platform), _mdms(platform), body.encryption_requests)


@router.post("/_decrypt")
async def decrypt(body: DecryptRequest, platform: PlatformDep, request: Request, user: CurrentUser) -> JsonValue:
    """Decrypt every string of the body (the `_encrypt` answer as it came); the key id in each picks the key."""
    return await service.decrypt_value(_store(platform), body.root, allowed_in=_tenant_check(platform, request, user))


@router.post("/_sign")
async def sign(body: SignRequest, platform: PlatformDep) -> SignResponse:
    """Ed25519 signature of the value with the state's signing key."""
    signature = await _store(platform).sign(tenant_id=body.tenant_id, value=body.value)
    return SignResponse(value=body.value, signature=signature)


@router.post("/_verify")
async def verify(body: VerifyRequest, platform: PlatformDep) -> VerifyResponse:
    """Whether the signature (any key of the platform, or of `tenantId`'s state when given) fits the value."""
    verified = await _store(platform).verify(tenant_id=body.tenant_id, value=body.value, signature=body.signature)
    return VerifyResponse(verified=verified)


@router.post("/_rotatekey")
async def rotate_key(
    body: RotateKeyRequest, platform: PlatformDep, request: Request, user: CurrentUser
) -> RotateKeyResponse:
    """New data and signing keys for the tenant's state; old ones keep decrypting and verifying."""
    await service.rotate_key(
        _store(platform),
        _mdms(platform),
        tenant_id=body.tenant_id,
        actor_uuid=user.uuid,
        allowed_in=_tenant_check(platform, request, user),
    )
    return RotateKeyResponse(acknowledged=True)


@router.post("/_rotateallkeys")
async def rotate_all_keys(
    platform: PlatformDep, request: Request, user: CurrentUser, body: RotateAllKeysRequest | None = None
) -> RotateKeyResponse:
    """New data and signing keys for every state; old ones keep decrypting and verifying."""
    await service.rotate_all_keys(
        _store(platform), _mdms(platform), actor_uuid=user.uuid, allowed_in=_tenant_check(platform, request, user)
    )
    return RotateKeyResponse(acknowledged=True)
