"""Periodic background work: what a block declares, who runs it, and the one loop that runs it.

A block lists `Periodic(name, every_s, run, leader=...)` in `Block.background`. `digit worker` (or an API
process with `run_background`) runs each with `run_periodic`: a round, then a sleep of `every_s`, until
cancelled. A failed round is logged by job name and error class only (messages may carry PII) and the
loop goes on. Cancelling lets the round in progress finish for up to `ROUND_GRACE_S` (no database call
is dropped half-way), then cancels it: a process stops within a few seconds of SIGTERM.

Leadership, for work that must run once per cluster (`leader=True`): one scheme for every job.

- PostgreSQL: the process's leader session (one connection, kept open) holds a session-level advisory
  lock per job (`pg_try_advisory_lock`, key from the job name). When the process dies its connection
  closes, PostgreSQL frees the locks and another process takes them at its next round. Before each round
  the leader checks that its session still lives, so a leader that lost its connection stops leading.
- SQLite (one machine): an exclusive `flock` on a file beside the database, per job; the kernel frees it
  when the process dies. Without a database file (`:memory:`) or `fcntl`, the process leads alone.

`Leadership.round()` is for work done on demand (an admin's "run now", tests' `drain`): it enters when
this process leads, or takes the lock for that round only (waiting for it with `wait=True`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from digit.kernel.errors import DomainError

try:  # POSIX only; elsewhere a SQLite process leads alone
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms we run
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from digit.kernel.platform import Platform
    from digit.kernel.settings import Settings

log = logging.getLogger(__name__)

ROUND_GRACE_S = 2.0  # on cancel, how long a round in progress may take to finish
LIVENESS_CHECK_S = 1.0  # a leader checks its session at most this often
WAIT_POLL_S = 0.05  # how often `round(wait=True)` retries a SQLite file lock


@dataclass(frozen=True)
class Periodic:
    """One piece of periodic work. `run` does one round and returns how much it did (0 = idle).

    `every_s` is seconds between rounds (or a function of the settings, e.g. the dispatcher's poll);
    `leader` = once per cluster; `busy_again` = a round that did work is followed at once by another
    (the dispatcher drains a backlog in bounded rounds, so a stop waits for one batch at most);
    `close` releases what the rounds kept open (the dispatcher's NATS connection) when the loop stops.
    """

    name: str
    every_s: float | Callable[[Settings], float]
    run: Callable[[Platform], Awaitable[int]]
    leader: bool = True
    busy_again: bool = False
    close: Callable[[Platform], Awaitable[None]] | None = None
    busy_pause_s: float | Callable[[Settings], float] = 0.0
    """With `busy_again`: the pause after a round that did work. A short one lets work pile up, so that under
    steady load each round handles a batch instead of the one or two items that arrived meanwhile (the
    dispatcher's per-round cost is the same for 1 event or 500)."""

    def interval(self, settings: Settings) -> float:
        return self.every_s(settings) if callable(self.every_s) else self.every_s

    def pause_after(self, done: int, settings: Settings) -> float:
        """Seconds to wait before the next round, after one that did `done` items."""
        if done and self.busy_again:
            return self.busy_pause_s(settings) if callable(self.busy_pause_s) else self.busy_pause_s
        return max(self.interval(settings), 0.01)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.sha256(f"digit:{name}".encode()).digest()[:8], "big", signed=True)


def error_name(error: BaseException) -> str:
    """What went wrong, without the message (messages may carry PII): class name, plus a DomainError's code."""
    name = type(error).__name__
    return f"{name}:{error.code}"[:200] if isinstance(error, DomainError) else name[:200]


# ---------------------------------------------------------------------------------------------- leadership


class _FileLocks:
    """SQLite: one `flock`ed file per job beside the database file."""

    def __init__(self, database_url: str) -> None:
        database = make_url(database_url).database
        self._base = None if not database or database == ":memory:" or fcntl is None else Path(database)
        self._held: dict[str, int] = {}

    def path(self, name: str) -> Path | None:
        return None if self._base is None else self._base.with_name(f"{self._base.name}.leader-{name}.lock")

    def try_lock(self, name: str) -> int | None:
        """A file descriptor holding the lock, -1 when there is nothing to lock, None when another holds it."""
        path = self.path(name)
        if path is None:
            return -1
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def unlock(fd: int) -> None:
        if fd >= 0:
            os.close(fd)  # closing the descriptor frees the flock

    def acquire(self, name: str) -> bool:
        if name in self._held:
            return True
        fd = self.try_lock(name)
        if fd is None:
            return False
        self._held[name] = fd
        return True

    def release(self, name: str) -> None:
        fd = self._held.pop(name, None)
        if fd is not None:
            self.unlock(fd)

    def release_all(self) -> None:
        for name in list(self._held):
            self.release(name)

    def holds(self, name: str) -> bool:
        return name in self._held


class Leaders:
    """This process's leadership: the leader session's locks (PostgreSQL) or file locks (SQLite)."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self._files = _FileLocks(platform.settings.database_url) if platform.settings.is_sqlite else None
        self._connection: AsyncConnection | None = None
        self._held: set[str] = set()
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    def holds(self, name: str) -> bool:
        return self._files.holds(name) if self._files is not None else name in self._held

    async def acquire(self, name: str) -> bool:
        """Lead `name` (True if this process already does or now does)."""
        if self._files is not None:
            if self._files.holds(name):
                return True
            got = self._files.acquire(name)
            if got:
                log.info("leader_elected", extra={"job": name})
            return got
        async with self._lock:
            try:
                if name in self._held:
                    return await self._alive()
                connection = await self._session()
                got = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(name)}))
            except (SQLAlchemyError, OSError) as error:
                log.warning("leadership_lost", extra={"job": name, "error": error_name(error)})
                await self._drop()
                return False
            if got:
                self._held.add(name)
                log.info("leader_elected", extra={"job": name})
            elif not self._held:
                await self._drop()  # leading nothing: the session goes back to the pool
            return got

    async def release(self, name: str) -> None:
        if self._files is not None:
            self._files.release(name)
            return
        async with self._lock:
            if name not in self._held:
                return
            self._held.discard(name)
            try:
                assert self._connection is not None
                await self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(name)})
            except (SQLAlchemyError, OSError):
                await self._drop()
                return
            if not self._held:
                await self._drop()

    async def release_all(self) -> None:
        if self._files is not None:
            self._files.release_all()
            return
        async with self._lock:
            await self._drop()

    async def _session(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._platform.engine.connect()
            try:
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await connection.close()
                raise
            self._checked_at = time.monotonic()
        return self._connection

    async def _alive(self) -> bool:
        """Is the leader session still there? (Its locks went with it if not.) Raises when it is gone."""
        if time.monotonic() - self._checked_at < LIVENESS_CHECK_S:
            return True
        assert self._connection is not None
        await self._connection.execute(text("SELECT 1"))
        self._checked_at = time.monotonic()
        return True

    async def _drop(self) -> None:
        """Let go of every lock and of the leader session (back to the pool only once it holds no lock)."""
        connection, self._connection = self._connection, None
        held, self._held = self._held, set()
        if connection is None:
            return
        try:
            if held:
                await connection.execute(text("SELECT pg_advisory_unlock_all()"))
        except (SQLAlchemyError, OSError):  # the session may be gone already: never pool it again
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.invalidate()
        with contextlib.suppress(SQLAlchemyError, OSError):
            await connection.close()

    @contextlib.asynccontextmanager
    async def round(self, name: str, *, wait: bool) -> AsyncIterator[bool]:
        """Enter if this process leads `name`, else take its lock for this round only (True if entered)."""
        if self.holds(name):
            yield True
            return
        if self._files is not None:
            async with self._file_round(name, wait=wait) as held:
                yield held
            return
        async with self._platform.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            key = {"k": lock_key(name)}
            if wait:
                await connection.execute(text("SELECT pg_advisory_lock(:k)"), key)
                held = True
            else:
                held = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), key))
            try:
                yield held
            finally:
                if held:
                    await connection.execute(text("SELECT pg_advisory_unlock(:k)"), key)

    @contextlib.asynccontextmanager
    async def _file_round(self, name: str, *, wait: bool) -> AsyncIterator[bool]:
        assert self._files is not None
        fd = self._files.try_lock(name)
        while fd is None and wait:
            await asyncio.sleep(WAIT_POLL_S)
            fd = self._files.try_lock(name)
        try:
            yield fd is not None
        finally:
            if fd is not None:
                self._files.unlock(fd)


def leaders(platform: Platform) -> Leaders:
    """The platform's leadership (made on first use)."""
    found = platform.find(Leaders)
    if found is None:
        found = Leaders(platform)
        platform.provide(Leaders, found)
    return found


class Leadership:
    """One job's leadership in this process: `acquire`, `release`, and `round` for on-demand work."""

    def __init__(self, platform: Platform, name: str) -> None:
        self._platform = platform
        self.name = name

    async def acquire(self) -> bool:
        return await leaders(self._platform).acquire(self.name)

    async def release(self) -> None:
        await leaders(self._platform).release(self.name)

    def round(self, *, wait: bool = False) -> contextlib.AbstractAsyncContextManager[bool]:
        return leaders(self._platform).round(self.name, wait=wait)


# ---------------------------------------------------------------------------------------------- the loop


async def _finish_when_cancelled(work: Awaitable[int]) -> int:
    """Await a round; if cancelled meanwhile, give it `ROUND_GRACE_S` to finish, then cancel it."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        done, _ = await asyncio.wait({task}, timeout=ROUND_GRACE_S)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        raise


async def run_round(platform: Platform, job: Periodic) -> int:
    """One round of `job` if this process may run it now (a leader job: if it leads); 0 when it may not."""
    if job.leader and not await leaders(platform).acquire(job.name):
        return 0
    return await _finish_when_cancelled(job.run(platform))


async def run_periodic(platform: Platform, job: Periodic) -> None:
    """Round, sleep, round ... until cancelled; failures are logged (job and error class) and survived."""
    try:
        while True:
            done = 0
            try:
                done = await run_round(platform, job)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - one failed round never stops the loop
                log.warning("periodic_round_failed", extra={"job": job.name, "error": error_name(error)})
                if job.close is not None:
                    with contextlib.suppress(Exception):
                        await job.close(platform)
            await asyncio.sleep(job.pause_after(done, platform.settings))
    finally:
        if job.close is not None:
            with contextlib.suppress(Exception):
                await job.close(platform)
        if job.leader:
            with contextlib.suppress(Exception):
                await leaders(platform).release(job.name)


class BackgroundRunner:
    """Runs a platform's periodic jobs as tasks of the running loop; `stop` cancels them promptly."""

    def __init__(self, platform: Platform, jobs: Sequence[Periodic]) -> None:
        self._platform = platform
        self._jobs = list(jobs)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(run_periodic(self._platform, job), name=job.name) for job in self._jobs]
        if self._jobs:
            log.info("background_started", extra={"jobs": [job.name for job in self._jobs]})

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        results: list[Any] = await asyncio.gather(*tasks, return_exceptions=True)
        for job, result in zip(self._jobs, results, strict=False):
            if isinstance(result, Exception):
                log.warning("periodic_stop_failed", extra={"job": job.name, "error": error_name(result)})
        with contextlib.suppress(Exception):
            await leaders(self._platform).release_all()
