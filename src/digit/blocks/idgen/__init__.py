"""ID generation (egov-idgen): DIGIT's id formats, gap-free sequences per state tenant."""

from __future__ import annotations

from digit.blocks.idgen.api import router
from digit.blocks.idgen.client import IDGEN_CLIENT, InProcessIdgenClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(IDGEN_CLIENT, InProcessIdgenClient(platform))


BLOCK = Block(name="idgen", routers=[router], depends=("mdms",), install=install)
