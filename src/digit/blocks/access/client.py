"""What the gate and other blocks use: authenticate a token, authorise a route for tenants, and the routes a
set of roles reaches (the web UI's menu)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from digit.blocks.access.service import RoleActionIndex, TenantIndex
from digit.blocks.user.client import TOKEN_AUTHENTICATOR
from digit.kernel.envelope import UserInfo
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor

_MAX_ROLE_SETS = 1000  # distinct (tenant, roles) pairs kept; more are rare, and dropping them costs one rebuild


class AccessClient(Protocol):
    async def is_allowed(self, actor: Actor, *, route: str, tenant_ids: set[str]) -> bool: ...

    async def routes_for(self, *, tenant_id: str, role_codes: Collection[str]) -> frozenset[str]:
        """The action urls (as MDMS spells them) the roles map to in the tenant: the gate's own data."""
        ...


class MdmsAccessProvider:
    """The kernel's `AccessProvider`: tokens from the user block, role-action mappings from MDMS."""

    def __init__(self, platform: Platform, index: RoleActionIndex) -> None:
        self._platform = platform
        self._index = index
        self._routes: dict[tuple[str, frozenset[str]], tuple[TenantIndex, frozenset[str]]] = {}

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

    async def routes_for(self, *, tenant_id: str, role_codes: Collection[str]) -> frozenset[str]:
        """Kept per (tenant, roles) while the tenant's index is the same object: the index is rebuilt when MDMS
        hands out a new generation of its masters, which a role-action or action change in any process causes
        (MDMS's version counter, looked at every `mdms_cache_check_ms`); so a page asks no statement on a hit."""
        roles = frozenset(role_codes)
        index = await self._index.for_tenant(tenant_id)
        key = (tenant_id, roles)
        found = self._routes.get(key)
        if found is not None and found[0] is index:
            return found[1]
        actions = await self._index.actions_for_roles(tenant_id=tenant_id, role_codes=sorted(roles))
        routes = frozenset(str(a["url"]) for a in actions if isinstance(a, dict) and a.get("url"))
        if len(self._routes) >= _MAX_ROLE_SETS:
            self._routes.clear()
        self._routes[key] = (index, routes)
        return routes


ACCESS_CLIENT = Key[AccessClient](AccessClient)
"""The platform key of `AccessClient`."""
