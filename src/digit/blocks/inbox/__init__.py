"""Inbox (DIGIT inbox v2): an employee's work list over the workflow's current states."""

from __future__ import annotations

from digit.blocks.inbox.api import router, v2_router
from digit.blocks.inbox.client import INBOX_CLIENT, InProcessInboxClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(INBOX_CLIENT, InProcessInboxClient())


BLOCK = Block(name="inbox", routers=[router, v2_router], depends=("workflow",), install=install)
