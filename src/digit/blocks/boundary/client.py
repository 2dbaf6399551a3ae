"""What services (PGR) use to check and list boundaries: the tenant's ADMIN hierarchy from MDMS
`egov-location.TenantBoundary` (city, else its state), as DIGIT's egov-location serves it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digit.blocks.boundary import service
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.platform import Key


@dataclass(frozen=True)
class Boundary:
    """One node of a tenant's boundary hierarchy (any level), without its children."""

    code: str
    name: str | None
    local_name: str | None
    label: str | None
    """The level, e.g. "Locality", "Ward" (DIGIT's `label`, else `boundaryType`)."""
    latitude: float | None
    longitude: float | None


def _text(value: Any) -> str | None:
    return str(value) if value is not None and value != "" else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def boundary_of(node: Mapping[str, Any]) -> Boundary:
    """A Boundary from its TenantBoundary node (free-form JSON: a field of the wrong type reads as missing)."""
    return Boundary(
        code=str(node.get("code")),
        name=_text(node.get("name")),
        local_name=_text(node.get("localname")),
        label=_text(node.get("label") or node.get("boundaryType")),
        latitude=_number(node.get("latitude")),
        longitude=_number(node.get("longitude")),
    )


class BoundaryClient(Protocol):
    async def locality_exists(self, tenant_id: str, code: str) -> bool: ...

    async def get_boundaries(self, tenant_id: str, codes: Sequence[str]) -> dict[str, Boundary]: ...

    async def localities(self, tenant_id: str) -> list[Boundary]: ...


class InProcessBoundaryClient:
    def __init__(self, mdms: MdmsClient, *, hierarchy_type: str = "ADMIN") -> None:
        self._mdms = mdms
        self._hierarchy_type = hierarchy_type

    async def _records(self, tenant_id: str) -> list[Any]:
        return await self._mdms.get_master(tenant_id=tenant_id, module="egov-location", master="TenantBoundary")

    async def localities(self, tenant_id: str) -> list[Boundary]:
        """The tenant's localities (nodes labelled Locality, else the leaves)."""
        found = service.localities(await self._records(tenant_id), hierarchy_type=self._hierarchy_type)
        return [boundary_of(node) for node in found if node.get("code") is not None]

    async def locality_exists(self, tenant_id: str, code: str) -> bool:
        found = service.localities(await self._records(tenant_id), hierarchy_type=self._hierarchy_type)
        return any(node.get("code") == code for node in found)

    async def get_boundaries(self, tenant_id: str, codes: Sequence[str]) -> dict[str, Boundary]:
        """code -> boundary (any level of the ADMIN hierarchy); unknown codes are absent."""
        wanted = set(codes)
        found: dict[str, Boundary] = {}
        for record in service.hierarchy_records(await self._records(tenant_id), self._hierarchy_type):
            for node in service.walk(service.roots_of(record)):
                code = node.get("code")
                if code in wanted and code not in found:
                    found[code] = boundary_of(node)
        return found


BOUNDARY_CLIENT = Key[BoundaryClient](BoundaryClient)
"""The platform key of `BoundaryClient`."""
