"""Workflow under load: transitions per second and inbox search p50/p95 with N process instances stored
(100k by default), bulk-inserted with SQL on DIGIT's classic PGR config.

    .venv/bin/python -m bench.workflow [--instances 100000] [--transitions 500] [--workers 8] [--database-url URL]

Default database: a fresh SQLite file in a temporary folder. With a PostgreSQL URL the database must exist
and be empty (it is migrated and demo-seeded here).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from digit.app import build_platform
from digit.blocks.workflow import service, worklist
from digit.blocks.workflow.businessservice import find_flow
from digit.blocks.workflow.models import AssigneeRow, CurrentStateRow, ProcessInstanceRow
from digit.blocks.workflow.schemas import ProcessInstanceIn
from digit.cli import seed_demo
from digit.kernel.envelope import Role
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from digit.kernel.settings import Environment, Settings

TENANT = "pb.amritsar"
DAY_MS = 86_400_000
LOCALITIES = [f"SUN{n:02d}" for n in range(1, 41)]
LMES = [f"00000000-0000-4000-8000-{n:012d}" for n in range(50)]
GRO = Actor(
    uuid="00000000-0000-4000-8000-999999999999",
    type="EMPLOYEE",
    tenant_id=TENANT,
    roles=(Role(code="GRO", tenant_id=TENANT), Role(code="CSR", tenant_id=TENANT)),
)


async def bulk_insert(platform: Platform, count: int) -> list[str]:
    """N applications straight into the tables: 40% waiting, 30% at an LME, 30% resolved. Returns waiting ids."""
    async with platform.sessions() as session:
        flow = await find_flow(session, tenant_id=TENANT, code="PGR")
    assert flow is not None, "the PGR business service is not seeded"
    by_name = {s.name: s for s in flow.states.values()}
    now = platform.clock.now_ms()
    rng = random.Random(7)
    waiting: list[str] = []
    chunk = 5000
    for start in range(0, count, chunk):
        currents: list[dict[str, Any]] = []
        instances: list[dict[str, Any]] = []
        assignees: list[dict[str, Any]] = []
        for n in range(start, min(start + chunk, count)):
            business_id = f"PB-PGR-BENCH-{n:07d}"
            pick = rng.random()
            state = by_name["PENDINGFORASSIGNMENT" if pick < 0.4 else "PENDINGATLME" if pick < 0.7 else "RESOLVED"]
            created = now - rng.randrange(30 * DAY_MS)
            current_id, instance_id = f"c-{n}", f"i-{n}"
            audit = {
                "created_by": GRO.uuid,
                "created_time": created,
                "last_modified_by": GRO.uuid,
                "last_modified_time": created,
                "row_version": 1,
                "tenant_id": TENANT,
            }
            locality = rng.choice(LOCALITIES)
            lme = rng.choice(LMES) if state.name == "PENDINGATLME" else None
            currents.append(
                {
                    "id": current_id,
                    "business_service": "PGR",
                    "business_id": business_id,
                    "module_name": "pgr-services",
                    "config_id": flow.row_id,
                    "step": 1,
                    "last_instance_id": instance_id,
                    "state_uuid": state.uuid,
                    "state_name": state.name,
                    "application_status": state.application_status,
                    "is_terminal": state.is_terminal,
                    "state_sla_due_ms": created + state.sla if state.sla else None,
                    "business_sla_due_ms": created + 432_000_000,
                    "locality": locality,
                    "applicant": None,
                    "attributes": {
                        "locality": locality,
                        "_assignees": [{"uuid": lme, "type": "EMPLOYEE"}] if lme else [],
                    },
                    **audit,
                }
            )
            instances.append(
                {
                    "id": instance_id,
                    "business_service": "PGR",
                    "business_id": business_id,
                    "module_name": "pgr-services",
                    "step": 1,
                    "config_id": flow.row_id,
                    "action": "APPLY",
                    "from_state": flow.start.uuid,
                    "status": state.uuid,
                    "state_name": state.name,
                    "application_status": state.application_status,
                    "assigner": GRO.uuid,
                    "assignees": [{"uuid": lme, "type": "EMPLOYEE"}] if lme else [],
                    "documents": [],
                    "business_service_sla": 432_000_000,
                    "escalated": False,
                    **audit,
                }
            )
            if lme:
                assignees.append({"id": f"a-{n}", "current_id": current_id, "assignee": lme, **audit})
            if state.name == "PENDINGFORASSIGNMENT":
                waiting.append(business_id)
        async with platform.sessions() as session:
            await session.execute(insert(CurrentStateRow), currents)
            await session.execute(insert(ProcessInstanceRow), instances)
            if assignees:
                await session.execute(insert(AssigneeRow), assignees)
            await session.commit()
    return waiting


async def analyze(platform: Platform) -> None:
    """What autovacuum does on a live database after a bulk load: statistics (and PostgreSQL's visibility map)."""
    async with platform.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if platform.settings.is_sqlite:
            await connection.execute(text("ANALYZE"))
        else:
            for table in ("eg_workflow_current_state", "eg_workflow_process_instance", "eg_workflow_assignee"):
                await connection.execute(text(f"VACUUM ANALYZE {table}"))
    print("statistics refreshed (VACUUM ANALYZE / ANALYZE), as autovacuum would after a bulk load")


async def transitions(platform: Platform, business_ids: list[str], workers: int) -> float:
    """REJECT on distinct applications, one transaction each, `workers` at a time; returns per second."""
    queue = list(business_ids)

    async def worker() -> None:
        while queue:
            business_id = queue.pop()
            body = ProcessInstanceIn(
                tenant_id=TENANT,
                business_service="PGR",
                business_id=business_id,
                action="REJECT",
                module_name="pgr-services",
            )
            async with platform.sessions() as session:
                await service.transition(
                    session, instances=[body], actor=GRO, now_ms=platform.clock.now_ms(), users=None
                )
                await session.commit()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return len(business_ids) / (time.perf_counter() - start)


async def inbox_latency(platform: Platform, label: str, query: worklist.WorklistQuery, runs: int) -> None:
    timings = []
    page: worklist.WorklistPage | None = None
    for _ in range(runs):
        start = time.perf_counter()
        async with platform.read_sessions() as session:
            page = await worklist.search(session, query, actor=GRO, now_ms=platform.clock.now_ms())
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    total = page.total if page else 0
    print(f"  {label:<44} p50 {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms   ({total} matching)")


async def main(database_url: str, var_dir: Path, count: int, moves: int, workers: int, runs: int) -> None:
    settings = Settings(
        env=Environment.TEST, database_url=database_url, var_dir=var_dir, run_background=False, log_json=False
    )
    platform, _ = build_platform(settings)
    await upgrade(platform.engine)
    await seed_demo(settings)
    start = time.perf_counter()
    waiting = await bulk_insert(platform, count)
    print(f"bulk insert: {count:,} process instances in {time.perf_counter() - start:.1f} s")
    await analyze(platform)
    rate = await transitions(platform, waiting[:moves], 1)
    print(f"transitions, 1 client:        {rate:8.1f} /s  ({moves} REJECTs, one transaction each)")
    if not settings.is_sqlite and workers > 1:
        rate = await transitions(platform, waiting[moves : moves * 2], workers)
        print(f"transitions, {workers} clients:       {rate:8.1f} /s")
    print(f"inbox search over {count:,} applications ({runs} runs each, page of 10):")
    base: dict[str, Any] = {"tenant_id": TENANT, "business_services": ["PGR"], "module_name": "pgr-services"}
    await inbox_latency(platform, "all open, newest first", worklist.WorklistQuery(**base), runs)
    await inbox_latency(platform, "assignee = one LME", worklist.WorklistQuery(**base, assignee=LMES[3]), runs)
    await inbox_latency(
        platform,
        "locality SUN07 + status PENDINGATLME",
        worklist.WorklistQuery(**base, localities=["SUN07"], statuses=["PENDINGATLME"]),
        runs,
    )
    await inbox_latency(
        platform,
        "SLA breached, most overdue first",
        worklist.WorklistQuery(**base, sla="breached", sort_by="sla", sort_descending=False),
        runs,
    )
    await inbox_latency(platform, "all open, page 500 (offset 5000)", worklist.WorklistQuery(**base, offset=5000), runs)
    await platform.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--transitions", type=int, default=500)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    print("command:", " ".join([".venv/bin/python -m bench.workflow", *sys.argv[1:]]))
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        asyncio.run(main(url, Path(scratch), args.instances, args.transitions, args.workers, args.runs))
