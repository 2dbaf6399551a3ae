"""What other blocks use to find employees (PGR: the LMEs of a department, a GRO's colleagues)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol

from digit.blocks.hrms import service
from digit.blocks.hrms.schemas import MAX_LIMIT
from digit.blocks.hrms.service import HRMS_EMPLOYEES, Hrms, SearchCriteria
from digit.blocks.user.client import USER_AUTH
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
    ) -> Sequence[Mapping[str, Any]]:
        """DIGIT Employees (camelCase; `uuid` = the user's uuid; `user` decrypted, for internal use), read-only:
        they are shared through a per-process cache (dicts are read-only mappings, lists tuples).

        `departments` match the current assignment; a state tenant covers its cities."""
        ...


def _frozen(value: Any) -> Any:
    """A read-only view of wire data (dicts as read-only mappings, lists as tuples), made once per cache entry:
    every caller then shares it at no cost, and none can change what the next one reads."""
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


class InProcessHrmsClient:
    """Reads through the platform's read-only sessions: safe to call inside another block's transaction."""

    def __init__(self, hrms: Hrms) -> None:
        self._hrms = hrms
        # employees change rarely and are read on every assignment: cache searches per process
        self._searches: VersionedCache[tuple[Any, ...], Sequence[Mapping[str, Any]]] = hrms.platform.versions.cache(
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
    ) -> Sequence[Mapping[str, Any]]:
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
            found: Sequence[Mapping[str, Any]] = _frozen(
                await service.search_employees(session, self._hrms, criteria, viewer=None)
            )
        self._searches.put(key, found)
        return found


HRMS_CLIENT = Key[HrmsClient](HrmsClient)
"""The platform key of `HrmsClient`."""
