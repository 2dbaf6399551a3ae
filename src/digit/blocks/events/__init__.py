"""Admin of the event outbox: dead letters (list, replay) and counts. Delivery itself is `digit.kernel.dispatch`."""

from __future__ import annotations

from digit.blocks.events.api import router
from digit.kernel.blocks import Block

BLOCK = Block(name="events", routers=[router])
