"""Studio: public services defined as data (DIGIT Studio's `Studio.ServiceConfiguration`), with one generic API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select

from digit.kernel.blocks import Block, SeedContext
from digit.kernel.errors import DomainError
from digit.kernel.events import Consumer, Event, delivery_session
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of
from digit.services.studio import loader, registry, service
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


commands = typer.Typer(
    help="configured public services (Studio)", no_args_is_help=True, pretty_exceptions_show_locals=False
)


@commands.callback()
def _group() -> None:
    """Configured public services (Studio): load a service folder into a running platform."""


@commands.command("load")
def load_command(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="service.json [+ messages.json]")],
    url: Annotated[str, typer.Option(envvar="DIGIT_URL", help="the running platform")] = "http://127.0.0.1:8000",
    city: Annotated[str, typer.Option("--tenant", help="the city the service is registered for")] = DEMO_CITY,
    username: Annotated[str, typer.Option(envvar="DIGIT_USERNAME", help="an administrator")] = "ADMIN",
    password: Annotated[str, typer.Option(envvar="DIGIT_PASSWORD", prompt=True, hide_input=True)] = "",
    register: Annotated[bool, typer.Option(help="register the service after loading it")] = True,
) -> None:
    """Load a service defined as data (its definition and messages) into a running platform and register it:
    the platform takes it at once, with no restart."""
    console = Console(stderr=True, soft_wrap=True)

    async def run() -> loader.LoadReport:
        async with httpx.AsyncClient(base_url=url, timeout=60) as api:
            headers = await loader.login(api, username=username, password=password, tenant_id=state_of(city))
            return await loader.load_folder(api, folder, headers=headers, city=city, register=register)

    try:
        report = asyncio.run(run())
    except (loader.LoadError, httpx.HTTPError) as error:
        console.print(f"[red]not loaded[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    console.print(f"loaded {', '.join(report.records)} and {report.messages} messages")
    for code in report.services:
        console.print(f"registered as {escape(code)}")


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
    cli=commands,
    cli_name="service",
)
