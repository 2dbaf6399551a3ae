"""DIGIT's config-service search (`/config-service/config/v1/_search`): the citizen profile's channel switches."""

from __future__ import annotations

from fastapi import APIRouter

from digit.blocks.configs import service
from digit.blocks.configs.schemas import ConfigResponse, SearchConfigRequest
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.deps import PlatformDep
from digit.kernel.envelope import response_info
from digit.kernel.errors import Forbidden
from digit.kernel.request_tenants import AuthorisedTenants

router = APIRouter(prefix="/config-service/config/v1", tags=["configs"])


@router.post("/_search")
async def search_configs(
    body: SearchConfigRequest, platform: PlatformDep, authorised: AuthorisedTenants
) -> ConfigResponse:
    """Entries of one schema (`criteria.schemaCode`, e.g. `NotificationChannel`) for a tenant."""
    if body.criteria.tenant_id not in authorised:
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {body.criteria.tenant_id}")
    mdms = platform.get(MDMS_CLIENT)
    found = await service.search_configs(mdms, criteria=body.criteria)
    return ConfigResponse(response_info=response_info(body.request_info), config_data=found)
