"""DIGIT's dashboard-analytics paths: getChartV2, getDashboardConfig, and a CSV export of any chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from digit.blocks.analytics import service
from digit.blocks.analytics.deps import ANALYTICS_DEPS, AnalyticsDeps
from digit.blocks.analytics.schemas import ChartRequest, ChartResponse, DashboardResponse
from digit.kernel.deps import CurrentActor, PlatformDep, ReadSessionDep
from digit.kernel.request_tenants import AuthorisedTenants

PREFIX = "/dashboard-analytics/dashboard"
router = APIRouter(prefix=PREFIX, tags=["analytics"])


async def _deps(platform: PlatformDep) -> AnalyticsDeps:
    return platform.get(ANALYTICS_DEPS)


DepsDep = Annotated[AnalyticsDeps, Depends(_deps)]


@router.post("/getChartV2")
async def get_chart_v2(
    body: ChartRequest,
    session: ReadSessionDep,
    deps: DepsDep,
    actor: CurrentActor,
    tenants: AuthorisedTenants,
) -> ChartResponse:
    """One chart's data for the tenants the caller is authorised for (`filters.tenantId`, else their own)."""
    chart = await service.get_chart(session, deps, request=body.aggregation_request_dto, tenants=tenants, actor=actor)
    return ChartResponse(response_data=chart)


@router.post("/getChartV2/_csv")
async def export_chart(
    body: ChartRequest,
    session: ReadSessionDep,
    deps: DepsDep,
    actor: CurrentActor,
    tenants: AuthorisedTenants,
) -> Response:
    """The same chart as getChartV2, as a CSV file."""
    chart = await service.get_chart(session, deps, request=body.aggregation_request_dto, tenants=tenants, actor=actor)
    return Response(
        service.chart_csv(chart),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{chart.visualization_code}.csv"'},
    )


@router.get("/getDashboardConfig/{dashboardId}")
async def get_dashboard_config(
    dashboard_id: Annotated[str, Path(alias="dashboardId", max_length=64)],
    deps: DepsDep,
    actor: CurrentActor,
    tenants: AuthorisedTenants,
    catagory: Annotated[str | None, Query(max_length=64)] = None,
) -> DashboardResponse:
    """DIGIT getDashboardConfig (`catagory` sic): a dashboard's rows and charts, for the caller's roles."""
    found = await service.get_dashboard_config(
        deps, dashboard_id=dashboard_id, category=catagory, tenant_id=sorted(tenants)[0], actor=actor
    )
    return DashboardResponse(response_data=found)
