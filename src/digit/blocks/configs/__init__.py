"""config-service: configuration entries by schema code, read from master data (search only)."""

from __future__ import annotations

from digit.blocks.configs.api import router
from digit.kernel.blocks import Block

BLOCK = Block(name="configs", routers=[router], depends=("mdms",))
