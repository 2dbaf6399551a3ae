"""MDMS v1 search on DIGIT's path (`/egov-mdms-service/v1/_search`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from digit.blocks.mdms.client import MdmsClient
from digit.blocks.mdms.schemas import SearchV1Request, SearchV1Response
from digit.kernel.deps import PlatformDep
from digit.kernel.envelope import response_info

router = APIRouter(prefix="/egov-mdms-service", tags=["mdms"])


@router.post("/v1/_search")
async def search(body: SearchV1Request, platform: PlatformDep) -> SearchV1Response:
    """DIGIT v1 search: masters per module, the most specific tenant's data, filtered by JSONPath."""
    client = platform.get(MdmsClient)  # type: ignore[type-abstract]
    criteria = body.mdms_criteria
    result: dict[str, dict[str, list[Any]]] = {}
    for module in criteria.module_details:
        masters = result.setdefault(module.module_name, {})
        for master in module.master_details:
            masters[master.name] = await client.get_master(
                tenant_id=criteria.tenant_id, module=module.module_name, master=master.name, filter=master.filter
            )
    return SearchV1Response(response_info=response_info(body.request_info), mdms_res=result)
