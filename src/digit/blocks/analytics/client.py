"""What other blocks (the web UI) use: charts and dashboards, computed in-process on a read session."""

from __future__ import annotations

from typing import Any, Protocol

from digit.blocks.analytics import service
from digit.blocks.analytics.deps import AnalyticsDeps
from digit.blocks.analytics.schemas import AggregationRequest, ChartData
from digit.kernel.platform import Key
from digit.kernel.security import Actor


class AnalyticsClient(Protocol):
    async def chart(self, *, request: AggregationRequest, tenants: frozenset[str], actor: Actor) -> ChartData: ...

    async def dashboards(self, *, tenant_id: str, actor: Actor) -> list[dict[str, Any]]: ...

    async def chart_csv(self, chart: ChartData) -> str: ...


class InProcessAnalyticsClient:
    def __init__(self, deps: AnalyticsDeps) -> None:
        self._deps = deps

    async def chart(self, *, request: AggregationRequest, tenants: frozenset[str], actor: Actor) -> ChartData:
        """The caller must have checked `tenants` against the actor's roles (the web does, through the gate)."""
        async with self._deps.read_sessions() as session:
            return await service.get_chart(session, self._deps, request=request, tenants=tenants, actor=actor)

    async def dashboards(self, *, tenant_id: str, actor: Actor) -> list[dict[str, Any]]:
        return await service.dashboards(self._deps, tenant_id=tenant_id, actor=actor)

    async def chart_csv(self, chart: ChartData) -> str:
        return service.chart_csv(chart)


ANALYTICS_CLIENT = Key[AnalyticsClient](AnalyticsClient)
"""The platform key of `AnalyticsClient`."""
