"""Ids per second from egov-idgen: single ids and batches of 100, through the service layer
(`IdgenClient.generate`) and through HTTP (`POST /egov-idgen/id/_generate`, in-process ASGI), one caller
and 16 concurrent callers, on SQLite and (when a URL is given) on PostgreSQL.

    .venv/bin/python -m bench.idgen [--seconds 1.5] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/digit_bench]

`DIGIT_BENCH_DATABASE_URL` works like --database-url. The PostgreSQL database must exist; it is migrated
and loaded with the demo master data (idempotent), and each run counts on fresh sequence names.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from digit.app import create_app
from digit.blocks.idgen.client import IDGEN_CLIENT
from digit.cli import seed_demo
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings

GENERATE = "/egov-idgen/id/_generate"
CONCURRENCY = 16


async def rate(seconds: float, ids_per_call: int, call: Callable[[], Awaitable[object]], workers: int = 1) -> float:
    """Ids per second while `workers` callers repeat `call` for about `seconds`."""
    calls = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal calls
        while time.perf_counter() < deadline:
            await call()
            calls += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return calls * ids_per_call / (time.perf_counter() - started)


async def measure(settings: Settings, *, label: str, seconds: float) -> list[tuple[str, str, float]]:
    scratch = Platform.build(settings)
    try:
        await upgrade(scratch.engine)
    finally:
        await scratch.close()
    await seed_demo(settings)
    app = create_app(settings)
    platform: Platform = app.state.platform
    client = platform.get(IDGEN_CLIENT)
    run_id = uuid.uuid4().hex[:8].upper()
    results: list[tuple[str, str, float]] = []

    def service_call(count: int) -> Callable[[], Awaitable[object]]:
        fmt = f"PB-BENCH-[cy:yyyy-MM-dd]-[SEQ_BENCH_{run_id}_{count}]"
        return lambda: client.generate(None, tenant_id="pb.amritsar", id_name="bench", format=fmt, count=count)

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as api:

            def http_call(count: int, workers: int) -> Callable[[], Awaitable[object]]:
                fmt = f"PB-BENCH-[cy:yyyy-MM-dd]-[SEQ_BENCH_{run_id}_HTTP_{count}_{workers}]"
                body = {
                    "RequestInfo": {},
                    "idRequests": [{"idName": "bench", "tenantId": "pb.amritsar", "format": fmt, "count": count}],
                }

                async def call() -> object:
                    response = await api.post(GENERATE, json=body)
                    if response.status_code != 200:
                        raise RuntimeError(f"{response.status_code} {response.text[:200]}")
                    return response

                return call

            for count in (1, 100):
                kind = "single" if count == 1 else "batch of 100"
                results.append((label, f"service, {kind}", await rate(seconds, count, service_call(count))))
                results.append((label, f"HTTP, {kind}", await rate(seconds, count, http_call(count, 1))))
                results.append(
                    (
                        label,
                        f"HTTP, {kind}, {CONCURRENCY} concurrent",
                        await rate(seconds, count, http_call(count, CONCURRENCY), workers=CONCURRENCY),
                    )
                )
    finally:
        await platform.close()
    return results


def bench_settings(database_url: str, var_dir: Path) -> Settings:
    defaults = Settings(database_url=database_url, var_dir=var_dir)
    return Settings(
        env=Environment.TEST,
        database_url=database_url,
        var_dir=var_dir,
        blocks=["idgen"],
        run_background=False,
        log_json=False,
        log_level="WARNING",
        open_routes=[*defaults.open_routes, GENERATE],  # measure id generation, not login
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds per measurement (default 1.5)")
    parser.add_argument("--database-url", default=os.environ.get("DIGIT_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    results: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        sqlite_url = f"sqlite+aiosqlite:///{scratch}/bench.db"
        results += await measure(bench_settings(sqlite_url, Path(scratch)), label="SQLite", seconds=args.seconds)
        if args.database_url:
            pg = bench_settings(args.database_url, Path(scratch) / "pg")
            results += await measure(pg, label="PostgreSQL", seconds=args.seconds)
    print(f"\n{'database':<11} {'path':<36} {'ids/s':>10}")
    for label, path, per_second in results:
        print(f"{label:<11} {path:<36} {per_second:>10,.0f}")
    command = f"{sys.executable} -m bench.idgen --seconds {args.seconds:g}"
    if args.database_url:
        command += f" --database-url {args.database_url}"
    print(f"\nreproduce: {command}")
    if not args.database_url:
        print("(PostgreSQL: add --database-url postgresql+asyncpg://USER@HOST:5432/DB or set DIGIT_BENCH_DATABASE_URL)")


if __name__ == "__main__":
    asyncio.run(main())
