"""What other blocks use to read master data: cached, with city -> state fallback, and tenant facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.mdms.service import MasterDataCache, apply_filter, schema_code, tenant_records, upsert_master
from digit.kernel.errors import Invalid
from digit.kernel.platform import Key
from digit.kernel.tenancy import is_city_of, is_state, state_of


@dataclass(frozen=True)
class TenantCity:
    """The `city` object of a tenant record: what id formats (`[city]`) and district grouping read."""

    code: str | None
    name: str | None
    district_code: str | None
    district_name: str | None
    region_name: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Tenant:
    """A `tenant.tenants` record, typed: a state's or a city's code and name, and the city facts it holds."""

    code: str
    name: str | None
    type: str | None
    city: TenantCity | None


def _text(value: Any) -> str | None:
    return str(value) if value is not None and value != "" else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def tenant_of(record: Mapping[str, Any]) -> Tenant:
    """A Tenant from its master data record (free-form JSON: a field of the wrong type reads as missing)."""
    city = record.get("city")
    return Tenant(
        code=str(record["code"]),
        name=_text(record.get("name")),
        type=_text(record.get("type")),
        city=TenantCity(
            code=_text(city.get("code")),
            name=_text(city.get("name")),
            district_code=_text(city.get("districtCode")),
            district_name=_text(city.get("districtName")),
            region_name=_text(city.get("regionName")),
            latitude=_number(city.get("latitude")),
            longitude=_number(city.get("longitude")),
        )
        if isinstance(city, Mapping)
        else None,
    )


class MdmsClient(Protocol):
    async def get_master(self, *, tenant_id: str, module: str, master: str, filter: str | None = None) -> list[Any]: ...

    async def get_tenant(self, tenant_id: str) -> Tenant | None: ...

    def invalidate(self) -> None: ...

    async def tenant_exists(self, tenant_id: str) -> bool: ...

    async def cities_of(self, state_id: str) -> list[str]: ...

    async def state_tenants(self) -> list[str]: ...

    async def upsert_records(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        module: str,
        master: str,
        records: Sequence[dict[str, Any]],
        actor_uuid: str,
        now_ms: int,
    ) -> int:
        """Create or replace records of one master (matched by its unique key) in the caller's transaction;
        other records of the master stay. Returns how many were created or changed; a misfit -> Invalid."""
        ...


class InProcessMdmsClient:
    """`MdmsClient` in this process. Its methods restate the Protocol's signatures on purpose: the Protocol is
    the interface other blocks type against, this class one implementation of it."""

    def __init__(self, cache: MasterDataCache) -> None:
        self._cache = cache

    async def get_master(self, *, tenant_id: str, module: str, master: str, filter: str | None = None) -> list[Any]:
        """The master's records for the tenant (city data, else the state's); [] when it has none.

        The records are the process cache's own objects: read them, never change them in place.
        """
        records = await self._cache.records(tenant_id=tenant_id, code=schema_code(module, master))
        return apply_filter(records, filter) if filter else list(records)

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        """The `tenant.tenants` record of a tenant (held at its state), or None if it is unknown."""
        tenants = await tenant_records(self._cache, tenant_id)
        record = next((t for t in tenants if t.get("code") == tenant_id), None)
        return tenant_of(record) if record is not None else None

    def invalidate(self) -> None:
        self._cache.invalidate()

    async def tenant_exists(self, tenant_id: str) -> bool:
        """Listed in its state's `tenant.tenants`, or holding master data of its own (DIGIT: a data folder)."""
        return bool(tenant_id) and tenant_id in await self._cache.tenants()

    async def cities_of(self, state_id: str) -> list[str]:
        """Codes of the cities the state's `tenant.tenants` lists, in its order."""
        if not is_state(state_id):
            return []
        return [
            t["code"]
            for t in await tenant_records(self._cache, state_id)
            if isinstance(t.get("code"), str) and is_city_of(t["code"], state_id)
        ]

    async def state_tenants(self) -> list[str]:
        """Every known state (root) tenant, sorted."""
        return sorted({state_of(t) for t in await self._cache.tenants() if t and t != "*"})

    async def upsert_records(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        module: str,
        master: str,
        records: Sequence[dict[str, Any]],
        actor_uuid: str,
        now_ms: int,
    ) -> int:
        result = await upsert_master(
            session,
            tenant_id=tenant_id,
            code=schema_code(module, master),
            records=records,
            actor_uuid=actor_uuid,
            now_ms=now_ms,
        )
        if result.faults:
            raise Invalid.many([("MDMS_RECORD_INVALID", f"{module}.{master} {fault}") for fault in result.faults])
        self._cache.invalidate()  # every read checks the version until this write is surely committed
        return result.created + result.updated


MDMS_CLIENT = Key[MdmsClient](MdmsClient)
"""The platform key of `MdmsClient`."""
