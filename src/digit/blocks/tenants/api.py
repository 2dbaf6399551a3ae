"""DIGIT's tenant-management `_create` (the sandbox sign-up page): a new state, or a city of one."""

from __future__ import annotations

from fastapi import APIRouter

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.tenants import service
from digit.blocks.tenants.schemas import CreateTenantRequest, TenantResponse
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import response_info

router = APIRouter(prefix="/tenant-management/tenant", tags=["tenants"])


@router.post("/_create")
async def create_tenant(
    body: CreateTenantRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> TenantResponse:
    """Create a tenant (`tenant{name, email}`, optional `code`, `parentId`); it is in MDMS `tenant.tenants` at once."""
    mdms = platform.get(MDMS_CLIENT)
    created = await service.create_tenant(
        session, mdms, tenant=body.tenant, actor=actor, now_ms=platform.clock.now_ms()
    )
    return TenantResponse(response_info=response_info(body.request_info), tenants=[created])
