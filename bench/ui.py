"""What the web UI costs: server time per page (p50, p95) on the demo data, and the page weights
(HTML + CSS + JS, gzip-compressed, as a browser fetches them on a first visit).

    .venv/bin/python -m bench.ui [--calls 200] [--database-url URL]
    .venv/bin/python -m bench.ui --complaints 100000 [--database digit_bench_ui]

Default database: a fresh SQLite file in a temporary folder, migrated and loaded with the demo data, with
one complaint filed by the demo citizen. With `--complaints N`: a fresh PostgreSQL database (dropped and
created), N complaints bulk-loaded the way bench/pgr.py loads them, then `VACUUM ANALYZE` (what autovacuum
does to a live table: without a visibility map no count is index-only), and the employee pages (inbox,
filtered, searched, a complaint) and the inbox API `/inbox/v2/_search` itself timed as GRO_AMR besides the
citizen pages, with the SQL statements each makes. The app runs in this process (httpx ASGI transport, no
network), so the figures are the platform's own; each page includes its in-process API calls.
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
from collections.abc import Mapping
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import event

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


Call = tuple[str, str, dict[str, object] | None]  # method, path, JSON body


def statements_of(app: FastAPI) -> list[str]:
    """The SQL statements the app's engine runs from now on (a list the listener appends to)."""
    seen: list[str] = []
    event.listen(app.state.platform.engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


async def timings(
    web: httpx.AsyncClient, pages: Mapping[str, str | Call], calls: int, statements: list[str] | None = None
) -> None:
    """p50 and p95 of each page's server time, one call at a time, after a warm-up; with `statements`, also the
    CPU time this process spent on it (the app's Python, not the database's work: steadier than wall time on a
    shared machine) and the statements of one call."""
    for label, target in pages.items():
        method, path, body = ("GET", target, None) if isinstance(target, str) else target
        for _ in range(10):  # warm caches (MDMS, messages, role-action index)
            await web.request(method, path, json=body)
        samples, cpu = [], []
        for _ in range(calls):
            if statements is not None:
                statements.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            response = await web.request(method, path, json=body)
            samples.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - start_cpu))
            if response.status_code != 200:
                raise SystemExit(f"{path} -> {response.status_code}")
        line = f"  {label:<34} p50 {statistics.median(samples):6.2f} ms   p95 {percentile(samples, 0.95):6.2f} ms"
        if statements is not None:
            line += f"   cpu p50 {statistics.median(cpu):5.1f} ms  p95 {percentile(cpu, 0.95):5.1f} ms   {len(statements)} SQL"
        print(line)


def inbox_call(token: str, **process: object) -> Call:
    """`/inbox/v2/_search` as the employee inbox page asks it (first page of twenty)."""
    criteria = {"businessService": ["PGR"], "moduleName": "pgr-services", **process}
    body: dict[str, object] = {
        "RequestInfo": {"apiId": "bench", "authToken": token},
        "inbox": {"tenantId": "pb.amritsar", "processSearchCriteria": criteria, "offset": 0, "limit": 20},
    }
    return ("POST", "/inbox/v2/_search", body)


async def employee_pages(
    web: httpx.AsyncClient, database_url: str, complaints: int, calls: int, statements: list[str]
) -> None:
    """Bulk-load the complaints (after the one filed through the UI, whose locality they reuse), then time the
    employee pages and the inbox API as the Amritsar GRO."""
    database = database_url.rsplit("/", 1)[1]
    seconds = load_complaints(database, complaints)
    psql("vacuum analyze", database)
    locality = psql("select locality from eg_workflow_current_state where locality is not null limit 1", database)
    print(f"{complaints} complaints bulk-loaded (and vacuumed) in {seconds:.1f} s; employee pages as GRO_AMR")
    web.cookies.clear()
    page = await web.get(f"{E}/login")
    token = CSRF.search(page.text)
    assert token
    form = {"csrf_token": token.group(1), "username": "GRO_AMR", "password": "eGov@123", "tenantId": "pb.amritsar"}
    await web.post(f"{E}/login", data=form)
    token_form = {"grant_type": "password", "scope": "read", "username": "GRO_AMR", "password": "eGov@123"}
    issued = await web.post(
        "/user/oauth/token",
        data={**token_form, "tenantId": "pb.amritsar", "userType": "EMPLOYEE"},
        headers={"Authorization": "Basic ZWdvdi11c2VyLWNsaWVudDo="},
    )
    access_token = str(issued.json()["access_token"])
    inbox = (await web.get(f"{E}/inbox")).text
    listed = re.search(r'href="(/digit-ui/employee/pgr/complaint/[^"]+)"', inbox)
    assert listed, "the inbox lists no complaint"
    await timings(
        web,
        {
            "employee home (menu)": E,
            "inbox": f"{E}/inbox",
            "inbox, status filter": f"{E}/inbox?status=PENDINGFORASSIGNMENT",
            "inbox, locality filter": f"{E}/inbox?locality={locality}",
            "inbox, page 5": f"{E}/inbox?page=5",
            "inbox, search by number": f"{E}/inbox?q=PB-PGR-2025-01-01-0000010",
            "complaint page (employee)": listed.group(1),
            "API /inbox/v2/_search": inbox_call(access_token),
            "API /inbox/v2/_search, status": inbox_call(access_token, status=["PENDINGFORASSIGNMENT"]),
        },
        calls,
        statements,
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
        statements = statements_of(app)
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
                await employee_pages(web, database_url, complaints, calls, statements)
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
