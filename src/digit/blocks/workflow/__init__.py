"""egov-workflow-v2: versioned business services, role-checked transitions, history, SLA and auto-escalation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from digit.blocks.workflow.api import router
from digit.blocks.workflow.client import (
    WORKFLOW_CLIENT,
    WORKLIST_SOURCE,
    InProcessWorkflowClient,
    InProcessWorklistSource,
)
from digit.blocks.workflow.escalation import ESCALATION, Escalator
from digit.blocks.workflow.loader import load_file, seed_directory
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID

DEMO_TENANT = "pb"


def install(platform: Platform) -> None:
    platform.provide(WORKFLOW_CLIENT, InProcessWorkflowClient(platform))
    platform.provide(WORKLIST_SOURCE, InProcessWorklistSource(platform))
    platform.provide(Escalator, Escalator(platform))


async def seed(platform: Platform, context: SeedContext) -> None:
    report = await seed_directory(
        platform, context.demo_dir / "workflow", tenant_id=DEMO_TENANT, actor_uuid=SYSTEM_UUID
    )
    for line in report.loaded:
        context.report(f"business service {line}")
    for line in report.warnings:
        context.report(f"[yellow]warning[/yellow] {line}")
    for line in report.faults:
        context.report(f"[red]not loaded[/red] {line}")


commands = typer.Typer(help="workflow business services", no_args_is_help=True, pretty_exceptions_show_locals=False)


@commands.command("load")
def load_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a businessservice/_create body")],
    tenant: Annotated[str, typer.Option("--tenant", help="tenant that gets the config ({tenantid} in the file)")],
) -> None:
    """Load a DIGIT business service config (new, or a new version of an existing one); all or nothing."""
    from digit.app import build_platform
    from digit.kernel.settings import Settings

    console = Console(stderr=True)

    async def run() -> int:
        platform, _ = build_platform(Settings())
        try:
            report = await load_file(platform, file, tenant_id=tenant, actor_uuid=SYSTEM_UUID)
        finally:
            await platform.close()
        for line in report.loaded:
            console.print(f"  loaded {line}")
        for line in report.warnings:
            console.print(f"  [yellow]warning[/yellow] {line}")
        for line in report.faults:
            console.print(f"  [red]not loaded[/red] {line}")
        if report.faults:
            console.print(f"nothing loaded from {file.name}: {len(report.faults)} faults")
            return 1
        console.print(f"loaded {len(report.loaded)} business services for {tenant}")
        return 0

    raise typer.Exit(asyncio.run(run()))


BLOCK = Block(
    name="workflow",
    routers=[router],
    depends=("mdms",),
    optional=("user",),  # assignee checks, when the user block is served (client.py `user_lookup`)
    install=install,
    seed=seed,
    cli=commands,
    background=(ESCALATION,),
)
