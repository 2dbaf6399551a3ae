"""The running platform: settings, database, clock, metrics and the clients blocks offer each other.

One `Platform` is built by `create_app(settings)` (or by the CLI) and lives on `app.state`; there is
no module-level state anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from digit.kernel.clock import Clock, SystemClock
from digit.kernel.db import VERSIONS_INFO, create_engine, create_read_sessions, create_sessions
from digit.kernel.observability import Metrics
from digit.kernel.settings import Settings
from digit.kernel.versions import VersionWatch

if TYPE_CHECKING:
    from digit.kernel.periodic import Periodic

T = TypeVar("T")


class Key(Generic[T]):
    """The typed name of what a block offers on the platform: `platform.get(MDMS_CLIENT)` is an `MdmsClient`.

    Interfaces are Protocols, and mypy rightly refuses a Protocol where `type[T]` is expected; a key made
    once beside the interface (`MDMS_CLIENT = Key[MdmsClient](MdmsClient)`) carries the type instead.
    """

    __slots__ = ("interface",)

    def __init__(self, interface: object) -> None:
        self.interface = interface

    def __repr__(self) -> str:
        return f"Key({getattr(self.interface, '__name__', self.interface)})"


def _slot(kind: Key[Any] | type[Any]) -> object:
    return kind.interface if isinstance(kind, Key) else kind


@dataclass
class Platform:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    versions: VersionWatch
    metrics: Metrics = field(default_factory=Metrics)
    _services: dict[Any, Any] = field(default_factory=dict)
    background: list[Periodic] = field(default_factory=list)  # every block's periodic work (kernel/periodic.py)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Platform:
        engine = create_engine(settings)
        clock = clock or SystemClock()
        versions = VersionWatch(engine, clock, check_ms=settings.cache_check_ms)
        info = {VERSIONS_INFO: versions}
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_sessions(engine, info),
            read_sessions=create_read_sessions(engine, info),
            clock=clock,
            versions=versions,
        )

    def provide(self, kind: Key[T] | type[T], implementation: T) -> None:
        """Register what a block offers others (its client), under its interface's key."""
        self._services[_slot(kind)] = implementation

    def get(self, kind: Key[T] | type[T]) -> T:
        try:
            return cast(T, self._services[_slot(kind)])
        except KeyError:
            raise LookupError(f"no {kind!r} on this platform: is its block enabled?") from None

    def find(self, kind: Key[T] | type[T]) -> T | None:
        return cast(T | None, self._services.get(_slot(kind)))

    async def close(self) -> None:
        await self.engine.dispose()
