"""Dashboards at scale, on PostgreSQL: getChartV2 latency over HTTP with 1M complaints and 1M payments, and the
rate of `digit analytics rebuild`.

What it does, and why it is honest about what a dashboard query reads:
1. A fresh database (migrations + demo data), then `--rows` complaint facts and `--rows` payment facts bulk-loaded
   with SQL into the analytics fact tables, and the rollups built from those facts with the same arithmetic the
   consumers apply (`digit.blocks.analytics.facts.*_contribution`): a dashboard query reads the rollups only, and
   these hold exactly the rows the consumers would have written for those facts. The load prints the sizes of
   facts and rollups, and a sanity check compares one chart with a COUNT over the facts.
2. The platform under uvicorn (a separate process; `--workers`), and a client that logs in as the demo
   commissioners COMM_AMR (Amritsar) and COMM_PB (the state) and asks, one request at a time, for the main
   grievance and revenue charts under several filters (city / state, financial year / last 30 days, a locality,
   a department); p50 and p95 per dashboard, per scenario, and the slowest chart.
3. `--rebuild-events` synthetic complaint and payment events written to the outbox, then the real
   `digit analytics rebuild` (its progress bar on the terminal) replays every stored event; its rate is printed.
   The rebuild empties the store first, so it runs last.

    .venv/bin/python bench/dashboards.py --rows 20000            # development
    .venv/bin/python bench/dashboards.py --rows 1000000 --rebuild-events 50000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.pgr import VENV_BIN, _env, _psql, start_platform, stop_platform
from digit.blocks.analytics.grains import GRAINS, MONTHLY, MONTHLY_TABLES

RI: dict[str, Any] = {"apiId": "bench"}
CLIENT_BASIC = "Basic ZWdvdi11c2VyLWNsaWVudDo="
DAY_MS, HOUR_MS = 86_400_000, 3_600_000
CITIES = ("pb.amritsar", "pb.jalandhar", "pb.bench03", "pb.bench04", "pb.bench05")
CODES = (  # serviceCode, department, SLA hours
    ("StreetLightNotWorking", "DEPT_1", 48),
    ("NoStreetlight", "DEPT_1", 72),
    ("GarbageNeedsTobeCleared", "DEPT_3", 24),
    ("BurningOfGarbage", "DEPT_3", 48),
    ("DamagedRoad", "DEPT_4", 120),
    ("WaterLoggedRoad", "DEPT_4", 96),
    ("ShortageOfWater", "DEPT_5", 48),
    ("NoWaterSupply", "DEPT_5", 24),
    ("BlockOrOverflowingSewage", "DEPT_6", 72),
    ("DeadAnimals", "DEPT_3", 24),
    ("IllegalConstruction", "DEPT_7", 360),
    ("Others", "DEPT_8", 168),
)
CLOSED = "('RESOLVED','REJECTED','CLOSEDAFTERRESOLUTION','CLOSEDAFTERREJECTION')"
RESOLVED = "('RESOLVED','CLOSEDAFTERRESOLUTION')"
REJECTED = "('REJECTED','CLOSEDAFTERREJECTION')"
AUDIT = "'bench', {now}, 'bench', {now}, 1"
GRIEVANCE_CHARTS = (
    "totalComplaints",
    "completionRate",
    "slaAchieved",
    "openBreachedComplaints",
    "averageResolutionTime",
    "p90ResolutionTime",
    "cumulativeClosedComplaints",
    "complaintsByStatus",
    "complaintsByDepartment",
    "pgrStatusByDepartment",
)
REVENUE_CHARTS = (
    "totalCollectionv2",
    "targetAchievedv2",
    "cumulativeCollectionv2",
    "collectionByTaxHead",
    "collectionByPaymentMode",
    "collectionByLocality",
)
TABLES = {  # the boundary table a commissioner sees: cities for the state, localities (its drill-down) for a city
    "grievances": {"city": "pgrStatusByLocality", "state": "pgrStatusByTenant"},
    "revenue": {"city": "revenueByLocality", "state": "revenueByTenant"},
}


def _array(values: tuple[Any, ...]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values) + "]"


# ---------------------------------------------------------------------------------------- bulk load


def load_facts(database: str, rows: int, now_ms: int) -> dict[str, Any]:
    """Complaint and payment facts over the last 365 days, then their rollups, all in SQL."""
    span = 365 * DAY_MS
    audit = AUDIT.format(now=now_ms)
    codes, depts, slas = (_array(tuple(c[i] for c in CODES)) for i in range(3))
    cities = _array(CITIES)
    started = time.perf_counter()
    complaints = f"""
    select setseed(0.16);
    insert into eg_analytics_complaint (id, tenant_id, service_request_id, service_code, department, locality, channel,
      status, assignee, filed_ms, resolved_ms, rejected_ms, sla_ms, reopened_count, escalated_count, rating,
      created_by, created_time, last_modified_by, last_modified_time, row_version)
    select md5('c'||g), tenant, 'BENCH-PGR-'||g, ({codes})[k], ({depts})[k],
      upper(substr(split_part(tenant, '.', 2), 1, 3))||'_LOC_'||lpad((1 + (g / 7) % 30)::text, 3, '0'),
      (ARRAY['WEB','MOBILEAPP','WHATSAPP','IVR'])[1 + (g / 3) % 4], status,
      case when status = 'PENDINGFORASSIGNMENT' then '' else md5(tenant||(g % 40)) end,
      filed, case when status in {RESOLVED} then filed + hours * {HOUR_MS} end,
      case when status in {REJECTED} then filed + {HOUR_MS} end, ({slas})[k]::bigint * {HOUR_MS},
      case when g % 20 = 0 then 1 else 0 end, case when g % 25 = 0 then 1 else 0 end,
      case when status = 'CLOSEDAFTERRESOLUTION' and g % 3 = 0 then 1 + g % 5 end, {audit}
    from (
      select g, ({cities})[1 + g % {len(CITIES)}] as tenant, 1 + (g / 5) % {len(CODES)} as k,
        {now_ms} - floor(random() * {span})::bigint as filed, 1 + floor(random() * 240)::int as hours,
        case when r < 0.55 then 'CLOSEDAFTERRESOLUTION' when r < 0.7 then 'RESOLVED' when r < 0.8 then 'REJECTED'
             when r < 0.9 then 'PENDINGATLME' else 'PENDINGFORASSIGNMENT' end as status
      from (select g, random() as r from generate_series(1, {rows}) g) s
    ) b
    """
    _psql(complaints, database)
    closed_measures = (
        f"count(*), count(*) filter (where status in {CLOSED}), count(*) filter (where status in {RESOLVED}), "
        f"count(*) filter (where status in {REJECTED}), count(*) filter (where reopened_count > 0), "
        "count(*) filter (where escalated_count > 0), "
        "count(*) filter (where resolved_ms is not null and sla_ms is not null), "
        "count(*) filter (where resolved_ms is not null and sla_ms is not null and resolved_ms - filed_ms <= sla_ms), "
        "coalesce(sum(rating), 0), count(rating), coalesce(sum(resolved_ms - filed_ms), 0), count(resolved_ms)"
    )
    day = f"filed_ms - filed_ms % {DAY_MS}"
    rollup(
        database,
        "eg_analytics_complaint_daily",
        {"day_ms": day, **{c: c for c in ("service_code", "department", "locality", "channel", "status", "assignee")}},
        "complaints, closed, resolved, rejected, reopened, escalated, sla_counted, sla_met, rating_sum, "
        "rating_count, resolution_ms_sum, resolution_count",
        closed_measures,
        "eg_analytics_complaint",
        "true",
        audit,
    )
    places = {c: c for c in ("service_code", "department", "locality", "channel")}
    rollup(
        database,
        "eg_analytics_resolution_hist",
        {"day_ms": day, **places, "hours": f"(resolved_ms - filed_ms) / {HOUR_MS}"},
        "complaints, resolution_ms_sum",
        "count(*), sum(resolved_ms - filed_ms)",
        "eg_analytics_complaint",
        "resolved_ms is not null",
        audit,
    )
    rollup(
        database,
        "eg_analytics_complaint_backlog",
        {"day_ms": day, "due_hour_ms": f"(filed_ms + sla_ms) - (filed_ms + sla_ms) % {HOUR_MS}", **places},
        "complaints",
        "count(*)",
        "eg_analytics_complaint",
        f"status not in {CLOSED} and sla_ms is not null",
        audit,
    )
    complaints_s = time.perf_counter() - started

    started = time.perf_counter()
    payments = f"""
    select setseed(0.61);
    insert into eg_analytics_collection (id, tenant_id, payment_id, business_service, tax_head, payment_mode,
      locality, receipt_ms, amount, status, created_by, created_time, last_modified_by, last_modified_time,
      row_version)
    select md5('p'||g), tenant, 'BENCH-PAY-'||g, (ARRAY['TL','PT','WS','BND'])[s],
      (ARRAY['TL_TAX','PT_TAX','WS_CHARGE','BND_FEE'])[s] || case when g % 4 = 0 then '_PENALTY' else '' end,
      (ARRAY['CASH','ONLINE','CHEQUE','DD'])[1 + (g / 11) % 4],
      upper(substr(split_part(tenant, '.', 2), 1, 3))||'_LOC_'||lpad((1 + (g / 7) % 30)::text, 3, '0'),
      {now_ms} - floor(random() * {span})::bigint, round((100 + random() * 9900)::numeric, 2),
      case when g % 50 = 0 then 'CANCELLED' else 'ACTIVE' end, {audit}
    from (select g, ({cities})[1 + g % {len(CITIES)}] as tenant, 1 + (g / 3) % 4 as s
          from generate_series(1, {rows}) g) b
    """
    _psql(payments, database)
    rollup(
        database,
        "eg_analytics_collection_daily",
        {
            "day_ms": f"receipt_ms - receipt_ms % {DAY_MS}",
            **{c: c for c in ("business_service", "tax_head", "payment_mode", "locality")},
        },
        "amount, lines",
        "sum(amount), count(*)",
        "eg_analytics_collection",
        "status <> 'CANCELLED'",
        audit,
    )
    _psql("analyze", database)
    payments_s = time.perf_counter() - started
    sizes = {
        table: int(_psql(f"select count(*) from {table}", database))
        for table in (
            "eg_analytics_complaint",
            "eg_analytics_complaint_daily",
            "eg_analytics_resolution_hist",
            "eg_analytics_complaint_backlog",
            "eg_analytics_collection",
            "eg_analytics_collection_daily",
        )
    }
    return {"complaints_s": complaints_s, "payments_s": payments_s, "rows": sizes}


def rollup(
    database: str,
    table: str,
    keys: dict[str, str],
    measure_columns: str,
    measures: str,
    facts: str,
    where: str,
    audit: str,
) -> None:
    """One rollup table from its facts, at every grain (`digit.blocks.analytics.grains`): the same cells the
    consumers' `*_contribution` functions add up, with the summed-over dimensions held as `*`, and in the tables
    that have them the month copies of each grain."""
    for grain, summed in GRAINS[table].items():
        exprs = {column: ("'*'" if column in summed else expression) for column, expression in keys.items()}
        columns = ", ".join(exprs)
        selected = ", ".join(exprs.values())
        groups = "".join(f", {expression}" for column, expression in keys.items() if column not in summed)
        _psql(
            f"""insert into {table} (id, grain, tenant_id, {columns}, {measure_columns},
              created_by, created_time, last_modified_by, last_modified_time, row_version)
            select gen_random_uuid()::text, '{grain}', tenant_id, {selected}, {measures}, {audit}
            from {facts} where {where} group by tenant_id{groups}""",
            database,
        )
    if table in MONTHLY_TABLES:  # each grain's month copy, summed from its day rows (grains.py)
        dims = ", ".join(column for column in keys if column != "day_ms")
        month = (
            "(extract(epoch from date_trunc('month', to_timestamp(day_ms / 1000) at time zone 'UTC')) * 1000)::bigint"
        )
        sums = ", ".join(f"sum({m.strip()})" for m in measure_columns.split(","))
        _psql(
            f"""insert into {table} (id, grain, tenant_id, day_ms, {dims}, {measure_columns},
              created_by, created_time, last_modified_by, last_modified_time, row_version)
            select gen_random_uuid()::text, grain || '{MONTHLY}', tenant_id, {month}::bigint, {dims}, {sums}, {audit}
            from {table} group by grain, tenant_id, {month}, {dims}""",
            database,
        )


# ---------------------------------------------------------------------------------------- queries


def login(client: httpx.Client, user: str, tenant: str) -> dict[str, str]:
    form = {
        "username": user,
        "password": "eGov@123",
        "grant_type": "password",
        "scope": "read",
        "tenantId": tenant,
        "userType": "EMPLOYEE",
    }
    response = client.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def body(code: str, tenants: list[str], start_ms: int, end_ms: int, filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "RequestInfo": RI,
        "headers": {"tenantId": "pb"},
        "aggregationRequestDto": {
            "visualizationCode": code,
            "filters": {"tenantId": tenants, **filters},
            "requestDate": {"startDate": start_ms, "endDate": end_ms},
        },
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(base: str, now_ms: int, repeat: int) -> dict[str, Any]:
    """Every chart of both dashboards under every scenario, `repeat` times, one request at a time."""
    year = (now_ms - 365 * DAY_MS, now_ms)
    month = (now_ms - 30 * DAY_MS, now_ms)
    with httpx.Client(base_url=base, timeout=60) as client:
        city, state = login(client, "COMM_AMR", "pb.amritsar"), login(client, "COMM_PB", "pb")
        scenarios = {
            "city, 365 days": (city, ["pb.amritsar"], year, {}),
            "city, 30 days": (city, ["pb.amritsar"], month, {}),
            "city, 365 days, one locality": (city, ["pb.amritsar"], year, {"wardId": ["AMR_LOC_007"]}),
            "state, 365 days": (state, ["pb"], year, {}),
            "state, 365 days, one department": (state, ["pb"], year, {"departmentId": ["DEPT_3"]}),
        }
        dashboards = {"grievances": GRIEVANCE_CHARTS, "revenue": REVENUE_CHARTS}
        timings: dict[tuple[str, str, str], list[float]] = {}
        checks: dict[str, float] = {}
        for _ in range(repeat + 1):  # the first round warms caches (MDMS, connections) and is not counted
            for scenario, (headers, tenants, (start, end), filters) in scenarios.items():
                for dashboard, charts in dashboards.items():
                    for code in (*charts, TABLES[dashboard][scenario.split(",")[0]]):
                        started = time.perf_counter()
                        response = client.post(
                            "/dashboard-analytics/dashboard/getChartV2",
                            json=body(code, tenants, start, end, filters),
                            headers=headers,
                        )
                        elapsed = (time.perf_counter() - started) * 1000
                        if response.status_code != 200:
                            raise RuntimeError(f"{code} {scenario}: {response.status_code} {response.text[:300]}")
                        timings.setdefault((dashboard, scenario, code), []).append(elapsed)
                        if code in ("totalComplaints", "totalCollectionv2") and scenario == "city, 365 days":
                            checks[code] = response.json()["responseData"]["data"][0]["headerValue"]
        counted = {key: values[1:] for key, values in timings.items()}
    return {"timings": counted, "checks": checks, "requests": sum(len(v) for v in counted.values())}


def summarise(timings: dict[tuple[str, str, str], list[float]]) -> list[str]:
    lines = []
    for dashboard in ("grievances", "revenue"):
        values = [v for (d, _, _), vs in timings.items() if d == dashboard for v in vs]
        lines.append(
            f"  {dashboard:<10} all scenarios: p50 {statistics.median(values):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  ({len(values)} requests)"
        )
        for scenario in dict.fromkeys(s for (d, s, _) in timings if d == dashboard):
            sv = [v for (d, s, _), vs in timings.items() if d == dashboard and s == scenario for v in vs]
            lines.append(f"    {scenario:<34} p50 {statistics.median(sv):6.1f} ms  p95 {percentile(sv, 0.95):6.1f} ms")
    slowest = max(timings.items(), key=lambda kv: percentile(kv[1], 0.95))
    (dashboard, scenario, code), values = slowest
    lines.append(f"  slowest chart: {code} ({dashboard}, {scenario}) p95 {percentile(values, 0.95):.1f} ms")
    every = [v for vs in timings.values() for v in vs]
    lines.append(f"  overall: p50 {statistics.median(every):.1f} ms, p95 {percentile(every, 0.95):.1f} ms")
    return lines


# ---------------------------------------------------------------------------------------- rebuild


def queue_events(database: str, events: int, now_ms: int) -> None:
    """Synthetic outbox events, already published: 40 % complaints filed, 40 % of them resolved, 20 % payments."""
    complaints, payments = events * 2 // 5, events - 2 * (events * 2 // 5)
    cities = _array(CITIES)
    codes = _array(tuple(c[0] for c in CODES))
    filed = f"""
    insert into eg_outbox_event (id, tenant_id, topic, aggregate_id, data, published_time,
      created_by, created_time, last_modified_by, last_modified_time, row_version)
    select gen_random_uuid()::text, t, 'save-pgr-request', 'BENCH-EV-'||g,
      json_build_object('serviceRequestId', 'BENCH-EV-'||g, 'serviceCode', ({codes})[1 + g % {len(CODES)}],
        'department', 'DEPT_1', 'locality', 'AMR_LOC_00'||(1 + g % 9), 'source', 'web',
        'applicationStatus', 'PENDINGFORASSIGNMENT', 'action', 'APPLY'),
      {now_ms}, 'bench', {now_ms} - g * 1000, 'bench', {now_ms} - g * 1000, 1
    from (select g, ({cities})[1 + g % {len(CITIES)}] as t from generate_series(1, {complaints}) g) s
    """
    resolved = f"""
    insert into eg_outbox_event (id, tenant_id, topic, aggregate_id, data, published_time,
      created_by, created_time, last_modified_by, last_modified_time, row_version)
    select gen_random_uuid()::text, t, 'update-pgr-request', 'BENCH-EV-'||g,
      json_build_object('serviceRequestId', 'BENCH-EV-'||g, 'applicationStatus', 'RESOLVED', 'action', 'RESOLVE'),
      {now_ms}, 'bench', {now_ms}, 'bench', {now_ms}, 1
    from (select g, ({cities})[1 + g % {len(CITIES)}] as t from generate_series(1, {complaints}) g) s
    """
    paid = f"""
    insert into eg_outbox_event (id, tenant_id, topic, aggregate_id, data, published_time,
      created_by, created_time, last_modified_by, last_modified_time, row_version)
    select gen_random_uuid()::text, t, 'egov.collection.payment-create', 'BENCH-EVP-'||g,
      json_build_object('paymentId', 'BENCH-EVP-'||g, 'tenantId', t, 'paymentMode', 'CASH',
        'paymentDetails', json_build_array(json_build_object('businessService', 'TL', 'consumerCode', 'C-'||g,
          'taxHeads', json_build_array(json_build_object('taxHeadCode', 'TL_TAX', 'amount', 100 + g % 900,
            'demandDetailId', 'none-'||g))))),
      {now_ms}, 'bench', {now_ms} - g * 1000, 'bench', {now_ms} - g * 1000, 1
    from (select g, ({cities})[1 + g % {len(CITIES)}] as t from generate_series(1, {payments}) g) s
    """
    for sql in (filed, resolved, paid):
        _psql(sql, database)


def rebuild(database: str, tmp: Path) -> dict[str, Any]:
    """`digit analytics rebuild`, its progress bar on this terminal (stderr is shown and kept)."""
    env = _env(database, tmp, 0)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(VENV_BIN / "digit"), "analytics", "rebuild"], env=env, stderr=subprocess.PIPE, text=True
    )
    tail = []
    assert process.stderr is not None
    for chunk in iter(lambda: process.stderr.read(1) if process.stderr else "", ""):
        sys.stderr.write(chunk)
        tail.append(chunk)
    process.wait()
    wall = time.perf_counter() - started
    text = "".join(tail)
    found = re.search(r"replayed ([\d,]+) events in ([\d.]+) s \(([\d,]+) events/s\)", text)
    if process.returncode != 0 or found is None:
        raise RuntimeError(f"rebuild failed ({process.returncode}): {text[-500:]}")
    return {
        "events": int(found.group(1).replace(",", "")),
        "seconds": float(found.group(2)),
        "rate": int(found.group(3).replace(",", "")),
        "wall_s": wall,
    }


# ---------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="complaint facts, and as many payment facts")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of every chart x scenario (after a warm-up)")
    parser.add_argument("--rebuild-events", type=int, default=20_000, help="synthetic events for the rebuild")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--database", default="digit_bench_dashboards", help="scratch database (dropped, re-created)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="digit-bench-dashboards-"))
    db = args.database
    _psql(f"drop database if exists {db} with (force)")
    _psql(f"create database {db}")
    env = _env(db, tmp, 0)
    subprocess.run([str(VENV_BIN / "digit"), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([str(VENV_BIN / "digit"), "seed", "--demo"], env=env, check=True, capture_output=True)
    now_ms = int(time.time() * 1000)
    print(f"PostgreSQL database {db}; {args.workers} uvicorn worker(s); machine: {os.cpu_count()} cores")

    loaded = load_facts(db, args.rows, now_ms)
    print(
        f"loaded {args.rows:,} complaint facts + rollups in {loaded['complaints_s']:.1f} s, "
        f"{args.rows:,} payment facts + rollups in {loaded['payments_s']:.1f} s"
    )
    for table, count in loaded["rows"].items():
        print(f"  {table:<34} {count:>10,} rows")
    expected_complaints = int(
        _psql(
            "select count(*) from eg_analytics_complaint where tenant_id = 'pb.amritsar' "
            f"and filed_ms - filed_ms % {DAY_MS} >= {now_ms - 365 * DAY_MS} - {now_ms - 365 * DAY_MS} % {DAY_MS}",
            db,
        )
    )
    expected_collection = float(
        _psql(
            "select coalesce(sum(amount), 0) from eg_analytics_collection where tenant_id = 'pb.amritsar' "
            f"and status <> 'CANCELLED' and receipt_ms - receipt_ms % {DAY_MS} >= "
            f"{now_ms - 365 * DAY_MS} - {now_ms - 365 * DAY_MS} % {DAY_MS}",
            db,
        )
    )

    server, base = start_platform(db, tmp, workers=args.workers)
    try:
        measured = measure(base, now_ms, args.repeat)
    finally:
        stop_platform(server)
    print(f"\ngetChartV2 over HTTP, {measured['requests']} timed requests, one at a time:")
    for line in summarise(measured["timings"]):
        print(line)
    checks = measured["checks"]
    print(
        f"  sanity: totalComplaints (Amritsar, 365 days) = {checks.get('totalComplaints'):,.0f}, "
        f"facts say {expected_complaints:,}; totalCollectionv2 = {checks.get('totalCollectionv2'):,.2f}, "
        f"facts say {expected_collection:,.2f}"
    )

    queue_events(db, args.rebuild_events, now_ms)
    print(f"\nrebuild: {args.rebuild_events:,} synthetic events queued (plus the demo's own); running the CLI")
    rebuilt = rebuild(db, tmp)
    facts = int(_psql("select count(*) from eg_analytics_complaint where service_request_id like 'BENCH-EV-%'", db))
    print(
        f"rebuild replayed {rebuilt['events']:,} events in {rebuilt['seconds']:.1f} s = {rebuilt['rate']:,} events/s "
        f"(process wall time {rebuilt['wall_s']:.1f} s); {facts:,} complaint facts rebuilt from them"
    )
    print(
        f"\nreproduce: {sys.executable} bench/dashboards.py --rows {args.rows} --repeat {args.repeat} "
        f"--rebuild-events {args.rebuild_events} --workers {args.workers} --database {db}"
    )
    print(json.dumps({"rows": args.rows, "rebuild_rate": rebuilt["rate"]}))


if __name__ == "__main__":
    main()
