"""What authorising a request costs, with the demo role-actions and with a real deployment's (Kenya / Nairobi).

    .venv/bin/python -m bench.rbac [--samples DIR] [--checks 20000] [--calls 400] [--synthetic 5000]
                                   [--database-url URL | --postgresql]

Two figures per setting, each as p50/p95:
- the access gate's own decision: `AccessProvider.authorize(user, route=..., tenant_ids=...)` called directly
  (an allowed route and a denied one), in microseconds;
- an authorised cheap HTTP call (`POST /pgr-services/v2/request/_count`) next to an open route (`GET /health`),
  in milliseconds, through the whole app in this process (httpx ASGI transport, no network).

Settings measured: the demo data (GRO_AMR in pb.amritsar; 102 actions, 743 role-actions at pb), then the same
after `nairobi-mdms` is loaded, then GRO_NRB in ke.nairobi under Nairobi's roles, actions and role-actions,
then (with --synthetic N, default 5000) the same after N more actions and role-actions for ke were loaded, to
show that the cost does not grow with the number of actions. Also the one-off cost of (re)building a tenant's
role-action index after master data changed.

Default database: a fresh SQLite file in a temporary folder, migrated and loaded with the demo data.
`--postgresql` uses a scratch PostgreSQL database `digit_bench_rbac` on 127.0.0.1:5432 (dropped and created);
`--database-url` takes any database (migrated and seeded here; the seeds are idempotent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from digit.app import create_app
from digit.blocks.access.service import RoleActionIndex
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.mdms.loader import load_directory
from digit.blocks.user.client import USER_CLIENT, NewUser, RoleIn
from digit.cli import seed_demo
from digit.kernel.errors import Invalid
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.security import ACCESS_PROVIDER, SYSTEM_UUID, Actor
from digit.kernel.settings import Environment, Settings

BASIC = {"Authorization": "Basic ZWdvdi11c2VyLWNsaWVudDo="}
PASSWORD = "eGov@123"
ALLOWED = "/pgr-services/v2/request/_search"
DENIED = "/egov-hrms/employees/_create"
COUNT = "/pgr-services/v2/request/_count"
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+asyncpg://postgres@127.0.0.1:5432/digit_bench_rbac"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(label: str, samples: list[float], unit: str) -> None:
    print(f"  {label:<58} p50 {statistics.median(samples):8.2f} {unit}   p95 {percentile(samples, 0.95):8.2f} {unit}")


async def login(api: httpx.AsyncClient, user_name: str, tenant_id: str) -> str:
    form = {"username": user_name, "password": PASSWORD, "grant_type": "password", "scope": "read"}
    response = await api.post(
        "/user/oauth/token", data={**form, "tenantId": tenant_id, "userType": "EMPLOYEE"}, headers=BASIC
    )
    if response.status_code != 200:
        raise SystemExit(f"login {user_name}@{tenant_id}: {response.status_code} {response.text[:200]}")
    token: str = response.json()["access_token"]
    return token


async def measure(
    platform: Platform, api: httpx.AsyncClient, *, label: str, user_name: str, tenant_id: str, checks: int, calls: int
) -> None:
    token = await login(api, user_name, tenant_id)
    provider = platform.get(ACCESS_PROVIDER)
    user = await provider.authenticate(token)
    if user is None:
        raise SystemExit(f"{user_name}: token not accepted")
    tenants = {tenant_id}
    if not await provider.authorize(user, route=ALLOWED, method="POST", tenant_ids=tenants):
        raise SystemExit(f"{user_name} may not call {ALLOWED} in {tenant_id}: the data does not map it")
    if await provider.authorize(user, route=DENIED, method="POST", tenant_ids=tenants):
        raise SystemExit(f"{user_name} may call {DENIED} in {tenant_id}: expected a denial")
    print(f"{label}")
    for route, verdict in ((ALLOWED, "allowed"), (DENIED, "denied")):
        samples = []
        for _ in range(checks):
            start = time.perf_counter()
            await provider.authorize(user, route=route, method="POST", tenant_ids=tenants)
            samples.append(1e6 * (time.perf_counter() - start))
        report(f"authorize() {verdict} {route}", samples, "us")
    headers = {"Authorization": f"Bearer {token}"}
    body: dict[str, Any] = {"RequestInfo": {}}
    for _ in range(20):  # warm caches (MDMS, role-action index, token)
        await api.post(f"{COUNT}?tenantId={tenant_id}", json=body, headers=headers)
        await api.get("/health")
    calls_to_time: tuple[tuple[str, Callable[[], Awaitable[httpx.Response]]], ...] = (
        ("open route GET /health", lambda: api.get("/health")),
        (f"authorised POST {COUNT}", lambda: api.post(f"{COUNT}?tenantId={tenant_id}", json=body, headers=headers)),
    )
    for name, call in calls_to_time:
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            response = await call()
            samples.append(1000 * (time.perf_counter() - start))
            if response.status_code != 200:
                raise SystemExit(f"{name}: {response.status_code} {response.text[:200]}")
        report(name, samples, "ms")


async def rebuild_cost(platform: Platform, tenant_id: str, repeats: int = 20) -> list[float]:
    """Milliseconds to fold a tenant's actions and role-actions into its index (after a master-data change)."""
    mdms = platform.get(MDMS_CLIENT)
    await mdms.get_master(tenant_id=tenant_id, module="ACCESSCONTROL-ACTIONS-TEST", master="actions-test")
    samples = []
    for _ in range(repeats):
        index = RoleActionIndex(mdms)  # empty: the next lookup folds the masters again
        start = time.perf_counter()
        await index.for_tenant(tenant_id)
        samples.append(1000 * (time.perf_counter() - start))
    return samples


