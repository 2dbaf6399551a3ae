"""Boundaries on DIGIT's paths: egov-location v11 search and boundary-service v2."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from digit.blocks.boundary import service
from digit.blocks.boundary.schemas import (
    BoundariesResponse,
    BoundarySearch,
    CreateBoundariesRequest,
    CreateHierarchyRequest,
    CreateRelationshipRequest,
    HierarchyResponse,
    LocationSearch,
    RelationshipSearch,
    SearchHierarchyRequest,
    TenantBoundaryResponse,
)
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform
from digit.kernel.request_tenants import TenantQuery

location_router = APIRouter(prefix="/egov-location/location/v11", tags=["boundary"])
router = APIRouter(prefix="/boundary-service", tags=["boundary"])

TenantQuery = TenantQuery


async def _require_tenant(platform: Platform, tenant_id: str) -> MdmsClient:
    mdms = platform.get(MDMS_CLIENT)
    if not await mdms.tenant_exists(tenant_id):
        raise Invalid(
            "INVALID_TENANT_ID", "Invalid Tenant Id", description=f"unknown tenant {tenant_id!r}", params=[tenant_id]
        )
    return mdms


@location_router.post("/boundarys/_search")
async def search_location_boundaries(
    platform: PlatformDep,
    tenant_id: TenantQuery,
    criteria: Annotated[LocationSearch, Query()],
    body: RequestInfoBody | None = None,
) -> TenantBoundaryResponse:
    """DIGIT egov-location v11: the tenant's TenantBoundary trees, or its boundaries of a type or with codes."""
    mdms = await _require_tenant(platform, tenant_id)
    found = await service.search_location(mdms, tenant_id=tenant_id, criteria=criteria)
    return TenantBoundaryResponse(response_info=response_info(body), tenant_boundary=found)


@router.post("/boundary/_create")
async def create_boundaries(
    body: CreateBoundariesRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> BoundariesResponse:
    """boundary-service `boundary/_create`: entities with a code and GeoJSON geometry."""
    for tenant_id in {b.tenant_id for b in body.boundary}:
        await _require_tenant(platform, tenant_id)
    created = await service.create_boundaries(
        session,
        boundaries=[b.wire(exclude_none=True) for b in body.boundary],
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    return BoundariesResponse(response_info=response_info(body.request_info), boundary=created)


@router.post("/boundary/_update")
async def update_boundaries(
    body: CreateBoundariesRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> BoundariesResponse:
    """boundary-service `boundary/_update`: new geometry and additionalDetails for existing codes."""
    for tenant_id in {b.tenant_id for b in body.boundary}:
        await _require_tenant(platform, tenant_id)
    updated = await service.update_boundaries(
        session,
        boundaries=[b.wire(exclude_none=True) for b in body.boundary],
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    return BoundariesResponse(response_info=response_info(body.request_info), boundary=updated)


@router.post("/boundary/_search")
async def search_boundaries(
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    criteria: Annotated[BoundarySearch, Query()],
    body: RequestInfoBody | None = None,
) -> BoundariesResponse:
    """boundary-service `boundary/_search`: a page of the tenant's boundaries, by code."""
    await _require_tenant(platform, tenant_id)
    found = await service.search_boundaries(session, tenant_id=tenant_id, criteria=criteria)
    return BoundariesResponse(response_info=response_info(body), boundary=found)


@router.post("/boundary-hierarchy-definition/_create")
async def create_hierarchy(
    body: CreateHierarchyRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> HierarchyResponse:
    """boundary-service hierarchy definition: levels from the root down, each naming its parent type."""
    hierarchy = body.boundary_hierarchy
    await _require_tenant(platform, hierarchy.tenant_id)
    created = await service.create_hierarchy(
        session,
        tenant_id=hierarchy.tenant_id,
        hierarchy_type=hierarchy.hierarchy_type,
        levels=[level.wire() for level in hierarchy.boundary_hierarchy],
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    return HierarchyResponse(response_info=response_info(body.request_info), boundary_hierarchy=[created])


@router.post("/boundary-hierarchy-definition/_search")
async def search_hierarchies(body: SearchHierarchyRequest, session: SessionDep) -> HierarchyResponse:
    criteria = body.boundary_type_hierarchy_search_criteria
    found, total = await service.search_hierarchies(
        session,
        tenant_id=criteria.tenant_id,
        hierarchy_type=criteria.hierarchy_type,
        offset=criteria.offset,
        limit=criteria.limit,
    )
    return HierarchyResponse(
        response_info=response_info(body.request_info), total_count=total, boundary_hierarchy=found
    )


@router.post("/boundary-relationships/_create")
async def create_relationship(
    body: CreateRelationshipRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> TenantBoundaryResponse:
    """boundary-service relationship: place an entity under a parent of the level above it."""
    relation = body.boundary_relationship
    await _require_tenant(platform, relation.tenant_id)
    created = await service.create_relationship(
        session,
        tenant_id=relation.tenant_id,
        code=relation.code,
        hierarchy_type=relation.hierarchy_type,
        boundary_type=relation.boundary_type,
        parent=relation.parent,
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    return TenantBoundaryResponse(response_info=response_info(body.request_info), tenant_boundary=[created])


@router.post("/boundary-relationships/_search")
async def search_relationships(
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    criteria: Annotated[RelationshipSearch, Query()],
    body: RequestInfoBody | None = None,
) -> TenantBoundaryResponse:
    """boundary-service relationship search: a tree (all of it, or the asked boundaries with children/parents)."""
    await _require_tenant(platform, tenant_id)
    found = await service.search_relationships(session, tenant_id=tenant_id, criteria=criteria)
    return TenantBoundaryResponse(response_info=response_info(body), tenant_boundary=found)
