"""The blocks billing is built from, handed to its rules once, at install (their client interfaces only).

All three are declared in `depends`: demands are checked against MDMS masters, bill and amendment numbers come
from idgen, and a demand's payer must be an existing citizen of the user block (as DIGIT's billing-service checks
it against egov-user). Without the user block billing does not start, rather than silently stop checking payers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from digit.blocks.idgen.client import IDGEN_CLIENT, IdgenClient
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.blocks.user.client import USER_CLIENT, UserClient
from digit.kernel.deps import PlatformDep
from digit.kernel.platform import Key, Platform


@dataclass(frozen=True)
class BillingDeps:
    platform: Platform  # clock and read sessions
    mdms: MdmsClient
    idgen: IdgenClient
    users: UserClient

    @classmethod
    def of(cls, platform: Platform) -> BillingDeps:
        return cls(
            platform=platform,
            mdms=platform.get(MDMS_CLIENT),
            idgen=platform.get(IDGEN_CLIENT),
            users=platform.get(USER_CLIENT),
        )


BILLING_DEPS = Key[BillingDeps](BillingDeps)
"""The platform key of billing's `BillingDeps`, provided at install."""


async def billing_deps(platform: PlatformDep) -> BillingDeps:
    return platform.get(BILLING_DEPS)


BillingDepsDep = Annotated[BillingDeps, Depends(billing_deps)]
"""Route handlers receive billing's dependencies as a parameter of this type."""
