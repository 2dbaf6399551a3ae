"""What other blocks use to find employees (PGR: the LMEs of a department, a GRO's colleagues)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from digit.blocks.hrms import service
from digit.blocks.hrms.schemas import MAX_LIMIT
from digit.blocks.hrms.service import HRMS_EMPLOYEES, Hrms, SearchCriteria
from digit.blocks.user.caching import USER_AUTH
from digit.kernel.platform import Key
from digit.kernel.versions import VersionedCache


class HrmsClient(Protocol):
    async def search_employees(
        self,
        *,
        tenant_id: str,
        uuids: Sequence[str] = (),
        departments: Sequence[str] = (),
        roles: Sequence[str] = (),
        is_active: bool | None = True,
    ) -> list[dict[str, Any]]:
        """DIGIT Employee dicts (camelCase; `uuid` = the user's uuid; `user` decrypted, for internal use).

        `departments` match the current assignment; a state tenant covers its cities."""
        ...


class InProcessHrmsClient:
    """Reads through the platform's read-only sessions: safe to call inside another block's transaction."""

    def __init__(self, hrms: Hrms) -> None:
        self._hrms = hrms
        # employees change rarely and are read on every assignment: cache searches per process
        self._searches: VersionedCache[tuple[Any, ...], list[dict[str, Any]]] = hrms.platform.versions.cache(
            HRMS_EMPLOYEES, also=(USER_AUTH,)
        )

    async def search_employees(
        self,
        *,
        tenant_id: str,
        uuids: Sequence[str] = (),
        departments: Sequence[str] = (),
        roles: Sequence[str] = (),
        is_active: bool | None = True,
    ) -> list[dict[str, Any]]:
        key = (tenant_id, tuple(sorted(uuids)), tuple(sorted(departments)), tuple(sorted(roles)), is_active)
        cached = await self._searches.get(key)
        if cached is not None:
            return cached
        criteria = SearchCriteria(
            tenant_id=tenant_id,
            uuids=list(uuids),
            departments=list(departments),
            roles=list(roles),
            is_active=is_active,
            limit=MAX_LIMIT,
        )
        async with self._hrms.platform.read_sessions() as session:
            found = await service.search_employees(session, self._hrms, criteria, viewer=None)
        self._searches.put(key, found)
        return found


HRMS_CLIENT = Key[HrmsClient](HrmsClient)
"""The platform key of `HrmsClient`."""
