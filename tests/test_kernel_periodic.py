"""Periodic background work: one leader per job across processes, failures survived, prompt stops, `digit worker`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from digit.kernel.dispatch import DISPATCHER
from digit.kernel.events import OutboxRow, emit
from digit.kernel.periodic import ROUND_GRACE_S, Leadership, Periodic, leaders, run_periodic, run_round
from digit.kernel.platform import Platform
from digit.kernel.settings import Settings

DIGIT = (sys.executable, "-c", "from digit.cli import main; main()")
STOP_WITHIN_S = 5.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(platform: Platform, tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        DIGIT_DATABASE_URL=platform.settings.database_url,
        DIGIT_VAR_DIR=str(tmp_path / "var-process"),
        DIGIT_PORT=str(port),
        DIGIT_ENV="test",
        DIGIT_LOG_LEVEL="WARNING",
        **extra,
    )


async def _spawn(*args: str, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(*DIGIT, *args, env=env, stdout=out, stderr=out)


async def _stopped_within(process: asyncio.subprocess.Process) -> float:
    """Seconds from SIGTERM to exit (fails the test past STOP_WITHIN_S)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=STOP_WITHIN_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"still running {STOP_WITHIN_S} s after SIGTERM")
    return time.monotonic() - started


async def test_serve_stops_within_five_seconds_of_sigterm_with_its_background_work(
    platform: Platform, tmp_path: Path
) -> None:
    port = _free_port()
    env = _env(platform, tmp_path, port, DIGIT_RUN_BACKGROUND="true", DIGIT_EVENTS_POLL_MS="50")
    process = await _spawn("serve", env=env, log=tmp_path / "serve.log")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(1200):
            try:
                if (await client.get("/health", timeout=1)).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        else:
            process.kill()
            pytest.fail((tmp_path / "serve.log").read_text())
        health = (await client.get("/health")).json()  # the client keeps its connection open meanwhile

        took = await _stopped_within(process)

    assert health["status"] == "UP"
    assert took < STOP_WITHIN_S
    assert process.returncode in (0, -signal.SIGTERM), (tmp_path / "serve.log").read_text()  # uvicorn re-raises it
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


async def test_worker_delivers_outbox_events_and_stops_within_five_seconds_of_sigterm(
    platform: Platform, tmp_path: Path
) -> None:
    env = _env(platform, tmp_path, _free_port(), DIGIT_EVENTS_POLL_MS="50")
    process = await _spawn("worker", env=env, log=tmp_path / "worker.log")
    async with platform.sessions() as session:
        await emit(session, "save-test-request", tenant_id="pb.amritsar", aggregate_id="W", data={"n": 1},
                   actor_uuid="test", now_ms=platform.clock.now_ms())  # fmt: skip
        await session.commit()
    published = None
    for _ in range(1200):
        async with platform.read_sessions() as session:
            published = await session.scalar(
                select(OutboxRow.published_time).where(
                    OutboxRow.aggregate_id == "W", OutboxRow.tenant_id == "pb.amritsar"
                )
            )
        if published is not None or process.returncode is not None:
            break
        await asyncio.sleep(0.1)

    took = await _stopped_within(process) if process.returncode is None else 0.0

    assert published is not None, (tmp_path / "worker.log").read_text()
    assert took < STOP_WITHIN_S
    assert process.returncode == 0, (tmp_path / "worker.log").read_text()


async def test_one_process_leads_a_job_until_it_lets_go(platform: Platform) -> None:
    other = Platform.build(platform.settings)
    try:
        first, second = Leadership(platform, "test.job"), Leadership(other, "test.job")
        first_leads = await first.acquire()
        second_leads_meanwhile = await second.acquire()
        first_still_leads = await first.acquire()
        await first.release()
        second_leads_after = await second.acquire()
        await leaders(other).release_all()
    finally:
        await other.close()

    assert (first_leads, second_leads_meanwhile, first_still_leads, second_leads_after) == (True, False, True, True)


async def test_a_leader_job_runs_only_where_its_leader_is(platform: Platform) -> None:
    other = Platform.build(platform.settings)
    rounds: list[str] = []

    async def run(p: Platform) -> int:
        rounds.append("first" if p is platform else "other")
        return 1

    job = Periodic(name="test.once-per-cluster", every_s=60, run=run, leader=True)
    try:
        done = [await run_round(platform, job), await run_round(other, job), await run_round(platform, job)]
        async with Leadership(other, job.name).round() as other_may_run_now:
            pass
        await leaders(platform).release_all()
        async with Leadership(other, job.name).round() as other_may_run_after:
            pass
    finally:
        await other.close()

    assert done == [1, 0, 1]
    assert rounds == ["first", "first"]
    assert (other_may_run_now, other_may_run_after) == (False, True)


async def test_a_failed_round_is_logged_without_its_message_and_the_loop_goes_on(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    rounds = 0

    async def run(_platform: Platform) -> int:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise ValueError("citizen 9876543210 not reachable")
        return 0

    caplog.set_level(logging.WARNING, logger="digit.kernel.periodic")
    task = asyncio.create_task(run_periodic(platform, Periodic(name="test.flaky", every_s=0.01, run=run)))
    for _ in range(500):
        if rounds >= 2:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    failures = [r for r in caplog.records if r.getMessage() == "periodic_round_failed"]
    assert rounds >= 2
    assert [(getattr(r, "job", None), getattr(r, "error", None)) for r in failures] == [("test.flaky", "ValueError")]
    assert "9876543210" not in caplog.text


async def test_cancelling_stops_a_slow_round_within_its_grace(platform: Platform) -> None:
    started = asyncio.Event()

    async def run(_platform: Platform) -> int:
        started.set()
        await asyncio.sleep(60)
        return 0

    task = asyncio.create_task(run_periodic(platform, Periodic(name="test.slow", every_s=60, run=run)))
    await asyncio.wait_for(started.wait(), timeout=30)
    begun = time.monotonic()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert time.monotonic() - begun < ROUND_GRACE_S + 1
    assert task.cancelled()


def test_a_busy_round_is_followed_after_the_busy_pause_and_an_idle_one_after_the_interval(settings: Settings) -> None:
    async def nothing(_platform: Platform) -> int:
        return 0

    gathering = Periodic(name="t.gather", every_s=2.0, run=nothing, busy_again=True, busy_pause_s=0.05)
    eager = Periodic(name="t.eager", every_s=2.0, run=nothing, busy_again=True)
    steady = Periodic(name="t.steady", every_s=2.0, run=nothing)

    assert [gathering.pause_after(n, settings) for n in (3, 0)] == [0.05, 2.0]
    assert [eager.pause_after(n, settings) for n in (3, 0)] == [0.0, 2.0]
    assert [steady.pause_after(n, settings) for n in (3, 0)] == [2.0, 2.0]


def test_the_dispatcher_gathers_events_for_the_configured_pause(settings: Settings) -> None:
    settings.events_gather_ms = 120

    assert DISPATCHER.pause_after(7, settings) == 0.12
    assert DISPATCHER.pause_after(0, settings) == settings.events_poll_ms / 1000
