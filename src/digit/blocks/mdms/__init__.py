"""MDMS: master data per tenant (v1 search, v2 schemas and data), cached and falling back city -> state."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from digit.blocks.mdms.api import router, tenant_router, v2_router
from digit.blocks.mdms.client import MDMS_CLIENT, InProcessMdmsClient
from digit.blocks.mdms.loader import load_directory
from digit.blocks.mdms.service import MasterDataCache
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID


def install(platform: Platform) -> None:
    cache = MasterDataCache(platform.read_sessions, platform.clock, platform.settings.mdms_cache_check_ms)
    platform.provide(MDMS_CLIENT, InProcessMdmsClient(cache))


async def seed(platform: Platform, context: SeedContext) -> None:
    report = await load_directory(
        platform.sessions, context.demo_dir / "mdms", actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms()
    )
    context.report(f"{len(report.counts)} masters loaded")
    for fault in report.faults:
        context.report(f"[red]skipped[/red] {escape(fault)}")
    platform.get(MDMS_CLIENT).invalidate()


commands = typer.Typer(help="master data", no_args_is_help=True, pretty_exceptions_show_locals=False)


@commands.command("load")
def load_command(directory: Annotated[Path, typer.Argument(exists=True, file_okay=False)]) -> None:
    """Load a folder of DIGIT MDMS files (v1 `<tenant>/<module>/<master>.json` or v2 seed layout)."""
    from digit.app import build_platform
    from digit.kernel.migrate import upgrade
    from digit.kernel.settings import Settings

    console = Console(stderr=True, soft_wrap=True)

    async def run() -> int:
        platform, _ = build_platform(Settings())
        try:
            await upgrade(platform.engine)  # a no-op on a migrated database; makes a fresh one usable
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("loading", total=None)

                def on_file(path: Path, total: int) -> None:
                    progress.update(task, total=total, advance=1, description=f"loading {path.name}")

                report = await load_directory(
                    platform.sessions,
                    directory,
                    actor_uuid=SYSTEM_UUID,
                    now_ms=platform.clock.now_ms(),
                    on_file=on_file,
                )
        finally:
            await platform.close()
        for key, count in sorted(report.counts.items()):
            console.print(f"  {escape(key)}: {count} records")
        for fault in report.faults:
            console.print(f"  [red]not loaded[/red] {escape(fault)}")
        console.print(
            f"loaded {sum(report.counts.values())} records ({report.created} new, {report.updated} changed, "
            f"{report.retired} retired) "
            f"in {len(report.counts)} masters from {report.files} files; {len(report.faults)} faults"
        )
        return 1 if report.faults and not report.counts else 0

    raise typer.Exit(asyncio.run(run()))


BLOCK = Block(name="mdms", routers=[router, v2_router, tenant_router], install=install, seed=seed, cli=commands)
