"""Billing: tax heads and periods from MDMS, demands (with history), bills v2 built from open demands."""

from __future__ import annotations

from digit.blocks.billing.api import FETCH_BILL, router
from digit.blocks.billing.client import BILLING_CLIENT, InProcessBillingClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(BILLING_CLIENT, InProcessBillingClient(platform))


BLOCK = Block(
    name="billing", routers=[router], depends=("mdms", "idgen"), install=install, anonymous_routes=(FETCH_BILL,)
)
