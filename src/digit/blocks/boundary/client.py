"""What services (PGR) use to check and list boundaries: the tenant's ADMIN hierarchy from MDMS
`egov-location.TenantBoundary` (city, else its state), as DIGIT's egov-location serves it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from digit.blocks.boundary import service
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.platform import Key


class BoundaryClient(Protocol):
    async def locality_exists(self, tenant_id: str, code: str) -> bool: ...

    async def get_boundaries(self, tenant_id: str, codes: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    async def localities(self, tenant_id: str) -> list[dict[str, Any]]: ...


class InProcessBoundaryClient:
    def __init__(self, mdms: MdmsClient, *, hierarchy_type: str = "ADMIN") -> None:
        self._mdms = mdms
        self._hierarchy_type = hierarchy_type

    async def _records(self, tenant_id: str) -> list[Any]:
        return await self._mdms.get_master(tenant_id=tenant_id, module="egov-location", master="TenantBoundary")

    async def localities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's localities (nodes labelled Locality, else the leaves), without their children."""
        found = service.localities(await self._records(tenant_id), hierarchy_type=self._hierarchy_type)
        return [{k: v for k, v in node.items() if k != "children"} for node in found]

    async def locality_exists(self, tenant_id: str, code: str) -> bool:
        return any(node.get("code") == code for node in await self.localities(tenant_id))

    async def get_boundaries(self, tenant_id: str, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        """code -> boundary (any level of the ADMIN hierarchy, without children); unknown codes are absent."""
        wanted = set(codes)
        found: dict[str, dict[str, Any]] = {}
        for record in service.hierarchy_records(await self._records(tenant_id), self._hierarchy_type):
            for node in service.walk(service.roots_of(record)):
                code = node.get("code")
                if code in wanted and code not in found:
                    found[code] = {k: v for k, v in node.items() if k != "children"}
        return found


BOUNDARY_CLIENT = Key[BoundaryClient](BoundaryClient)
"""The platform key of `BoundaryClient`."""
