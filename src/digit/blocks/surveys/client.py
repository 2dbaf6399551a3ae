"""What other blocks (the web UI, a citizen home page) use to list surveys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from digit.blocks.surveys import service
from digit.blocks.surveys.deps import SurveysDeps
from digit.blocks.surveys.schemas import SurveyEntity
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor


class SurveysClient(Protocol):
    async def search(
        self,
        *,
        tenant_ids: Sequence[str],
        actor: Actor,
        status: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[SurveyEntity]:
        """Live surveys of the tenants as `actor` would see them (status ACTIVE = open now), newest first."""
        ...


class InProcessSurveysClient:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def search(
        self,
        *,
        tenant_ids: Sequence[str],
        actor: Actor,
        status: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[SurveyEntity]:
        criteria = service.SearchCriteria(tenant_ids=tenant_ids, status=status, offset=offset, limit=limit)
        async with self._platform.read_sessions() as session:
            found = await service.search_surveys(
                session, SurveysDeps.of(self._platform), criteria=criteria, actor=actor
            )
        return found.surveys


SURVEYS_CLIENT = Key[SurveysClient](SurveysClient)
"""The platform key of `SurveysClient`."""
