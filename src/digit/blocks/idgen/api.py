"""egov-idgen on DIGIT's path: `POST /egov-idgen/id/_generate`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter

from digit.blocks.idgen import service
from digit.blocks.idgen.schemas import IdGenerationRequest, IdGenerationResponse, IdResponse
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.deps import OptionalActor, PlatformDep, SessionDep
from digit.kernel.envelope import response_info
from digit.kernel.security import SYSTEM_UUID

router = APIRouter(prefix="/egov-idgen", tags=["idgen"])


@router.post("/id/_generate")
async def generate(
    body: IdGenerationRequest, session: SessionDep, platform: PlatformDep, actor: OptionalActor
) -> IdGenerationResponse:
    """DIGIT _generate: ids for each idRequest from its MDMS `common-masters.IdFormat` or its own format."""
    specs = [
        service.IdRequestSpec(id_name=r.id_name, tenant_id=r.tenant_id, format=r.format, count=r.count or 1)
        for r in body.id_requests
    ]
    results = await service.generate_ids(
        session,
        requests=specs,
        mdms=platform.get(MDMS_CLIENT),
        zone=ZoneInfo(platform.settings.idgen_time_zone),
        now_ms=platform.clock.now_ms(),
        actor_uuid=actor.uuid if actor else SYSTEM_UUID,
    )
    ids = [IdResponse(id=value) for result in results for value in result]
    return IdGenerationResponse(response_info=response_info(body.request_info), id_responses=ids)
