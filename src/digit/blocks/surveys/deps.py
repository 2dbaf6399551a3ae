"""The blocks surveys are built from, fetched from the platform (their client interfaces only)."""

from __future__ import annotations

from dataclasses import dataclass

from digit.blocks.idgen.client import IDGEN_CLIENT, IdgenClient
from digit.blocks.user.client import USER_CLIENT, UserClient
from digit.kernel.clock import Clock
from digit.kernel.platform import Platform


@dataclass(frozen=True)
class SurveysDeps:
    idgen: IdgenClient
    users: UserClient
    clock: Clock

    @classmethod
    def of(cls, platform: Platform) -> SurveysDeps:
        return cls(
            idgen=platform.get(IDGEN_CLIENT),
            users=platform.get(USER_CLIENT),
            clock=platform.clock,
        )
