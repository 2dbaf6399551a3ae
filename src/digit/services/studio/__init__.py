"""Studio: public services defined as data (DIGIT Studio's `Studio.ServiceConfiguration`), with one generic API."""

from __future__ import annotations

from rich.markup import escape
from sqlalchemy import select

from digit.kernel.blocks import Block, SeedContext
from digit.kernel.errors import DomainError
from digit.kernel.events import Consumer, Event, delivery_session
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from digit.services.studio import registry, service
from digit.services.studio.api import OPEN_ROUTES, init_router, pdf_router, router
from digit.services.studio.deps import StudioDeps
from digit.services.studio.models import ServiceRow
from digit.services.studio.schemas import Service

DEMO_CITY = "pb.amritsar"


async def follow_payment(platform: Platform, event: Event) -> None:
    """A payment of a configured service's bill moves its application on with PAY (Studio's payment consumer).

    Written through the dispatcher's delivery session: the move and the event's processed mark commit together.
    """
    session = delivery_session()
    if session is None:
        raise RuntimeError("studio.follow-payment runs only under the event dispatcher")
    await service.follow_payment(
        session,
        StudioDeps.of(platform),
        data={"tenantId": event.tenant_id, **event.data},
        now_ms=platform.clock.now_ms(),
    )


async def seed(platform: Platform, context: SeedContext) -> None:
    """Register the demo's configured services (every `Studio.ServiceConfiguration` of pb) for Amritsar."""
    deps = StudioDeps.of(platform)
    records = await deps.mdms.get_master(
        tenant_id=DEMO_CITY, module=registry.CONFIG_MODULE, master=registry.CONFIG_MASTER
    )
    for record in records:
        if not isinstance(record, dict):
            continue
        module, name = str(record.get("module")), str(record.get("service"))
        async with platform.sessions() as session, session.begin():
            exists = await session.scalar(
                select(ServiceRow.id).where(
                    ServiceRow.tenant_id == DEMO_CITY, ServiceRow.module == module, ServiceRow.business_service == name
                )
            )
            if exists is not None:
                continue
            try:
                created = await registry.register_service(
                    session,
                    deps,
                    tenant_id=DEMO_CITY,
                    service=Service(module=module, business_service=name),
                    actor=Actor.system(DEMO_CITY),
                    now_ms=platform.clock.now_ms(),
                )
            except DomainError as error:
                faults = "; ".join(d.message for d in error.details())
                context.report(f"[red]not registered[/red] {module}.{name}: {escape(faults)}")
                await session.rollback()
                continue
        context.report(f"registered {module}.{name} as {created['serviceCode']}")
    deps.mdms.invalidate()


BLOCK = Block(
    name="studio",
    routers=[router, pdf_router, init_router],
    depends=(
        "mdms",
        "user",
        "idgen",
        "workflow",
        "filestore",
        "billing",
        "localization",
        "pdf",
        "boundary",
        "encryption",
        "notification",
    ),
    seed=seed,
    consumers=(
        Consumer(name="studio.follow-payment", topics=("egov.collection.payment-create",), handle=follow_payment),
    ),
    open_routes=OPEN_ROUTES,
)
