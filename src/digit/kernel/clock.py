"""Time as DIGIT speaks it (UTC epoch milliseconds), behind an injectable clock for tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FrozenClock:
    """A clock that moves only when told to (plus `tick_ms` per reading, so events keep their order)."""

    def __init__(self, now_ms: int, *, tick_ms: int = 0) -> None:
        self._now_ms = now_ms
        self._tick_ms = tick_ms

    def now_ms(self) -> int:
        self._now_ms += self._tick_ms
        return self._now_ms

    def advance(self, *, ms: int = 0, seconds: int = 0, minutes: int = 0, hours: int = 0, days: int = 0) -> None:
        self._now_ms += ms + 1000 * (seconds + 60 * (minutes + 60 * (hours + 24 * days)))
