"""`/digit-ui/employee/dss/dashboard/{id}` (DIGIT-UI's path) and the CSV of one chart.

Filters travel in the query string: `scope` (a city, or the state for every city), `from`/`to` (dates),
`locality`, `department`, `service`; a table row's drill-down link adds its own filter. Every chart is
one getChartV2 call with the employee's token.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from digit.web.backend import ApiError
from digit.web.dashboards.svg import bars, line_chart
from digit.web.employee.desk import DSS_PGR, DSS_REVENUE, DSS_SERVICES, Desk, open_desk
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=f"{EMPLOYEE_PREFIX}/dss", include_in_schema=False)
CHART = "/dashboard-analytics/dashboard/getChartV2"
SCREENS = {"pgr": DSS_PGR, "revenue": DSS_REVENUE, "services": DSS_SERVICES}
FILTERS = {"locality": "wardId", "department": "departmentId", "service": "businessService", "category": "serviceCode"}
DAY_MS = 86_400_000


def _day_ms(text: str | None, fallback: date) -> int:
    try:
        day = date.fromisoformat(text) if text else fallback
    except ValueError:
        day = fallback
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def _query(web: WebContext) -> dict[str, str]:
    return {k: v for k, v in web.request.query_params.items() if k in ("scope", "from", "to", *FILTERS) and v}


def _aggregation(web: WebContext, code: str, query: dict[str, str]) -> dict[str, Any]:
    today = datetime.fromtimestamp(web.platform.clock.now_ms() / 1000, tz=UTC).date()
    start = _day_ms(query.get("from"), date(today.year if today.month >= 4 else today.year - 1, 4, 1))
    end = _day_ms(query.get("to"), today) + DAY_MS - 1
    scope = query.get("scope") or web.city
    filters: dict[str, Any] = {"tenantId": [scope]}
    filters |= {FILTERS[k]: [v] for k, v in query.items() if k in FILTERS}
    return {
        "headers": {"tenantId": web.state_id},
        "aggregationRequestDto": {
            "visualizationCode": code,
            "filters": filters,
            "requestDate": {"startDate": start, "endDate": end},
        },
    }


async def _dashboard(web: WebContext, dashboard_id: str) -> dict[str, Any] | None:
    try:
        response = await web.backend.get_bytes(
            f"/dashboard-analytics/dashboard/getDashboardConfig/{dashboard_id}", tenantId=web.city
        )
    except ApiError:
        return None
    found: list[dict[str, Any]] = json.loads(response.content).get("responseData") or []
    return found[0] if found else None


def _drill(web: WebContext, chart: dict[str, Any], row_key: str, query: dict[str, str]) -> str | None:
    """The link a table row opens: its filter added (a city row: the city becomes the scope)."""
    if chart.get("drillDownChartId", "none") == "none" or not chart.get("filter"):
        return None
    key = chart["filter"][0]["key"]
    more = {"scope": row_key} if key == "tenantId" else {"locality" if key == "wardId" else "department": row_key}
    return web.url(web.request.url.path, **(query | more))


@router.get("/dashboard/{dashboard_id}")
async def dashboard_page(web: WebDep, dashboard_id: Annotated[str, Path(max_length=32)]) -> Response:
    screen = SCREENS.get(dashboard_id)
    desk = await open_desk(web, screen)
    if not isinstance(desk, Desk):
        return desk
    config = await _dashboard(web, dashboard_id) if screen else None
    if config is None:
        return await desk.not_found()
    query = _query(web)
    rows = []
    for row in config.get("visualizations") or []:
        charts = []
        for viz in row.get("vizArray") or []:
            for item in viz.get("charts") or []:
                try:
                    body = await web.backend.post(CHART, _aggregation(web, item["id"], query))
                except ApiError as error:
                    if error.status == 403:
                        return await desk.refused()
                    raise
                data = body["responseData"]
                charts.append(_view(web, data, query))
        rows.append({"name": row.get("name"), "charts": charts})
    return await desk.render(
        "dashboards/dashboard.html",
        dashboard=config,
        rows=rows,
        query=query,
        scopes=[(web.state_id, web.t("EU_DSS_ALL_CITIES")), *[(c.code, c.name) for c in web.cities]],
        scope=query.get("scope") or web.city,
    )


def _view(web: WebContext, data: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    kind = data["chartType"]
    view: dict[str, Any] = {"code": data["visualizationCode"], "type": kind, "definition": data.get("definition")}
    view["name"] = data.get("chartName") or data["visualizationCode"]
    view["csv"] = web.url(f"{EMPLOYEE_PREFIX}/dss/chart/{data['visualizationCode']}.csv", **query)
    rows = data.get("data") or []
    if kind == "metric":
        view["title"] = rows[0]["headerName"] if rows else ""
        view["value"] = rows[0]["headerValue"] if rows else None
        view["symbol"] = rows[0]["headerSymbol"] if rows else "number"
        view["prior"] = rows[0].get("priorValue") if rows else None
        view["insight"] = rows[0].get("insight") if rows else None
    elif kind == "line":
        view["line"] = line_chart(rows)
    elif kind == "pie":
        view["title"] = rows[0]["headerName"] if rows else ""
        view["bars"] = bars(rows[0]["plots"] if rows else [])
    else:
        view["columns"] = [p["name"] for p in rows[0]["plots"]] if rows else []
        view["rows"] = [
            {
                "cells": [p["label"] if p["symbol"] == "text" else p["value"] for p in r["plots"]],
                "link": _drill(web, data, r["headerName"], query),
            }
            for r in rows
        ]
    return view


@router.get("/chart/{code}.csv")
async def chart_csv(web: WebDep, code: Annotated[str, Path(max_length=128)]) -> Response:
    desk = await open_desk(web, DSS_PGR)
    if not isinstance(desk, Desk):
        return desk
    try:
        response = await web.backend.post_bytes(f"{CHART}/_csv", _aggregation(web, code, _query(web)))
    except ApiError as error:
        return await (desk.refused() if error.status == 403 else desk.not_found())
    return Response(
        response.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}.csv"'},
    )
