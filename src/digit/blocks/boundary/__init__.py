"""Boundaries: egov-location v11 search over MDMS TenantBoundary, and boundary-service v2 with its own tables."""

from __future__ import annotations

from digit.blocks.boundary.api import location_router, router
from digit.blocks.boundary.client import BOUNDARY_CLIENT, InProcessBoundaryClient
from digit.blocks.boundary.service import seed_state_hierarchy
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.tenancy import is_state


def install(platform: Platform) -> None:
    mdms = platform.get(MDMS_CLIENT)
    platform.provide(BOUNDARY_CLIENT, InProcessBoundaryClient(mdms))


async def seed(platform: Platform, context: SeedContext) -> None:
    """boundary-service v2 demo hierarchy per state with cities, built from the loaded v1 TenantBoundary."""
    mdms = platform.get(MDMS_CLIENT)
    mdms.invalidate()
    for state_id in await mdms.state_tenants():
        if not is_state(state_id):
            continue
        state = await mdms.get_tenant(state_id)
        cities = []
        for city_id in await mdms.cities_of(state_id):
            tenant = await mdms.get_tenant(city_id)
            records = await mdms.get_master(tenant_id=city_id, module="egov-location", master="TenantBoundary")
            trees = [
                root
                for record in records
                if isinstance(record, dict) and (record.get("hierarchyType") or {}).get("code") == "ADMIN"
                for root in (
                    [record["boundary"]] if isinstance(record.get("boundary"), dict) else record.get("boundary") or []
                )
                if isinstance(root, dict) and root.get("code") == city_id
            ]
            if tenant is not None and trees:
                cities.append((tenant, trees))
        if not cities:
            continue
        async with platform.sessions() as session, session.begin():
            placed = await seed_state_hierarchy(
                session,
                state_id=state_id,
                state_name=(state.name if state else None) or state_id,
                cities=cities,
                actor_uuid=SYSTEM_UUID,
                now_ms=platform.clock.now_ms(),
            )
        if placed:
            context.report(f"{state_id}: ADMIN hierarchy with {placed} boundaries")


BLOCK = Block(
    name="boundary",
    routers=[location_router, router],
    depends=("mdms",),
    install=install,
    seed=seed,
)
