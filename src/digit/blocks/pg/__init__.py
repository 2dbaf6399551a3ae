"""Payment gateway: transactions against bills, pluggable gateways, a sandbox gateway, reconciliation."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from digit.blocks.billing.client import BILLING_CLIENT
from digit.blocks.collection.client import COLLECTION_CLIENT
from digit.blocks.idgen.client import IDGEN_CLIENT
from digit.blocks.pg import service
from digit.blocks.pg.api import ANONYMOUS_ROUTES, OPEN_ROUTES, router
from digit.blocks.pg.gateways import GatewayRegistry, SandboxGateway
from digit.kernel.blocks import Block
from digit.kernel.errors import DomainError
from digit.kernel.platform import Platform

log = logging.getLogger(__name__)
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


async def reconcile_forever(platform: Platform) -> None:
    """Background task: settle transactions whose callback never came, once a minute."""
    while True:
        try:
            await service.reconcile_pending(platform.get(service.PG_DEPS))
        except (SQLAlchemyError, DomainError) as error:
            log.warning("pg_reconcile_failed", extra={"error": type(error).__name__})
        await asyncio.sleep(RECONCILE_EVERY_S)


BLOCK = Block(
    name="pg",
    routers=[router],
    depends=("billing", "collection", "idgen"),
    install=install,
    background=(reconcile_forever,),
    open_routes=OPEN_ROUTES,
    anonymous_routes=ANONYMOUS_ROUTES,
)
