"""Billing: tax heads and periods from MDMS, demands (with history), bills v2 built from open demands."""

from __future__ import annotations

from digit.blocks.billing.api import FETCH_BILL, router
from digit.blocks.billing.client import BILLING_CLIENT, InProcessBillingClient
from digit.blocks.billing.deps import BILLING_DEPS, BillingDeps
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    deps = BillingDeps.of(platform)
    platform.provide(BILLING_DEPS, deps)
    platform.provide(BILLING_CLIENT, InProcessBillingClient(deps))


BLOCK = Block(
    name="billing",
    routers=[router],
    depends=("mdms", "idgen", "user"),  # user: a demand's payer must be an existing citizen (billing/deps.py)
    install=install,
    anonymous_routes=(FETCH_BILL,),
)
