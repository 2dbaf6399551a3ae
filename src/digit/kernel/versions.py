"""Per-process caches that every process drops when the data behind them changes anywhere.

The hot path must not read the same configuration or the same user on every request, yet an API
process must see a logout, a role change or a new workflow version made by another process. Each kind
of cached data has a named counter in `eg_kernel_version`; whoever changes the data bumps its counter
in the same transaction. A process reads all counters in one statement at most once per
`cache_check_ms`, and drops the caches whose counter moved. So a change made elsewhere is seen within
that interval, and a change made in this process at once (the writer drops its own caches, and checks
the counters on every read for one interval, so a read racing the writer's commit cannot pin old data).

Entries also expire after `ttl_ms`, a safety net that bounds how long a missed bump could matter.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import BigInteger, String, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import Executable

from digit.kernel.clock import Clock
from digit.kernel.db import READ_ONLY_OPTION, VERSIONS_INFO, Audited, Base, conflict_insert

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_NEVER = -(10**15)


class VersionCounterRow(Audited, Base):
    """How many times the data of one cache kind (`user-auth`, `workflow-config`, ...) has changed.

    Platform-wide (`tenant_id` is `*`); the audit fields say when it was made, not each bump."""

    __tablename__ = "eg_kernel_version"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def counter_audit() -> dict[str, Any]:
    """The audit fields of a version counter's first row, here and in the blocks' own counters: platform-wide
    (`tenant_id` is `*`), made by the system at time 0."""
    return {
        "tenant_id": "*",
        "created_by": "system",
        "created_time": 0,
        "last_modified_by": "system",
        "last_modified_time": 0,
    }


def _upsert(bind: AsyncSession | Connection, name: str) -> Executable:
    bumped = {"version": VersionCounterRow.version + 1}
    first = {"name": name, "version": 1, **counter_audit(), "row_version": 1}
    insert = conflict_insert(bind, VersionCounterRow).values(first)
    return insert.on_conflict_do_update(index_elements=["name"], set_=bumped)


def watch_of(session: AsyncSession) -> VersionWatch | None:
    """The platform's watch, carried by every session the platform makes (None for a bare session)."""
    watch = session.info.get(VERSIONS_INFO)
    return watch if isinstance(watch, VersionWatch) else None


def shared_cache(session: AsyncSession, name: str, *, counter: str) -> VersionedCache[Any, Any] | None:
    """The process cache `name` for code that holds only a session; None when the session has no platform
    or has itself changed `counter` (what it reads may not be committed, so it must not be cached)."""
    watch = watch_of(session)
    if watch is None or counter in session.info.get(_BUMPED_INFO, ()):
        return None
    return watch.shared(name, counter=counter)


class _Clearable(Protocol):
    def clear(self) -> None: ...


_BUMPED_INFO = "digit_bumped"


async def bump(session: AsyncSession, name: str, watch: VersionWatch | None = None) -> None:
    """Count a change of `name` data in the caller's transaction (one statement), and drop this process's caches."""
    await session.execute(_upsert(session, name))
    session.info.setdefault(_BUMPED_INFO, set()).add(name)
    if watch is not None:
        watch.changed_here(name)


def bump_in_flush(connection: Connection, name: str) -> None:
    """`bump` for ORM flush events, which run with a synchronous connection."""
    connection.execute(_upsert(connection, name))


class VersionWatch:
    """The counters as this process last saw them, and the caches to drop when one moves."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, check_ms: int) -> None:
        self._engine = engine.execution_options(**{READ_ONLY_OPTION: True})  # on SQLite, never queue behind writers
        self._clock = clock
        self._check_ms = check_ms
        self._seen: dict[str, int] = {}
        self._caches: dict[str, list[_Clearable]] = {}
        self._shared: dict[str, VersionedCache[Any, Any]] = {}
        self._checked_at = _NEVER
        self._eager_until = _NEVER

    def cache(
        self, name: str, *, also: Sequence[str] = (), max_entries: int = 10_000, ttl_ms: int = 60_000
    ) -> VersionedCache[K, V]:
        """A new cache dropped whenever counter `name` (or one of `also`) moves."""
        made: VersionedCache[K, V] = VersionedCache(self, max_entries=max_entries, ttl_ms=ttl_ms)
        for counter in (name, *also):
            self._caches.setdefault(counter, []).append(made)
        return made

    def shared(
        self, name: str, *, counter: str, max_entries: int = 10_000, ttl_ms: int = 600_000
    ) -> VersionedCache[Any, Any]:
        """The process's one cache called `name` (made on first use), for code that reaches the platform
        only through a session (`watch_of(session)`); dropped whenever `counter` moves."""
        found = self._shared.get(name)
        if found is None:
            found = self._shared[name] = self.cache(counter, max_entries=max_entries, ttl_ms=ttl_ms)
        return found

    def changed_here(self, name: str) -> None:
        for cache in self._caches.get(name, ()):
            cache.clear()
        self._checked_at = _NEVER
        self._eager_until = self._clock.now_ms() + max(self._check_ms, 1000)

    async def refresh(self) -> None:
        """Read the counters if the last look is older than the interval; drop the caches of those that moved."""
        now = self._clock.now_ms()
        if now - self._checked_at < self._check_ms and now > self._eager_until:
            return
        self._checked_at = now
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(VersionCounterRow.name, VersionCounterRow.version))).all()
        for name, version in rows:
            if self._seen.get(name, 0) != version:  # a counter born since the last look moved too
                for cache in self._caches.get(name, ()):
                    cache.clear()
            self._seen[name] = version

    def now_ms(self) -> int:
        return self._clock.now_ms()


class VersionedCache(Generic[K, V]):
    """A bounded map of entries that live at most `ttl_ms`, dropped whole when its counter moves."""

    def __init__(self, watch: VersionWatch, *, max_entries: int, ttl_ms: int) -> None:
        self._watch = watch
        self._max = max_entries
        self._ttl_ms = ttl_ms
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()

    async def get(self, key: K) -> V | None:
        await self._watch.refresh()
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= self._watch.now_ms():
            self._entries.pop(key, None)
            return None
        return found[1]

    def peek(self, key: K) -> V | None:
        """The entry without looking at the counters (for data no counter covers, e.g. what exists)."""
        found = self._entries.get(key)
        return found[1] if found is not None and found[0] > self._watch.now_ms() else None

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= self._max:
            self._entries.popitem(last=False)
        self._entries[key] = (self._watch.now_ms() + self._ttl_ms, value)

    def clear(self) -> None:
        self._entries.clear()
