"""PGR under load, on PostgreSQL, the way DIGIT's own k6 study measures it.

Starts the platform (uvicorn with several worker processes) on a fresh PostgreSQL database, drives it
from a separate process with an asyncio httpx load loop, and prints:
- complaint lifecycles/second (create -> assign -> resolve -> search by id) with an empty database and
  with N complaints loaded (default 1,000,000), and the latency of each step (p50/p95);
- creates/second (create only), transitions/second, search p50/p95 with N loaded;
- in the same run, the TPS `pgbench` reaches on this machine for transactions of the same size as the
  platform's (statements per lifecycle counted from the SQL the platform really runs), and the ratio.

DIGIT's published study: about 37 lifecycles/s on an 8-16 vCPU machine with an empty database, 6.3/s at
1M complaints (p95 3.3 s).

    .venv/bin/python bench/pgr.py --complaints 1000000 --workers 2 --concurrency 16 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CITY = "pb.amritsar"
RI: dict[str, Any] = {"apiId": "bench"}
CLIENT_BASIC = "Basic ZWdvdi11c2VyLWNsaWVudDo="  # egov-user-client:
PGR = "/pgr-services/v2/request"


# ---------------------------------------------------------------- the load (runs in its own process)


async def _login(api: httpx.AsyncClient, user: str, tenant: str, user_type: str, password: str) -> dict[str, Any]:
    response = await api.post(
        "/user/oauth/token",
        data={
            "username": user,
            "password": password,
            "grant_type": "password",
            "scope": "read",
            "tenantId": tenant,
            "userType": user_type,
        },
        headers={"Authorization": CLIENT_BASIC},
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def _citizen(api: httpx.AsyncClient) -> dict[str, Any]:
    await api.post(
        "/user-otp/v1/_send",
        json={
            "RequestInfo": RI,
            "otp": {"mobileNumber": "9999999999", "tenantId": "pb", "type": "login", "userType": "CITIZEN"},
        },
    )
    return await _login(api, "9999999999", "pb", "CITIZEN", "123456")


def _auth(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


async def _locality(api: httpx.AsyncClient) -> str:
    response = await api.post(
        f"/egov-location/location/v11/boundarys/_search?tenantId={CITY}&hierarchyTypeCode=ADMIN",
        json={"RequestInfo": RI},
    )
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("label", "")).lower() == "locality":
                found.append(node["code"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(response.json())
    return found[0]


async def drive(base_url: str, *, concurrency: int, seconds: float, mode: str) -> dict[str, Any]:
    """Virtual users repeat the lifecycle (or only creates) for `seconds`; returns counts and latencies."""
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as api:
        citizen, gro, lme = await asyncio.gather(
            _citizen(api),
            _login(api, "GRO_AMR", CITY, "EMPLOYEE", "eGov@123"),
            _login(api, "LME_AMR_1", CITY, "EMPLOYEE", "eGov@123"),
        )
        locality = await _locality(api)
        lme_uuid = lme["UserRequest"]["uuid"]
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        done = {"lifecycles": 0, "creates": 0, "transitions": 0}
        deadline = time.perf_counter() + seconds

        async def timed(step: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any] | None:
            started = time.perf_counter()
            response = await api.post(path, json=body, headers=headers)
            latencies[step].append(time.perf_counter() - started)
            if response.status_code != 200:
                errors[f"{step} {response.status_code}"] += 1
                return None
            result: dict[str, Any] = response.json()
            return result

        async def user() -> None:
            while time.perf_counter() < deadline:
                service = {
                    "tenantId": CITY,
                    "serviceCode": "StreetLightNotWorking",
                    "description": "bench",
                    "source": "web",
                    "address": {"city": CITY, "locality": {"code": locality}},
                }
                created = await timed(
                    "create",
                    f"{PGR}/_create",
                    {"RequestInfo": RI, "service": service, "workflow": {"action": "APPLY"}},
                    _auth(citizen),
                )
                if created is None:
                    continue
                done["creates"] += 1
                if mode == "create":
                    continue
                current = created["ServiceWrappers"][0]["service"]
                assigned = await timed(
                    "assign",
                    f"{PGR}/_update",
                    {"RequestInfo": RI, "service": current, "workflow": {"action": "ASSIGN", "assignes": [lme_uuid]}},
                    _auth(gro),
                )
                if assigned is None:
                    continue
                done["transitions"] += 1
                current = assigned["ServiceWrappers"][0]["service"]
                resolved = await timed(
                    "resolve",
                    f"{PGR}/_update",
                    {"RequestInfo": RI, "service": current, "workflow": {"action": "RESOLVE", "comments": "done"}},
                    _auth(lme),
                )
                if resolved is None:
                    continue
                done["transitions"] += 1
                found = await timed(
                    "search",
                    f"{PGR}/_search?tenantId={CITY}&serviceRequestId={current['serviceRequestId']}",
                    {"RequestInfo": RI},
                    _auth(gro),
                )
                if found is not None:
                    done["lifecycles"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started

        page = []
        for _ in range(20):
            t0 = time.perf_counter()
            await api.post(
                f"{PGR}/_search?tenantId={CITY}&applicationStatus=PENDINGFORASSIGNMENT&locality={locality}&limit=10",
                json={"RequestInfo": RI},
                headers=_auth(gro),
            )
            page.append(time.perf_counter() - t0)
        latencies["search page (status+locality, 10 rows)"] = page

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")

    return {
        "elapsed_s": elapsed,
        "lifecycles_per_s": done["lifecycles"] / elapsed,
        "creates_per_s": done["creates"] / elapsed,
        "transitions_per_s": done["transitions"] / elapsed,
        "latency_ms": {k: {"p50": pct(v, 0.5), "p95": pct(v, 0.95), "n": len(v)} for k, v in latencies.items()},
        "errors": dict(errors),
    }


# ---------------------------------------------------------------- the platform and the database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atq", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _env(database: str, tmp: Path, port: int) -> dict[str, str]:
    return dict(
        os.environ,
        DIGIT_DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        DIGIT_VAR_DIR=str(tmp),
        DIGIT_PORT=str(port),
        DIGIT_FIXED_OTP="123456",
        DIGIT_LOG_LEVEL="WARNING",
        DIGIT_ENV="development",
    )


@dataclass(frozen=True)
class Servers:
    """The platform's processes: the uvicorn master (its API workers are its children) and one `digit worker`
    that does all background work (dispatcher, notifications, escalation), so its CPU time is its own."""

    api: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]

    @property
    def pids(self) -> dict[str, int]:
        return {"api": self.api.pid, "worker": self.worker.pid}


def start_platform(database: str, tmp: Path, *, workers: int) -> tuple[Servers, str]:
    port = _free_port()
    env = dict(_env(database, tmp, port), DIGIT_RUN_BACKGROUND="false")  # the worker below does it
    log = open(tmp / f"server-{port}.log", "wb")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [
            str(VENV_BIN / "uvicorn"),
            "digit.app:create_app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "3",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker_log = open(tmp / f"worker-{port}.log", "wb")  # noqa: SIM115 - lives as long as the worker
    worker = subprocess.Popen(
        [str(VENV_BIN / "digit"), "worker"],
        env=_env(database, tmp, port),
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    servers = Servers(api=process, worker=worker)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return servers, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_platform(servers)
    raise RuntimeError(f"the platform did not start; see {tmp}")


def stop_platform(servers: Servers) -> None:
    for process in (servers.api, servers.worker):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in (servers.api, servers.worker):
        process.wait(30)


def load_complaints(database: str, count: int) -> float:
    """Bulk-load closed and pending complaints (PGR rows, addresses, workflow history and current state)."""
    started = time.perf_counter()
    states = json.loads(
        _psql(
            "select states from eg_workflow_business_service where business_service='PGR' and is_latest order by tenant_id limit 1",
            database,
        )
    )
    config_id = _psql(
        "select id from eg_workflow_business_service where business_service='PGR' and is_latest "
        "order by tenant_id limit 1",
        database,
    )
    by_name = {s.get("state"): s for s in states}
    closed, pending = by_name["CLOSEDAFTERRESOLUTION"], by_name["PENDINGFORASSIGNMENT"]
    localities = _psql("select string_agg(distinct locality_code, ',') from eg_pgr_address", database) or _psql(
        "select string_agg(code, ',') from eg_boundary_relationship where boundary_type = 'Locality' "
        "and ancestral_materialized_path like '%pb.amritsar%'",
        database,
    )
    codes = "ARRAY['StreetLightNotWorking','GarbageNeedsTobeCleared','DamagedRoad','ShortageOfWater']"
    t0 = 1_735_689_600_000  # 2025-01-01
    locs = "ARRAY[" + ",".join(f"'{c}'" for c in (localities or "").split(",") if c) + "]"
    series = f"from generate_series(1, {count}) g"
    status = f"case when g % 10 = 0 then '{pending['applicationStatus']}' else '{closed['applicationStatus']}' end"
    sql = f"""
    insert into eg_pgr_service (id, tenant_id, service_request_id, service_code, description, account_id, application_status,
      source, active, locality_code, department, created_by, created_time, last_modified_by, last_modified_time, row_version)
    select md5('s'||g)::uuid::text, '{CITY}', 'PB-PGR-2025-01-01-'||lpad(g::text, 7, '0'), ({codes})[1 + g % 4],
      'seeded complaint', md5('c'||(g % 50000))::uuid::text, {status}, 'web', true, ({locs})[1 + g % cardinality({locs})],
      'DEPT_1', 'bench', {t0} + g * 1000, 'bench', {t0} + g * 1000, 1 {series};
    insert into eg_pgr_address (id, tenant_id, service_id, city, locality_code, created_by, created_time, last_modified_by,
      last_modified_time, row_version)
    select md5('a'||g)::uuid::text, '{CITY}', md5('s'||g)::uuid::text, '{CITY}', ({locs})[1 + g % cardinality({locs})],
      'bench', {t0} + g * 1000, 'bench', {t0} + g * 1000, 1 {series};
    insert into eg_workflow_process_instance (id, tenant_id, business_service, business_id, module_name, step, config_id,
      action, status, state_name, application_status, documents, assigner, assignees, escalated, created_by, created_time,
      last_modified_by, last_modified_time, row_version)
    select md5('p'||g)::uuid::text, '{CITY}', 'PGR', 'PB-PGR-2025-01-01-'||lpad(g::text, 7, '0'), 'pgr-services', 1,
      '{config_id}', 'APPLY', case when g % 10 = 0 then '{pending["uuid"]}' else '{closed["uuid"]}' end,
      case when g % 10 = 0 then 'PENDINGFORASSIGNMENT' else 'CLOSEDAFTERRESOLUTION' end, {status}, '[]', 'bench', '[]',
      false, 'bench', {t0} + g * 1000, 'bench', {t0} + g * 1000, 1 {series};
    insert into eg_workflow_current_state (id, tenant_id, business_service, business_id, module_name, config_id, step,
      last_instance_id, state_uuid, state_name, application_status, is_terminal, locality, attributes, created_by,
      created_time, last_modified_by, last_modified_time, row_version)
    select md5('w'||g)::uuid::text, '{CITY}', 'PGR', 'PB-PGR-2025-01-01-'||lpad(g::text, 7, '0'), 'pgr-services',
      '{config_id}', 1, md5('p'||g)::uuid::text, case when g % 10 = 0 then '{pending["uuid"]}' else '{closed["uuid"]}' end,
      case when g % 10 = 0 then 'PENDINGFORASSIGNMENT' else 'CLOSEDAFTERRESOLUTION' end, {status}, g % 10 <> 0,
      ({locs})[1 + g % cardinality({locs})], '{{}}', 'bench', {t0} + g * 1000, 'bench', {t0} + g * 1000, 1 {series};
    analyze;
    """
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
    )
    return time.perf_counter() - started


def statements_per_lifecycle(database: str, tmp: Path, *, lifecycles: int = 20) -> tuple[float, float]:
    """Run `lifecycles` lifecycles in-process, then the background work they cause (the outbox dispatcher
    and every consumer, as `digit worker` runs them in batches), and count the SQL statements and
    transactions of it all, per lifecycle."""
    code = f"""
