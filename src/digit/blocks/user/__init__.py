"""egov-user and user-otp: users with roles per tenant, OTP, login tokens, PII encrypted at rest."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console

from digit.blocks.encryption.client import ENCRYPTION_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.user.api import router
from digit.blocks.user.client import (
    TOKEN_AUTHENTICATOR,
    USER_CLIENT,
    InProcessTokenAuthenticator,
    InProcessUserClient,
)
from digit.blocks.user.service import Identity, create_user, find_by_user_name
from digit.blocks.user.throttle import PRUNE
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.envelope import UserType
from digit.kernel.platform import Platform
from digit.kernel.security import Actor


def install(platform: Platform) -> None:
    identity = Identity.build(platform, mdms=platform.get(MDMS_CLIENT), encryption=platform.get(ENCRYPTION_CLIENT))
    platform.provide(Identity, identity)
    platform.provide(USER_CLIENT, InProcessUserClient(identity))
    platform.provide(TOKEN_AUTHENTICATOR, InProcessTokenAuthenticator(identity))


async def seed(platform: Platform, context: SeedContext) -> None:
    """The demo users of `data/demo/users.json` (idempotent: existing user names are left alone)."""
    path = context.demo_dir / "users.json"
    if not path.exists():
        return
    users: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    identity = platform.get(Identity)
    created = 0
    async with platform.sessions() as session, session.begin():
        for user in users:
            found = await find_by_user_name(
                session,
                identity,
                user_name=str(user.get("userName") or user.get("mobileNumber")),
                tenant_id=user["tenantId"],
                user_type=user["type"],
            )
            if found is None:
                await create_user(session, identity, user=user, actor=Actor.system(user["tenantId"]))
                created += 1
    context.report(f"{created} demo users created, {len(users) - created} already there")


commands = typer.Typer(help="users", no_args_is_help=True, pretty_exceptions_show_locals=False)


@commands.callback()
def users() -> None:
    """Users, from the command line."""


@commands.command("create")
def create_command(
    tenant: Annotated[str, typer.Option(help="tenant the user belongs to and gets the roles in, e.g. ke")],
    username: Annotated[str, typer.Option(help="login name")],
    roles: Annotated[str, typer.Option(help="comma-separated role codes, e.g. SUPERUSER,EMPLOYEE")],
    name: Annotated[str, typer.Option(help="the person's name")] = "Administrator",
    user_type: Annotated[str, typer.Option("--type", help="EMPLOYEE or SYSTEM")] = UserType.EMPLOYEE,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="DIGIT_NEW_USER_PASSWORD")
    ] = "",
) -> None:
    """Create a user from the command line: how an operator makes a new state's first administrator,
    whom no API call can create (every call already needs a role in that state)."""
    from digit.app import build_platform
    from digit.kernel.envelope import split_values
    from digit.kernel.errors import DomainError
    from digit.kernel.settings import Settings

    console = Console(stderr=True)
    codes = split_values(roles)

    async def run() -> int:
        platform, _ = build_platform(Settings())
        try:
            async with platform.sessions() as session, session.begin():
                user = {
                    "userName": username,
                    "name": name,
                    "type": user_type.upper(),
                    "tenantId": tenant,
                    "password": password,
                    "roles": [{"code": code, "name": code, "tenantId": tenant} for code in codes],
                }
                created = await create_user(session, platform.get(Identity), user=user, actor=Actor.system(tenant))
            console.print(
                f"created {user_type.upper()} {username} in {tenant} with roles {', '.join(codes)} "
                f"(uuid {created.uuid})"
            )
            return 0
        except DomainError as error:
            console.print(f"[red]not created[/red]: {error.code}: {error.message}")
            return 1
        finally:
            await platform.close()

    raise typer.Exit(asyncio.run(run()))


BLOCK = Block(
    name="user",
    routers=[router],
    depends=("mdms", "encryption"),
    install=install,
    seed=seed,
    cli=commands,
    background=(PRUNE,),
)
