"""egov-accesscontrol: role-action mappings from MDMS, the gate's AccessProvider, `_authorize`."""

from __future__ import annotations

from digit.blocks.access.api import router
from digit.blocks.access.client import AccessClient, MdmsAccessProvider
from digit.blocks.access.service import RoleActionIndex
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform
from digit.kernel.security import AccessProvider


def install(platform: Platform) -> None:
    index = RoleActionIndex(platform.get(MdmsClient))  # type: ignore[type-abstract]
    provider = MdmsAccessProvider(platform, index)
    platform.provide(RoleActionIndex, index)
    platform.provide(AccessProvider, provider)  # type: ignore[type-abstract]
    platform.provide(AccessClient, provider)  # type: ignore[type-abstract]


BLOCK = Block(name="access", routers=[router], depends=("mdms", "user"), install=install)
