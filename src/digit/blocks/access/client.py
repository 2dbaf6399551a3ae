"""What the gate and other blocks use: authenticate a token, authorise a route for tenants."""

from __future__ import annotations

from typing import Protocol

from digit.blocks.access.service import RoleActionIndex
from digit.blocks.user.client import TOKEN_AUTHENTICATOR
from digit.kernel.envelope import UserInfo
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor


class AccessClient(Protocol):
    async def is_allowed(self, actor: Actor, *, route: str, tenant_ids: set[str]) -> bool: ...


class MdmsAccessProvider:
    """The kernel's `AccessProvider`: tokens from the user block, role-action mappings from MDMS."""

    def __init__(self, platform: Platform, index: RoleActionIndex) -> None:
        self._platform = platform
        self._index = index

    async def authenticate(self, token: str) -> UserInfo | None:
        authenticator = self._platform.get(TOKEN_AUTHENTICATOR)
        return await authenticator.authenticate(token)

    async def authorize(self, user: UserInfo, *, route: str, method: str, tenant_ids: set[str]) -> bool:
        return await self._index.allowed(Actor.of(user), route=route, tenant_ids=tenant_ids)

    async def is_allowed(self, actor: Actor, *, route: str, tenant_ids: set[str]) -> bool:
        return await self._index.allowed(actor, route=route, tenant_ids=tenant_ids)

    async def roles_for(self, *, route: str, tenant_id: str) -> frozenset[str]:
        index = await self._index.for_tenant(tenant_id)
        return index.roles_for(route)


ACCESS_CLIENT = Key[AccessClient](AccessClient)
"""The platform key of `AccessClient`."""
