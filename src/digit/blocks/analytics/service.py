"""Charts as DIGIT's DSS answers them, computed by the metric engine; dashboards, CSV, rebuild.

Charts and dashboards are MDMS data (`dss-dashboard.ChartApiConfig`, `dss-dashboard.MasterDashboardConfig`),
each chart naming engine measures instead of Elasticsearch queries, and carrying its KPI's definition text.
Targets are MDMS data too (`dss-dashboard.Targets`).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.analytics.deps import AnalyticsDeps
from digit.blocks.analytics.facts import ALL_TABLES, FEEDS, build_rollups, day_of
from digit.blocks.analytics.metrics import Engine, Scope, bucket_label, is_cumulable, normal_filters, parse_targets
from digit.blocks.analytics.schemas import AggregationRequest, ChartData, Data, FilterKey, Insight, Plot
from digit.kernel.errors import Forbidden, Invalid, NotFound
from digit.kernel.events import Event, OutboxRow
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

MODULE = "dss-dashboard"
CHART_TYPES = ("metric", "line", "pie", "table")
SYMBOLS = {"number": "number", "amount": "amount", "percentage": "percentage", "days": "number"}
MAX_RANGE_MS = 10 * 366 * 86_400_000
TIMESTAMP_STUBS = ("todaysDate", "lastUpdatedTime")


@dataclass(frozen=True)
class Series:
    name: str
    measure: str


@dataclass(frozen=True)
class Chart:
    """One `ChartApiConfig` record."""

    code: str
    name: str
    chart_type: str
    value_type: str
    series: tuple[Series, ...]
    group_by: str | None
    interval: str | None
    is_cumulative: bool
    drill_chart: str
    filter_keys: tuple[FilterKey, ...]
    plot_label: str | None
    limit: int | None
    definition: str
    window: str | None = None  # "today": the chart reads only today, whatever the range

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Chart:
        return cls(
            code=str(record["visualizationCode"]),
            name=str(record.get("chartName") or record["visualizationCode"]),
            chart_type=str(record.get("chartType", "metric")),
            value_type=str(record.get("valueType", "number")),
            series=tuple(Series(str(m.get("name", "")), str(m["measure"])) for m in record.get("measures", [])),
            group_by=record.get("groupBy"),
            interval=record.get("interval"),
            is_cumulative=bool(record.get("isCumulative", False)),
            drill_chart=str(record.get("drillChart") or "none"),
            filter_keys=tuple(FilterKey.model_validate(k) for k in record.get("filterKeys") or []),
            plot_label=record.get("plotLabel"),
            limit=record.get("limit"),
            definition=str(record.get("definition", "")),
            window=record.get("window"),
        )


async def find_chart(deps: AnalyticsDeps, *, tenant_id: str, code: str) -> Chart:
    records = await deps.mdms.get_master(tenant_id=state_of(tenant_id), module=MODULE, master="ChartApiConfig")
    for record in records:
        if isinstance(record, dict) and record.get("visualizationCode") == code:
            return Chart.of(record)
    raise NotFound("CHART_NOT_FOUND", f"no chart {code[:128]} is configured")


def _scope(request: AggregationRequest, *, tenants: frozenset[str], now_ms: int) -> tuple[Scope, str | None]:
    dates = request.request_date
    end_ms = dates.end_date if dates.end_date is not None else now_ms
    start_ms = dates.start_date if dates.start_date is not None else financial_year_start(now_ms)
    if start_ms > end_ms:
        raise Invalid("INVALID_DATE_RANGE", "requestDate.startDate is after endDate", params=["requestDate"])
    if end_ms - start_ms > MAX_RANGE_MS:
        raise Invalid("INVALID_DATE_RANGE", "a date range is at most 10 years", params=["requestDate"])
    scope = Scope(
        tenants=tenants, start_ms=start_ms, end_ms=end_ms, now_ms=now_ms, filters=normal_filters(request.filters)
    )
    return scope, dates.interval or None


def financial_year_start(now_ms: int) -> int:
    """1 April of the current Indian financial year, 00:00 UTC (DIGIT's default range)."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    year = now.year if now.month >= 4 else now.year - 1
    return int(datetime(year, 4, 1, tzinfo=UTC).timestamp() * 1000)


def default_interval(scope: Scope) -> str:
    """As DIGIT's UI chooses it: month above 91 days, week from 14, else day."""
    return "month" if scope.days > 91 else "week" if scope.days >= 14 else "day"


async def get_chart(
    session: AsyncSession,
    deps: AnalyticsDeps,
    *,
    request: AggregationRequest,
    tenants: frozenset[str],
    actor: Actor,
) -> ChartData:
    """DIGIT getChartV2: the chart's data for the authorised tenants, range and filters."""
    if actor.is_citizen:
        raise Forbidden("NOT_AUTHORIZED", "dashboards are for employees")
    if not tenants:
        raise Invalid("INVALID_TENANT_ID", "tenant is missing", params=["tenantId"])
    now_ms = deps.clock.now_ms()
    first = sorted(tenants)[0]
    chart = await find_chart(deps, tenant_id=first, code=request.visualization_code)
    scope, interval = _scope(request, tenants=tenants, now_ms=now_ms)
    if chart.window == "today":
        scope = scope.between(day_of(now_ms), now_ms)
    targets = parse_targets(await deps.mdms.get_master(tenant_id=state_of(first), module=MODULE, master="Targets"))
    engine = Engine(session, targets)
    symbol = SYMBOLS.get(chart.value_type, "number")
    if chart.chart_type == "metric":
        data = await _metric(engine, chart, scope, symbol)
    elif chart.chart_type == "line":
        data = await _line(engine, chart, scope, interval or chart.interval or default_interval(scope), symbol)
    elif chart.chart_type == "pie":
        data = await _pie(engine, chart, scope, symbol)
    elif chart.chart_type == "table":
        data = await _table(engine, chart, scope, symbol)
    else:
        raise Invalid("INVALID_CHART_CONFIG", f"chart {chart.code} has an unknown chartType {chart.chart_type}")
    log.info("chart_served", extra={"chart": chart.code, "tenants": len(tenants), "rows": len(data)})
    return ChartData(
        chart_type=chart.chart_type,
        visualization_code=chart.code,
        chart_name=chart.name,
        chart_format=None,
        drill_down_chart_id=chart.drill_chart,
        filter=list(chart.filter_keys) or None,
        data=data,
        definition=chart.definition,
        as_of=now_ms,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def _metric(engine: Engine, chart: Chart, scope: Scope, symbol: str) -> list[Data]:
    """The value, and beside it the value of the previous period of the same length (`priorValue`, `insight`)."""
    [series] = chart.series[:1] or (Series(chart.name, "complaints"),)
    value = _round(await engine.value(series.measure, scope))
    prior_scope = scope.prior()
    prior = _round(await engine.value(series.measure, prior_scope))
    stubs = [Plot(name=name, value=0.0, symbol="number") for name in TIMESTAMP_STUBS]
    return [
        Data(
            header_name=chart.name,
            header_value=value,
            header_symbol=symbol,
            insight=insight(value, prior, days=prior_scope.days),
            prior_value=prior,
            plots=stubs,
        )
    ]


def insight(value: float | None, prior: float | None, *, days: int) -> Insight | None:
    """DIGIT's insight line: the change from the previous period, in % of it (none when it was 0 or unknown)."""
    if value is None or not prior:
        return None
    change = (value - prior) / abs(prior) * 100
    indicator = "upper_green" if change >= 0 else "lower_red"
    return Insight(value=f"{change:+.1f}% than previous {days} days", indicator=indicator, color_code=indicator)


async def _line(engine: Engine, chart: Chart, scope: Scope, interval: str, symbol: str) -> list[Data]:
    out = []
    for series in chart.series:
        points = await engine.series(series.measure, scope, interval)
        plots, running = [], 0.0
        for bucket, value in points:
            if chart.is_cumulative and is_cumulable(series.measure):
                running += value or 0.0
                value = running
            plots.append(Plot(name=bucket_label(bucket, interval), label=None, value=_round(value), symbol=symbol))
        total = plots[-1].value if chart.is_cumulative and plots else sum(p.value or 0.0 for p in plots)
        out.append(Data(header_name=series.name, header_value=_round(total), header_symbol=symbol, plots=plots))
    return out


def _sorted_limited(values: Mapping[str, float | None], limit: int | None) -> list[tuple[str, float | None]]:
    ordered = sorted(values.items(), key=lambda kv: (-(kv[1] or 0.0), kv[0]))
    return ordered[:limit] if limit else ordered


async def _pie(engine: Engine, chart: Chart, scope: Scope, symbol: str) -> list[Data]:
    [series] = chart.series[:1]
    values = await engine.grouped(series.measure, scope, chart.group_by or "status")
    plots = [Plot(name=k, label=None, value=_round(v), symbol=symbol) for k, v in _sorted_limited(values, chart.limit)]
    total = sum(p.value or 0.0 for p in plots)
    return [Data(header_name=chart.name, header_value=_round(total), header_symbol=symbol, plots=plots)]


async def _table(engine: Engine, chart: Chart, scope: Scope, symbol: str) -> list[Data]:
    dimension = chart.group_by or "tenantId"
    columns = [(s, await engine.grouped(s.measure, scope, dimension)) for s in chart.series]
    keys = sorted({k for _, values in columns for k in values})
    label = chart.plot_label or dimension
    rows = []
    for serial, key in enumerate(keys, start=1):
        plots = [
            Plot(name="S.N.", label=str(serial), value=None, symbol="text"),
            Plot(name=label, label=key, value=None, symbol="text"),
        ]
        for series, values in columns:
            plots.append(Plot(name=series.name, label=None, value=_round(values.get(key)), symbol=symbol))
        rows.append(Data(header_name=key, header_value=serial, header_symbol="text", plots=plots))
    return rows


def chart_csv(chart: ChartData) -> str:
    """The chart as CSV: one row per plot (metric, pie, line) or per table row."""
    out = io.StringIO()
    writer = csv.writer(out)
    if chart.chart_type == "table":
        header = [p.name for p in chart.data[0].plots] if chart.data else []
        writer.writerow(header)
        for row in chart.data:
            writer.writerow([p.label if p.symbol == "text" else _cell(p.value) for p in row.plots])
    elif chart.chart_type == "metric":
        writer.writerow(["name", "value"])
        for data in chart.data:
            writer.writerow([data.header_name, _cell(data.header_value)])
    else:
        writer.writerow(["series", "name", "value"])
        for data in chart.data:
            for plot in data.plots:
                writer.writerow([data.header_name, plot.name, _cell(plot.value)])
    return out.getvalue()


def _cell(value: float | str | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------------------------------- dashboards


async def dashboards(deps: AnalyticsDeps, *, tenant_id: str, actor: Actor) -> list[dict[str, Any]]:
    """The dashboards (MasterDashboardConfig) one of the caller's roles in the tenant may open."""
    records = await deps.mdms.get_master(tenant_id=state_of(tenant_id), module=MODULE, master="MasterDashboardConfig")
    roles = actor.role_codes_in(tenant_id)
    return [r for r in records if isinstance(r, dict) and roles & set(r.get("roles") or [])]


async def get_dashboard_config(
    deps: AnalyticsDeps, *, dashboard_id: str, category: str | None, tenant_id: str, actor: Actor
) -> list[dict[str, Any]]:
    """DIGIT getDashboardConfig: the dashboard's layout, if one of the caller's roles may open it."""
    allowed = await dashboards(deps, tenant_id=tenant_id, actor=actor)
    found = next((d for d in allowed if d.get("id") == dashboard_id), None)
    if found is None:
        raise NotFound("DASHBOARD_NOT_FOUND", f"no dashboard {dashboard_id[:64]} for your roles")
    now = datetime.fromtimestamp(deps.clock.now_ms() / 1000, tz=UTC)
    title = f"From Apr 01, {now.year - 1 if now.month < 4 else now.year} to {now.strftime('%b %d, %Y')}"
    rows = found.get("visualizations") or []
    if category:
        rows = [v for v in rows if v.get("name") == category]
    role = sorted(actor.role_codes_in(tenant_id) & set(found.get("roles") or []))[0]
    return [
        {
            "name": found.get("name"),
            "id": found.get("id"),
            "title": title,
            "style": found.get("style", "linear"),
            "visualizations": rows,
            "roleId": role,
            "roleName": role,
        }
    ]


# ------------------------------------------------------------------------------------------- rebuild


async def clear_store(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        for model in ALL_TABLES:
            await session.execute(delete(model))
        await session.commit()


async def rebuild(
    deps: AnalyticsDeps, *, batch_size: int = 1000, on_batch: Callable[[int, int], None] | None = None
) -> int:
    """Drop every fact and rollup, replay the outbox into the facts through the consumers' own batch code
    (`FactFeed.apply_many`, one chunk of `batch_size` events per transaction), then build the rollups from
    the facts in one pass (`facts.build_rollups`); returns the events applied.

    Run it with the dispatcher stopped (events delivered during the replay would touch rollups it
    is about to build). Each event is applied once per fact table (applied-event marks), so the dispatcher's
    later deliveries of replayed events change nothing.
    """
    topics = {t for feed in FEEDS for t in feed.topics}
    await clear_store(deps.sessions)
    async with deps.read_sessions() as session:
        total = int(await session.scalar(select(func.count()).where(OutboxRow.topic.in_(topics))) or 0)
    applied, last_seq = 0, -1
    while True:
        async with deps.sessions() as session:
            query = (
                select(*OutboxRow.__table__.c)
                .where(OutboxRow.topic.in_(topics), OutboxRow.seq > last_seq)
                .order_by(OutboxRow.seq)
                .limit(batch_size)
            )
            rows = (await session.execute(query)).all()
            if not rows:
                await build_rollups(session, now_ms=deps.clock.now_ms())
                await session.commit()
                return applied
            events = [
                Event(row.id, row.topic, row.tenant_id, row.aggregate_id, row.data, row.created_time, row.created_by)
                for row in rows
            ]
            for feed in FEEDS:
                mine = [event for event in events if event.topic in feed.topics]
                if mine:
                    await feed.apply_many(deps, session, mine, rollups=False)
            applied += len(rows)
            last_seq = rows[-1].seq
            await session.commit()
        if on_batch is not None:
            on_batch(applied, total)
