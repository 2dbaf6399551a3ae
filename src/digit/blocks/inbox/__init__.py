"""Inbox (DIGIT inbox v2): an employee's work list over the workflow's current states."""

from __future__ import annotations

from digit.blocks.inbox.api import router
from digit.blocks.inbox.client import InboxClient, InProcessInboxClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(InboxClient, InProcessInboxClient())  # type: ignore[type-abstract]


BLOCK = Block(name="inbox", routers=[router], depends=("workflow",), install=install)
