"""egov-user and user-otp: users with roles per tenant, OTP, login tokens, PII encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from digit.blocks.user.api import router
from digit.blocks.user.client import InProcessTokenAuthenticator, InProcessUserClient, TokenAuthenticator, UserClient
from digit.blocks.user.service import Identity, create_user, find_by_user_name
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.platform import Platform
from digit.kernel.security import Actor


def install(platform: Platform) -> None:
    identity = Identity.build(platform)
    platform.provide(Identity, identity)
    platform.provide(UserClient, InProcessUserClient(identity))  # type: ignore[type-abstract]
    platform.provide(TokenAuthenticator, InProcessTokenAuthenticator(identity))  # type: ignore[type-abstract]


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


BLOCK = Block(name="user", routers=[router], depends=("mdms", "encryption"), install=install, seed=seed)
