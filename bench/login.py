"""What identity costs: employee logins per second (argon2 at the configured cost) and the latency the
access gate adds to every call (token lookup + role-action check), measured on an authorised no-op
(`POST /user/_details`) next to an open route (`GET /health`) for comparison.

    .venv/bin/python -m bench.login [--logins 30] [--calls 500] [--concurrency 1] [--database-url URL]

Default database: a fresh SQLite file in a temporary folder, migrated and loaded with the demo data.
The app runs in this process (httpx ASGI transport, no network), so the figures are the platform's own.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from digit.app import create_app
from digit.cli import seed_demo
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings

FORM = {
    "username": "GRO_AMR",
    "password": "eGov@123",
    "grant_type": "password",
    "scope": "read",
    "tenantId": "pb.amritsar",
    "userType": "EMPLOYEE",
}
BASIC = {"Authorization": "Basic ZWdvdi11c2VyLWNsaWVudDo="}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(
    count: int, concurrency: int, call: Callable[[], Awaitable[httpx.Response]]
) -> tuple[float, list[float]]:
    """(total seconds, per-call milliseconds) for `count` calls, `concurrency` at a time."""
    samples: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            start = time.perf_counter()
            response = await call()
            samples.append(1000 * (time.perf_counter() - start))
            if response.status_code != 200:
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, samples


def report(label: str, seconds: float, samples: list[float]) -> None:
    print(
        f"  {label:<34} {len(samples) / seconds:>8,.1f} /s   p50 {statistics.median(samples):6.2f} ms"
        f"   p95 {percentile(samples, 0.95):6.2f} ms"
    )


async def main(database_url: str, var_dir: Path, logins: int, calls: int, concurrency: int) -> None:
    settings = Settings(env=Environment.TEST, database_url=database_url, var_dir=var_dir, run_background=False)
    platform = Platform.build(settings)
    try:
        await upgrade(platform.engine)
    finally:
        await platform.close()
    await seed_demo(settings)
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
            print(
                f"argon2 time_cost={settings.password_hash_time_cost} memory={settings.password_hash_memory_kib} KiB;"
                f" database {database_url.split('://', 1)[0]}; concurrency {concurrency}"
            )
            seconds, samples = await timed(
                logins, concurrency, lambda: api.post("/user/oauth/token", data=FORM, headers=BASIC)
            )
            report("login (password grant)", seconds, samples)
            token = (await api.post("/user/oauth/token", data=FORM, headers=BASIC)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            body: dict[str, object] = {"RequestInfo": {}}
            for _ in range(20):  # warm caches (MDMS, role-action index, user info)
                await api.post("/user/_details", json=body, headers=headers)
                await api.get("/health")
            seconds, samples = await timed(calls, concurrency, lambda: api.get("/health"))
            report("open route GET /health", seconds, samples)
            open_p50 = statistics.median(samples)
            seconds, samples = await timed(
                calls, concurrency, lambda: api.post("/user/_details", json=body, headers=headers)
            )
            report("authorised POST /user/_details", seconds, samples)
            print(f"  gate cost (p50 difference)         {statistics.median(samples) - open_p50:6.2f} ms")
    print("reproduce: .venv/bin/python -m bench.login " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = arguments.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        asyncio.run(main(url, Path(scratch), arguments.logins, arguments.calls, arguments.concurrency))
