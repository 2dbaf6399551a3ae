"""What other blocks use to number their records (PGR service request ids, receipts, bills...)."""

from __future__ import annotations

from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.idgen import service
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.platform import Key, Platform
from digit.kernel.security import SYSTEM_UUID


class IdgenClient(Protocol):
    async def generate(
        self,
        session: AsyncSession | None,
        *,
        tenant_id: str,
        id_name: str,
        format: str | None = None,
        count: int = 1,
    ) -> list[str]: ...


class InProcessIdgenClient:
    """Passing the caller's session numbers inside its transaction (a rollback gives the numbers back)."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self._zone = ZoneInfo(platform.settings.idgen_time_zone)

    async def generate(
        self,
        session: AsyncSession | None,
        *,
        tenant_id: str,
        id_name: str,
        format: str | None = None,
        count: int = 1,
    ) -> list[str]:
        spec = service.IdRequestSpec(id_name=id_name, tenant_id=tenant_id, format=format, count=count)
        if session is not None:
            return await self._generate(session, spec)
        async with self._platform.sessions() as own, own.begin():
            return await self._generate(own, spec)

    async def _generate(self, session: AsyncSession, spec: service.IdRequestSpec) -> list[str]:
        results = await service.generate_ids(
            session,
            requests=[spec],
            mdms=self._platform.get(MDMS_CLIENT),
            zone=self._zone,
            now_ms=self._platform.clock.now_ms(),
            actor_uuid=SYSTEM_UUID,
        )
        return results[0]


IDGEN_CLIENT = Key[IdgenClient](IdgenClient)
"""The platform key of `IdgenClient`."""
