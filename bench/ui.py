"""What the citizen web UI costs: server time per page (p50, p95) on the demo data, and the page weights
(HTML + CSS + JS, gzip-compressed, as a browser fetches them on a first visit).

    .venv/bin/python -m bench.ui [--calls 200] [--database-url URL]

Default database: a fresh SQLite file in a temporary folder, migrated and loaded with the demo data, with
one complaint filed by the demo citizen. The app runs in this process (httpx ASGI transport, no network),
so the figures are the platform's own; each page includes its in-process API calls.
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

from digit.app import create_app
from digit.cli import seed_demo
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings

C = "/digit-ui/citizen"
OTP = "123456"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def login(web: httpx.AsyncClient) -> None:
    """Log the demo citizen in through the UI's own forms (CSRF and all)."""
    page = await web.get(f"{C}/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token
    await web.post(f"{C}/login", data={"csrf_token": token.group(1), "mobile": "9999999999"})
    await web.post(f"{C}/login/otp", data={"csrf_token": token.group(1), "mobile": "9999999999", "otp": OTP})


async def file_complaint(web: httpx.AsyncClient) -> str:
    page = await web.get(f"{C}/pgr/create-complaint?tenantId=pb.amritsar")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
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


async def main(database_url: str, var_dir: Path, calls: int) -> None:
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
                print(
                    f"  {label:<34} p50 {statistics.median(samples):6.2f} ms   p95 {percentile(samples, 0.95):6.2f} ms"
                )
    print("reproduce: .venv/bin/python -m bench.ui " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = arguments.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        asyncio.run(main(url, Path(scratch), arguments.calls))
