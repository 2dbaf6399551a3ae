"""What other blocks use to find employees (PGR: the LMEs of a department, a GRO's colleagues)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from digit.blocks.hrms import service
from digit.blocks.hrms.employees import AssignmentInfo, EmployeeInfo, JurisdictionInfo, employee_info
from digit.blocks.hrms.schemas import MAX_LIMIT
from digit.blocks.hrms.service import HRMS_EMPLOYEES, Hrms, SearchCriteria
from digit.blocks.user.client import USER_AUTH
from digit.kernel.platform import Key
from digit.kernel.versions import VersionedCache

__all__ = [  # the types of the interface travel with it: other blocks import only this module
    "HRMS_CLIENT",
    "AssignmentInfo",
    "EmployeeInfo",
    "HrmsClient",
    "InProcessHrmsClient",
    "JurisdictionInfo",
]


class HrmsClient(Protocol):
    async def search_employees(
        self,
        *,
        tenant_id: str,
        uuids: Sequence[str] = (),
        departments: Sequence[str] = (),
        roles: Sequence[str] = (),
        is_active: bool | None = True,
    ) -> Sequence[EmployeeInfo]:
        """Employees (contact details in clear, for internal use), frozen: they are shared through a
        per-process cache, so no caller can change what the next one reads.

        `departments` match the current assignment; a state tenant covers its cities."""
        ...


class InProcessHrmsClient:
    """Reads through the platform's read-only sessions: safe to call inside another block's transaction. Its
    methods restate `HrmsClient`'s signatures on purpose (the Protocol is the interface other blocks type against)."""

    def __init__(self, hrms: Hrms) -> None:
        self._hrms = hrms
        # employees change rarely and are read on every assignment: cache searches per process
        self._searches: VersionedCache[tuple[Any, ...], tuple[EmployeeInfo, ...]] = hrms.platform.versions.cache(
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
    ) -> Sequence[EmployeeInfo]:
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
            rows = await service.search_rows(session, self._hrms, criteria)
            users = await self._hrms.users.get_users([row.uuid for row in rows]) if rows else {}
            found = tuple(employee_info(row, users.get(row.uuid)) for row in rows)
        self._searches.put(key, found)
        return found


HRMS_CLIENT = Key[HrmsClient](HrmsClient)
"""The platform key of `HrmsClient`."""
