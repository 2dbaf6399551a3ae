"""What other blocks use to read master data: cached, with city -> state fallback."""

from __future__ import annotations

from typing import Any, Protocol

from digit.blocks.mdms.service import MasterDataCache, apply_filter, schema_code


class MdmsClient(Protocol):
    async def get_master(self, *, tenant_id: str, module: str, master: str, filter: str | None = None) -> list[Any]: ...

    async def get_tenant(self, tenant_id: str) -> dict[str, Any] | None: ...

    def invalidate(self) -> None: ...


class InProcessMdmsClient:
    def __init__(self, cache: MasterDataCache) -> None:
        self._cache = cache

    async def get_master(self, *, tenant_id: str, module: str, master: str, filter: str | None = None) -> list[Any]:
        records = await self._cache.records(tenant_id=tenant_id, code=schema_code(module, master))
        return apply_filter(records, filter) if filter else list(records)

    async def get_tenant(self, tenant_id: str) -> dict[str, Any] | None:
        """The `tenant.tenants` record of a tenant (held at its state), or None if it is unknown."""
        tenants = await self.get_master(tenant_id=tenant_id, module="tenant", master="tenants")
        return next((t for t in tenants if isinstance(t, dict) and t.get("code") == tenant_id), None)

    def invalidate(self) -> None:
        self._cache.invalidate()
