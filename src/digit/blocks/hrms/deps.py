"""The blocks HRMS is built from, looked up once from the platform (their client interfaces only)."""

from __future__ import annotations

from digit.blocks.boundary.client import BOUNDARY_CLIENT
from digit.blocks.encryption.client import ENCRYPTION_CLIENT
from digit.blocks.hrms.service import Hrms
from digit.blocks.idgen.client import IDGEN_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.user.client import USER_CLIENT
from digit.kernel.platform import Platform


def hrms_of(platform: Platform) -> Hrms:
    return Hrms(
        platform=platform,
        mdms=platform.get(MDMS_CLIENT),
        boundaries=platform.get(BOUNDARY_CLIENT),
        users=platform.get(USER_CLIENT),
        enc=platform.get(ENCRYPTION_CLIENT),
        idgen=platform.get(IDGEN_CLIENT),
    )