def synthetic_files(samples: Path, target: Path, count: int) -> Path:
    """Nairobi's two access masters with `count` more actions for ke, each granted to GRO (v2 seed layout)."""
    out = target / "synthetic-mdms"
    masters: tuple[tuple[str, str, Callable[[int], dict[str, Any]]], ...] = (
        (
            "ACCESSCONTROL-ACTIONS-TEST",
            "actions-test",
            lambda i: {
                "id": 900_000 + i,
                "url": f"/synthetic/v1/r{i}/_search",
                "name": f"Synthetic {i}",
                "path": "",
                "enabled": False,
                "displayName": f"Synthetic {i}",
                "orderNumber": 0,
                "serviceCode": "synthetic",
            },
        ),
        (
            "ACCESSCONTROL-ROLEACTIONS",
            "roleactions",
            lambda i: {"rolecode": "GRO", "actionid": 900_000 + i, "actioncode": "", "tenantId": "ke"},
        ),
    )
    for module, master, make in masters:
        records = json.loads((samples / "nairobi-mdms" / module / f"{master}.json").read_text(encoding="utf-8"))
        records = [r for r in records if r.get("tenantId") == "ke"]
        records += [{"tenantId": "ke", "data": make(i)} for i in range(count)]
        (out / module).mkdir(parents=True, exist_ok=True)
        (out / module / f"{master}.json").write_text(json.dumps(records), encoding="utf-8")
    return out


async def add_nairobi_gro(platform: Platform) -> None:
    try:
        await platform.get(USER_CLIENT).create_user(
            None,
            user=NewUser(
                user_name="GRO_NRB",
                name="Nairobi GRO",
                mobile_number="700000101",
                password=PASSWORD,
                type="EMPLOYEE",
                tenant_id="ke.nairobi",
                roles=[RoleIn(code=c, tenant_id="ke.nairobi") for c in ("GRO", "EMPLOYEE")],
            ),
            actor=Actor.system("ke"),
        )
    except Invalid as error:
        if error.code != "DuplicateUserNameException":
            raise


async def load(settings: Settings, directory: Path) -> str:
    platform = Platform.build(settings)
    try:
        start = time.perf_counter()
        result = await load_directory(
            platform.sessions, directory, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms()
        )
        seconds = time.perf_counter() - start
    finally:
        await platform.close()
    return f"{sum(result.counts.values())} records in {seconds:.1f} s, {len(result.faults)} faults"


async def main(arguments: argparse.Namespace, scratch: Path) -> None:
    database_url = arguments.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
    if arguments.postgresql:
        engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text('DROP DATABASE IF EXISTS "digit_bench_rbac" WITH (FORCE)'))
            await connection.execute(text('CREATE DATABASE "digit_bench_rbac"'))
        await engine.dispose()
        database_url = PG_BENCH
    settings = Settings(env=Environment.TEST, database_url=database_url, var_dir=scratch, run_background=False)
    platform = Platform.build(settings)
    try:
        await upgrade(platform.engine)
    finally:
        await platform.close()
    await seed_demo(settings)
    print(
        f"database {database_url.split('://', 1)[0]}; {arguments.checks} authorize() calls, "
        f"{arguments.calls} HTTP calls per figure\n"
    )

    async def phase(title: str, user_name: str, tenant_id: str, *, nairobi_user: bool = False) -> None:
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=120) as manager:
            running: Platform = app.state.platform
            if nairobi_user:
                await add_nairobi_gro(running)
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
                await measure(
                    running,
                    api,
                    label=title,
                    user_name=user_name,
                    tenant_id=tenant_id,
                    checks=arguments.checks,
                    calls=arguments.calls,
                )
                rebuild = await rebuild_cost(running, tenant_id)
                report(f"index (re)build for {tenant_id} after a master-data change", rebuild, "ms")
        print()

    await phase("demo data: GRO_AMR in pb.amritsar", "GRO_AMR", "pb.amritsar")
    samples = Path(arguments.samples)
    print(f"loading {samples / 'nairobi-mdms'}: {await load(settings, samples / 'nairobi-mdms')}\n")
    await phase("Nairobi loaded: GRO_AMR in pb.amritsar (demo role-actions)", "GRO_AMR", "pb.amritsar")
    await phase(
        "Nairobi: GRO_NRB in ke.nairobi (254 actions, 388 role-actions at ke)",
        "GRO_NRB",
        "ke.nairobi",
        nairobi_user=True,
    )
    if arguments.synthetic:
        extra = synthetic_files(samples, scratch, arguments.synthetic)
        print(f"loading {arguments.synthetic} synthetic actions + role-actions for ke: {await load(settings, extra)}\n")
        await phase(f"Nairobi + {arguments.synthetic} actions: GRO_NRB in ke.nairobi", "GRO_NRB", "ke.nairobi")
    print("reproduce: .venv/bin/python -m bench.rbac " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_samples = os.environ.get("DIGIT_SAMPLES_DIR") or str(
        Path(__file__).resolve().parents[2] / "shared" / "digit-samples"
    )
    parser.add_argument("--samples", default=default_samples, help="the digit-samples folder (DIGIT_SAMPLES_DIR)")
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--synthetic", type=int, default=5000, help="extra actions for ke (0: none)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", default="")
    where.add_argument("--postgresql", action="store_true", help=f"scratch database {PG_BENCH}")
    parsed = parser.parse_args()
    if not (Path(parsed.samples) / "nairobi-mdms").is_dir():
        raise SystemExit(f"no nairobi-mdms under {parsed.samples}: pass --samples or set DIGIT_SAMPLES_DIR")
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main(parsed, Path(folder)))
        shutil.rmtree(Path(folder) / "synthetic-mdms", ignore_errors=True)
