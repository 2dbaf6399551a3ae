"""What other blocks use to find employees (PGR: the LMEs of a department, a GRO's colleagues)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from digit.blocks.hrms import service
from digit.blocks.hrms.service import Hrms, SearchCriteria
from digit.kernel.platform import Key


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

    async def search_employees(
        self,
        *,
        tenant_id: str,
        uuids: Sequence[str] = (),
        departments: Sequence[str] = (),
        roles: Sequence[str] = (),
        is_active: bool | None = True,
    ) -> list[dict[str, Any]]:
        criteria = SearchCriteria(
            tenant_id=tenant_id,
            uuids=list(uuids),
            departments=list(departments),
            roles=list(roles),
            is_active=is_active,
            limit=service.MAX_LIMIT,
        )
        async with self._hrms.platform.read_sessions() as session:
            return await service.search_employees(session, self._hrms, criteria, viewer=None)


HRMS_CLIENT = Key[HrmsClient](HrmsClient)
"""The platform key of `HrmsClient`."""
