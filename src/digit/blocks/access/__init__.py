"""egov-accesscontrol: role-action mappings from MDMS, the gate's AccessProvider, `_authorize`."""

from __future__ import annotations

from digit.blocks.access.api import router
from digit.blocks.access.client import ACCESS_CLIENT, MdmsAccessProvider
from digit.blocks.access.service import RoleActionIndex
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform
from digit.kernel.security import ACCESS_PROVIDER


def install(platform: Platform) -> None:
    index = RoleActionIndex(platform.get(MDMS_CLIENT))
    provider = MdmsAccessProvider(platform, index)
    platform.provide(RoleActionIndex, index)
    platform.provide(ACCESS_PROVIDER, provider)
    platform.provide(ACCESS_CLIENT, provider)


BLOCK = Block(name="access", routers=[router], depends=("mdms", "user"), install=install)
