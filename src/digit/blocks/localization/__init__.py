"""Localization (egov-localization): messages per tenant and locale, DIGIT's fallback, cached per process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from digit.blocks.localization.api import router
from digit.blocks.localization.client import LOCALIZATION_CLIENT, InProcessLocalizationClient
from digit.blocks.localization.loader import LoadReport, load_directory
from digit.blocks.localization.service import Localization, MessageCache, check_tenant
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.tenancy import is_state


def install(platform: Platform) -> None:
    # the same bound as master data: another process's write is seen within mdms_cache_check_ms
    cache = MessageCache(platform.read_sessions, platform.clock, platform.settings.mdms_cache_check_ms)
    platform.provide(MessageCache, cache)
    platform.provide(Localization, Localization(mdms=platform.get(MDMS_CLIENT), cache=cache, clock=platform.clock))
    platform.provide(LOCALIZATION_CLIENT, InProcessLocalizationClient(cache))


def demo_states(demo_dir: Path) -> list[str]:
    """The state tenants of the demo data (the top folders of its MDMS tree): DIGIT loads messages there."""
    mdms_dir = demo_dir / "mdms"
    return sorted(p.name for p in mdms_dir.iterdir() if p.is_dir() and is_state(p.name)) if mdms_dir.is_dir() else []


async def seed(platform: Platform, context: SeedContext) -> None:
    directory = context.demo_dir / "localization"
    if not directory.is_dir():
        return
    for state in demo_states(context.demo_dir):
        report = await load_directory(
            platform.sessions, directory, tenant_id=state, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms()
        )
        context.report(f"{report.loaded} messages in {len(report.counts)} locale/module files at {state}")
        for fault in report.faults:
            context.report(f"[red]skipped[/red] {fault}")
    platform.get(MessageCache).invalidate()


commands = typer.Typer(help="localization messages", no_args_is_help=True, pretty_exceptions_show_locals=False)


def _print_report(console: Console, report: LoadReport, tenant_id: str) -> None:
    table = Table(title=f"messages loaded at {tenant_id}")
    for column in ("locale", "module", "records"):
        table.add_column(column, justify="right" if column == "records" else "left")
    for (locale, module), count in sorted(report.counts.items()):
        table.add_row(locale, module, str(count))
    console.print(table)
    for fault in report.faults:
        console.print(f"  [red]not loaded[/red] {fault}", markup=True, highlight=False)
    console.print(
        f"loaded {report.loaded} messages ({report.created} new, {report.updated} changed, "
        f"{report.unchanged} unchanged) in {len(report.counts)} locale/module sets; {len(report.faults)} faults"
    )


@commands.command("load")
def load_command(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="folder of <locale>/<module>.json")],
    tenant: Annotated[
        str,
        typer.Option(
            "--tenant", help="tenant to load at (DIGIT loads messages at the state); default: `default`, seen by all"
        ),
    ] = "default",
) -> None:
    """Load DIGIT message files (JSON lists of {code, message, module, locale}); a running server sees them."""
    from digit.app import build_platform
    from digit.kernel.settings import Settings

    console = Console(stderr=True)

    async def run() -> int:
        platform, _ = build_platform(Settings())
        try:
            try:
                await check_tenant(platform.get(MDMS_CLIENT), tenant)
            except Invalid as error:
                console.print(f"[red]{error.message}[/red]: load its MDMS tenant data first, or use --tenant default")
                return 2
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("loading", total=None)

                def on_file(path: Path, total: int) -> None:
                    progress.update(task, total=total, advance=1, description=f"loading {path.parent.name}/{path.name}")

                report = await load_directory(
                    platform.sessions,
                    directory,
                    tenant_id=tenant,
                    actor_uuid=SYSTEM_UUID,
                    now_ms=platform.clock.now_ms(),
                    on_file=on_file,
                )
        finally:
            await platform.close()
        _print_report(console, report, tenant)
        return 1 if report.faults and not report.loaded else 0

    raise typer.Exit(asyncio.run(run()))


BLOCK = Block(
    name="localization",
    routers=[router],
    depends=("mdms",),
    install=install,
    seed=seed,
    cli=commands,
    open_routes=("/localization/messages/v2/_search",),  # public text, as v1/_search (Settings.open_routes)
)