import asyncio, json
from asgi_lifespan import LifespanManager
import httpx
from sqlalchemy import event
from digit.app import create_app
from digit.kernel.dispatch import drain
from digit.kernel.settings import Settings
import bench.pgr as b

async def main():
    settings = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/{database}", var_dir="{tmp}",
                        fixed_otp="123456", run_background=False)
    app = create_app(settings)
    counts = {{"statements": 0, "transactions": 0, "on": False}}
    engine = app.state.platform.engine.sync_engine
    @event.listens_for(engine, "before_cursor_execute")
    def _s(*a):
        if counts["on"]: counts["statements"] += 1
    @event.listens_for(engine, "commit")
    def _c(*a):
        if counts["on"]: counts["transactions"] += 1
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
            citizen = await b._citizen(api); gro = await b._login(api, "GRO_AMR", b.CITY, "EMPLOYEE", "eGov@123")
            lme = await b._login(api, "LME_AMR_1", b.CITY, "EMPLOYEE", "eGov@123"); loc = await b._locality(api)
            await drain(app.state.platform)
            service = {{"tenantId": b.CITY, "serviceCode": "StreetLightNotWorking", "source": "web",
                        "description": "bench", "address": {{"locality": {{"code": loc}}}}}}
            async def lifecycle():
                r = await api.post(b.PGR + "/_create", json={{"RequestInfo": b.RI, "service": service, "workflow": {{"action": "APPLY"}}}}, headers=b._auth(citizen))
                s = r.json()["ServiceWrappers"][0]["service"]
                r = await api.post(b.PGR + "/_update", json={{"RequestInfo": b.RI, "service": s, "workflow": {{"action": "ASSIGN", "assignes": [lme["UserRequest"]["uuid"]]}}}}, headers=b._auth(gro))
                s = r.json()["ServiceWrappers"][0]["service"]
                r = await api.post(b.PGR + "/_update", json={{"RequestInfo": b.RI, "service": s, "workflow": {{"action": "RESOLVE"}}}}, headers=b._auth(lme))
                r.raise_for_status()
                await api.post(b.PGR + "/_search?tenantId=" + b.CITY + "&serviceRequestId=" + s["serviceRequestId"], json={{"RequestInfo": b.RI}}, headers=b._auth(gro))
            await lifecycle()  # warm the per-process caches, as a running server has them
            await drain(app.state.platform)
            counts["on"] = True
            for _ in range({lifecycles}):
                await lifecycle()
            await drain(app.state.platform)
            counts["on"] = False
    print(json.dumps(counts))

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env(database, tmp, 0), capture_output=True, text=True, check=True
    )
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    return int(counts["statements"]) / lifecycles, max(int(counts["transactions"]), 1) / lifecycles


