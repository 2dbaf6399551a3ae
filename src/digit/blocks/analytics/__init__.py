"""Analytics (DIGIT's DSS dashboard-analytics): PII-free facts from outbox events, rollups, KPIs, targets."""

from __future__ import annotations

import asyncio
import time

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from digit.blocks.analytics import service
from digit.blocks.analytics.api import router
from digit.blocks.analytics.client import ANALYTICS_CLIENT, InProcessAnalyticsClient
from digit.blocks.analytics.deps import ANALYTICS_DEPS, AnalyticsDeps
from digit.blocks.analytics.facts import FEEDS
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    deps = AnalyticsDeps.of(platform)
    platform.provide(ANALYTICS_DEPS, deps)
    platform.provide(ANALYTICS_CLIENT, InProcessAnalyticsClient(deps))


commands = typer.Typer(
    help="dashboards and their analytics store", no_args_is_help=True, pretty_exceptions_show_locals=False
)


@commands.command("rebuild")
def rebuild_command(batch_size: int = typer.Option(1000, min=1, max=50_000, help="events per transaction")) -> None:
    """Empty the analytics store and replay every stored event into it (facts, then rollups)."""
    from digit.app import build_platform
    from digit.kernel.migrate import upgrade
    from digit.kernel.settings import Settings

    console = Console(stderr=True, soft_wrap=True)

    async def run() -> int:
        platform, _ = build_platform(Settings())
        deps = platform.get(ANALYTICS_DEPS)
        started = time.perf_counter()
        try:
            await upgrade(platform.engine)
            columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("events", total=None)

                def on_batch(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                applied = await service.rebuild(deps, batch_size=batch_size, on_batch=on_batch)
        finally:
            await platform.close()
        seconds = max(time.perf_counter() - started, 1e-9)
        console.print(f"replayed {applied} events in {seconds:.1f} s ({applied / seconds:,.0f} events/s)")
        return 0

    raise typer.Exit(asyncio.run(run()))


BLOCK = Block(
    name="analytics",
    routers=[router],
    depends=("mdms",),
    install=install,
    consumers=tuple(feed.consumer() for feed in FEEDS),
    cli=commands,
)
