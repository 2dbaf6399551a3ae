"""Analytics: grievance KPIs through getChartV2, from events in to numbers out (block: analytics).

The history (tests/analytics_helpers.grievances): three complaints filed in Amritsar, one rejected, one
resolved 12 hours after filing (street lights: SLA 48 h), one open.
"""

from __future__ import annotations

import httpx
import pytest

from digit.blocks.analytics import service
from digit.blocks.analytics.deps import ANALYTICS_DEPS
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.analytics_helpers import (
    AMRITSAR,
    CHART,
    JALANDHAR,
    chart,
    chart_body,
    commissioner,
    grievances,
    ms,
    pie,
    table,
    value,
)
from tests.builders import citizen_login, login


@pytest.fixture
async def history(api: httpx.AsyncClient, platform: Platform, clock: FrozenClock) -> list[str]:
    return await grievances(api, platform, clock)


async def test_total_complaints_counts_the_complaints_filed(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await value(api, await commissioner(api), "totalComplaints") == 3


async def test_closed_complaints_counts_rejected_and_resolved(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await value(api, await commissioner(api), "closedComplaints") == 2


async def test_completion_rate_is_closed_over_filed(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await value(api, await commissioner(api), "completionRate") == 66.67


async def test_sla_achieved_counts_a_complaint_resolved_within_its_sla(
    api: httpx.AsyncClient, history: list[str]
) -> None:
    assert await value(api, await commissioner(api), "slaAchieved") == 100


async def test_sla_achieved_excludes_a_complaint_resolved_after_its_sla(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    await grievances(api, platform, clock, resolve_after_hours=50)

    assert await value(api, await commissioner(api), "slaAchieved") == 0


async def test_average_resolution_time_is_in_days_from_filing(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await value(api, await commissioner(api), "averageResolutionTime") == 0.5


async def test_p90_resolution_time_comes_from_the_histogram(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await value(api, await commissioner(api), "p90ResolutionTime") == 0.5


async def test_complaints_by_status_splits_by_current_status(api: httpx.AsyncClient, history: list[str]) -> None:
    found = await pie(api, await commissioner(api), "complaintsByStatus")

    assert found == {"PENDINGFORASSIGNMENT": 1, "REJECTED": 1, "RESOLVED": 1}


async def test_complaints_by_channel_uses_the_source(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await pie(api, await commissioner(api), "complaintsByChannel") == {"WEB": 3}


async def test_status_by_locality_gives_one_row_per_locality(api: httpx.AsyncClient, history: list[str]) -> None:
    rows = await table(api, await commissioner(api), "pgrStatusByLocality")

    assert {k: (r["Total"], r["Closed"], r["Open"]) for k, r in rows.items()} == {
        history[0]: (2, 1, 1),
        history[1]: (1, 1, 0),
    }


async def test_a_locality_filter_narrows_every_chart(api: httpx.AsyncClient, history: list[str]) -> None:
    assert await value(api, await commissioner(api), "totalComplaints", filters={"wardId": [history[1]]}) == 1


async def test_cumulative_closed_complaints_keeps_a_running_total(api: httpx.AsyncClient, history: list[str]) -> None:
    response = await chart(api, await commissioner(api), "cumulativeClosedComplaints", interval="day")
    series = {d["headerName"]: [p["value"] for p in d["plots"]] for d in response.json()["responseData"]["data"]}

    assert (series["Total"][24], series["Total"][25], series["Total"][-1]) == (0, 3, 3)
    assert series["Closed"][-1] == 2


async def test_state_commissioner_sees_every_city_by_tenant(api: httpx.AsyncClient, history: list[str]) -> None:
    rows = await table(api, await commissioner(api, state=True), "pgrStatusByTenant", tenants=[])

    assert {k: r["Total"] for k, r in rows.items()} == {AMRITSAR: 3}


async def test_tenant_table_drills_down_to_the_locality_chart(api: httpx.AsyncClient, history: list[str]) -> None:
    response = await chart(api, await commissioner(api, state=True), "pgrStatusByTenant", tenants=["pb"])

    data = response.json()["responseData"]
    assert (data["drillDownChartId"], data["filter"]) == ("pgrStatusByLocality", [{"key": "tenantId", "column": "ULB"}])


async def test_city_commissioner_asking_for_another_city_is_403(api: httpx.AsyncClient, history: list[str]) -> None:
    response = await chart(api, await commissioner(api), "totalComplaints", tenants=[JALANDHAR])

    assert response.status_code == 403


async def test_city_commissioner_asking_for_the_state_is_403(api: httpx.AsyncClient, history: list[str]) -> None:
    response = await chart(api, await commissioner(api), "totalComplaints", tenants=["pb"])

    assert response.status_code == 403


async def test_another_citys_officer_sees_none_of_amritsars_complaints(
    api: httpx.AsyncClient, history: list[str]
) -> None:
    body = chart_body("totalComplaints", tenants=[JALANDHAR])
    gro = await login(api, "GRO_JAL", JALANDHAR)

    response = await api.post(CHART, json=body, headers=gro)

    assert response.status_code == 403


async def test_citizen_reading_a_chart_is_403(api: httpx.AsyncClient, history: list[str]) -> None:
    response = await chart(api, await citizen_login(api), "totalComplaints")

    assert response.status_code == 403


async def test_unknown_chart_is_404(api: httpx.AsyncClient) -> None:
    response = await chart(api, await commissioner(api), "noSuchChart")

    assert response.status_code == 404
    assert [e["code"] for e in response.json()["Errors"]] == ["CHART_NOT_FOUND"]


async def test_a_range_ending_before_it_starts_is_400(api: httpx.AsyncClient) -> None:
    response = await chart(api, await commissioner(api), "totalComplaints", dates=(2_000, 1_000))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_DATE_RANGE"]


async def test_chart_carries_the_kpi_definition(api: httpx.AsyncClient) -> None:
    response = await chart(api, await commissioner(api), "slaAchieved")

    assert "within their complaint type's SLA" in response.json()["responseData"]["definition"]


async def test_rebuild_gives_the_same_numbers(api: httpx.AsyncClient, platform: Platform, history: list[str]) -> None:
    headers = await commissioner(api)
    before = await table(api, headers, "pgrStatusByLocality")

    replayed = await service.rebuild(platform.get(ANALYTICS_DEPS))

    assert replayed > 0
    assert await table(api, headers, "pgrStatusByLocality") == before


async def test_rebuild_twice_counts_each_event_once(
    api: httpx.AsyncClient, platform: Platform, history: list[str]
) -> None:
    await service.rebuild(platform.get(ANALYTICS_DEPS))
    await service.rebuild(platform.get(ANALYTICS_DEPS))

    assert await value(api, await commissioner(api), "totalComplaints") == 3


async def test_csv_export_has_one_line_per_table_row(api: httpx.AsyncClient, history: list[str]) -> None:
    body = chart_body("pgrStatusByLocality")

    response = await api.post(f"{CHART}/_csv", json=body, headers=await commissioner(api))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("S.N.,Locality,Total,Open,Closed")
    assert len(lines) == 3


async def test_dashboard_config_lists_the_grievance_charts(api: httpx.AsyncClient) -> None:
    response = await api.get("/dashboard-analytics/dashboard/getDashboardConfig/pgr", headers=await commissioner(api))

    assert response.status_code == 200
    [dashboard] = response.json()["responseData"]
    charts = [c["id"] for row in dashboard["visualizations"] for v in row["vizArray"] for c in v["charts"]]
    assert "totalComplaints" in charts and "pgrStatusByTenant" in charts


async def test_dashboard_config_for_a_role_without_the_dashboard_is_404(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await api.get("/dashboard-analytics/dashboard/getDashboardConfig/nosuch", headers=admin)

    assert response.status_code == 404


async def test_open_and_breached_is_zero_before_the_sla_runs_out(
    api: httpx.AsyncClient, clock: FrozenClock, history: list[str]
) -> None:
    clock.advance(hours=36)  # filed 10:00 on the 26th, SLA 48 h: due 10:00 on the 28th; now 10:00 on the 28th

    assert await value(api, await commissioner(api), "openBreachedComplaints") == 0


async def test_open_and_breached_counts_the_open_complaint_once_its_sla_hour_has_passed(
    api: httpx.AsyncClient, clock: FrozenClock, history: list[str]
) -> None:
    clock.advance(hours=37)  # 11:00 on the 28th: the 10:00 hour is over

    assert await value(api, await commissioner(api), "openBreachedComplaints") == 1
    assert await pie(api, await commissioner(api), "openBreachedByLocality") == {history[0]: 1}


async def test_a_breached_complaint_resolved_late_leaves_the_open_breached_count(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    await grievances(api, platform, clock, resolve_after_hours=50)  # the resolved one was breached while open
    clock.advance(hours=1)

    assert await value(api, await commissioner(api), "openBreachedComplaints") == 1  # the one left open


async def test_metric_carries_the_value_of_the_previous_period_of_the_same_length(
    api: httpx.AsyncClient, history: list[str]
) -> None:
    two_days = (ms(2026, 11, 27), ms(2026, 11, 29) - 1)  # the previous two days: 25th and 26th (filed on the 26th)

    response = await chart(api, await commissioner(api), "totalComplaints", dates=two_days)

    [data] = response.json()["responseData"]["data"]
    assert (data["headerValue"], data["priorValue"]) == (0, 3)
    assert data["insight"] == {
        "name": "INSIGHTS",
        "value": "-100.0% than previous 2 days",
        "indicator": "lower_red",
        "colorCode": "lower_red",
    }


async def test_metric_without_a_previous_value_has_no_insight(api: httpx.AsyncClient, history: list[str]) -> None:
    response = await chart(api, await commissioner(api), "totalComplaints")

    [data] = response.json()["responseData"]["data"]
    assert (data["headerValue"], data["priorValue"], data["insight"]) == (3, 0, None)


async def test_closed_complaints_rise_against_the_previous_period(api: httpx.AsyncClient, history: list[str]) -> None:
    """Two periods of 30 days: November closed 2, October closed 0 -> no % change (none of 0); a rise from 0."""
    response = await chart(api, await commissioner(api), "closedComplaints")

    [data] = response.json()["responseData"]["data"]
    assert (data["headerValue"], data["priorValue"]) == (2, 0)