def _process_tree(root: int) -> list[int]:
    """`root` and every descendant (uvicorn's workers are children of its master)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU seconds used so far by the processes under `roots` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for root in roots:
        for pid in _process_tree(root):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def pgbench_tps(database: str, *, statements: int, transactions: int, clients: int, seconds: int, tmp: Path) -> float:
    """pgbench TPS for transactions of `statements / transactions` statements (PK reads, updates, inserts)."""
    per_tx = max(statements // transactions, 1)
    lines = ["\\set aid random(1, 100000 * :scale)", "\\set delta random(-5000, 5000)", "BEGIN;"]
    kinds = [
        "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;",
        "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :aid, :delta, CURRENT_TIMESTAMP);",
    ]
    lines += [kinds[i % 3] for i in range(per_tx)] + ["END;"]
    script = tmp / "lifecycle.sql"
    script.write_text("\n".join(lines) + "\n")
    subprocess.run(
        ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-q", "-s", "10", database],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [
            "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-f",
            str(script),
            database,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise RuntimeError(result.stdout)


WARMUP_S = 5.0
"""Seconds of the same load, unmeasured, before each measured phase on a freshly started platform: the
figures are those of a platform in its steady state (per-process caches filled, statements prepared on
its pooled connections), as a load test's ramp-up gives them."""


