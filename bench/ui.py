"""What the web UI costs: server time per page (p50, p95) on the demo data, and the page weights
(HTML + CSS + JS, gzip-compressed, as a browser fetches them on a first visit).

    .venv/bin/python -m bench.ui [--calls 200] [--database-url URL]
    .venv/bin/python -m bench.ui --complaints 100000 [--database digit_bench_ui]

Default database: a fresh SQLite file in a temporary folder, migrated and loaded with the demo data, with
one complaint filed by the demo citizen. With `--complaints N`: a fresh PostgreSQL database (dropped and
created), N complaints bulk-loaded the way bench/pgr.py loads them, and the employee pages (inbox, filtered,
searched, a complaint) timed as GRO_AMR besides the citizen pages. The app runs in this process (httpx ASGI
transport, no network), so the figures are the platform's own; each page includes its in-process API calls.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from bench.pgr import _psql as psql
from bench.pgr import load_complaints
from digit.app import create_app
from digit.cli import seed_demo
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings

C = "/digit-ui/citizen"
E = "/digit-ui/employee"
OTP = "123456"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def login(web: httpx.AsyncClient) -> None:
    """Log the demo citizen in through the UI's own forms (CSRF and all)."""
    page = await web.get(f"{C}/login")
    token = CSRF.search(page.text)
    assert token
    await web.post(f"{C}/login", data={"csrf_token": token.group(1), "mobile": "9999999999"})
    await web.post(f"{C}/login/otp", data={"csrf_token": token.group(1), "mobile": "9999999999", "otp": OTP})


async def file_complaint(web: httpx.AsyncClient) -> str:
    page = await web.get(f"{C}/pgr/create-complaint?tenantId=pb.amritsar")
    token = CSRF.search(page.text)
    locality = re.search(r'<option value="(AMR_LOC_\d+)"', page.text)
    assert token and locality
    form = {
        "csrf_token": token.group(1),
        "tenantId": "pb.amritsar",
        "serviceCode": "StreetLightNotWorking",
        "locality": locality.group(1),
        "description": "Street light off near the park",
    }
    response = await web.post(f"{C}/pgr/create-complaint", data=form)
    found = re.search(r"id=([^&]+)&", response.headers["location"])
    assert found
    return found.group(1)


async def weight(web: httpx.AsyncClient, path: str) -> tuple[int, int]:
    """(compressed bytes of the HTML, of HTML + its CSS and JS)."""
    html = (await web.get(path)).text
    total = html_size = len(gzip.compress(html.encode()))
    for asset in re.findall(r'(?:src|href)="(/digit-ui/static/[^"]+\.(?:css|js)[^"]*)"', html):
        total += len(gzip.compress((await web.get(asset)).content))
    return html_size, total


async def timings(web: httpx.AsyncClient, pages: dict[str, str], calls: int) -> None:
    """p50 and p95 of each page's server time, one call at a time, after a warm-up."""
    for label, path in pages.items():
        for _ in range(10):  # warm caches (MDMS, messages, role-action index)
            await web.get(path)
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            response = await web.get(path)
            samples.append(1000 * (time.perf_counter() - start))
            if response.status_code != 200:
                raise SystemExit(f"{path} -> {response.status_code}")
        print(f"  {label:<34} p50 {statistics.median(samples):6.2f} ms   p95 {percentile(samples, 0.95):6.2f} ms")


async def employee_pages(web: httpx.AsyncClient, database_url: str, complaints: int, calls: int) -> None:
    """Bulk-load the complaints (after the one filed through the UI, whose locality they reuse), then time the
    employee pages as the Amritsar GRO."""
    database = database_url.rsplit("/", 1)[1]
    seconds = load_complaints(database, complaints)
    print(f"{complaints} complaints bulk-loaded in {seconds:.1f} s; employee pages as GRO_AMR")
    web.cookies.clear()
    page = await web.get(f"{E}/login")
    token = CSRF.search(page.text)
    assert token
    form = {"csrf_token": token.group(1), "username": "GRO_AMR", "password": "eGov@123", "tenantId": "pb.amritsar"}
    await web.post(f"{E}/login", data=form)
    inbox = (await web.get(f"{E}/inbox")).text
    listed = re.search(r'href="(/digit-ui/employee/pgr/complaint/[^"]+)"', inbox)
    assert listed, "the inbox lists no complaint"
    await timings(
        web,
        {
            "employee home (menu)": E,
            "inbox": f"{E}/inbox",
            "inbox, status filter": f"{E}/inbox?status=PENDINGFORASSIGNMENT",
            "inbox, page 5": f"{E}/inbox?page=5",
            "inbox, search by number": f"{E}/inbox?q=PB-PGR-2025-01-01-0000010",
            "complaint page (employee)": listed.group(1),
        },
        calls,
    )


async def main(database_url: str, var_dir: Path, calls: int, complaints: int) -> None:
    settings = Settings(
        env=Environment.TEST, database_url=database_url, var_dir=var_dir, run_background=False, fixed_otp=OTP
    )
    platform = Platform.build(settings)
    try:
        await upgrade(platform.engine)
    finally:
        await platform.close()
    await seed_demo(settings)
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as web:
            anonymous = {"landing /": "/", "citizen home (anonymous)": C, "login": f"{C}/login"}
            print(f"database {database_url.split('://', 1)[0]}; {calls} calls per page, one at a time")
            print("page weights (gzip): HTML alone, and HTML + CSS + JS of a first visit")
            for label, path in anonymous.items():
                html, total = await weight(web, path)
                print(f"  {label:<34} {html / 1024:6.1f} KB   {total / 1024:6.1f} KB")
            await login(web)
            complaint = await file_complaint(web)
            pages = {
                "landing / (logged in)": "/",
                "citizen home (logged in)": C,
                "file a complaint (form)": f"{C}/pgr/create-complaint",
                "my complaints": f"{C}/pgr/complaints",
                "complaint page": f"{C}/pgr/complaints/{complaint}?tenantId=pb.amritsar",
                "notifications": f"{C}/notifications",
                "pay (form)": f"{C}/payment",
            }
            for label in ("file a complaint (form)", "complaint page"):
                html, total = await weight(web, pages[label])
                print(f"  {label:<34} {html / 1024:6.1f} KB   {total / 1024:6.1f} KB")
            print("server time per page")
            await timings(web, pages, calls)
            if complaints:
                await employee_pages(web, database_url, complaints, calls)
    print("reproduce: .venv/bin/python -m bench.ui " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--complaints", type=int, default=0, help="bulk-load N complaints (PostgreSQL)")
    parser.add_argument("--database", default="digit_bench_ui", help="the PostgreSQL database --complaints uses")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = arguments.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        if arguments.complaints:
            psql(f"drop database if exists {arguments.database} with (force)")
            psql(f"create database {arguments.database}")
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{arguments.database}"
        asyncio.run(main(url, Path(scratch), arguments.calls, arguments.complaints))
