"""The `digit` command: serve, worker, migrate, seed, demo, and each block's own commands (`digit mdms load`)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from digit.app import build_platform, create_app
from digit.kernel.blocks import SeedContext, discover_blocks
from digit.kernel.migrate import upgrade
from digit.kernel.observability import configure_logging
from digit.kernel.resources import demo_data_dir
from digit.kernel.settings import Environment, Settings

DEMO_OTP = "123456"
console = Console(stderr=True)
cli = typer.Typer(
    help="digit-py: DIGIT's building blocks in one Python platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def load_settings(**overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    settings = Settings(**values)  # type: ignore[arg-type]
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return settings


def _blocks_option(blocks: str | None) -> list[str] | None:
    return [b.strip() for b in blocks.split(",") if b.strip()] if blocks else None


async def _migrate(settings: Settings) -> None:
    platform, _ = build_platform(settings)
    try:
        await upgrade(platform.engine)
    finally:
        await platform.close()


async def seed_demo(settings: Settings) -> None:
    """Every block's demo data, dependencies first; each seed is idempotent."""
    platform, blocks = build_platform(settings)
    context = SeedContext(demo_dir=demo_data_dir(), report=lambda line: console.print(f"  {line}"))
    try:
        for block in blocks:
            if block.seed is not None:
                console.print(f"[bold]seeding[/bold] {block.name}")
                await block.seed(platform, context)
    finally:
        await platform.close()


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema (every block's migrations)."""
    settings = load_settings()
    with console.status("migrating"):
        asyncio.run(_migrate(settings))
    console.print(f"[green]migrated[/green] {_safe_url(settings.database_url)}")


@cli.command("revision", hidden=True)
def revision(
    block: Annotated[str, typer.Argument(help="block whose branch gets the revision (or 'kernel')")],
    message: Annotated[str, typer.Option("-m", "--message")],
    prefix: Annotated[list[str] | None, typer.Option(help="table prefixes (default eg_<block>_)")] = None,
) -> None:
    """Developers: autogenerate a migration for one block's tables on a scratch SQLite database."""
    import tempfile

    from digit.kernel.migrate import new_revision

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{scratch}/scratch.db", var_dir=Path(scratch))
        platform, _ = build_platform(settings)

        async def run() -> None:
            try:
                await new_revision(
                    platform.engine,
                    block=block,
                    message=message,
                    table_prefixes=tuple(prefix or [f"eg_{block}_"]),
                )
            finally:
                await platform.close()

        asyncio.run(run())


@cli.command()
def seed(demo: Annotated[bool, typer.Option(help="load the demo tenants, masters and users")] = False) -> None:
    """Load the platform's base data; with --demo, the demo tenants, masters, messages and users too."""
    settings = load_settings()
    if not demo:
        console.print("nothing to seed without --demo yet: the base data is the demo data")
        return
    asyncio.run(seed_demo(settings))


@cli.command()
def serve(
    port: Annotated[int | None, typer.Option(help="port (default DIGIT_PORT or 8000)")] = None,
    host: Annotated[str | None, typer.Option(help="interface (default 127.0.0.1)")] = None,
    blocks: Annotated[str | None, typer.Option(help="comma-separated blocks to serve (default all)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="API worker processes")] = 1,
    background: Annotated[
        bool | None,
        typer.Option(
            "--background/--no-background",
            help="periodic work in the API processes (default: DIGIT_RUN_BACKGROUND with one worker, "
            "off with several: run `digit worker` beside them)",
        ),
    ] = None,
) -> None:
    """Serve the API."""
    if background is None and workers > 1:
        background = False
    settings = load_settings(port=port, host=host, blocks=_blocks_option(blocks), run_background=background)
    if not settings.run_background:
        console.print("background work is off in the API processes: run `digit worker` beside them")
    _serve(settings, workers=workers)


@cli.command()
def worker(
    blocks: Annotated[str | None, typer.Option(help="comma-separated blocks whose work to run (default all)")] = None,
) -> None:
    """Run the periodic work (outbox dispatcher, notification retries, escalation ...) without serving HTTP."""
    from digit.worker import run_worker

    settings = load_settings(blocks=_blocks_option(blocks))
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    asyncio.run(run_worker(settings))
    # Everything is stopped and closed; skip the interpreter's teardown of every module, which takes seconds
    # on a busy machine (a stopping worker must be gone within 5 s of SIGTERM).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@cli.command()
def demo(
    port: Annotated[int | None, typer.Option(help="port (default DIGIT_PORT or 8000)")] = None,
    host: Annotated[str | None, typer.Option(help="interface (default 127.0.0.1)")] = None,
) -> None:
    """Migrate, load the demo data, start a `digit worker` and serve: what `make run` does. Turns on the
    fixed demo OTP. Ctrl-C stops both."""
    fixed_otp = os.environ.get("DIGIT_FIXED_OTP") or DEMO_OTP
    settings = load_settings(port=port, host=host, fixed_otp=fixed_otp, run_background=False)
    if settings.env is Environment.PRODUCTION:
        raise typer.BadParameter("`digit demo` does not run with DIGIT_ENV=production")
    with console.status("migrating"):
        asyncio.run(_migrate(settings))
    console.print(f"[green]database ready[/green] {_safe_url(settings.database_url)}")
    asyncio.run(seed_demo(settings))
    _print_welcome(settings)
    background = _start_worker(settings)
    try:
        _serve(settings)
    finally:
        _stop_worker(background)


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    """`digit worker` as a child process with the same settings (it gets Ctrl-C with the terminal's group)."""
    env = dict(
        os.environ,
        DIGIT_DATABASE_URL=settings.database_url,
        DIGIT_VAR_DIR=str(settings.var_dir),
        DIGIT_HOST=settings.host,
        DIGIT_PORT=str(settings.port),
        DIGIT_PUBLIC_URL=settings.public_url,
        DIGIT_FIXED_OTP=settings.fixed_otp or "",
        DIGIT_ENV=settings.env.value,
    )
    return subprocess.Popen([sys.executable, "-c", "from digit.cli import main; main()", "worker"], env=env)


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve(settings: Settings, *, workers: int = 1) -> None:
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    grace = settings.shutdown_grace_s
    if workers == 1:
        app = create_app(settings)
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=grace,
        )
        return
    os.environ.update(_settings_environment(settings))  # the worker processes build their own from it
    uvicorn.run(
        "digit.app:create_app_from_env",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=grace,
    )


def _settings_environment(settings: Settings) -> dict[str, str]:
    """What `serve` decided from its options, as the DIGIT_* variables other processes read."""
    return {
        "DIGIT_HOST": settings.host,
        "DIGIT_PORT": str(settings.port),
        "DIGIT_PUBLIC_URL": settings.public_url,
        "DIGIT_DATABASE_URL": settings.database_url,
        "DIGIT_VAR_DIR": str(settings.var_dir),
        "DIGIT_BLOCKS": json.dumps(settings.blocks),
        "DIGIT_RUN_BACKGROUND": "true" if settings.run_background else "false",
    }


def _print_welcome(settings: Settings) -> None:
    base = settings.public_url.rstrip("/").replace("://0.0.0.0", "://127.0.0.1")
    console.print(f"\n[bold green]citizen app: {base}/digit-ui/citizen[/bold green]")
    console.print(f"[bold]employee app: {base}/digit-ui/employee[/bold]")
    console.print(f"digit-py is starting on {base}")
    console.print(f"  API docs: {base}/docs   OpenAPI: {base}/openapi.json   health: {base}/health")
    users_file = demo_data_dir() / "users.json"
    if users_file.exists():
        table = Table(title="demo users (password eGov@123; citizens log in by OTP)")
        for column in ("userName", "tenantId", "type", "roles"):
            table.add_column(column)
        for user in json.loads(users_file.read_text()):
            roles = ", ".join(sorted({r["code"] for r in user.get("roles", [])}))
            table.add_row(user.get("userName", ""), user.get("tenantId", ""), user.get("type", ""), roles)
        console.print(table)
    if settings.fixed_otp:
        console.print(f"[yellow]development mode: every OTP is {settings.fixed_otp} (never in production)[/yellow]")


def _safe_url(url: str) -> str:
    """The database URL without a password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url


def _add_block_commands() -> None:
    for block in discover_blocks():
        if block.cli is not None:
            cli.add_typer(block.cli, name=block.cli_name or block.name)


def main() -> None:
    _add_block_commands()
    cli()
