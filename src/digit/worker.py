"""`digit worker`: every block's periodic work, the outbox dispatcher included, in a process of its own.

API processes then serve requests only (`run_background` off), so background work neither competes with
requests for a worker's CPU nor holds up its shutdown; operators run one worker, or several for failover:
leader jobs run once per cluster whichever workers are up (kernel/periodic.py).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from digit import __version__
from digit.app import build_platform
from digit.kernel.periodic import BackgroundRunner
from digit.kernel.settings import Settings

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the periodic jobs until `stop` is set or the process gets SIGTERM/SIGINT, then stop them promptly."""
    platform, blocks = build_platform(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    runner = BackgroundRunner(platform, platform.background)
    try:
        runner.start()
        log.info("worker_started", extra={"blocks": [b.name for b in blocks], "version": __version__})
        await stop.wait()
        log.info("worker_stopping")
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        await runner.stop()
        await platform.close()
        log.info("worker_stopped")
