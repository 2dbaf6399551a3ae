"""Billing: tax heads and periods from MDMS, demands (with history), bills v2 built from open demands."""

from __future__ import annotations

from digit.blocks.billing.api import router
from digit.blocks.billing.client import BillingClient, InProcessBillingClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(BillingClient, InProcessBillingClient(platform))  # type: ignore[type-abstract]


BLOCK = Block(name="billing", routers=[router], depends=("mdms", "idgen"), install=install)
