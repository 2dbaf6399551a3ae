"""What the analytics block is built from, gathered once at install time into one typed object.

The service, the consumers and the rebuild take an `AnalyticsDeps`; none of them looks anything up on the
platform, so what the block needs is written here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.kernel.clock import Clock
from digit.kernel.platform import Key, Platform


@dataclass(frozen=True)
class AnalyticsDeps:
    mdms: MdmsClient
    clock: Clock
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def of(cls, platform: Platform) -> AnalyticsDeps:
        """Built by the block's `install` (MDMS is installed first: analytics depends on it)."""
        return cls(
            mdms=platform.get(MDMS_CLIENT),
            clock=platform.clock,
            sessions=platform.sessions,
            read_sessions=platform.read_sessions,
        )


ANALYTICS_DEPS = Key[AnalyticsDeps](AnalyticsDeps)
"""The platform key of the block's `AnalyticsDeps` (the API routes and the consumers read it)."""
