"""egov-accesscontrol on DIGIT's paths: `_authorize`, actions for roles, roles."""

from __future__ import annotations

from fastapi import APIRouter, Response

from digit.blocks.access.schemas import (
    ActionsRequest,
    ActionsResponse,
    AuthorizeRequest,
    RolesResponse,
    RolesSearchRequest,
)
from digit.blocks.access.service import ROLES, RoleActionIndex
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.deps import CurrentActor, PlatformDep
from digit.kernel.envelope import response_info
from digit.kernel.errors import Unauthenticated

router = APIRouter(prefix="/access/v1", tags=["access"])


@router.post("/actions/_authorize")
async def authorize(body: AuthorizeRequest, platform: PlatformDep) -> Response:
    """200 when one of the roles, granted in each tenant or its state, maps to the URI; else 401 (DIGIT)."""
    request = body.authorization_request
    index = platform.get(RoleActionIndex)
    roles = [(r.code, r.tenant_id) for r in request.roles]
    if not await index.authorize_uri(roles=roles, uri=request.uri, tenant_ids=request.tenant_ids):
        raise Unauthenticated("UNAUTHORIZED_ACTION", "the roles are not allowed this action in these tenants")
    return Response(status_code=200)


@router.post("/actions/mdms/_get")
async def actions_for_roles(body: ActionsRequest, platform: PlatformDep, actor: CurrentActor) -> ActionsResponse:
    """Actions (menu entries) the given roles, or the caller's own roles, may use in the tenant."""
    codes = body.role_codes or sorted(actor.role_codes_in(body.tenant_id))
    actions = await platform.get(RoleActionIndex).actions_for_roles(tenant_id=body.tenant_id, role_codes=codes)
    if body.enabled is not None:
        actions = [a for a in actions if bool(a.get("enabled", True)) == body.enabled]
    return ActionsResponse(response_info=response_info(body.request_info).wire(), actions=actions)


@router.post("/roles/_search")
async def search_roles(body: RolesSearchRequest, platform: PlatformDep, actor: CurrentActor) -> RolesResponse:
    """Roles of a tenant (ACCESSCONTROL-ROLES), optionally only the given codes."""
    mdms = platform.get(MdmsClient)  # type: ignore[type-abstract]
    roles = await mdms.get_master(tenant_id=body.tenant_id or actor.tenant_id, module=ROLES[0], master=ROLES[1])
    if body.codes:
        wanted = set(body.codes)
        roles = [r for r in roles if isinstance(r, dict) and r.get("code") in wanted]
    return RolesResponse(response_info=response_info(body.request_info).wire(), roles=roles)
