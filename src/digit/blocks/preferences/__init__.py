"""user-preference: a person's own preferences (notification consent per channel, preferred language)."""

from __future__ import annotations

from digit.blocks.preferences.api import router
from digit.kernel.blocks import Block

BLOCK = Block(name="preferences", routers=[router])
