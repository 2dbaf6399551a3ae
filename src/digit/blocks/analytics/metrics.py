"""The metric engine: measures over the rollups (never the facts), filtered, grouped and bucketed.

A `Scope` says which tenants, which days and which dimension values; a measure is evaluated on a scope,
as one number, per dimension value, or per time bucket. Cube measures are sums of rollup columns and a
formula over them (one GROUP BY query); the others (percentiles from the resolution histogram, targets
from MDMS, demand and arrears by tax period) have their own evaluation.

Definitions that differ from DIGIT's DSS, on purpose:
- `slaAchieved`: resolved complaints resolved within their complaint type's SLA (`ServiceDefs.slaHours`)
  / resolved complaints with a known SLA x 100. DIGIT counts complaints whose *configured* SLA is under
  360 hours, which says nothing about the time taken.
- Targets are pro-rated by days, the same way in `targetCollection` and `targetAchievedv2` (DIGIT
  pro-rates the first and not the second), and only targets whose period overlaps the range count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.analytics.facts import DAY_MS, HOUR_MS, day_of
from digit.blocks.analytics.grains import GRAINS, MONTHLY, MONTHLY_TABLES, narrowest, whole_months
from digit.blocks.analytics.models import (
    ApplicationDailyRow,
    CollectionDailyRow,
    ComplaintBacklogRow,
    ComplaintDailyRow,
    DemandPeriodRow,
    ResolutionHourlyRow,
)
from digit.kernel.db import Base
from digit.kernel.errors import Invalid
from digit.kernel.tenancy import in_tenants, is_city_of

FILTER_ALIASES = {
    "tenantid": "tenantId",
    "ulb": "tenantId",
    "wardid": "locality",
    "ward": "locality",
    "locality": "locality",
    "departmentid": "department",
    "department": "department",
    "servicecode": "serviceCode",
    "complainttype": "serviceCode",
    "category": "serviceCode",
    "source": "channel",
    "channel": "channel",
    "status": "status",
    "employee": "employee",
    "assignee": "employee",
    "businessservice": "businessService",
    "service": "businessService",
    "taxhead": "taxHead",
    "paymentmode": "paymentMode",
    "state": "state",
}
INTERVALS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Scope:
    """What a measure is evaluated over: tenants (a state stands for its cities), days, dimension values."""

    tenants: frozenset[str]
    start_ms: int
    end_ms: int
    now_ms: int
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def narrowed(self, **values: str) -> Scope:
        """The scope of one row of a grouping (a tenant row narrows the tenants)."""
        tenant = values.pop("tenantId", None)
        narrowed = replace(self, filters={**self.filters, **{k: (v,) for k, v in values.items()}})
        return replace(narrowed, tenants=frozenset({tenant})) if tenant else narrowed

    def between(self, start_ms: int, end_ms: int) -> Scope:
        return replace(self, start_ms=start_ms, end_ms=end_ms)

    def prior(self) -> Scope:
        """The period of the same length that ends just before this one begins (period-over-period)."""
        length = self.end_ms - self.start_ms + 1
        return replace(self, start_ms=self.start_ms - length, end_ms=self.start_ms - 1)

    @property
    def days(self) -> int:
        return (day_of(self.end_ms) - day_of(self.start_ms)) // DAY_MS + 1


def normal_filters(raw: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """DIGIT's filter keys (`wardId`, `departmentId`, `ulb`...) to ours; `*` or empty means no filter.

    `tenantId` is left out: the tenants of a call are what the access gate authorised.
    """
    found: dict[str, tuple[str, ...]] = {}
    for key, value in (raw or {}).items():
        name = FILTER_ALIASES.get(str(key).lower().replace("_", ""))
        if name is None or name == "tenantId":
            continue
        values = value if isinstance(value, list) else [value]
        codes = tuple(str(v) for v in values if v not in (None, "", "*"))
        if codes:
            found[name] = codes
    return found


@dataclass(frozen=True)
class Cube:
    model: type[Base]
    dims: Mapping[str, str]  # dimension name -> column
    day_column: str = "day_ms"

    def column(self, name: str) -> Any:
        return getattr(self.model, name)

    def span(self, scope: Scope, group: Sequence[str], *, months: bool) -> list[ColumnElement[bool]]:
        """Which rows cover the scope's days: of the narrowest grain holding every dimension the scope filters
        on and the query groups by, the month rows of the whole months in the range (`months`, in a table
        that has them) and the day rows of the days before and after them. O(months + edge days) rows per
        cell, whatever the length of the range."""
        day, first, last = self.column(self.day_column), day_of(scope.start_ms), day_of(scope.end_ms)
        table = str(self.model.__tablename__)
        if table not in GRAINS:
            return [day >= first, day <= last]
        names = {*(n for n in scope.filters if n in self.dims), *(g for g in group if g in self.dims)}
        grain = narrowest(table, {self.dims[n] for n in names if n != "tenantId"})
        whole = whole_months(first, last) if months and table in MONTHLY_TABLES else None
        if whole is None:
            return [self.column("grain") == grain, day >= first, day <= last]
        start, end = whole
        return [
            or_(
                and_(self.column("grain") == grain + MONTHLY, day >= start, day < end),
                and_(self.column("grain") == grain, day >= first, day < start),
                and_(self.column("grain") == grain, day >= end, day <= last),
            )
        ]

    def where(self, scope: Scope) -> list[ColumnElement[bool]]:
        clauses = [in_tenants(self.column("tenant_id"), scope.tenants)]
        for name, values in scope.filters.items():
            if name in self.dims:
                clauses.append(self.column(self.dims[name]).in_(values))
        return clauses

    async def sums(
        self,
        session: AsyncSession,
        scope: Scope,
        columns: Sequence[str],
        group: Sequence[str] = (),
        extra: Sequence[ColumnElement[bool]] = (),
        *,
        months: bool = True,
    ) -> list[tuple[tuple[Any, ...], dict[str, float]]]:
        """(group values, column sums) per group; group names are dimensions, `day`, or a column of the cube.

        Grouped by `day`, month rows answer for the first day of their month: pass `months=False` unless the
        caller buckets by month or year.
        """
        keys = [self.column(self.day_column if g == "day" else self.dims.get(g, g)) for g in group]
        sums = [func.coalesce(func.sum(self.column(c)), 0) for c in columns]
        query = select(*keys, *sums).where(and_(*self.where(scope), *self.span(scope, group, months=months), *extra))
        if keys:
            query = query.group_by(*keys)
        rows = (await session.execute(query)).all()
        out = []
        for row in rows:
            values = tuple(row[: len(keys)])
            out.append((values, {c: float(row[len(keys) + i]) for i, c in enumerate(columns)}))
        return out


COMPLAINT_DIMS = {
    "tenantId": "tenant_id",
    "serviceCode": "service_code",
    "department": "department",
    "locality": "locality",
    "channel": "channel",
    "status": "status",
    "employee": "assignee",
}
COMPLAINTS = Cube(ComplaintDailyRow, COMPLAINT_DIMS)
RESOLUTION = Cube(ResolutionHourlyRow, {k: v for k, v in COMPLAINT_DIMS.items() if k not in ("status", "employee")})
BACKLOG = Cube(ComplaintBacklogRow, {k: v for k, v in COMPLAINT_DIMS.items() if k not in ("status", "employee")})
COLLECTIONS = Cube(
    CollectionDailyRow,
    {
        "tenantId": "tenant_id",
        "businessService": "business_service",
        "taxHead": "tax_head",
        "paymentMode": "payment_mode",
        "locality": "locality",
    },
)
APPLICATIONS = Cube(
    ApplicationDailyRow, {"tenantId": "tenant_id", "businessService": "business_service", "state": "state"}
)


def _ratio(numerator: str, denominator: str, scale: float = 100.0) -> Callable[[Mapping[str, float]], float | None]:
    def formula(sums: Mapping[str, float]) -> float | None:
        return sums[numerator] / sums[denominator] * scale if sums[denominator] else None

    return formula


def _column(name: str) -> Callable[[Mapping[str, float]], float | None]:
    return lambda sums: sums[name]


def _past_due(scope: Scope) -> list[ColumnElement[bool]]:
    """Backlog rows whose SLA ran out in an hour that has fully passed by `now`."""
    return [ComplaintBacklogRow.due_hour_ms + HOUR_MS <= scope.now_ms]


@dataclass(frozen=True)
class CubeMeasure:
    cube: Cube
    columns: tuple[str, ...]
    formula: Callable[[Mapping[str, float]], float | None]
    cumulable: bool = True  # a running total of it makes sense (counts and sums, not ratios)
    when: Callable[[Scope], list[ColumnElement[bool]]] | None = None  # more conditions, from the scope

    def conditions(self, scope: Scope) -> list[ColumnElement[bool]]:
        return self.when(scope) if self.when is not None else []


CUBE_MEASURES: dict[str, CubeMeasure] = {
    "complaints": CubeMeasure(COMPLAINTS, ("complaints",), _column("complaints")),
    "closedComplaints": CubeMeasure(COMPLAINTS, ("closed",), _column("closed")),
    "openComplaints": CubeMeasure(COMPLAINTS, ("complaints", "closed"), lambda s: s["complaints"] - s["closed"]),
    "resolvedComplaints": CubeMeasure(COMPLAINTS, ("resolved",), _column("resolved")),
    "rejectedComplaints": CubeMeasure(COMPLAINTS, ("rejected",), _column("rejected")),
    "reopenedComplaints": CubeMeasure(COMPLAINTS, ("reopened",), _column("reopened")),
    "escalatedComplaints": CubeMeasure(COMPLAINTS, ("escalated",), _column("escalated")),
    "completionRate": CubeMeasure(COMPLAINTS, ("closed", "complaints"), _ratio("closed", "complaints"), False),
    "slaAchieved": CubeMeasure(COMPLAINTS, ("sla_met", "sla_counted"), _ratio("sla_met", "sla_counted"), False),
    "reopenedRate": CubeMeasure(COMPLAINTS, ("reopened", "complaints"), _ratio("reopened", "complaints"), False),
    "averageRating": CubeMeasure(
        COMPLAINTS, ("rating_sum", "rating_count"), _ratio("rating_sum", "rating_count", 1.0), False
    ),
    "averageResolutionDays": CubeMeasure(
        COMPLAINTS,
        ("resolution_ms_sum", "resolution_count"),
        _ratio("resolution_ms_sum", "resolution_count", 1 / DAY_MS),
        False,
    ),
    "openBreachedComplaints": CubeMeasure(BACKLOG, ("complaints",), _column("complaints"), True, _past_due),
    "openWithinSlaComplaints": CubeMeasure(
        BACKLOG,
        ("complaints",),
        _column("complaints"),
        True,
        lambda scope: [ComplaintBacklogRow.due_hour_ms + HOUR_MS > scope.now_ms],
    ),
    "collection": CubeMeasure(COLLECTIONS, ("amount",), _column("amount")),
    "applications": CubeMeasure(APPLICATIONS, ("applications",), _column("applications")),
    "approvedApplications": CubeMeasure(APPLICATIONS, ("approved",), _column("approved")),
    "averageApproveDays": CubeMeasure(
        APPLICATIONS, ("approve_ms_sum", "approved"), _ratio("approve_ms_sum", "approved", 1 / DAY_MS), False
    ),
}
PERCENTILES = {"medianResolutionDays": 0.5, "p90ResolutionDays": 0.9}
TARGET_MEASURES = ("targetCollection", "targetAchieved", "projectedCollection", "slaTarget")
DEMAND_MEASURES = ("demand", "demandCollected", "arrears")
MEASURES = (*CUBE_MEASURES, *PERCENTILES, *TARGET_MEASURES, *DEMAND_MEASURES)


def dimension_cube(measure: str) -> Cube:
    """The cube whose dimension values a measure is grouped by."""
    if measure in CUBE_MEASURES:
        return CUBE_MEASURES[measure].cube
    if measure in PERCENTILES or measure == "slaTarget":
        return COMPLAINTS
    return COLLECTIONS


def is_cumulable(measure: str) -> bool:
    return CUBE_MEASURES[measure].cumulable if measure in CUBE_MEASURES else measure in DEMAND_MEASURES


# ------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """A target of one tenant for one KPI and period: money (`amount`) or a rate (`value`, %)."""

    tenant_id: str
    kpi: str
    start_ms: int
    end_ms: int  # exclusive
    amount: float
    dims: Mapping[str, str]

    def overlap_days(self, start_ms: int, end_ms: int) -> int:
        first = max(self.start_ms, day_of(start_ms))
        last = min(self.end_ms, day_of(end_ms) + DAY_MS)
        return max(0, (last - first) // DAY_MS)

    @property
    def days(self) -> int:
        return max(1, (self.end_ms - self.start_ms) // DAY_MS)


def _period(text: str) -> tuple[int, int]:
    """`2026-11` (a month) or `2026-27` (an Indian financial year, 1 April to 31 March) -> [start, end)."""
    year, _, rest = text.partition("-")
    if not (year.isdigit() and rest.isdigit()):
        raise ValueError(f"period {text!r} is neither YYYY-MM nor YYYY-YY")
    if len(rest) == 2 and int(rest) == (int(year) + 1) % 100:
        start, end = datetime(int(year), 4, 1, tzinfo=UTC), datetime(int(year) + 1, 4, 1, tzinfo=UTC)
    else:
        month = int(rest)
        start = datetime(int(year), month, 1, tzinfo=UTC)
        end = datetime(int(year) + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


TARGET_DIMS = ("businessService", "taxHead", "serviceCode", "department", "locality")


def parse_targets(records: Sequence[Any]) -> list[Target]:
    """MDMS `dss-dashboard.Targets`; a record that does not parse is skipped (the loader names faults)."""
    targets = []
    for record in records:
        if not isinstance(record, dict) or not record.get("active", True):
            continue
        try:
            start_ms, end_ms = _period(str(record.get("period") or record.get("financialYear") or ""))
            amount = float(str(record.get("amount", record.get("value", 0))))
        except (ValueError, TypeError):
            continue
        dims = {d: str(record[d]) for d in TARGET_DIMS if record.get(d)}
        targets.append(
            Target(str(record.get("tenantId", "")), str(record.get("kpi", "")), start_ms, end_ms, amount, dims)
        )
    return targets


def _in_scope(target: Target, scope: Scope) -> bool:
    tenants = scope.tenants
    if target.tenant_id not in tenants and not any(is_city_of(target.tenant_id, t) for t in tenants):
        return False
    for name, values in scope.filters.items():
        if name in target.dims and target.dims[name] not in values:
            return False
        if name not in target.dims and name in TARGET_DIMS:
            return False  # a target for every tax head is not a target for one of them
    return True


def prorated_target(targets: Sequence[Target], kpi: str, scope: Scope) -> float:
    """Σ amount x (days of the target's period inside the range / days of its period)."""
    total = 0.0
    for target in targets:
        if target.kpi == kpi and _in_scope(target, scope):
            total += target.amount * target.overlap_days(scope.start_ms, scope.end_ms) / target.days
    return total


def rate_target(targets: Sequence[Target], kpi: str, scope: Scope) -> float | None:
    """A rate target (e.g. SLA %): the one of the narrowest match, else the tenant-wide one."""
    found = [
        t for t in targets if t.kpi == kpi and _in_scope(t, scope) and t.overlap_days(scope.start_ms, scope.end_ms)
    ]
    if not found:
        wide = replace(scope, filters={k: v for k, v in scope.filters.items() if k not in TARGET_DIMS})
        found = [t for t in targets if t.kpi == kpi and not t.dims and _in_scope(t, wide)]
    return max(found, key=lambda t: len(t.dims)).amount if found else None


# ------------------------------------------------------------------------------------------- evaluation


@dataclass
class Engine:
    session: AsyncSession
    targets: Sequence[Target]

    async def value(self, measure: str, scope: Scope) -> float | None:
        if measure in CUBE_MEASURES:
            spec = CUBE_MEASURES[measure]
            [(_, sums)] = await spec.cube.sums(self.session, scope, spec.columns, (), spec.conditions(scope))
            return spec.formula(sums)
        if measure in PERCENTILES:
            return await self._percentile(scope, PERCENTILES[measure])
        if measure == "targetCollection":
            return prorated_target(self.targets, "collection", scope)
        if measure == "targetAchieved":
            target = prorated_target(self.targets, "collection", scope)
            actual = await self.value("collection", scope) or 0.0
            return actual / target * 100 if target else None
        if measure == "projectedCollection":
            return await self._projection(scope)
        if measure == "slaTarget":
            return rate_target(self.targets, "slaAchieved", scope)
        if measure in DEMAND_MEASURES:
            return await self._demand(measure, scope)
        raise Invalid("UNKNOWN_MEASURE", f"no measure {measure}")

    async def grouped(self, measure: str, scope: Scope, dimension: str) -> dict[str, float | None]:
        """The measure per value of a dimension (values that occur in the measure's cube)."""
        cube = dimension_cube(measure)
        if dimension not in cube.dims:
            raise Invalid("INVALID_GROUP", f"{measure} cannot be grouped by {dimension}")
        if measure in CUBE_MEASURES:
            spec = CUBE_MEASURES[measure]
            rows = await cube.sums(self.session, scope, spec.columns, (dimension,), spec.conditions(scope))
            return {str(values[0]): spec.formula(sums) for values, sums in rows}
        rows = await cube.sums(self.session, scope, (), (dimension,))
        return {str(v[0]): await self.value(measure, scope.narrowed(**{dimension: str(v[0])})) for v, _ in rows}

    async def series(self, measure: str, scope: Scope, interval: str) -> list[tuple[int, float | None]]:
        """(bucket start, value) for every bucket of the range, empty buckets included."""
        buckets = bucket_starts(scope.start_ms, scope.end_ms, interval)
        if measure in CUBE_MEASURES:
            spec = CUBE_MEASURES[measure]
            by_month = interval in ("month", "year")
            rows = await spec.cube.sums(
                self.session, scope, spec.columns, ("day",), spec.conditions(scope), months=by_month
            )
            sums = {b: dict.fromkeys(spec.columns, 0.0) for b in buckets}
            for (day_ms,), values in rows:
                bucket = bucket_of(int(day_ms), interval)
                for column, value in values.items():
                    sums.setdefault(bucket, dict.fromkeys(spec.columns, 0.0))[column] += value
            return [(b, spec.formula(sums[b])) for b in buckets]
        out = []
        for index, bucket in enumerate(buckets):
            end = buckets[index + 1] - 1 if index + 1 < len(buckets) else scope.end_ms
            out.append((bucket, await self.value(measure, scope.between(max(bucket, scope.start_ms), end))))
        return out

    async def _percentile(self, scope: Scope, fraction: float) -> float | None:
        rows = await RESOLUTION.sums(self.session, scope, ("complaints", "resolution_ms_sum"), ("hours",))
        rows.sort(key=lambda r: int(r[0][0]))
        total = sum(sums["complaints"] for _, sums in rows)
        if not total:
            return None
        rank, seen = math.ceil(fraction * total), 0.0
        for _, sums in rows:
            seen += sums["complaints"]
            if seen >= rank and sums["complaints"]:
                return sums["resolution_ms_sum"] / sums["complaints"] / DAY_MS
        return None

    async def _projection(self, scope: Scope) -> float | None:
        """Collection so far, extended at the same daily rate to the end of the range."""
        if scope.now_ms < scope.start_ms:
            return None
        actual = await self.value("collection", scope) or 0.0
        elapsed_days = (day_of(min(scope.now_ms, scope.end_ms)) - day_of(scope.start_ms)) // DAY_MS + 1
        return actual * scope.days / max(elapsed_days, 1)

    async def _demand(self, measure: str, scope: Scope) -> float | None:
        if set(scope.filters) - {"businessService", "taxHead"}:
            return None  # demands are known by service and tax head only: no figure for a locality or a mode
        model = DemandPeriodRow
        clauses = [in_tenants(model.tenant_id, scope.tenants)]
        if measure == "arrears":  # dues of tax periods that ended before the range began, still unpaid
            clauses.append(model.to_day_ms < day_of(scope.start_ms))
        else:  # tax periods overlapping the range
            clauses += [model.from_day_ms <= day_of(scope.end_ms), model.to_day_ms >= day_of(scope.start_ms)]
        for name, column in (("businessService", model.business_service), ("taxHead", model.tax_head)):
            if name in scope.filters:
                clauses.append(column.in_(scope.filters[name]))
        due = func.coalesce(func.sum(model.tax_amount), 0)
        paid = func.coalesce(func.sum(model.collected_amount), 0)
        row = (await self.session.execute(select(due, paid).where(and_(*clauses)))).one()
        tax, collected = Decimal(row[0]), Decimal(row[1])
        return float({"demand": tax, "demandCollected": collected, "arrears": tax - collected}[measure])


# ------------------------------------------------------------------------------------------- time buckets


def bucket_of(ms: int, interval: str) -> int:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    elif interval == "year":
        day = day.replace(month=1, day=1)
    return int(day.timestamp() * 1000)


def bucket_starts(start_ms: int, end_ms: int, interval: str) -> list[int]:
    if interval not in INTERVALS:
        raise Invalid("INVALID_INTERVAL", f"interval must be one of {', '.join(INTERVALS)}")
    buckets: list[int] = []
    bucket = bucket_of(start_ms, interval)
    while bucket <= end_ms and len(buckets) < 1000:
        buckets.append(bucket)
        moment = datetime.fromtimestamp(bucket / 1000, tz=UTC)
        if interval == "day":
            moment += timedelta(days=1)
        elif interval == "week":
            moment += timedelta(days=7)
        elif interval == "month":
            moment = moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)
        else:
            moment = moment.replace(year=moment.year + 1)
        bucket = int(moment.timestamp() * 1000)
    return buckets


def bucket_label(bucket_ms: int, interval: str) -> str:
    """DIGIT's plot names: `Nov-2026` (month), `26-Nov` (day, week), `2026` (year)."""
    moment = datetime.fromtimestamp(bucket_ms / 1000, tz=UTC)
    if interval == "month":
        return moment.strftime("%b-%Y")
    if interval == "year":
        return moment.strftime("%Y")
    return f"{moment.day}-{moment.strftime('%b')}"
