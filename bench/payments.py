"""Pay-and-bill benchmark on PostgreSQL: fetch-bill latency (p50/p95) and counter payments per second.

Builds a fresh database (migrations + demo data), runs the app in-process (httpx on ASGI, no network), creates
one TL demand per consumer, fetches each bill, then pays every bill in full with `--concurrency` clerks at once.

    .venv/bin/python bench/payments.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/digit_bench_billing
    (or DIGIT_BENCH_DATABASE_URL=...; --consumers 300 --concurrency 8)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from digit.app import create_app
from digit.cli import seed_demo
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/digit_bench_billing"
TENANT = "pb.amritsar"
CLIENT_BASIC = "Basic ZWdvdi11c2VyLWNsaWVudDo="


async def fresh_database(url: str) -> None:
    name = make_url(url).database
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


async def login(api: httpx.AsyncClient, user: str, tenant: str) -> dict[str, str]:
    form = {
        "username": user,
        "password": "eGov@123",
        "grant_type": "password",
        "scope": "read",
        "tenantId": tenant,
        "userType": "EMPLOYEE",
    }
    response = await api.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(url: str, consumers: int, concurrency: int) -> dict[str, Any]:
    await fresh_database(url)
    var_dir = Path(tempfile.mkdtemp(prefix="digit-bench-"))
    settings = Settings(
        env=Environment.TEST,
        database_url=url,
        var_dir=var_dir,
        run_background=False,
        log_json=False,
        log_level="WARNING",
    )
    platform = Platform.build(settings)
    await upgrade(platform.engine)
    await platform.close()
    await seed_demo(settings)
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as api:
            admin = await login(api, "ADMIN", "pb")
            clerk = await login(api, "COLL_AMR", TENANT)
            tp = (
                await api.post(
                    "/billing-service/taxperiods/_search",
                    params={"tenantId": TENANT, "service": "TL"},
                    json={},
                    headers=clerk,
                )
            ).json()["TaxPeriods"]
            now_ms = int(time.time() * 1000)
            period = next((x for x in tp if x["fromDate"] <= now_ms <= x["toDate"]), tp[0])
            codes = [f"TL-BENCH-{i:05d}" for i in range(consumers)]
            gate = asyncio.Semaphore(concurrency)

            async def demand(code: str) -> None:
                async with gate:
                    body = {
                        "RequestInfo": {},
                        "Demands": [
                            {
                                "tenantId": TENANT,
                                "consumerCode": code,
                                "businessService": "TL",
                                "taxPeriodFrom": period["fromDate"],
                                "taxPeriodTo": period["toDate"],
                                "demandDetails": [
                                    {"taxHeadMasterCode": "TL_TAX", "taxAmount": 1000},
                                    {"taxHeadMasterCode": "TL_ADHOC_PENALTY", "taxAmount": 50.5},
                                ],
                            }
                        ],
                    }
                    (await api.post("/billing-service/demand/_create", json=body, headers=admin)).raise_for_status()

            await asyncio.gather(*(demand(c) for c in codes))
            build_ms: list[float] = []
            again_ms: list[float] = []
            bills: dict[str, dict[str, Any]] = {}

            async def fetch(code: str, into: list[float]) -> None:
                async with gate:
                    start = time.perf_counter()
                    response = await api.post(
                        "/billing-service/bill/v2/_fetchbill",
                        params={"tenantId": TENANT, "consumerCode": code, "businessService": "TL"},
                        json={},
                        headers=clerk,
                    )
                    into.append((time.perf_counter() - start) * 1000)
                    response.raise_for_status()
                    bills[code] = response.json()["Bill"][0]

            await asyncio.gather(*(fetch(c, build_ms) for c in codes))
            await asyncio.gather(*(fetch(c, again_ms) for c in codes))
            pay_ms: list[float] = []
            failures = 0

            async def pay(code: str) -> None:
                nonlocal failures
                bill = bills[code]
                body = {
                    "RequestInfo": {},
                    "Payment": {
                        "tenantId": TENANT,
                        "totalAmountPaid": bill["totalAmount"],
                        "paymentMode": "CASH",
                        "paidBy": "OWNER",
                        "payerName": "Bench Payer",
                        "mobileNumber": "9999999999",
                        "paymentDetails": [
                            {"billId": bill["id"], "totalAmountPaid": bill["totalAmount"], "businessService": "TL"}
                        ],
                    },
                }
                async with gate:
                    start = time.perf_counter()
                    response = await api.post("/collection-services/payments/_create", json=body, headers=clerk)
                    pay_ms.append((time.perf_counter() - start) * 1000)
                    failures += response.status_code != 200

            started = time.perf_counter()
            await asyncio.gather(*(pay(c) for c in codes))
            elapsed = time.perf_counter() - started
    return {
        "consumers": consumers,
        "concurrency": concurrency,
        "fetch_build_p50_ms": statistics.median(build_ms),
        "fetch_build_p95_ms": p(build_ms, 0.95),
        "fetch_again_p50_ms": statistics.median(again_ms),
        "fetch_again_p95_ms": p(again_ms, 0.95),
        "payments_per_s": len(pay_ms) / elapsed,
        "payment_p95_ms": p(pay_ms, 0.95),
        "payment_failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DIGIT_BENCH_DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL of a scratch database (dropped and re-created)",
    )
    parser.add_argument("--consumers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the benchmark runs on PostgreSQL")
    figures = asyncio.run(run(args.database_url, args.consumers, args.concurrency))
    safe_url = make_url(args.database_url).render_as_string(hide_password=True)
    print(
        f"command: {sys.executable} bench/payments.py --database-url {safe_url} "
        f"--consumers {args.consumers} --concurrency {args.concurrency}"
    )
    print(
        f"fetch bill (builds the bill):   p50 {figures['fetch_build_p50_ms']:.1f} ms   "
        f"p95 {figures['fetch_build_p95_ms']:.1f} ms"
    )
    print(
        f"fetch bill (bill exists):       p50 {figures['fetch_again_p50_ms']:.1f} ms   "
        f"p95 {figures['fetch_again_p95_ms']:.1f} ms"
    )
    print(
        f"counter payments:               {figures['payments_per_s']:.1f} payments/s   "
        f"p95 {figures['payment_p95_ms']:.1f} ms   failures {figures['payment_failures']}"
    )


if __name__ == "__main__":
    main()