def _drive(base: str, *, concurrency: int, seconds: float, mode: str) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "drive",
            "--base-url",
            base,
            "--concurrency",
            str(concurrency),
            "--seconds",
            str(seconds),
            "--mode",
            mode,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def run_driver(
    base: str, *, concurrency: int, seconds: float, mode: str, servers: Servers, warmup: float = 0.0
) -> dict[str, Any]:
    """The load runs in a separate process, so it does not share a core's event loop with the platform;
    the CPU time the platform's processes (API workers and `digit worker`) spend meanwhile is measured."""
    if warmup > 0:
        _drive(base, concurrency=concurrency, seconds=warmup, mode=mode)
        time.sleep(1)  # the worker finishes the warm-up's background work before the measure starts
    cpu_before = {name: cpu_seconds([pid]) for name, pid in servers.pids.items()}
    figures = _drive(base, concurrency=concurrency, seconds=seconds, mode=mode)
    time.sleep(2)  # let the worker finish the background work of the last lifecycles
    spent = {name: cpu_seconds([pid]) - cpu_before[name] for name, pid in servers.pids.items()}
    figures["app_cpu_s"] = sum(spent.values())
    figures["app_cpu_split_s"] = spent
    return figures


def report(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(
        f"  lifecycles/s {figures['lifecycles_per_s']:.1f}   creates/s {figures['creates_per_s']:.1f}   "
        f"transitions/s {figures['transitions_per_s']:.1f}   ({figures['elapsed_s']:.0f} s)"
    )
    done = figures["lifecycles_per_s"] * figures["elapsed_s"]
    if done:
        split = ", ".join(f"{name} {cpu * 1000 / done:.1f}" for name, cpu in figures["app_cpu_split_s"].items())
        print(
            f"  app CPU per lifecycle: {figures['app_cpu_s'] * 1000 / done:.1f} ms ({split}: API workers, digit worker)"
        )
    for step, values in figures["latency_ms"].items():
        print(f"  {step:<40} p50 {values['p50']:7.1f} ms   p95 {values['p95']:7.1f} ms   n={values['n']}")
    if figures["errors"]:
        print(f"  errors: {figures['errors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="run", choices=["run", "drive"])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--database", default="digit_bench_pgr")
    parser.add_argument("--base-url")
    parser.add_argument("--mode", default="lifecycle", choices=["lifecycle", "create"])
    args = parser.parse_args()
    if args.command == "drive":
        print(
            json.dumps(
                asyncio.run(drive(args.base_url, concurrency=args.concurrency, seconds=args.seconds, mode=args.mode))
            )
        )
        return

    tmp = Path(tempfile.mkdtemp(prefix="digit-bench-pgr-"))
    db = args.database
    _psql(f"drop database if exists {db} with (force)")
    _psql(f"create database {db}")
    env = _env(db, tmp, 0)
    subprocess.run([str(VENV_BIN / "digit"), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([str(VENV_BIN / "digit"), "seed", "--demo"], env=env, check=True, capture_output=True)
    print(
        f"platform: {args.workers} uvicorn workers, PostgreSQL database {db}; load: {args.concurrency} virtual users, "
        f"separate process; machine: {os.cpu_count()} cores; each measured phase after a {WARMUP_S:g} s warm-up"
    )

    statements, transactions = statements_per_lifecycle(db, tmp)
    print(
        f"statements per lifecycle: {statements:.0f} (transactions {transactions:.0f}, background included; "
        f"4 HTTP calls, averaged over 20 lifecycles, empty database)"
    )

    server, base = start_platform(db, tmp, workers=args.workers)
    try:
        empty = run_driver(
            base, concurrency=args.concurrency, seconds=args.seconds, mode="lifecycle", servers=server, warmup=WARMUP_S
        )
        creates = run_driver(
            base, concurrency=args.concurrency, seconds=args.seconds / 2, mode="create", servers=server
        )
    finally:
        stop_platform(server)
    report("empty database: lifecycles", empty)
    report("empty database: creates only", creates)

    loaded_s = load_complaints(db, args.complaints)
    total = _psql("select count(*) from eg_pgr_service", db)
    print(f"\nloaded {args.complaints:,} complaints in {loaded_s:.0f} s ({total} in the table)")
    statements, transactions = statements_per_lifecycle(db, tmp)
    print(
        f"statements per lifecycle: {statements:.0f} (transactions {transactions:.0f}, background included; "
        f"at {int(total):,} complaints)"
    )
    server, base = start_platform(db, tmp, workers=args.workers)
    try:
        loaded = run_driver(
            base, concurrency=args.concurrency, seconds=args.seconds, mode="lifecycle", servers=server, warmup=WARMUP_S
        )
    finally:
        stop_platform(server)
    report(f"{int(total):,} complaints loaded: lifecycles", loaded)

    tps = pgbench_tps(
        db,
        statements=round(statements),
        transactions=max(round(transactions), 1),
        clients=args.concurrency,
        seconds=max(int(args.seconds / 2), 10),
        tmp=tmp,
    )
    ceiling = tps / max(round(transactions), 1)
    print(
        f"\npgbench: {tps:.0f} TPS for transactions of {max(round(statements / transactions), 1)} statements "
        f"({args.concurrency} clients) -> at most {ceiling:.0f} lifecycles/s if PostgreSQL did nothing else"
    )
    print(
        f"platform at {int(total):,} complaints: {loaded['lifecycles_per_s']:.1f} lifecycles/s = "
        f"{loaded['lifecycles_per_s'] / ceiling:.1%} of that ceiling; DIGIT's study: 6.3/s at 1M (p95 3.3 s) on 8-16 vCPU"
    )
    print(
        f"\nreproduce: {Path(sys.executable).relative_to(ROOT) if ROOT in Path(sys.executable).parents else sys.executable} "
        f"bench/pgr.py --complaints {args.complaints} --workers {args.workers} --concurrency {args.concurrency} "
        f"--seconds {args.seconds:g}"
    )
    shutil.rmtree(tmp, ignore_errors=True)
    _psql(f"drop database if exists {db} with (force)")


if __name__ == "__main__":
    main()
