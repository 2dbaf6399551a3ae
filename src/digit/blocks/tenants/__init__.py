"""tenant-management: create tenants through the API (they live in MDMS `tenant.tenants`)."""

from __future__ import annotations

from digit.blocks.tenants.api import router
from digit.kernel.blocks import Block

BLOCK = Block(name="tenants", routers=[router], depends=("mdms",))
