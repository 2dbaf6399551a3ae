"""Payment gateway: transactions against bills, pluggable gateways, a sandbox gateway, reconciliation."""

from __future__ import annotations

from digit.blocks.billing.client import BILLING_CLIENT
from digit.blocks.collection.client import COLLECTION_CLIENT
from digit.blocks.idgen.client import IDGEN_CLIENT
from digit.blocks.pg import service
from digit.blocks.pg.api import ANONYMOUS_ROUTES, OPEN_ROUTES, router
from digit.blocks.pg.gateways import GatewayRegistry, SandboxGateway
from digit.kernel.blocks import Block
from digit.kernel.periodic import Periodic
from digit.kernel.platform import Platform

RECONCILE_EVERY_S = 60


def install(platform: Platform) -> None:
    registry = GatewayRegistry()
    registry.register(SandboxGateway(platform))
    platform.provide(GatewayRegistry, registry)
    deps = service.PgDeps(
        platform=platform,
        gateways=registry,
        billing=platform.get(BILLING_CLIENT),
        idgen=platform.get(IDGEN_CLIENT),
        collection=platform.get(COLLECTION_CLIENT),
    )
    platform.provide(service.PG_DEPS, deps)


async def reconcile_round(platform: Platform) -> int:
    """Settle transactions whose callback never came (the kernel runs it once a minute, on one process)."""
    counts = await service.reconcile_pending(platform.get(service.PG_DEPS))
    return int(counts["checked"])


RECONCILE = Periodic(name="pg.reconcile", every_s=RECONCILE_EVERY_S, run=reconcile_round, leader=True)


BLOCK = Block(
    name="pg",
    routers=[router],
    depends=("billing", "collection", "idgen"),
    install=install,
    background=(RECONCILE,),
    open_routes=OPEN_ROUTES,
    anonymous_routes=ANONYMOUS_ROUTES,
)
