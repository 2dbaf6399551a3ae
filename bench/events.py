"""Events per second through the outbox: written in transactions, then delivered by the dispatcher
to in-process subscribers, and through NATS JetStream (127.0.0.1:4222) when it runs.

    .venv/bin/python -m bench.events [--events 5000] [--batch 100] [--database-url URL]

Default database: a fresh SQLite file in a temporary folder (set a PostgreSQL URL to measure that).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from digit.kernel.dispatch import drain, stream_name, subscriptions
from digit.kernel.events import Consumer, Event, emit
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.settings import Environment, Settings


def nats_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1):
            return True
    except OSError:
        return False


async def run(settings: Settings, *, events: int, batch: int, label: str) -> None:
    platform = Platform.build(settings)
    received = 0

    async def count(_platform: Platform, _event: Event) -> None:
        nonlocal received
        received += 1

    subscriptions(platform).consumers.append(Consumer("bench-counter", ("bench.*",), count))
    try:
        await upgrade(platform.engine)
        started = time.perf_counter()
        for first in range(0, events, batch):
            async with platform.sessions() as session:
                for n in range(first, min(first + batch, events)):
                    await emit(
                        session, "bench.event", tenant_id="pb.amritsar", aggregate_id=f"agg-{n % 50}",
                        data={"n": n}, actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms(),
                    )  # fmt: skip
                await session.commit()
        written = time.perf_counter() - started
        started = time.perf_counter()
        delivered = await drain(platform)
        delivering = time.perf_counter() - started
    finally:
        await platform.close()
    assert delivered == events == received, (delivered, events, received)
    print(
        f"{label:<28} write {events / written:>8.0f} events/s   "
        f"deliver {events / delivering:>8.0f} events/s   ({events} events, {batch} per transaction)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, "-m", "bench.events", *sys.argv[1:]]))
    with tempfile.TemporaryDirectory() as scratch:

        def settings(name: str, **overrides: Any) -> Settings:
            url = args.database_url or f"sqlite+aiosqlite:///{scratch}/{name}.db"
            values: dict[str, Any] = {"env": Environment.TEST, "database_url": url, "var_dir": Path(scratch)}
            return Settings(**values, run_background=False, **overrides)

        kind = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
        await run(settings("inprocess"), events=args.events, batch=args.batch, label=f"in-process ({kind})")
        if not nats_is_up():
            print("NATS JetStream not running on 127.0.0.1:4222: NATS run skipped")
            return
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        try:
            await run(
                settings("nats", events_backend="nats", nats_subject_prefix=prefix),
                events=args.events, batch=args.batch, label=f"NATS JetStream ({kind})",
            )  # fmt: skip
        finally:
            import nats

            connection = await nats.connect("nats://127.0.0.1:4222")
            await connection.jetstream().delete_stream(stream_name(prefix))
            await connection.close()


if __name__ == "__main__":
    asyncio.run(main())
