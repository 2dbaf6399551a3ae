"""egov-accesscontrol on DIGIT's paths: `_authorize`, actions for roles, roles."""

from __future__ import annotations

from fastapi import APIRouter, Response

from digit.blocks.access import service
from digit.blocks.access.schemas import (
    ActionsRequest,
    ActionsResponse,
    AuthorizeRequest,
    RoleActionsRequest,
    RoleActionsResponse,
    RoleRequest,
    RolesResponse,
    RolesSearchRequest,
)
from digit.blocks.access.service import RoleActionIndex
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import response_info

router = APIRouter(prefix="/access/v1", tags=["access"])


@router.post("/actions/_authorize")
async def authorize(body: AuthorizeRequest, platform: PlatformDep) -> Response:
    """200 when one of the roles, granted in each tenant or its state, maps to the URI; else 401 (DIGIT)."""
    request = body.authorization_request
    await service.authorize(
        platform.get(RoleActionIndex),
        roles=[(r.code, r.tenant_id) for r in request.roles],
        uri=request.uri,
        tenant_ids=request.tenant_ids,
    )
    return Response(status_code=200)


@router.post("/actions/mdms/_get")
async def actions_for_roles(body: ActionsRequest, platform: PlatformDep, actor: CurrentActor) -> ActionsResponse:
    """Actions (menu entries) the given roles, or the caller's own roles, may use in the tenant."""
    actions = await service.search_actions(
        platform.get(RoleActionIndex), actor, tenant_id=body.tenant_id, role_codes=body.role_codes, enabled=body.enabled
    )
    return ActionsResponse(response_info=response_info(body.request_info).wire(), actions=actions)


router.add_api_route(  # DIGIT's older name for `actions/mdms/_get` (same request, same answer)
    "/actions/_search", actions_for_roles, methods=["POST"], name="search_actions_of_roles"
)


@router.post("/roles/_search")
async def search_roles(body: RolesSearchRequest, platform: PlatformDep, actor: CurrentActor) -> RolesResponse:
    """Roles of a tenant (ACCESSCONTROL-ROLES), optionally only the given codes."""
    tenant_id = body.tenant_id or actor.tenant_id
    roles = await service.search_roles(platform.get(MDMS_CLIENT), tenant_id=tenant_id, codes=body.codes or [])
    return RolesResponse(response_info=response_info(body.request_info).wire(), roles=roles)


async def _upsert_roles(
    body: RoleRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor, *, create: bool
) -> RolesResponse:
    roles = await service.upsert_roles(
        session,
        platform.get(MDMS_CLIENT),
        tenant_id=body.tenant_id or actor.tenant_id,
        roles=[r.model_dump() for r in body.roles],
        create=create,
        actor=actor,
        now_ms=platform.clock.now_ms(),
    )
    return RolesResponse(response_info=response_info(body.request_info).wire(), roles=roles)


@router.post("/roles/_create")
async def create_roles(
    body: RoleRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> RolesResponse:
    """DIGIT roles/_create: new roles (code, name, description) in the state's ACCESSCONTROL-ROLES."""
    return await _upsert_roles(body, session, platform, actor, create=True)


@router.post("/roles/_update")
async def update_roles(
    body: RoleRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> RolesResponse:
    """DIGIT roles/_update: new name or description for existing role codes."""
    return await _upsert_roles(body, session, platform, actor, create=False)


@router.post("/role-actions/_create")
async def create_role_actions(
    body: RoleActionsRequest, session: SessionDep, platform: PlatformDep, actor: CurrentActor
) -> RoleActionsResponse:
    """DIGIT role-actions/_create: let a role call actions (by name, or by id) in the tenant's state."""
    created = await service.create_role_actions(
        session,
        platform.get(MDMS_CLIENT),
        tenant_id=body.tenant_id,
        role_code=body.role.code if body.role else None,
        actions=[a.model_dump() for a in body.actions],
        actor=actor,
        now_ms=platform.clock.now_ms(),
    )
    return RoleActionsResponse(response_info=response_info(body.request_info).wire(), role_actions=created)
